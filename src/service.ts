import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { AgentRoster } from './agents/roster.js';
import { AgentService } from './agents/service.js';
import { buildApi } from './api/server.js';
import { AriApp, type CallRoute } from './ari/app.js';
import type { CallJournal, CallSession } from './ari/session.js';
import type { Config } from './config/schema.js';
import { CampaignBook } from './dialer/campaigns.js';
import { DialerService } from './dialer/dialer.js';
import { greetingHandler } from './inbound/greeting.js';
import { HotlineQueue } from './inbound/queue.js';
import { FlowCatalog } from './ivr/catalog.js';
import { IvrEngine } from './ivr/engine.js';
import { VoiceMessageKeeper } from './ivr/messages.js';
import { PromptLibrary } from './ivr/prompts.js';
import { IvrRecords } from './ivr/records.js';
import { failInterruptedImports, LeadImporter } from './leads/import.js';
import { scheduleLeadPurge } from './leads/purge.js';
import { LeadService } from './leads/service.js';
import { EventBus } from './lib/events.js';
import { createLogger, type Logger, maskNumber } from './lib/logger.js';
import { Metrics } from './lib/metrics.js';
import { dayBounds, localDay } from './lib/time.js';
import { CallRecorder, type RecordingMeta, recordingPrefix } from './recording/capture.js';
import { RecordingFinalizer } from './recording/finalizer.js';
import { RecordingLibrary } from './recording/library.js';
import { QaService } from './recording/qa.js';
import { RecordingPurger } from './recording/retention.js';
import { openStore, type Store } from './store/index.js';

export interface Service {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  redis: Redis;
  ari: AriApp;
  ivr: IvrEngine;
  catalog: FlowCatalog;
  prompts: PromptLibrary;
  agents: AgentService;
  hotline: HotlineQueue;
  bus: EventBus;
  recorder: CallRecorder;
  finalizer: RecordingFinalizer;
  campaigns: CampaignBook;
  dialer: DialerService;
  api: FastifyInstance;
  /** Address the API listens on (after listen). */
  url: string;
  /** Graceful stop: refuse new calls, let live ones run up to the drain timeout, then close everything. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  logger?: Logger;
  /** Don't bind the HTTP port (tests that use inject). */
  listen?: boolean;
  onCommandLatency?: (ms: number) => void;
  onDtmfToPrompt?: (ms: number) => void;
  /** Routing decision to hotline caller bridged with the agent (benchmarks). */
  onHotlineConnect?: (ms: number) => void;
  onRecordingFinalized?: (ms: number) => void;
  /** A customer call placed for an agent (benchmarks: disposition to next call). */
  onDialing?: (agentId: string, attemptId: string) => void;
  /** The service's clock (tests fix it to check business hours). */
  now?: () => Date;
}

/** The store as the call sessions' journal, scoped to this instance. */
function journalFor(
  store: Store,
  instanceId: string,
): CallJournal & { listOpen(): { id: string; channelId: string }[] } {
  return {
    opened: (c) =>
      store.calls.open({
        id: c.id,
        channelId: c.channelId,
        instanceId,
        direction: c.direction,
        callerMasked: c.caller || null,
        dnis: c.dnis || null,
        startedAt: c.startedAt.getTime(),
      }),
    answered: (id, at) => store.calls.markAnswered(id, at.getTime()),
    ended: (id, reason, at) => store.calls.markEnded(id, reason, at.getTime()),
    event: (id, event, detail) => store.calls.addEvent(id, event, detail),
    listOpen: () => store.calls.listOpen(instanceId),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForRedis(redis: Redis, timeoutMs: number, logger: Logger): Promise<void> {
  if (redis.status === 'ready') return;
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  if (!ready) logger.error('Redis not ready: starting without live state (agents logged out, queue empty)');
}

/** Builds and starts the whole service: store, Redis, ARI (connected and resynced), API. */
export async function startService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const logger =
    options.logger ??
    createLogger(config.log.level, { service: 'callcenter', instance: config.service.instanceId });
  const metrics = new Metrics();
  const store = openStore(config.store.path);
  const redis = new Redis(config.redis.url, {
    keyPrefix: config.redis.keyPrefix,
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: false,
  });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  // Live state is read from Redis at start (agents, queue): wait for it, but not forever.
  await waitForRedis(redis, 10_000, logger);

  const now = options.now ?? (() => new Date());
  const nowMs = () => now().getTime();
  const bus = new EventBus();
  const catalog = new FlowCatalog(store, { defaultFlow: config.ivr.defaultFlow, logger, now: nowMs });
  const prompts = new PromptLibrary(config.ivr.prompts.dir, config.ivr.prompts.pbxDir);
  if (config.ivr.flowsDir) catalog.seedFrom(config.ivr.flowsDir);
  // The inbound route runs the IVR; it is built after the ARI app it needs (see below).
  let ivr: IvrEngine | undefined;
  const greeting = greetingHandler(config.inbound.greeting);
  const inbound: CallRoute = {
    direction: 'inbound',
    handler: (session, start) => (ivr ? ivr.handle(session, start) : greeting(session, start)),
  };
  const ari = new AriApp({
    ari: config.ari,
    logger,
    metrics,
    journal: journalFor(store, config.service.instanceId),
    route: (start) => (start.args?.[0] === 'inbound' ? inbound : undefined),
    // orphanPolicy 'reattach': a caller found in the app after a restart starts the IVR again rather than
    // being dropped (the queue resumes its callers from saved state instead, once it exists).
    reattach: inbound,
    onCommandLatency: options.onCommandLatency,
  });

  const finalizer = new RecordingFinalizer({
    redisUrl: config.redis.url,
    prefix: config.redis.keyPrefix,
    rest: ari.rest,
    store,
    namePrefix: recordingPrefix(config.ari.app),
    dir: config.recording.dir,
    logger,
    attempts: config.recording.finalize.attempts,
    backoffMs: config.recording.finalize.backoffMs,
    onFinalized: (ms) => {
      metrics.recordingFinalize.observe(ms / 1000);
      options.onRecordingFinalized?.(ms);
    },
    onFailed: () => metrics.recordingFailures.inc(),
  });
  const recorder = new CallRecorder({
    appName: config.ari.app,
    store,
    logger,
    layout: config.recording.layout,
    finalize: (name, endedAt) => {
      finalizer
        .enqueue(name, endedAt)
        .catch((err: unknown) =>
          logger.error({ err, recording: name }, 'ALERT: could not queue recording finalize'),
        );
    },
    onFailed: () => metrics.recordingFailures.inc(),
  });
  /** Every connected call is recorded (from connect, or from answer when configured). */
  const record = (session: CallSession, moment: 'answer' | 'connect', meta: RecordingMeta) => {
    if (!config.recording.enabled) return;
    // Recording from answer already covers the connect (start is idempotent per call).
    if (moment === 'answer' && config.recording.from !== 'answer') return;
    recorder.start(session, meta).catch((err: unknown) => {
      if (!session.isEnded) session.log.error({ err }, 'ALERT: call recording could not start');
    });
  };

  const agents = new AgentService({ store, redis, ari, bus, logger, config: config.agents, now: nowMs });
  const hotline = new HotlineQueue({
    agents,
    ari,
    store,
    redis,
    bus,
    logger,
    config: config.hotline,
    now: nowMs,
    onConnect: (ms) => {
      metrics.hotlineConnect.observe(ms / 1000);
      options.onHotlineConnect?.(ms);
    },
    onConnected: (session, agent) => {
      store.recordings.setCallInfo(session.id, { agentId: agent.id, teamId: agent.teamId });
      record(session, 'connect', {
        direction: 'inbound',
        agentId: agent.id,
        teamId: agent.teamId,
        numberMasked: maskNumber(session.channel.caller?.number),
      });
    },
  });

  const campaigns = new CampaignBook(store, logger, nowMs);
  const dialer = new DialerService({
    store,
    redis,
    redisUrl: config.redis.url,
    keyPrefix: config.redis.keyPrefix,
    ari,
    agents,
    campaigns,
    bus,
    logger,
    metrics,
    config: config.dialer,
    now: nowMs,
    hotlineWaiting: () => hotline.waitingCount,
    onConnected: (session, meta) => record(session, 'connect', meta),
    onDialing: options.onDialing,
  });

  // Imports a crash cut short are marked failed (what they imported stays, with its error report).
  // Uploads are spooled under this instance's storage folder, not the shared /tmp: cleaning up after a
  // crash must never touch another instance's upload in progress.
  const spoolDir = join(config.storage.dir, 'lead-uploads');
  mkdirSync(spoolDir, { recursive: true });
  const interrupted = failInterruptedImports(store, Date.now(), spoolDir);
  if (interrupted > 0)
    logger.warn({ imports: interrupted }, 'lead imports interrupted by the last stop marked failed');
  const importer = new LeadImporter({
    store,
    logger,
    defaultCountry: config.dialer.defaultCountry,
    spoolDir,
  });

  const keeper = new VoiceMessageKeeper(ari.rest, store, join(config.storage.dir, 'voicemail'), logger);
  ivr = new IvrEngine({
    lines: config.ivr.lines,
    overflow: config.ivr.overflow,
    catalog,
    store,
    logger,
    today: () => localDay(config.ivr.timezone, now()),
    noFlow: greeting,
    onOverflow: () => metrics.ivrOverflows.inc(),
    onLines: (inUse, waiting) => {
      metrics.ivrLinesInUse.set(inUse);
      metrics.ivrWaiting.set(waiting);
    },
    services: {
      now,
      appName: config.ari.app,
      enterQueue: (session, queue) => hotline.enter(session, queue),
      onAnswered: (session) =>
        record(session, 'answer', {
          direction: 'inbound',
          numberMasked: maskNumber(session.channel.caller?.number),
        }),
      onConnected: (session) =>
        record(session, 'connect', {
          direction: 'inbound',
          numberMasked: maskNumber(session.channel.caller?.number),
        }),
      keepVoiceMessage: async (meta) => {
        await keeper.keep(meta);
      },
      requestCallback: ({ callId, number, source }) => {
        const id = randomUUID();
        store.callbacks.add({
          id,
          callId,
          number,
          numberMasked: maskNumber(number),
          source,
          requestedAt: now().getTime(),
        });
        logger.info({ callId, callbackId: id, number: maskNumber(number), source }, 'callback requested');
        return id;
      },
      onDtmfToPrompt: (ms) => {
        metrics.ivrDtmfToPrompt.observe(ms / 1000);
        options.onDtmfToPrompt?.(ms);
      },
    },
  });
  const ivrEngine = ivr;
  hotline.resumeIvr = (session, flow, node) => ivrEngine.resume(session, flow, node);
  const today = () => localDay(config.ivr.timezone, now());

  // The services the API's routes call: they own the writes to the store.
  const roster = new AgentRoster({ store, seats: agents, logger, now: nowMs });
  const library = new RecordingLibrary({
    store,
    logger,
    now: nowMs,
    control: { pause: (callId) => recorder.pause(callId), resume: (callId) => recorder.resume(callId) },
  });
  const qa = new QaService({ store, library, logger, now: nowMs });
  const leads = new LeadService({
    store,
    importer,
    logger,
    defaultCountry: config.dialer.defaultCountry,
    now: nowMs,
  });

  const api = await buildApi({
    config,
    logger,
    store,
    now: nowMs,
    metrics,
    readiness: [
      { name: 'ari', check: () => ari.isReady },
      { name: 'redis', check: async () => (await redis.ping()) === 'PONG' },
      { name: 'store', check: () => store.healthy() },
    ],
    ivr: { catalog, live: () => ivrEngine.snapshot(), today, prompts, records: new IvrRecords(store) },
    agents: {
      directory: agents,
      roster,
      queue: () => hotline.snapshot(),
      hotlineCalls: (from, to) => store.hotlineCalls.forDay(from, to),
      bus,
      today: () => dayBounds(config.ivr.timezone, now()),
    },
    recordings: {
      dir: config.recording.dir,
      rules: () => config.recording.retention,
      library,
      qa,
    },
    dialer: { campaigns, dialer, directory: agents, now: nowMs },
    leads: { leads },
  });

  metrics.sources.queue = () => hotline.snapshot();
  metrics.sources.agents = () => agents.list();
  metrics.sources.recordingsPending = () => finalizer.pending();

  // Listen first: liveness answers while ARI is still connecting; readiness says when it is.
  let url = '';
  if (options.listen !== false) {
    url = await api.listen({ host: config.api.host, port: config.api.port });
  }
  // Agents and the queue re-attach their calls during ARI's first resync, so they start first.
  await agents.start();
  hotline.start();
  if (config.dialer.enabled) await dialer.start();
  await ari.start();
  // Recordings Asterisk still holds from before (a crash, a restart) are finalized now.
  await finalizer
    .reconcile((callId) => ari.registry.get(callId) !== undefined)
    .catch((err: unknown) => logger.error({ err }, 'ALERT: could not reconcile recordings with the PBX'));
  // Retention: recordings past their campaign's (or the default) days are deleted, unless on legal hold.
  const purger = new RecordingPurger(store, logger, config.recording.dir);
  const purge = () => {
    try {
      const { purged, failed } = purger.runOnce(now().getTime(), config.recording.retention);
      if (purged.length || failed.length)
        logger.info({ purged: purged.length, failed: failed.length }, 'recording purge ran');
    } catch (err) {
      logger.error({ err }, 'recording purge failed');
    }
  };
  const purgeTimer = setInterval(purge, config.recording.purgeEveryMin * 60_000);
  purgeTimer.unref();
  // Leads: used ones and those past their campaign's days are deleted, keeping anonymized counts.
  const leadPurge = scheduleLeadPurge({ store, logger, everyMs: config.dialer.purgeEveryMin * 60_000 });
  logger.info({ app: config.ari.app, url }, 'service started');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info('stopping: refusing new calls, draining live ones');
      ari.stopAccepting();
      hotline.stop();
      await dialer.stop();
      clearInterval(purgeTimer);
      leadPurge.stop();
      // Customer calls may finish within the drain time; agent lines are not customer calls.
      const customerCalls = () => ari.registry.list().filter((c) => c.direction !== 'internal');
      const deadline = Date.now() + config.service.drainTimeoutMs;
      while (customerCalls().length > 0 && Date.now() < deadline) await sleep(200);
      const left = customerCalls();
      if (left.length > 0) {
        logger.warn({ live: left.length }, 'drain timeout: hanging up live calls');
        await Promise.all(left.map((c) => c.hangup('service shutdown')));
      }
      // Agent lines stay up by default, so a restart or the standby re-attaches them without
      // calling every agent again; `agents.keepLinesOnStop: false` hangs them up.
      agents.stop();
      if (!config.agents.keepLinesOnStop) await ari.hangupAll('service shutdown');
      // Recordings of the calls just ended: finish them now if quick (the jobs survive in Redis anyway).
      const finalizeBy = Date.now() + 10_000;
      while ((await finalizer.pending().catch(() => 0)) > 0 && Date.now() < finalizeBy) await sleep(200);
      await finalizer.close();
      await dialer.close();
      // The API first: an upload still arriving is registered before the importer collects its imports.
      await api.close();
      await importer.close();
      await ari.stop();
      redis.disconnect();
      store.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  return {
    config,
    logger,
    metrics,
    store,
    redis,
    ari,
    ivr: ivrEngine,
    catalog,
    prompts,
    agents,
    hotline,
    bus,
    recorder,
    finalizer,
    campaigns,
    dialer,
    api,
    url,
    stop,
  };
}

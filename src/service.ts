import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { AgentService } from './agents/service.js';
import type { AriApp } from './ari/app.js';
import type { CallControl } from './calls/service.js';
import type { Config } from './config/schema.js';
import type { CampaignBook } from './dialer/campaigns.js';
import type { DialerService } from './dialer/dialer.js';
import type { FaxService } from './fax/service.js';
import type { HotlineQueue } from './inbound/queue.js';
import type { FlowCatalog } from './ivr/catalog.js';
import type { IvrEngine } from './ivr/engine.js';
import type { PromptLibrary } from './ivr/prompts.js';
import type { EventBus } from './lib/events.js';
import type { Logger } from './lib/logger.js';
import type { Metrics } from './lib/metrics.js';
import type { CallRecorder } from './recording/capture.js';
import type { RecordingFinalizer } from './recording/finalizer.js';
import type { SmsService } from './sms/service.js';
import type { SoftphoneService } from './softphone/service.js';
import type { Store } from './store/index.js';
import { wireAccounts } from './wiring/accounts.js';
import { wireAgents } from './wiring/agents.js';
import { wireApi } from './wiring/api.js';
import { wireAri } from './wiring/ari.js';
import { wireCalls } from './wiring/calls.js';
import { wireCore } from './wiring/core.js';
import { wireDialer } from './wiring/dialer.js';
import { wireFax } from './wiring/fax.js';
import { IvrHandoff } from './wiring/handoff.js';
import { wireIvr } from './wiring/ivr.js';
import { wireLeads } from './wiring/leads.js';
import { Lifecycle } from './wiring/lifecycle.js';
import { wireReadyAgents } from './wiring/ready-agents.js';
import { wireRecording } from './wiring/recording.js';
import { wireSms } from './wiring/sms.js';
import { softphonesFollowRoster, wireSoftphone } from './wiring/softphone.js';
import { StasisRoutes } from './wiring/stasis-routes.js';
import { wireStore } from './wiring/store.js';
import { wireWorkspace } from './wiring/workspace.js';

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
  /** The controls of an agent's current call. */
  calls: CallControl;
  /** Bulk and single SMS. */
  sms: SmsService;
  /** The agents' browser softphones (credentials, endpoints pushed to Asterisk). */
  softphone: SoftphoneService;
  /** Faxes sent and received. */
  fax: FaxService;
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

/**
 * Builds and starts the whole service. Each domain is wired by its own function (src/wiring/), given what
 * it needs from the domains wired before it; its start and stop steps run in the phases of
 * src/wiring/lifecycle.ts (start: API listening, agents and dialer, ARI, reconcile, schedules; stop: the
 * drain), in the order the domains are wired here.
 */
export async function startService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const core = wireCore(config, options);
  const { logger } = core;
  const life = new Lifecycle(logger);
  // The IVR needs ARI and the hotline, which need the IVR (inbound route, max wait): they get its handoff.
  const ivrHandoff = new IvrHandoff();
  // Inbound numbers that are not the IVR's (fax numbers): routes filled by their domains.
  const stasisRoutes = new StasisRoutes();

  const { store, redis, redisGuard, readiness: storeProbes } = life.add(await wireStore(core));
  const { ari, readiness: ariProbes } = life.add(
    wireAri({
      core,
      store,
      inbound: ivrHandoff.handle,
      routes: stasisRoutes,
      onCommandLatency: options.onCommandLatency,
    }),
  );
  // Before the agents: the browsers' endpoints are pushed again before their lines are recovered.
  const { softphone, routes: softphoneRoutes } = life.add(wireSoftphone({ core, store, ari }));
  const {
    recorder,
    finalizer,
    record,
    routes: recordingRoutes,
  } = life.add(
    wireRecording({ core, store, ari, redisGuard, onRecordingFinalized: options.onRecordingFinalized }),
  );
  const {
    agents,
    hotline,
    routes: agentRoutes,
  } = life.add(
    wireAgents({
      core,
      store,
      redis,
      redisGuard,
      ari,
      record,
      resumeIvr: ivrHandoff.resume,
      onHotlineConnect: options.onHotlineConnect,
    }),
  );
  const {
    ivr,
    catalog,
    prompts,
    routes: ivrRoutes,
  } = life.add(
    wireIvr({
      core,
      store,
      ari,
      hotline,
      record,
      handoff: ivrHandoff,
      onDtmfToPrompt: options.onDtmfToPrompt,
    }),
  );
  const {
    campaigns,
    dialer,
    routes: dialerRoutes,
  } = life.add(
    wireDialer({
      core,
      store,
      redis,
      redisGuard,
      ari,
      agents,
      hotlineWaiting: () => hotline.waitingCount,
      record,
      onDialing: options.onDialing,
    }),
  );
  // Who gets an agent who becomes ready (the hotline first, then the dialer): decided in one place.
  life.add(wireReadyAgents({ bus: core.bus, agents, hotline, dialer }));
  const { routes: leadRoutes } = life.add(wireLeads({ core, store }));
  const { routes: accountRoutes } = life.add(wireAccounts({ core, store, roster: agentRoutes.roster }));
  life.add(softphonesFollowRoster(agentRoutes.roster, softphone, logger));
  const {
    calls,
    currentCall,
    routes: callRoutes,
  } = life.add(wireCalls({ core, store, agents, dialer, hotline }));
  const { fax, routes: faxRoutes } = life.add(wireFax({ core, store, ari, routes: stasisRoutes }));
  const { workspace } = life.add(wireWorkspace({ core, store, agents, dialer, campaigns, currentCall }));
  const { sms, routes: smsRoutes } = life.add(wireSms({ core, store }));
  const { api, url } = life.add(
    await wireApi({
      core,
      store,
      redis,
      listen: options.listen !== false,
      readiness: [...ariProbes, ...storeProbes],
      ivr: ivrRoutes,
      agents: agentRoutes,
      recordings: recordingRoutes,
      // The workspace's routes sit beside the dialer's (the agent's preview, call and disposition).
      dialer: { ...dialerRoutes, workspace },
      leads: leadRoutes,
      accounts: accountRoutes,
      calls: callRoutes,
      sms: smsRoutes,
      softphone: softphoneRoutes,
      faxes: faxRoutes,
    }),
  );

  await life.start();
  logger.info({ app: config.ari.app, url: url() }, 'service started');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info('stopping: refusing new calls, draining live ones');
      await life.stop();
      logger.info('stopped');
    })();
    return stopping;
  };

  return {
    config,
    logger,
    metrics: core.metrics,
    store,
    redis,
    ari,
    ivr,
    catalog,
    prompts,
    agents,
    hotline,
    bus: core.bus,
    recorder,
    finalizer,
    campaigns,
    dialer,
    calls,
    sms,
    softphone,
    fax,
    api,
    url: url(),
    stop,
  };
}

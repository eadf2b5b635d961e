import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { IvrApiDeps } from '../api/server.js';
import type { AriApp } from '../ari/app.js';
import type { CallSession } from '../ari/session.js';
import { greetingHandler } from '../inbound/greeting.js';
import type { HotlineQueue } from '../inbound/queue.js';
import { FlowCatalog } from '../ivr/catalog.js';
import { IvrEngine } from '../ivr/engine.js';
import { VoiceMessageKeeper } from '../ivr/messages.js';
import { IvrNotifier } from '../ivr/notifier.js';
import { PromptLibrary } from '../ivr/prompts.js';
import { IvrRecords } from '../ivr/records.js';
import { maskNumber } from '../lib/mask.js';
import { localDay } from '../lib/time.js';
import type { Store } from '../store/index.js';
import type { Core } from './core.js';
import type { IvrHandoff } from './handoff.js';
import type { DomainSteps } from './lifecycle.js';
import type { RecordCall } from './recording.js';

/** The IVR: flows, prompts, voice messages and callbacks; it takes inbound calls through the handoff. */
export function wireIvr(deps: {
  core: Core;
  store: Store;
  ari: AriApp;
  /** Where the queue node sends callers. */
  hotline: Pick<HotlineQueue, 'enter'>;
  record: RecordCall;
  /** The IVR attaches here for those wired before it (ARI's inbound route, the hotline's max wait). */
  handoff: IvrHandoff;
  onDtmfToPrompt?: (ms: number) => void;
}) {
  const { config, logger, metrics, bus, now, nowMs } = deps.core;
  const { store, hotline, record } = deps;
  const catalog = new FlowCatalog(store, { defaultFlow: config.ivr.defaultFlow, logger, now: nowMs });
  if (config.ivr.flowsDir) catalog.seedFrom(config.ivr.flowsDir);
  const prompts = new PromptLibrary(config.ivr.prompts.dir, config.ivr.prompts.pbxDir, logger);
  const voicemail = join(config.storage.dir, 'voicemail');
  const keeper = new VoiceMessageKeeper(deps.ari.rest, store, voicemail, logger, nowMs);
  const today = () => localDay(config.ivr.timezone, now());
  const inboundMeta = (session: CallSession) => ({
    direction: 'inbound' as const,
    numberMasked: maskNumber(session.channel.caller?.number),
  });

  const ivr = new IvrEngine({
    lines: config.ivr.lines,
    overflow: config.ivr.overflow,
    catalog,
    store,
    logger,
    events: new IvrNotifier(bus, nowMs),
    today,
    noFlow: greetingHandler(config.inbound.greeting),
    onOverflow: () => metrics.ivrOverflows.inc(),
    onLines: (inUse, waiting) => {
      metrics.ivrLinesInUse.set(inUse);
      metrics.ivrWaiting.set(waiting);
    },
    services: {
      now,
      appName: config.ari.app,
      enterQueue: (session, queue) => hotline.enter(session, queue),
      onAnswered: (session) => record(session, 'answer', inboundMeta(session)),
      onConnected: (session) => record(session, 'connect', inboundMeta(session)),
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
        deps.onDtmfToPrompt?.(ms);
      },
    },
  });
  deps.handoff.attach(ivr);

  const routes: IvrApiDeps = {
    catalog,
    live: () => ivr.snapshot(),
    today,
    prompts,
    records: new IvrRecords(store),
  };
  return { domain: 'ivr', ivr, catalog, prompts, routes, steps: {} satisfies DomainSteps };
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadinessProbe } from '../api/server.js';
import { AriApp, type CallHandler, type CallRoute } from '../ari/app.js';
import type { CallJournal } from '../ari/session.js';
import { callerKeyer, installSecret } from '../lib/caller-key.js';
import type { Store } from '../store/index.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';
import type { StasisRoutes } from './stasis-routes.js';

/** The store as the call sessions' journal, scoped to this instance. */
function journalFor(
  store: Store,
  instanceId: string,
  nowMs: () => number,
): CallJournal & { listOpen(): { id: string; channelId: string }[] } {
  return {
    opened: (c) =>
      store.calls.open(
        {
          id: c.id,
          channelId: c.channelId,
          instanceId,
          direction: c.direction,
          callerMasked: c.caller || null,
          dnis: c.dnis || null,
          startedAt: c.startedAt.getTime(),
        },
        // Only a caller who calls in is someone to recognise (an outbound call's caller is the center).
        c.direction === 'inbound' ? (c.callerKey ?? null) : null,
      ),
    answered: (id, at) => store.calls.markAnswered(id, at.getTime()),
    ended: (id, reason, at) => store.calls.markEnded(id, reason, at.getTime()),
    event: (id, event, detail) => store.calls.addEvent(id, event, detail, nowMs()),
    listOpen: () => store.calls.listOpen(instanceId),
  };
}

/** The ARI application: routes inbound calls, refuses new ones when stopping, drains the live ones. */
export function wireAri(deps: {
  core: Core;
  store: Store;
  /** Runs an inbound call (the IVR). */
  inbound: CallHandler;
  /** Inbound numbers other domains take (fax), filled by domains wired later. */
  routes: StasisRoutes;
  onCommandLatency?: (ms: number) => void;
}) {
  const { config, logger, metrics } = deps.core;
  const inbound: CallRoute = { direction: 'inbound', handler: deps.inbound };
  const ari = new AriApp({
    ari: config.ari,
    logger,
    metrics,
    now: deps.core.now,
    journal: journalFor(deps.store, config.service.instanceId, deps.core.nowMs),
    route: (start) => deps.routes.pick(start, inbound),
    // orphanPolicy 'reattach': a caller found in the app after a restart starts the IVR again rather than
    // being dropped (the queue resumes its callers from saved state instead).
    reattach: inbound,
    onCommandLatency: deps.onCommandLatency,
    // The secret kept in the storage folder: a caller's earlier calls are found without their number.
    callerKey: callerKeyer(installSecret(config.storage.dir)),
  });

  /** Customer calls may finish within the drain time (measured on the real clock); the rest are hung up. */
  const drain = async () => {
    // Agent lines are not customer calls: the agents' wiring decides about them.
    const customerCalls = () => ari.registry.list().filter((c) => c.direction !== 'internal');
    const deadline = Date.now() + config.service.drainTimeoutMs;
    while (customerCalls().length > 0 && Date.now() < deadline) await sleep(200);
    const left = customerCalls();
    if (left.length > 0) {
      logger.warn({ live: left.length }, 'drain timeout: hanging up live calls');
      await Promise.all(left.map((c) => c.hangup('service shutdown')));
    }
  };

  const readiness: ReadinessProbe[] = [{ name: 'ari', check: () => ari.isReady }];
  return {
    domain: 'ari',
    ari,
    readiness,
    steps: {
      start: { connect: () => ari.start() },
      stop: { refuse: () => ari.stopAccepting(), drain, disconnect: () => ari.stop() },
    } satisfies DomainSteps,
  };
}

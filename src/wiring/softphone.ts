import type { AgentRoster } from '../agents/roster.js';
import type { SoftphoneApiDeps } from '../api/server.js';
import type { AriApp } from '../ari/app.js';
import { bestEffort } from '../lib/best-effort.js';
import { installSecret } from '../lib/caller-key.js';
import type { Logger } from '../lib/logger.js';
import { SoftphoneService } from '../softphone/service.js';
import type { Store } from '../store/index.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';

/** The install's key for the softphones' SIP passwords in the store, beside the caller-key secret. */
export const SOFTPHONE_KEY_FILE = 'softphone-key.secret';

/**
 * The agents' browser softphones. Wired right after ARI: its recoverer runs first on every connect, so
 * the browsers' endpoints exist again before the agents' lines are recovered or dialed.
 */
export function wireSoftphone(deps: { core: Core; store: Store; ari: AriApp }) {
  const { config, logger, nowMs } = deps.core;
  const softphone = new SoftphoneService({
    store: deps.store,
    pbx: deps.ari.rest,
    key: installSecret(config.storage.dir, SOFTPHONE_KEY_FILE),
    wsUrl: config.softphone.wsUrl,
    iceServers: config.softphone.iceServers,
    logger,
    nowMs,
  });
  deps.ari.addRecoverer(() => softphone.syncAll());
  const routes: SoftphoneApiDeps = { softphone };
  return { domain: 'softphone', softphone, routes, steps: {} satisfies DomainSteps };
}

/**
 * Seats changed (an admin's create, edit, deactivation or import): a seat whose line became the browser
 * gets its credentials and endpoint now, one that stopped being the browser loses them. An import may
 * change many seats: all are checked again. A failure is logged; the agent's page or the next ARI connect
 * tries again. The listener is removed when the service stops (no pushes during or after the drain).
 */
export function softphonesFollowRoster(
  roster: Pick<AgentRoster, 'onChange'>,
  softphone: Pick<SoftphoneService, 'ensureFor' | 'syncAll'>,
  logger: Logger,
) {
  const stopListening = roster.onChange((change) => {
    if (change.kind === 'agent') {
      void bestEffort(
        () => softphone.ensureFor(change.agentId),
        logger,
        `softphone of agent ${change.agentId}`,
      );
    } else if (change.kind === 'import') {
      void bestEffort(() => softphone.syncAll(), logger, 'softphones after an import');
    }
  });
  return {
    domain: 'softphone-roster',
    steps: { stop: { unschedule: stopListening } } satisfies DomainSteps,
  };
}

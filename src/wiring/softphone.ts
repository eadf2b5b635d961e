import type { SoftphoneApiDeps } from '../api/server.js';
import type { AriApp } from '../ari/app.js';
import { installSecret } from '../lib/caller-key.js';
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

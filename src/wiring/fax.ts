import { resolve } from 'node:path';
import type { FaxApiDeps } from '../api/types.js';
import type { AriApp } from '../ari/app.js';
import { PbxFaxChannel } from '../fax/channel.js';
import { FaxLines } from '../fax/lines.js';
import { FaxNotifier } from '../fax/notifier.js';
import { FaxService } from '../fax/service.js';
import type { Store } from '../store/index.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';
import type { StasisRoutes } from './stasis-routes.js';

/** A fax may take this long per page once answered (audio mode is the slow case), plus the set-up. */
const RESULT_MS_PER_PAGE = 90_000;
const RESULT_MS_SETUP = 120_000;

/** Fax over the PBX: the channel, the line limiter, the service; its numbers' calls skip the IVR. */
export function wireFax(deps: { core: Core; store: Store; ari: AriApp; routes: StasisRoutes }) {
  const { config, logger, bus, nowMs } = deps.core;
  const fax = config.fax;
  const log = logger.child({ domain: 'fax' });
  const channel = new PbxFaxChannel({
    ari: deps.ari,
    appName: config.ari.app,
    dialString: fax.dialString,
    ringTimeoutSec: fax.ringTimeoutSec,
    pbxSpoolDir: fax.spool.pbxDir,
    log,
    resultTimeoutMs: (pages) => RESULT_MS_SETUP + pages * RESULT_MS_PER_PAGE,
    receiveTimeoutMs: RESULT_MS_SETUP + fax.maxPages * RESULT_MS_PER_PAGE,
  });
  const lines = new FaxLines(() => fax.lines);
  const service = new FaxService({
    store: deps.store,
    channel,
    lines,
    events: new FaxNotifier(bus, nowMs),
    log,
    nowMs,
    dir: resolve(fax.dir),
    spoolDir: resolve(fax.spool.dir),
    maxPages: fax.maxPages,
    defaultCountry: fax.defaultCountry,
    retry: () => fax.retry,
  });
  if (fax.enabled) {
    const numbers = new Set(fax.numbers);
    deps.routes.claimNumbers((dnis) => (numbers.has(dnis) ? channel.receiveRoute : undefined));
  }
  const routes: FaxApiDeps = { faxes: service, maxUploadBytes: fax.maxUploadMb * 1024 * 1024 };
  return {
    domain: 'fax',
    fax: service,
    lines,
    routes,
    steps: {
      start: { schedule: () => (fax.enabled ? service.resume() : undefined) },
      stop: { finish: () => service.stop() },
    } satisfies DomainSteps,
  };
}

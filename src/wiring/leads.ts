import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LeadApiDeps } from '../api/server.js';
import { failInterruptedImports, LeadImporter } from '../leads/import.js';
import { scheduleLeadPurge } from '../leads/purge.js';
import { LeadService } from '../leads/service.js';
import { PRIVATE_DIR } from '../lib/secrets.js';
import type { Store } from '../store/index.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';

/** Lead imports and the scheduled lead purge. */
export function wireLeads(deps: { core: Core; store: Store }) {
  const { config, logger, nowMs } = deps.core;
  const { store } = deps;
  // Imports a crash cut short are marked failed (what they imported stays, with its error report).
  // Uploads are spooled under this instance's storage folder, not the shared /tmp: cleaning up after a
  // crash must never touch another instance's upload in progress.
  const spoolDir = join(config.storage.dir, 'lead-uploads');
  mkdirSync(spoolDir, { recursive: true, mode: PRIVATE_DIR });
  const interrupted = failInterruptedImports(store, nowMs(), spoolDir);
  if (interrupted > 0)
    logger.warn({ imports: interrupted }, 'lead imports interrupted by the last stop marked failed');
  const importer = new LeadImporter({
    store,
    logger,
    defaultCountry: config.dialer.defaultCountry,
    spoolDir,
  });
  let purge: { stop(): void } | undefined;

  const routes: LeadApiDeps = {
    leads: new LeadService({
      store,
      importer,
      logger,
      defaultCountry: config.dialer.defaultCountry,
      now: nowMs,
    }),
  };
  return {
    domain: 'leads',
    importer,
    routes,
    steps: {
      start: {
        // Used leads and those past their campaign's days are deleted, keeping anonymized counts.
        schedule: () => {
          purge = scheduleLeadPurge({
            store,
            logger,
            everyMs: config.dialer.purgeEveryMin * 60_000,
            now: nowMs,
          });
        },
      },
      stop: { unschedule: () => purge?.stop(), requestWork: () => importer.close() },
    } satisfies DomainSteps,
  };
}

import { AccountService } from '../accounts/service.js';
import type { AgentRoster } from '../agents/roster.js';
import type { AccountApiDeps } from '../api/server.js';
import type { Store } from '../store/index.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';

/** Ended sessions are removed (and their open streams cut) this often. */
export const SESSION_PURGE_EVERY_MS = 60_000;

/** People's accounts and sign-in sessions; the API checks session cookies with them. */
export function wireAccounts(deps: { core: Core; store: Store; roster: Pick<AgentRoster, 'onChange'> }) {
  const { config, logger, nowMs } = deps.core;
  const accounts = new AccountService({ store: deps.store, logger, now: nowMs, config: config.auth });
  // A deactivated agent's person is signed out at once (each request checks too; this cuts open streams).
  const stopListening = deps.roster.onChange((change) => {
    if (change.kind !== 'team') accounts.endBarredSessions();
  });
  let timer: NodeJS.Timeout | undefined;

  const routes: AccountApiDeps = { accounts };
  return {
    domain: 'accounts',
    accounts,
    routes,
    steps: {
      start: {
        schedule: () => {
          const purge = () => {
            try {
              accounts.purge();
            } catch (err) {
              logger.error({ err }, 'session purge failed');
            }
          };
          timer = setInterval(purge, SESSION_PURGE_EVERY_MS);
          timer.unref();
        },
      },
      stop: {
        unschedule: () => {
          clearInterval(timer);
          stopListening();
        },
      },
    } satisfies DomainSteps,
  };
}

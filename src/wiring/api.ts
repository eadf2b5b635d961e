import type { Redis } from 'ioredis';
import {
  type AccountApiDeps,
  type AgentApiDeps,
  type ApiDeps,
  buildApi,
  type CallApiDeps,
  type FaxApiDeps,
  type IvrApiDeps,
  type LeadApiDeps,
  type ReadinessProbe,
  type RecordingApiDeps,
  type SmsApiDeps,
  type SoftphoneApiDeps,
} from '../api/server.js';
import { RedisRateCounter } from '../lib/rate-counter.js';
import type { Store } from '../store/index.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';

/** The HTTP API over every domain's routes; it listens first and closes before the work it feeds. */
export async function wireApi(deps: {
  core: Core;
  store: Store;
  /** The service's Redis client: the per-key rate limits count there. */
  redis: Redis;
  readiness: ReadinessProbe[];
  ivr: IvrApiDeps;
  agents: AgentApiDeps;
  recordings: RecordingApiDeps;
  dialer: NonNullable<ApiDeps['dialer']>;
  leads: LeadApiDeps;
  accounts: AccountApiDeps;
  calls: CallApiDeps;
  sms: SmsApiDeps;
  softphone: SoftphoneApiDeps;
  faxes: FaxApiDeps;
  /** False: don't bind the HTTP port (tests that use inject). */
  listen: boolean;
}) {
  const { config, logger, metrics, nowMs } = deps.core;
  const api = await buildApi({
    config,
    logger,
    store: deps.store,
    now: nowMs,
    rateCounter: new RedisRateCounter(deps.redis),
    metrics,
    readiness: deps.readiness,
    ivr: deps.ivr,
    agents: deps.agents,
    recordings: deps.recordings,
    dialer: deps.dialer,
    leads: deps.leads,
    accounts: deps.accounts,
    calls: deps.calls,
    sms: deps.sms,
    softphone: deps.softphone,
    faxes: deps.faxes,
  });
  let url = '';
  const listen = async () => {
    url = await api.listen({ host: config.api.host, port: config.api.port });
  };
  return {
    domain: 'api',
    api,
    /** The address the API listens on (once started; empty when not listening). */
    url: () => url,
    steps: {
      start: deps.listen ? { listen } : {},
      stop: {
        requests: async () => {
          await api.close();
        },
      },
    } satisfies DomainSteps,
  };
}

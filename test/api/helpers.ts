import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { AgentRoster } from '../../src/agents/roster.js';
import type { AgentDirectory } from '../../src/agents/types.js';
import {
  type AccountApiDeps,
  type AgentApiDeps,
  type ApiDeps,
  buildApi,
  type IvrApiDeps,
  type LeadApiDeps,
  type ReadinessProbe,
  type RecordingApiDeps,
} from '../../src/api/server.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import type { Logger } from '../../src/lib/logger.js';
import { Metrics } from '../../src/lib/metrics.js';
import { type RecordingControl, RecordingLibrary } from '../../src/recording/library.js';
import { QaService } from '../../src/recording/qa.js';
import { openStore, type Store } from '../../src/store/index.js';

export interface TestApi {
  app: FastifyInstance;
  store: Store;
  /** Every log line the API wrote, at trace level and without redaction. */
  logs: string[];
  /** A stored admin key. */
  adminKey: string;
  close(): Promise<void>;
}

const healthyProbes: ReadinessProbe[] = ['ari', 'redis', 'store'].map((name) => ({
  name,
  check: () => true,
}));

/** The API on a temporary SQLite file with fake readiness probes; no PBX or Redis needed. */
export async function buildTestApi(
  options: {
    readiness?: ReadinessProbe[];
    adminApiKey?: string;
    /** Mounts the IVR routes with what this returns. */
    ivr?: (store: Store, logger: Logger) => IvrApiDeps;
    /** Mounts the agent, team, hotline and event routes with what this returns. */
    agents?: (store: Store, logger: Logger) => AgentApiDeps;
    /** Mounts the recording, audit and QA routes with what this returns (given a temporary folder). */
    recordings?: (store: Store, dir: string, logger: Logger) => RecordingApiDeps;
    /** Mounts the lead, purge and do-not-call routes with what this returns. */
    leads?: (store: Store, logger: Logger) => LeadApiDeps;
    /** Accepts session cookies and mounts the sign-in and account routes with what this returns. */
    accounts?: (store: Store, logger: Logger, config: Config) => AccountApiDeps;
    /** The auth config section. */
    auth?: ConfigInput['auth'];
    /** The api config section (limits, timeouts, exposure of /metrics and /docs). */
    api?: ConfigInput['api'];
    /** Mounts the campaign, preview, disposition and workspace routes with what this returns. */
    dialer?: (store: Store, logger: Logger) => NonNullable<ApiDeps['dialer']>;
    /** Mounts the agent's call-control routes with what this returns. */
    calls?: (store: Store, logger: Logger) => NonNullable<ApiDeps['calls']>;
    /** Mounts the SMS routes with what this returns. */
    sms?: (store: Store, logger: Logger) => NonNullable<ApiDeps['sms']>;
    /** Mounts the agents' softphone routes with what this returns. */
    softphone?: (store: Store, logger: Logger) => NonNullable<ApiDeps['softphone']>;
    /** Mounts the fax routes with what this returns. */
    faxes?: (store: Store, logger: Logger) => NonNullable<ApiDeps['faxes']>;
  } = {},
): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), 'cc-api-'));
  const store = openStore(join(dir, 'api.sqlite'));
  const logs: string[] = [];
  // Deliberately not createLogger: its redaction must not be what keeps keys out of the logs.
  const logger = pino({ level: 'trace' }, { write: (line: string) => logs.push(line) });
  const config = parseConfig({
    ari: { url: 'http://127.0.0.1:8088', username: 'test', password: 'test' },
    redis: { url: 'redis://127.0.0.1:6379' },
    store: { path: join(dir, 'api.sqlite') },
    auth: options.auth,
    api: options.api,
  });
  const app = await buildApi({
    config,
    logger,
    store,
    metrics: new Metrics({ defaultMetrics: false }),
    readiness: options.readiness ?? healthyProbes,
    adminApiKey: options.adminApiKey,
    ivr: options.ivr?.(store, logger),
    agents: options.agents?.(store, logger),
    recordings: options.recordings?.(store, dir, logger),
    leads: options.leads?.(store, logger),
    accounts: options.accounts?.(store, logger, config),
    dialer: options.dialer?.(store, logger),
    calls: options.calls?.(store, logger),
    sms: options.sms?.(store, logger),
    softphone: options.softphone?.(store, logger),
    faxes: options.faxes?.(store, logger),
  });
  return {
    app,
    store,
    logs,
    adminKey: store.apiKeys.create('test admin', 'admin').key,
    async close() {
      await app.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** The roster over the store, reloading `seats`, and the hotline's calls: what agent routes read and write. */
export function agentServices(store: Store, logger: Logger, seats: Pick<AgentDirectory, 'reload'>) {
  return {
    roster: new AgentRoster({ store, seats, logger, now: Date.now }),
    hotlineCalls: (from: number, to: number) => store.hotlineCalls.forDay(from, to),
  };
}

/** The recording library and QA over the store (no PBX: live recording control only if given). */
export function recordingServices(store: Store, logger: Logger, control?: RecordingControl) {
  const library = new RecordingLibrary({ store, logger, now: Date.now, control });
  return { library, qa: new QaService({ store, library, logger, now: Date.now }) };
}

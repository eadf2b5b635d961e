import type { AgentDirectory, QueueSnapshot } from '../agents/types.js';
import type { Config } from '../config/schema.js';
import type { LeadImporter } from '../dialer/lead-import.js';
import type { FlowCatalog } from '../ivr/catalog.js';
import type { IvrLiveSnapshot } from '../ivr/live.js';
import type { PromptLibrary } from '../ivr/prompts.js';
import type { EventBus } from '../lib/events.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { RetentionRules, Role, Store } from '../store/index.js';
import type { DialerApiDeps } from './routes/dialer.js';

/** A dependency /readyz asks about; a check that throws or takes longer than a second counts as failed. */
export interface ReadinessProbe {
  name: string;
  check(): Promise<boolean> | boolean;
}

export interface ApiDeps {
  config: Config;
  logger: Logger;
  store: Store;
  metrics: Metrics;
  readiness: ReadinessProbe[];
  /**
   * Bootstrap admin key, so a fresh install can create its first keys over HTTP. Defaults to the
   * ADMIN_API_KEY environment variable; unset (the normal case once keys exist) disables it.
   */
  adminApiKey?: string;
  /** The IVR's flows and live state; the /v1/ivr routes exist only when given. */
  ivr?: IvrApiDeps;
  /** Agents, teams, the hotline and the live event stream; their routes exist only when given. */
  agents?: AgentApiDeps;
  /** Recordings, the audit log and QA; their routes exist only when given. */
  recordings?: RecordingApiDeps;
  /** Lead imports, distribution, purges and do-not-call lists; their routes exist only when given. */
  leads?: LeadApiDeps;
  /** Campaigns and the agents' preview dialing; their routes exist only when given. */
  dialer?: DialerApiDeps;
}

export interface LeadApiDeps {
  importer: LeadImporter;
  /** Country of numbers written without a country code (dialer.defaultCountry). */
  defaultCountry: string;
  /** Largest CSV upload (lead list or do-not-call list); 200 MB by default. */
  maxImportBytes?: number;
  now?: () => number;
}

export interface RecordingApiDeps {
  /** The recordings folder (recording.dir): a stored file path is relative to it, unless absolute. */
  dir: string;
  /** The retention rules now, to tell when each recording is due for purge. */
  rules: () => RetentionRules;
  /** Live recording control (absent in tests without a PBX): pause while a card number is given. */
  control?: {
    pause(callId: string): Promise<boolean>;
    resume(callId: string): Promise<boolean>;
  };
}

export interface AgentApiDeps {
  directory: AgentDirectory;
  /** The hotline queue now. */
  queue: () => QueueSnapshot;
  bus: EventBus;
  /** Today in the center's time zone, as epoch ms [from, to): the window of today's KPIs. */
  today: () => { from: number; to: number };
}

export interface IvrApiDeps {
  catalog: FlowCatalog;
  live: () => IvrLiveSnapshot;
  /** Today's date (YYYY-MM-DD) in the center's time zone: the day the IVR counters are kept under. */
  today: () => string;
  /** The center's own recorded prompts; the /v1/ivr/prompts routes exist only when given. */
  prompts?: PromptLibrary;
}

/** Who made the request, set by the auth plugin on every non-public route. */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  /** The agent the key belongs to, if any: an agent key acts for and sees that agent only. */
  agentId: string | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    store: Store;
    metrics: Metrics;
    readiness: ReadinessProbe[];
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Roles allowed besides admin; omitted means any authenticated key. */
    roles?: readonly Role[];
    /** No API key needed (health, metrics, docs). */
    public?: boolean;
  }
}

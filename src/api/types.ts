import type { AccountService, ActiveSession } from '../accounts/service.js';
import type { AgentRoster } from '../agents/roster.js';
import type { AgentDirectory, QueueSnapshot } from '../agents/types.js';
import type { CallControl } from '../calls/service.js';
import type { Config } from '../config/schema.js';
import type { CampaignBook } from '../dialer/campaigns.js';
import type { DialerService } from '../dialer/dialer.js';
import type { FaxService } from '../fax/service.js';
import type { FlowCatalog } from '../ivr/catalog.js';
import type { IvrLiveSnapshot } from '../ivr/live.js';
import type { PromptLibrary } from '../ivr/prompts.js';
import type { IvrRecords } from '../ivr/records.js';
import type { LeadService } from '../leads/service.js';
import type { EventBus } from '../lib/events.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { RateCounter } from '../lib/rate-counter.js';
import type { RecordingLibrary } from '../recording/library.js';
import type { QaService } from '../recording/qa.js';
import type { SmsService } from '../sms/service.js';
import type { SoftphoneService } from '../softphone/service.js';
import type { HotlineCallRecord, RetentionRules, Role, Store } from '../store/index.js';
import type { WorkspaceService } from '../workspace/service.js';

/** A dependency /readyz asks about; a check that throws or takes longer than a second counts as failed. */
export interface ReadinessProbe {
  name: string;
  check(): Promise<boolean> | boolean;
}

/**
 * What the API is built from. Route plugins get their domain's services, never the store: the store is
 * read by the API layer itself only, to tell who is calling (API keys) and which agents they cover (the
 * teams a team leader leads).
 */
export interface ApiDeps {
  config: Config;
  logger: Logger;
  store: Store;
  /** The service's clock (API key times); Date.now by default. */
  now?: () => number;
  /** Where the per-key limits of expensive routes count (Redis in the service); in memory by default. */
  rateCounter?: RateCounter;
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
  faxes?: FaxApiDeps;
  /** Lead imports, distribution, purges and do-not-call lists; their routes exist only when given. */
  leads?: LeadApiDeps;
  sms?: SmsApiDeps;
  /** Campaigns and the agents' preview dialing; their routes exist only when given. */
  dialer?: DialerApiDeps;
  /**
   * People's accounts and sign-in sessions: without them only API keys authenticate, and the /v1/auth
   * and /v1/accounts routes do not exist.
   */
  accounts?: AccountApiDeps;
  /** The controls of an agent's current call (hold, DTMF, transfer); their routes exist only when given. */
  calls?: CallApiDeps;
  /** The agents' browser softphones; their routes exist only when given. */
  softphone?: SoftphoneApiDeps;
}

export interface SoftphoneApiDeps {
  softphone: Pick<SoftphoneService, 'settings' | 'rotate'>;
}

export interface AccountApiDeps {
  /** Accounts, sign-in, sessions (the auth plugin checks the session cookie with it). */
  accounts: AccountService;
}

export interface CallApiDeps {
  calls: Pick<
    CallControl,
    'current' | 'hold' | 'resume' | 'dtmf' | 'hangup' | 'transfer' | 'completeTransfer' | 'cancelTransfer'
  >;
  directory: AgentDirectory;
}

export interface DialerApiDeps {
  campaigns: CampaignBook;
  dialer: Pick<
    DialerService,
    'preview' | 'accept' | 'skip' | 'dispose' | 'hangup' | 'markDoNotCall' | 'campaignStats'
  >;
  directory: AgentDirectory;
  now: () => number;
  /** The agent's workspace: first screen, its parts, the hotline screen-pop. */
  workspace: Pick<WorkspaceService, 'workspace' | 'callbacks' | 'today' | 'recentCalls' | 'hotlineOffer'>;
}

/** Bulk and single SMS, opt-outs. */
export interface SmsApiDeps {
  sms: SmsService;
}

export interface LeadApiDeps {
  /** Imports, distribution, purges and do-not-call lists. */
  leads: LeadService;
}

export interface FaxApiDeps {
  faxes: FaxService;
  /** Largest document accepted (fax.maxUploadMb). */
  maxUploadBytes: number;
}

export interface RecordingApiDeps {
  /** The recordings folder (recording.dir): a stored file path is relative to it, unless absolute. */
  dir: string;
  /** The retention rules now, to tell when each recording is due for purge. */
  rules: () => RetentionRules;
  /** The recordings: search, legal hold, live pause and resume, and the audit log of every access. */
  library: RecordingLibrary;
  /** QA forms, sampled tasks, scores and reports. */
  qa: QaService;
}

export interface AgentApiDeps {
  /** The live seats: views and state changes. */
  directory: AgentDirectory;
  /** Teams and seats as stored: edits, imports, attendance. */
  roster: AgentRoster;
  /** The hotline queue now. */
  queue: () => QueueSnapshot;
  /** The hotline's calls enqueued in [from, to): today's KPIs. */
  hotlineCalls: (from: number, to: number) => HotlineCallRecord[];
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
  /** Day counters, voice messages and callback requests. */
  records: IvrRecords;
}

/** The agents a limited caller may see: its own agent's, and those of the teams it leads. */
export interface AgentScopeFilter {
  agentId: string | null;
  teamIds: readonly string[];
}

/**
 * Who made the request, set by the auth plugin on every non-public route: an API key, or a person signed
 * in (keyId `account:<id>`, name the username), checked by the same roles and scope.
 */
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
    metrics: Metrics;
    readiness: ReadinessProbe[];
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The agents the caller may see and act for beyond its role (see agentScopeFor); null: all. */
    agentScope: AgentScopeFilter | null;
    /** The person's session when the request came with the session cookie (null: an API key). */
    session: ActiveSession | null;
  }
  interface FastifyContextConfig {
    /** Roles allowed besides admin; omitted means any authenticated key. */
    roles?: readonly Role[];
    /** No API key needed (health, the web app). */
    public?: boolean;
    /** Open to a person who must change their password before anything else (sign-in's own routes). */
    beforePasswordChange?: boolean;
    /** An operator's endpoint: who reaches it is api.metrics or api.docs (see api/exposure.ts). */
    exposure?: 'metrics' | 'docs';
    /** An expensive route: requests per key per window are limited by api.rateLimit[rateLimit]. */
    rateLimit?: 'search' | 'import' | 'export';
  }
}

import { AccountRepository, SessionRepository, SignInThrottleRepository } from './accounts.js';
import { AgentLogRepository, AgentRepository, TeamRepository } from './agents.js';
import { ApiKeyRepository } from './api-keys.js';
import { AuditRepository } from './audit.js';
import { CallRepository } from './calls.js';
import { type Database, openDatabase } from './db.js';
import {
  AttemptRepository,
  CampaignRepository,
  DncRepository,
  LeadImportRepository,
  LeadPurgeLog,
  LeadRepository,
} from './dialer.js';
import { FaxRepository } from './faxes.js';
import { HotlineCallRepository } from './hotline.js';
import {
  CallbackRequestRepository,
  IvrFlowRepository,
  IvrSessionRepository,
  IvrStatsRepository,
  VoiceMessageRepository,
} from './ivr.js';
import { QaRepository } from './qa.js';
import { RecordingRepository } from './recordings.js';
import { SmsRepository } from './sms.js';
import { SoftphoneRepository } from './softphone.js';
import { WorkspaceRepository } from './workspace.js';

export type {
  AccountListing,
  AccountPatch,
  AccountRecord,
  AccountWithHash,
  NewAccount,
  NewSession,
  SessionLookup,
  SessionRecord,
} from './accounts.js';
export {
  AGENT_ROLES,
  type AgentInput,
  type AgentLogEntry,
  type AgentPatch,
  type AgentRecord,
  type AgentRole,
  agentIdSchema,
  agentInputSchema,
  agentPatchSchema,
  type ImportResult,
  INBOUND_ROLES,
  LINE_KINDS,
  LINE_MODES,
  lineIssue,
  type SeatLine,
  type Team,
  teamIdSchema,
} from './agents.js';
export {
  type ApiKeyIdentity,
  type ApiKeyInfo,
  apiKeyPrefix,
  type CreatedApiKey,
  newApiKeySchema,
} from './api-keys.js';
export type { AuditEntry, AuditQuery, AuditRecord } from './audit.js';
export type { CallDirection, CallEvent, CallRecord, CallState, EarlierCall, NewCall } from './calls.js';
export type { Database } from './db.js';
export {
  type AttemptRecord,
  type AttemptState,
  type CampaignRow,
  type ImportError,
  type ImportRecord,
  LEAD_STATES,
  type LeadMoveDetails,
  type LeadPurgeRecord,
  type LeadRecord,
  type LeadState,
  type NewLead,
} from './dialer.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export type { FaxDirection, FaxRecord, FaxSearch } from './faxes.js';
export { HOTLINE_OUTCOMES, type HotlineCallRecord, type HotlineOutcome } from './hotline.js';
export type {
  CallbackRequest,
  CallbackRequestWithNumber,
  CallbackSource,
  CallbackStatus,
  FlowSummary,
  FlowVersion,
  IvrDayStats,
  IvrNodeCounter,
  IvrNodeStats,
  IvrOutcome,
  IvrPathStep,
  IvrSessionEnd,
  IvrSessionRecord,
  IvrSessionStart,
  NewCallbackRequest,
  TimeWindow,
  VoiceMessage,
} from './ivr.js';
export {
  type NewQaScore,
  type NewQaTask,
  QA_TASK_STATUSES,
  type QaForm,
  type QaReportQuery,
  type QaReportRow,
  type QaScore,
  type QaTask,
  type QaTaskQuery,
  type QaTaskStatus,
  type QaTaskView,
} from './qa.js';
export {
  type NewRecording,
  RECORDING_LAYOUTS,
  RECORDING_STATUSES,
  type RecordingFilter,
  type RecordingLayout,
  type RecordingParties,
  type RecordingPause,
  type RecordingRecord,
  type RecordingScope,
  type RecordingStatus,
  type RetentionRules,
  type StoredFile,
} from './recordings.js';
export { ROLES, type Role } from './roles.js';
export {
  type NewSmsMessage,
  SMS_CAMPAIGN_STATES,
  type SmsCampaignRecord,
  type SmsCampaignState,
  type SmsInboundRecord,
  type SmsMessageRecord,
} from './sms.js';
export type { SoftphoneCredentialRecord } from './softphone.js';
export type { AgentCall, AgentDayAttempts, PromisedCallback } from './workspace.js';

/** The service's SQLite database and its repositories. */
export class Store {
  readonly apiKeys: ApiKeyRepository;
  readonly calls: CallRepository;
  readonly ivrFlows: IvrFlowRepository;
  readonly ivrSessions: IvrSessionRepository;
  readonly ivrStats: IvrStatsRepository;
  readonly voiceMessages: VoiceMessageRepository;
  readonly callbacks: CallbackRequestRepository;
  readonly teams: TeamRepository;
  readonly agents: AgentRepository;
  readonly agentLog: AgentLogRepository;
  readonly hotlineCalls: HotlineCallRepository;
  readonly recordings: RecordingRepository;
  readonly audit: AuditRepository;
  readonly qa: QaRepository;
  readonly campaigns: CampaignRepository;
  readonly leads: LeadRepository;
  readonly attempts: AttemptRepository;
  readonly dnc: DncRepository;
  readonly leadImports: LeadImportRepository;
  readonly leadPurges: LeadPurgeLog;
  readonly accounts: AccountRepository;
  readonly sessions: SessionRepository;
  readonly signInThrottle: SignInThrottleRepository;
  readonly workspace: WorkspaceRepository;
  readonly sms: SmsRepository;
  readonly softphones: SoftphoneRepository;
  readonly faxes: FaxRepository;
  readonly #ping;

  constructor(readonly db: Database) {
    this.apiKeys = new ApiKeyRepository(db);
    this.calls = new CallRepository(db);
    this.ivrFlows = new IvrFlowRepository(db);
    this.ivrSessions = new IvrSessionRepository(db);
    this.ivrStats = new IvrStatsRepository(db);
    this.voiceMessages = new VoiceMessageRepository(db);
    this.callbacks = new CallbackRequestRepository(db);
    this.teams = new TeamRepository(db);
    this.agents = new AgentRepository(db);
    this.agentLog = new AgentLogRepository(db);
    this.hotlineCalls = new HotlineCallRepository(db);
    this.recordings = new RecordingRepository(db);
    this.audit = new AuditRepository(db);
    this.qa = new QaRepository(db);
    this.campaigns = new CampaignRepository(db);
    this.leads = new LeadRepository(db);
    this.attempts = new AttemptRepository(db);
    this.dnc = new DncRepository(db);
    this.leadImports = new LeadImportRepository(db);
    this.leadPurges = new LeadPurgeLog(db);
    this.accounts = new AccountRepository(db);
    this.sessions = new SessionRepository(db);
    this.signInThrottle = new SignInThrottleRepository(db);
    this.workspace = new WorkspaceRepository(db);
    this.sms = new SmsRepository(db);
    this.softphones = new SoftphoneRepository(db);
    this.faxes = new FaxRepository(db);
    this.#ping = db.prepare('SELECT 1').pluck();
  }

  /** For readiness checks: true while the database answers a query. */
  healthy(): boolean {
    try {
      return this.#ping.get() === 1;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export function openStore(path: string): Store {
  return new Store(openDatabase(path));
}

import { ApiKeyRepository } from './api-keys.js';
import { CallRepository } from './calls.js';
import { type Database, openDatabase } from './db.js';
import {
  CallbackRequestRepository,
  IvrFlowRepository,
  IvrSessionRepository,
  IvrStatsRepository,
  VoiceMessageRepository,
} from './ivr.js';

export { type ApiKeyIdentity, type ApiKeyInfo, type CreatedApiKey, newApiKeySchema } from './api-keys.js';
export type { CallDirection, CallEvent, CallRecord, CallState, NewCall } from './calls.js';
export type { Database } from './db.js';
export type {
  CallbackRequest,
  CallbackRequestWithNumber,
  CallbackSource,
  CallbackStatus,
  FlowSummary,
  IvrDayStats,
  IvrNodeCounter,
  IvrNodeStats,
  IvrOutcome,
  IvrPathStep,
  IvrSessionEnd,
  IvrSessionRecord,
  IvrSessionStart,
  NewCallbackRequest,
  StoredFlow,
  TimeWindow,
  VoiceMessage,
} from './ivr.js';
export { ROLES, type Role } from './roles.js';

/** The service's SQLite database and its repositories. */
export class Store {
  readonly apiKeys: ApiKeyRepository;
  readonly calls: CallRepository;
  readonly ivrFlows: IvrFlowRepository;
  readonly ivrSessions: IvrSessionRepository;
  readonly ivrStats: IvrStatsRepository;
  readonly voiceMessages: VoiceMessageRepository;
  readonly callbacks: CallbackRequestRepository;
  readonly #ping;

  constructor(readonly db: Database) {
    this.apiKeys = new ApiKeyRepository(db);
    this.calls = new CallRepository(db);
    this.ivrFlows = new IvrFlowRepository(db);
    this.ivrSessions = new IvrSessionRepository(db);
    this.ivrStats = new IvrStatsRepository(db);
    this.voiceMessages = new VoiceMessageRepository(db);
    this.callbacks = new CallbackRequestRepository(db);
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

import { ApiKeyRepository } from './api-keys.js';
import { CallRepository } from './calls.js';
import { type Database, openDatabase } from './db.js';

export { type ApiKeyIdentity, type ApiKeyInfo, type CreatedApiKey, newApiKeySchema } from './api-keys.js';
export type { CallDirection, CallEvent, CallRecord, CallState, NewCall } from './calls.js';
export type { Database } from './db.js';
export { ROLES, type Role } from './roles.js';

/** The service's SQLite database and its repositories. */
export class Store {
  readonly apiKeys: ApiKeyRepository;
  readonly calls: CallRepository;
  readonly #ping;

  constructor(readonly db: Database) {
    this.apiKeys = new ApiKeyRepository(db);
    this.calls = new CallRepository(db);
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

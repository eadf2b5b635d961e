import type { Database } from './db.js';

/** An agent's browser softphone credentials; the password sealed (src/lib/secrets.ts sealSecret). */
export interface SoftphoneCredentialRecord {
  agentId: string;
  username: string;
  passwordSealed: string;
  createdAt: number;
  rotatedAt: number;
}

const COLUMNS = `agent_id AS agentId, username, password_sealed AS passwordSealed, created_at AS createdAt,
  rotated_at AS rotatedAt`;

export class SoftphoneRepository {
  readonly #get;
  readonly #list;
  readonly #upsert;
  readonly #remove;

  constructor(db: Database) {
    this.#get = db.prepare<[string], SoftphoneCredentialRecord>(
      `SELECT ${COLUMNS} FROM softphone_credentials WHERE agent_id = ?`,
    );
    this.#list = db.prepare<[], SoftphoneCredentialRecord>(
      `SELECT ${COLUMNS} FROM softphone_credentials ORDER BY agent_id`,
    );
    // A new password keeps the first creation time.
    this.#upsert = db.prepare<[string, string, string, number, number]>(
      `INSERT INTO softphone_credentials (agent_id, username, password_sealed, created_at, rotated_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (agent_id) DO UPDATE SET username = excluded.username,
         password_sealed = excluded.password_sealed, rotated_at = excluded.rotated_at`,
    );
    this.#remove = db.prepare<[string]>('DELETE FROM softphone_credentials WHERE agent_id = ?');
  }

  get(agentId: string): SoftphoneCredentialRecord | null {
    return this.#get.get(agentId) ?? null;
  }

  list(): SoftphoneCredentialRecord[] {
    return this.#list.all();
  }

  put(agentId: string, username: string, passwordSealed: string, now: number): void {
    this.#upsert.run(agentId, username, passwordSealed, now, now);
  }

  /** True if there was one. */
  remove(agentId: string): boolean {
    return this.#remove.run(agentId).changes > 0;
  }
}

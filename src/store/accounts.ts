import type { ThrottleState } from '../accounts/lockout.js';
import type { Database } from './db.js';
import { StoreError } from './errors.js';
import type { Role } from './roles.js';

/** Times are epoch milliseconds. */

/** A person's account, never its password hash. */
export interface AccountRecord {
  id: string;
  /** Lower-case; unique. */
  username: string;
  role: Role;
  /** The agent the person is, if any: as for an API key, an agent sees and acts for that agent only. */
  agentId: string | null;
  /** Set by an admin's reset (and at creation): the person must choose a new password first. */
  mustChangePassword: boolean;
  passwordChangedAt: number;
  disabledAt: number | null;
  lastSignInAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface AccountWithHash extends AccountRecord {
  passwordHash: string;
}

export interface AccountListing extends AccountRecord {
  /** Sessions not yet ended (expired ones that the purge has not removed yet excluded). */
  sessions: number;
}

export interface NewAccount {
  id: string;
  username: string;
  role: Role;
  agentId: string | null;
  passwordHash: string;
  mustChangePassword: boolean;
}

export interface AccountPatch {
  role?: Role;
  agentId?: string | null;
  /** True: disabled now (kept if it was already); false: enabled. */
  disabled?: boolean;
}

export interface SessionRecord {
  id: string;
  accountId: string;
  csrfToken: string;
  /** The client address it was signed in from. */
  address: string;
  createdAt: number;
  lastSeenAt: number;
  /** The absolute end, fixed at sign-in. */
  expiresAt: number;
}

export interface NewSession extends SessionRecord {
  /** SHA-256 (hex) of the cookie token: the token itself is never stored. */
  tokenHash: string;
}

/** A session with its account, and whether the account's agent is active (null: no agent). */
export interface SessionLookup {
  session: SessionRecord;
  account: AccountRecord;
  agentActive: boolean | null;
}

const ACCOUNT_COLUMNS = `a.id, a.username, a.role, a.agent_id AS agentId,
  a.must_change_password AS mustChangePassword, a.password_changed_at AS passwordChangedAt,
  a.disabled_at AS disabledAt, a.last_sign_in_at AS lastSignInAt, a.created_at AS createdAt,
  a.updated_at AS updatedAt`;

type AccountRow = Omit<AccountRecord, 'mustChangePassword'> & { mustChangePassword: number };

const decodeAccount = <R extends AccountRow>({ mustChangePassword, ...row }: R) => ({
  ...row,
  mustChangePassword: mustChangePassword === 1,
});

const isUniqueViolation = (err: unknown) =>
  (err as { code?: string } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';

export class AccountRepository {
  readonly #insert;
  readonly #byUsername;
  readonly #byId;
  readonly #list;
  readonly #update;
  readonly #setPassword;
  readonly #setHash;
  readonly #signedIn;
  readonly #agentExists;

  constructor(db: Database) {
    this.#insert = db.prepare<
      [string, string, string, string | null, string, number, number, number, number]
    >(
      `INSERT INTO accounts (id, username, role, agent_id, password_hash, must_change_password,
         password_changed_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#byUsername = db.prepare<[string], AccountRow & { passwordHash: string }>(
      `SELECT ${ACCOUNT_COLUMNS}, a.password_hash AS passwordHash FROM accounts a WHERE a.username = ?`,
    );
    this.#byId = db.prepare<[string], AccountRow & { passwordHash: string }>(
      `SELECT ${ACCOUNT_COLUMNS}, a.password_hash AS passwordHash FROM accounts a WHERE a.id = ?`,
    );
    this.#list = db.prepare<{ now: number; seenAfter: number }, AccountRow & { sessions: number }>(
      `SELECT ${ACCOUNT_COLUMNS},
         (SELECT count(*) FROM account_sessions s
          WHERE s.account_id = a.id AND s.expires_at > @now AND s.last_seen_at > @seenAfter) AS sessions
       FROM accounts a ORDER BY a.username`,
    );
    this.#update = db.prepare<[string, string | null, number | null, number, string]>(
      'UPDATE accounts SET role = ?, agent_id = ?, disabled_at = ?, updated_at = ? WHERE id = ?',
    );
    this.#setPassword = db.prepare<[string, number, number, number, string]>(
      `UPDATE accounts SET password_hash = ?, must_change_password = ?, password_changed_at = ?, updated_at = ?
       WHERE id = ?`,
    );
    this.#setHash = db.prepare<[string, string]>('UPDATE accounts SET password_hash = ? WHERE id = ?');
    this.#signedIn = db.prepare<[number, string]>('UPDATE accounts SET last_sign_in_at = ? WHERE id = ?');
    this.#agentExists = db.prepare<[string], number>('SELECT 1 FROM agents WHERE id = ?').pluck();
  }

  /** Null if the username is taken; throws StoreError UNKNOWN_AGENT if `agentId` names no agent. */
  create(input: NewAccount, now: number): AccountRecord | null {
    this.#checkAgent(input.agentId);
    try {
      this.#insert.run(
        input.id,
        input.username,
        input.role,
        input.agentId,
        input.passwordHash,
        input.mustChangePassword ? 1 : 0,
        now,
        now,
        now,
      );
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
    return this.get(input.id);
  }

  /** With its password hash, for signing in. */
  byUsername(username: string): AccountWithHash | null {
    const row = this.#byUsername.get(username);
    return row ? decodeAccount(row) : null;
  }

  /** With its password hash, for a password change. */
  withHash(id: string): AccountWithHash | null {
    const row = this.#byId.get(id);
    return row ? decodeAccount(row) : null;
  }

  get(id: string): AccountRecord | null {
    const found = this.withHash(id);
    if (!found) return null;
    const { passwordHash: _, ...account } = found;
    return account;
  }

  /** By username, with the sessions still running at `now` (those seen after `seenAfter`). */
  list(now: number, seenAfter: number): AccountListing[] {
    return this.#list.all({ now, seenAfter }).map(decodeAccount);
  }

  /** Only the fields given change. Null if there is no such account; throws StoreError UNKNOWN_AGENT. */
  update(id: string, patch: AccountPatch, now: number): AccountRecord | null {
    const current = this.get(id);
    if (!current) return null;
    if (patch.agentId !== undefined) this.#checkAgent(patch.agentId);
    const disabledAt =
      patch.disabled === undefined ? current.disabledAt : patch.disabled ? (current.disabledAt ?? now) : null;
    this.#update.run(
      patch.role ?? current.role,
      patch.agentId === undefined ? current.agentId : patch.agentId,
      disabledAt,
      now,
      id,
    );
    return this.get(id);
  }

  /** A new password (hash); false if there is no such account. */
  setPassword(id: string, passwordHash: string, mustChange: boolean, now: number): boolean {
    return this.#setPassword.run(passwordHash, mustChange ? 1 : 0, now, now, id).changes > 0;
  }

  /** The same password hashed anew (stronger parameters): nothing else changes. */
  replaceHash(id: string, passwordHash: string): void {
    this.#setHash.run(passwordHash, id);
  }

  recordSignIn(id: string, now: number): void {
    this.#signedIn.run(now, id);
  }

  #checkAgent(agentId: string | null): void {
    if (agentId !== null && !this.#agentExists.get(agentId)) {
      throw new StoreError('UNKNOWN_AGENT', `No agent with id ${agentId}`);
    }
  }
}

const SESSION_COLUMNS = `s.id, s.account_id AS accountId, s.csrf_token AS csrfToken, s.address,
  s.created_at AS createdAt, s.last_seen_at AS lastSeenAt, s.expires_at AS expiresAt`;

type LookupRow = SessionRecord & {
  account: string;
  agentActive: number | null;
};

/** Sessions of people signed in. Removals answer the ids they removed, so open streams can be ended. */
export class SessionRepository {
  readonly #insert;
  readonly #lookup;
  readonly #touch;
  readonly #remove;
  readonly #removeByToken;
  readonly #removeForAccount;
  readonly #removeEnded;
  readonly #removeBarred;

  constructor(db: Database) {
    this.#insert = db.prepare<NewSession>(
      `INSERT INTO account_sessions (id, account_id, token_hash, csrf_token, address, created_at, last_seen_at,
         expires_at)
       VALUES (@id, @accountId, @tokenHash, @csrfToken, @address, @createdAt, @lastSeenAt, @expiresAt)`,
    );
    // The account comes back as one JSON column so the two records' columns cannot collide.
    this.#lookup = db.prepare<[string], LookupRow>(
      `SELECT ${SESSION_COLUMNS},
         json_object('id', a.id, 'username', a.username, 'role', a.role, 'agentId', a.agent_id,
           'mustChangePassword', a.must_change_password, 'passwordChangedAt', a.password_changed_at,
           'disabledAt', a.disabled_at, 'lastSignInAt', a.last_sign_in_at, 'createdAt', a.created_at,
           'updatedAt', a.updated_at) AS account,
         g.active AS agentActive
       FROM account_sessions s
       JOIN accounts a ON a.id = s.account_id
       LEFT JOIN agents g ON g.id = a.agent_id
       WHERE s.token_hash = ?`,
    );
    this.#touch = db.prepare<[number, string]>('UPDATE account_sessions SET last_seen_at = ? WHERE id = ?');
    this.#remove = db.prepare<[string]>('DELETE FROM account_sessions WHERE id = ?');
    this.#removeByToken = db
      .prepare<[string], string>('DELETE FROM account_sessions WHERE token_hash = ? RETURNING id')
      .pluck();
    this.#removeForAccount = db
      .prepare<[string, string | null], string>(
        'DELETE FROM account_sessions WHERE account_id = ? AND id IS NOT ? RETURNING id',
      )
      .pluck();
    this.#removeEnded = db
      .prepare<[number, number], string>(
        'DELETE FROM account_sessions WHERE expires_at <= ? OR last_seen_at <= ? RETURNING id',
      )
      .pluck();
    this.#removeBarred = db
      .prepare<[], string>(
        `DELETE FROM account_sessions WHERE account_id IN (
           SELECT a.id FROM accounts a LEFT JOIN agents g ON g.id = a.agent_id
           WHERE a.disabled_at IS NOT NULL OR g.active = 0)
         RETURNING id`,
      )
      .pluck();
  }

  create(session: NewSession): void {
    this.#insert.run(session);
  }

  /** The session whose token has this hash, with its account; ended or not (the caller decides). */
  lookup(tokenHash: string): SessionLookup | null {
    const row = this.#lookup.get(tokenHash);
    if (!row) return null;
    const { account, agentActive, ...session } = row;
    return {
      session,
      account: decodeAccount(JSON.parse(account) as AccountRow),
      agentActive: agentActive === null ? null : agentActive === 1,
    };
  }

  touch(id: string, now: number): void {
    this.#touch.run(now, id);
  }

  /** False if there was no such session. */
  remove(id: string): boolean {
    return this.#remove.run(id).changes > 0;
  }

  /** The id of the session removed, if the token had one. */
  removeByTokenHash(tokenHash: string): string | null {
    return this.#removeByToken.get(tokenHash) ?? null;
  }

  /** Every session of the account, but `keepId` if given. */
  removeForAccount(accountId: string, keepId: string | null = null): string[] {
    return this.#removeForAccount.all(accountId, keepId);
  }

  /** Sessions past their absolute end at `now`, or last seen at or before `seenBy` (idle). */
  removeEnded(now: number, seenBy: number): string[] {
    return this.#removeEnded.all(now, seenBy);
  }

  /** Sessions of disabled accounts and of accounts whose agent is deactivated. */
  removeBarred(): string[] {
    return this.#removeBarred.all();
  }
}

type ThrottleRow = ThrottleState;

/** Failed sign-ins per username and per client address (see accounts/lockout.ts). */
export class SignInThrottleRepository {
  readonly #get;
  readonly #put;
  readonly #clear;
  readonly #purge;

  constructor(db: Database) {
    this.#get = db.prepare<[string], ThrottleRow>(
      `SELECT failures, window_start AS windowStart, locked_until AS lockedUntil, lockouts,
         last_failure_at AS lastFailureAt
       FROM sign_in_throttle WHERE key = ?`,
    );
    this.#put = db.prepare<ThrottleState & { key: string }>(
      `INSERT INTO sign_in_throttle (key, failures, window_start, locked_until, lockouts, last_failure_at)
       VALUES (@key, @failures, @windowStart, @lockedUntil, @lockouts, @lastFailureAt)
       ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start,
         locked_until = excluded.locked_until, lockouts = excluded.lockouts,
         last_failure_at = excluded.last_failure_at`,
    );
    this.#clear = db.prepare<[string]>('DELETE FROM sign_in_throttle WHERE key = ?');
    this.#purge = db.prepare<[number, number]>(
      'DELETE FROM sign_in_throttle WHERE last_failure_at <= ? AND locked_until <= ?',
    );
  }

  get(key: string): ThrottleState | null {
    return this.#get.get(key) ?? null;
  }

  put(key: string, state: ThrottleState): void {
    this.#put.run({ key, ...state });
  }

  clear(key: string): void {
    this.#clear.run(key);
  }

  /** Forgets keys with no failure since `quietSince` and no refusal running at `now`; the count removed. */
  purge(quietSince: number, now: number): number {
    return this.#purge.run(quietSince, now).changes;
  }
}

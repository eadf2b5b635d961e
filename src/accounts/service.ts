import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { sha256 } from '../lib/secrets.js';
import type {
  AccountListing,
  AccountPatch,
  AccountRecord,
  AuditEntry,
  Role,
  SessionRecord,
  Store,
} from '../store/index.js';
import { countFailure, FORGET_AFTER_MS, throttleKey, throttleRules, waitMs } from './lockout.js';
import {
  DEFAULT_SCRYPT,
  hashPassword,
  needsRehash,
  passwordProblem,
  type ScryptParams,
  verifyPassword,
} from './password.js';
import { newSessionTimes, sessionEnded, sessionEnds, shouldTouch } from './session-policy.js';
import { KeyedTurns } from './turns.js';

export type AccountErrorCode =
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_EXISTS'
  /** agent and team-leader accounts must name their agent: their scope comes from it. */
  | 'AGENT_REQUIRED'
  | 'UNKNOWN_AGENT'
  | 'WEAK_PASSWORD'
  /** Wrong username or password: the same answer either way. */
  | 'SIGN_IN_FAILED'
  /** The password was right, but the account (or its agent) is disabled. */
  | 'ACCOUNT_DISABLED'
  | 'TOO_MANY_ATTEMPTS'
  /** A password change with the wrong current password. */
  | 'WRONG_PASSWORD';

export class AccountError extends Error {
  override readonly name = 'AccountError';
  constructor(
    readonly code: AccountErrorCode,
    message: string,
    /** TOO_MANY_ATTEMPTS: when to try again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Who does something, as the audit log keeps it. */
export type Actor = Pick<AuditEntry, 'keyId' | 'keyName' | 'role'> & { agentId: string | null };

/** The actor the command line acts as. */
export const COMMAND_LINE: Actor = { keyId: 'cli', keyName: 'command line', role: 'system', agentId: null };

/** A signed-in person's session, as each request sees it. */
export interface ActiveSession {
  id: string;
  accountId: string;
  username: string;
  role: Role;
  agentId: string | null;
  mustChangePassword: boolean;
  /** Bound to the session: every mutating request made with the cookie must send it back. */
  csrfToken: string;
  createdAt: number;
  /** When it ends unless used before (moves with use). */
  idleExpiresAt: number;
  /** When it ends however busy. */
  expiresAt: number;
}

/** Why a presented session is not accepted. */
export type SessionRefusal = 'unknown' | 'idle' | 'expired' | 'disabled';

export type SessionCheck = { ok: true; session: ActiveSession } | { ok: false; reason: SessionRefusal };

/** The caller as the API names it (its Principal): an account is `account:<id>`, named by its username. */
export function sessionCaller(session: ActiveSession) {
  return {
    keyId: `account:${session.accountId}`,
    name: session.username,
    role: session.role,
    agentId: session.agentId,
  };
}

/** Roles whose scope is their agent's (and the teams it leads): useless without one. */
const ROLES_NEEDING_AGENT: readonly Role[] = ['agent', 'team-leader'];

/**
 * Password checks run one at a time per username (a second at once is refused) and a few at a time per
 * address (the others wait their turn, up to a limit), so a burst cannot all pass before a failure counts.
 */
const CHECKS_PER_ADDRESS = 4;
const WAITING_PER_ADDRESS = 200;

/** Longest cookie value looked up: a real token is 43 characters. */
const MAX_TOKEN_LENGTH = 128;

const tokenHash = (token: string) => sha256(token).toString('hex');

export interface AccountServiceDeps {
  store: Store;
  logger: Logger;
  now: () => number;
  config: Config['auth'];
  /** scrypt's cost for new hashes (tests lower it); DEFAULT_SCRYPT otherwise. */
  scrypt?: ScryptParams;
}

/**
 * People's accounts and their sign-in sessions, beside the API keys of integrations. Passwords are kept
 * as scrypt hashes and never logged; a session is a random cookie token of which the store keeps only the
 * hash. Failed sign-ins count per username and per client address (lockout.ts) and are audited.
 * Sessions end when idle, at their absolute end, at sign-out, and at once when the account is disabled or
 * its agent deactivated; listeners hear of every session ended (the API cuts its open streams).
 */
export class AccountService {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly scrypt: ScryptParams;
  private readonly idleMs: number;
  private readonly lifetimeMs: number;
  private readonly rules: Pick<ReturnType<typeof throttleRules>, 'account' | 'address'>;
  private readonly listeners = new Set<(sessionIds: readonly string[]) => void>();
  private readonly pendingUsers = new Set<string>();
  private readonly addressTurns = new KeyedTurns(CHECKS_PER_ADDRESS, WAITING_PER_ADDRESS);
  /** Checked against for unknown usernames, so they take as long as a wrong password. */
  private readonly unknownUserHash: Promise<string>;

  constructor(private readonly deps: AccountServiceDeps) {
    this.store = deps.store;
    this.log = deps.logger.child({ component: 'accounts' });
    this.now = deps.now;
    this.scrypt = deps.scrypt ?? DEFAULT_SCRYPT;
    this.idleMs = deps.config.idleTimeoutMin * 60_000;
    this.lifetimeMs = deps.config.sessionLifetimeMin * 60_000;
    this.rules = throttleRules(deps.config.lockout);
    // Made now, so that even the first unknown username takes no longer than a wrong password.
    this.unknownUserHash = hashPassword(randomBytes(16).toString('hex'), this.scrypt);
  }

  /** Told the ids of sessions as they end, whatever ended them. */
  onSessionsEnded(listener: (sessionIds: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- accounts ----------------------------------------------------------------------------------------

  /** Throws AccountError ACCOUNT_EXISTS, AGENT_REQUIRED, UNKNOWN_AGENT or WEAK_PASSWORD. */
  async create(
    input: {
      username: string;
      role: Role;
      agentId?: string | null;
      password: string;
      mustChangePassword: boolean;
    },
    by: Actor,
  ): Promise<AccountListing> {
    const agentId = input.agentId ?? null;
    this.checkAgentLink(input.role, agentId);
    this.checkNewPassword(input.password, input.username);
    const passwordHash = await hashPassword(input.password, this.scrypt);
    const account = this.store.accounts.create(
      { id: randomUUID(), ...input, agentId, passwordHash },
      this.now(),
    );
    if (!account) throw new AccountError('ACCOUNT_EXISTS', `The username ${input.username} is taken`);
    this.audit(by, 'account-create', account.username, true, { role: account.role, agentId });
    this.log.info(
      { accountId: account.id, username: account.username, role: account.role, agentId, by: by.keyName },
      'account created',
    );
    return { ...account, sessions: 0 };
  }

  /** By username, with the number of sessions running. */
  list(): AccountListing[] {
    const now = this.now();
    return this.store.accounts.list(now, now - this.idleMs);
  }

  get(id: string): AccountListing | null {
    return this.list().find((account) => account.id === id) ?? null;
  }

  /**
   * Only the fields given change. Disabling ends every session of the account at once; a new role takes
   * effect on the next request. Null if there is no such account; throws AGENT_REQUIRED, UNKNOWN_AGENT.
   */
  update(id: string, patch: AccountPatch, by: Actor): AccountListing | null {
    const current = this.store.accounts.get(id);
    if (!current) return null;
    if (patch.role !== undefined || patch.agentId !== undefined) {
      this.checkAgentLink(
        patch.role ?? current.role,
        patch.agentId === undefined ? current.agentId : patch.agentId,
      );
    }
    const account = this.store.accounts.update(id, patch, this.now())!;
    this.audit(by, 'account-update', account.username, true, patch);
    this.log.info({ accountId: id, fields: Object.keys(patch), by: by.keyName }, 'account updated');
    if (account.disabledAt !== null) this.ended(this.store.sessions.removeForAccount(id), id, 'disabled');
    return this.get(id);
  }

  /**
   * An admin's reset: the person signs in with this password and must then choose their own. Ends every
   * session of the account. False if there is no such account; throws WEAK_PASSWORD.
   */
  async resetPassword(id: string, password: string, by: Actor): Promise<boolean> {
    const account = this.store.accounts.get(id);
    if (!account) return false;
    this.checkNewPassword(password, account.username);
    const hash = await hashPassword(password, this.scrypt);
    if (!this.store.accounts.setPassword(id, hash, true, this.now())) return false;
    this.ended(this.store.sessions.removeForAccount(id), id, 'password reset');
    this.audit(by, 'password-reset', account.username, true);
    this.log.info({ accountId: id, by: by.keyName }, 'password reset');
    return true;
  }

  /** Sign-out everywhere: ends every session of the account. The number ended; null if no such account. */
  endSessions(accountId: string, by: Actor): number | null {
    const account = this.store.accounts.get(accountId);
    if (!account) return null;
    const ids = this.store.sessions.removeForAccount(accountId);
    this.ended(ids, accountId, 'signed out everywhere');
    this.audit(by, 'sign-out-everywhere', account.username, true, { sessions: ids.length });
    return ids.length;
  }

  // --- sign-in -----------------------------------------------------------------------------------------

  /**
   * Checks the password and starts a session: the token (for the cookie; never kept) and the session.
   * Throws AccountError TOO_MANY_ATTEMPTS (with retryAfterMs), SIGN_IN_FAILED (unknown username and wrong
   * password alike) or ACCOUNT_DISABLED (only once the password is right).
   */
  async signIn(input: {
    username: string;
    password: string;
    address: string;
  }): Promise<{ token: string; session: ActiveSession }> {
    const username = input.username.trim().toLowerCase();
    const { address } = input;
    return this.attempt(username, address, async () => {
      const account = this.store.accounts.byUsername(username);
      const hash = account?.passwordHash ?? (await this.unknownUserHash);
      const matches = await verifyPassword(input.password, hash);
      if (!account || !matches) {
        this.failed(username, address, account ? 'wrong password' : 'unknown username', 'sign-in');
        throw new AccountError('SIGN_IN_FAILED', 'The username or the password is wrong');
      }
      if (account.disabledAt !== null || this.agentInactive(account.agentId)) {
        this.audit(anonymous(address), 'sign-in', username, false, { address, reason: 'account disabled' });
        throw new AccountError('ACCOUNT_DISABLED', 'The account is disabled: ask an administrator');
      }
      this.store.signInThrottle.clear(throttleKey.account(username));
      if (needsRehash(account.passwordHash, this.scrypt)) {
        this.store.accounts.replaceHash(account.id, await hashPassword(input.password, this.scrypt));
      }
      const now = this.now();
      this.store.accounts.recordSignIn(account.id, now);
      const started = this.startSession(account, address, now);
      this.audit(accountActor(account), 'sign-in', username, true, { address });
      this.log.info({ accountId: account.id, username, address, sessionId: started.session.id }, 'signed in');
      return started;
    });
  }

  /**
   * The session a cookie token names, if it is still running: it is then recorded as used. A session
   * found ended (idle, expired, account disabled or agent deactivated) is removed.
   */
  authenticate(token: string): SessionCheck {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'unknown' };
    const found = this.store.sessions.lookup(tokenHash(token));
    if (!found) return { ok: false, reason: 'unknown' };
    const { session, account } = found;
    const now = this.now();
    const barred = account.disabledAt !== null || found.agentActive === false;
    const reason = barred ? 'disabled' : sessionEnded(session, this.idleMs, now);
    if (reason !== null) {
      this.store.sessions.remove(session.id);
      this.ended([session.id], account.id, reason);
      return { ok: false, reason };
    }
    let seen = session;
    if (shouldTouch(session, now)) {
      this.store.sessions.touch(session.id, now);
      seen = { ...session, lastSeenAt: now };
    }
    return { ok: true, session: this.activeSession(seen, account) };
  }

  /** Ends one session (sign-out); ending it again is fine. */
  signOut(session: ActiveSession): void {
    if (!this.store.sessions.remove(session.id)) return;
    this.ended([session.id], session.accountId, 'signed out');
    this.audit(sessionActor(session), 'sign-out', session.username, true);
  }

  /** Ends the session a cookie token names, if any (a new sign-in in the same browser replaces it). */
  signOutToken(token: string): void {
    if (token.length > MAX_TOKEN_LENGTH) return;
    const id = this.store.sessions.removeByTokenHash(tokenHash(token));
    if (id !== null) this.ended([id], null, 'replaced by a new sign-in');
  }

  /**
   * The person's own change: the current password is required (a wrong one counts as a failed sign-in).
   * Clears mustChangePassword and ends the account's other sessions; answers this session as it is now.
   * Throws TOO_MANY_ATTEMPTS, WRONG_PASSWORD or WEAK_PASSWORD.
   */
  async changePassword(
    session: ActiveSession,
    passwords: { current: string; next: string },
    address: string,
  ): Promise<ActiveSession> {
    return this.attempt(session.username, address, async () => {
      const account = this.store.accounts.withHash(session.accountId);
      if (!account || !(await verifyPassword(passwords.current, account.passwordHash))) {
        this.failed(session.username, address, 'wrong current password', 'password-change');
        throw new AccountError('WRONG_PASSWORD', 'The current password is wrong');
      }
      this.store.signInThrottle.clear(throttleKey.account(session.username));
      if (passwords.next === passwords.current) {
        throw new AccountError('WEAK_PASSWORD', 'The new password must differ from the current one');
      }
      this.checkNewPassword(passwords.next, account.username);
      const hash = await hashPassword(passwords.next, this.scrypt);
      this.store.accounts.setPassword(account.id, hash, false, this.now());
      this.ended(
        this.store.sessions.removeForAccount(account.id, session.id),
        account.id,
        'password changed',
      );
      this.audit(sessionActor(session), 'password-change', account.username, true);
      this.log.info({ accountId: account.id }, 'password changed');
      return { ...session, mustChangePassword: false };
    });
  }

  // --- housekeeping ------------------------------------------------------------------------------------

  /**
   * Removes sessions that have ended (idle, expired) or are barred (account disabled, agent deactivated),
   * so the streams they hold are cut, and forgets counters of failures long quiet. Runs every minute.
   */
  purge(): number {
    const now = this.now();
    const ended = this.store.sessions.removeEnded(now, now - this.idleMs);
    this.ended(ended, null, 'ended');
    const barred = this.endBarredSessions();
    this.store.signInThrottle.purge(now - FORGET_AFTER_MS, now);
    return ended.length + barred;
  }

  /** Ends the sessions of disabled accounts and deactivated agents at once (the roster changed). */
  endBarredSessions(): number {
    const ids = this.store.sessions.removeBarred();
    this.ended(ids, null, 'account or agent disabled');
    return ids.length;
  }

  // --- inside ------------------------------------------------------------------------------------------

  /**
   * Runs a password check for `username` from `address` unless their counters refuse it for now. Checks
   * from one address take turns and the counters are read when the turn comes, so a burst of guesses
   * meets the failures of the guesses before it; a second check for a username already being checked is
   * refused.
   */
  private async attempt<T>(username: string, address: string, work: () => Promise<T>): Promise<T> {
    if (this.pendingUsers.has(username)) throw tooManyAttempts(1000);
    this.pendingUsers.add(username);
    try {
      const endTurn = await this.addressTurns.take(address);
      if (!endTurn) throw tooManyAttempts(1000);
      try {
        const now = this.now();
        const wait = waitMs(
          this.store.signInThrottle,
          [throttleKey.account(username), throttleKey.address(address)],
          now,
        );
        if (wait > 0) throw tooManyAttempts(wait);
        return await work();
      } finally {
        endTurn();
      }
    } finally {
      this.pendingUsers.delete(username);
    }
  }

  /** Counts a failed password check against the username and the address, and audits it. */
  private failed(username: string, address: string, reason: string, action: string): void {
    const now = this.now();
    const lockedFor = countFailure(
      this.store.signInThrottle,
      [
        [throttleKey.account(username), this.rules.account],
        [throttleKey.address(address), this.rules.address],
      ],
      now,
    );
    this.audit(anonymous(address), action, username, false, {
      address,
      reason,
      ...(lockedFor > 0 && { lockedForMs: lockedFor }),
    });
    this.log.info({ username, address, reason, lockedForMs: lockedFor || undefined }, `${action} failed`);
  }

  private startSession(account: AccountRecord, address: string, now: number) {
    const token = randomBytes(32).toString('base64url');
    const session: SessionRecord = {
      id: randomUUID(),
      accountId: account.id,
      csrfToken: randomBytes(32).toString('base64url'),
      address,
      ...newSessionTimes(now, this.lifetimeMs),
    };
    this.store.sessions.create({ ...session, tokenHash: tokenHash(token) });
    return { token, session: this.activeSession(session, account) };
  }

  private activeSession(session: SessionRecord, account: AccountRecord): ActiveSession {
    const { idleExpiresAt, expiresAt } = sessionEnds(session, this.idleMs);
    return {
      id: session.id,
      accountId: account.id,
      username: account.username,
      role: account.role,
      agentId: account.agentId,
      mustChangePassword: account.mustChangePassword,
      csrfToken: session.csrfToken,
      createdAt: session.createdAt,
      idleExpiresAt,
      expiresAt,
    };
  }

  private ended(ids: readonly string[], accountId: string | null, why: string): void {
    if (ids.length === 0) return;
    this.log.info({ accountId, sessions: ids.length, why }, 'sessions ended');
    for (const listener of this.listeners) {
      try {
        listener(ids);
      } catch (err) {
        this.log.error({ err }, 'sessions-ended listener failed');
      }
    }
  }

  private checkAgentLink(role: Role, agentId: string | null): void {
    if (agentId === null) {
      if (ROLES_NEEDING_AGENT.includes(role)) {
        throw new AccountError('AGENT_REQUIRED', `A ${role} account must name its agent (agentId)`);
      }
      return;
    }
    if (!this.store.agents.get(agentId)?.active) {
      throw new AccountError('UNKNOWN_AGENT', `No active agent with id ${agentId}`);
    }
  }

  private checkNewPassword(password: string, username: string): void {
    const problem = passwordProblem(password, username, this.deps.config.minPasswordLength);
    if (problem) throw new AccountError('WEAK_PASSWORD', problem);
  }

  private agentInactive(agentId: string | null): boolean {
    return agentId !== null && this.store.agents.get(agentId)?.active !== true;
  }

  private audit(by: Actor, action: string, username: string, allowed: boolean, detail?: unknown): void {
    this.store.audit.add({
      at: this.now(),
      ...by,
      action,
      targetType: 'account',
      targetId: username,
      allowed,
      detail,
    });
  }
}

const tooManyAttempts = (retryAfterMs: number) =>
  new AccountError('TOO_MANY_ATTEMPTS', 'Too many failed attempts: wait before trying again', retryAfterMs);

/** Someone not signed in, known by their address only. */
const anonymous = (address: string): Actor => ({
  keyId: 'anonymous',
  keyName: address,
  role: 'system',
  agentId: null,
});

const accountActor = (account: AccountRecord): Actor => ({
  keyId: `account:${account.id}`,
  keyName: account.username,
  role: account.role,
  agentId: account.agentId,
});

const sessionActor = (session: ActiveSession): Actor => {
  const caller = sessionCaller(session);
  return { keyId: caller.keyId, keyName: caller.name, role: caller.role, agentId: caller.agentId };
};

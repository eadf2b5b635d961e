import type { Logger } from 'pino';
import { countFailure, type ThrottleRule, throttleKey, throttleRules, waitMs } from '../accounts/lockout.js';
import type { Config } from '../config/schema.js';
import {
  type ApiKeyIdentity,
  type ApiKeyInfo,
  apiKeyPrefix,
  type CreatedApiKey,
  type Role,
  type Store,
} from '../store/index.js';

/**
 * The API keys: created (shown once), listed, revoked, and checked on every request. The store keeps
 * only their hashes; times come from the service's clock. Keys themselves are never logged. Invalid keys
 * are counted per key prefix and per client address with the sign-in lock-out's rules, in its table
 * (accounts/lockout.ts, auth.lockout; kept in the store, so a restart forgets nothing).
 */
export class ApiKeyService {
  private readonly log: Logger;
  private readonly rules: { keyPrefix: ThrottleRule; address: ThrottleRule };
  private readonly revokedListeners = new Set<() => void>();

  constructor(
    private readonly store: Store,
    logger: Logger,
    private readonly now: () => number,
    lockout: Config['auth']['lockout'],
  ) {
    this.log = logger.child({ component: 'api-keys' });
    this.rules = throttleRules(lockout);
  }

  /** Throws StoreError UNKNOWN_AGENT if `agentId` names no agent. */
  create(input: { name: string; role: Role; agentId?: string }, by: string): CreatedApiKey {
    const { name, role, agentId } = input;
    const created = this.store.apiKeys.create(name, role, { agentId }, this.now());
    this.log.info({ keyId: created.id, name, role, agentId, prefix: created.prefix, by }, 'api key created');
    return created;
  }

  /** Every key, revoked ones included, oldest first; never the hash. */
  list(): ApiKeyInfo[] {
    return this.store.apiKeys.list();
  }

  /** Takes effect on the next request. False if there is no key with this id; revoking again is fine. */
  revoke(id: string, by: string): boolean {
    if (!this.store.apiKeys.revoke(id, this.now())) return false;
    this.log.info({ keyId: id, by }, 'api key revoked');
    for (const listener of this.revokedListeners) {
      try {
        listener();
      } catch (err) {
        this.log.error({ err }, 'key-revoked listener failed');
      }
    }
    return true;
  }

  /** Called after a key is revoked here (an agent's deactivation revokes its keys in the roster). */
  onRevoked(listener: () => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  /** Whether the key (by id) would still be accepted: not revoked, its agent active. */
  isLive(id: string): boolean {
    return this.store.apiKeys.isLive(id);
  }

  /** The key's owner if the key exists and is not revoked, else null. */
  verify(key: string): ApiKeyIdentity | null {
    return this.store.apiKeys.verify(key, this.now());
  }

  /**
   * How long a key presented from `address` must wait before it is checked (0: now): the address or the
   * key's prefix has failed too often. Asked before verify, so a refused attempt learns nothing.
   */
  waitMs(key: string, address: string): number {
    return waitMs(this.store.signInThrottle, this.counters(key, address), this.now());
  }

  /** Counts an invalid key from `address`; answers how long a refusal it started lasts (0: none). */
  failed(key: string, address: string): number {
    const prefix = apiKeyPrefix(key);
    const lockedForMs = countFailure(
      this.store.signInThrottle,
      [
        [throttleKey.keyAddress(address), this.rules.address],
        ...(prefix === null ? [] : [[throttleKey.keyPrefix(prefix), this.rules.keyPrefix] as const]),
      ],
      this.now(),
    );
    // The prefix only: it is shown in key lists anyway, and is no use without the rest.
    this.log.info({ address, prefix, lockedForMs: lockedForMs || undefined }, 'invalid api key');
    return lockedForMs;
  }

  private counters(key: string, address: string): string[] {
    const prefix = apiKeyPrefix(key);
    return [throttleKey.keyAddress(address), ...(prefix === null ? [] : [throttleKey.keyPrefix(prefix)])];
  }
}

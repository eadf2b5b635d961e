import type { Logger } from 'pino';
import type { ApiKeyIdentity, ApiKeyInfo, CreatedApiKey, Role, Store } from '../store/index.js';

/**
 * The API keys: created (shown once), listed, revoked, and checked on every request. The store keeps
 * only their hashes; times come from the service's clock. Keys themselves are never logged.
 */
export class ApiKeyService {
  private readonly log: Logger;

  constructor(
    private readonly store: Store,
    logger: Logger,
    private readonly now: () => number,
  ) {
    this.log = logger.child({ component: 'api-keys' });
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
    return true;
  }

  /** The key's owner if the key exists and is not revoked, else null. */
  verify(key: string): ApiKeyIdentity | null {
    return this.store.apiKeys.verify(key, this.now());
  }
}

import { bestEffort } from '../lib/best-effort.js';
import type { Logger } from '../lib/logger.js';
import { openSealed, sealSecret } from '../lib/secrets.js';
import type { AgentRecord, Store } from '../store/index.js';
import {
  hasBrowserLine,
  newSipPassword,
  type PjsipKind,
  softphoneEndpointId,
  softphoneObjects,
} from './lines.js';

/** What the service needs of Asterisk: ARI push configuration (AriRest gives it). */
export interface SoftphonePbx {
  putPjsipObject(kind: PjsipKind, id: string, fields: Record<string, string>): Promise<void>;
  deletePjsipObject(kind: PjsipKind, id: string): Promise<void>;
}

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** Everything the agent's browser needs to register its softphone. */
export interface SoftphoneSettings {
  wsUrl: string;
  sipUri: string;
  authorizationUser: string;
  password: string;
  displayName: string;
  iceServers: IceServer[];
}

/** A person's request the service refuses (the API maps the code to a status). */
export class SoftphoneError extends Error {
  override readonly name = 'SoftphoneError';
  constructor(
    readonly code: 'AGENT_NOT_FOUND' | 'NO_BROWSER_LINE' | 'PBX_UNAVAILABLE',
    message: string,
  ) {
    super(message);
  }
}

export interface SoftphoneServiceOptions {
  store: Store;
  pbx: SoftphonePbx;
  /** The key the SIP passwords are sealed with (32 bytes, softphone-key.secret in the storage folder). */
  key: Buffer;
  wsUrl: string;
  iceServers: IceServer[];
  logger: Logger;
  nowMs: () => number;
}

/**
 * The agents' browser softphones: per agent whose line is the browser (hasBrowserLine), SIP credentials
 * made here (random, sealed in the store) and the PJSIP endpoint, aor and auth pushed to Asterisk's memory
 * over ARI, again on every ARI connect (Asterisk forgets them when it restarts). Passwords are never logged.
 */
export class SoftphoneService {
  private readonly log: Logger;
  /** Agents whose objects Asterisk has since the last connect. */
  private readonly pushed = new Set<string>();
  /** One change at a time per agent (a rotation racing a first push must not leave the old password). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly options: SoftphoneServiceOptions) {
    this.log = options.logger.child({ component: 'softphone' });
  }

  /**
   * Makes the agent's softphone exist if its line is the browser (credentials created once, objects
   * pushed), or removes it if not. True when the agent has one afterwards. Throws PBX_UNAVAILABLE if
   * Asterisk refused the push (the credentials are kept and pushed again on the next connect).
   */
  ensureFor(agentId: string): Promise<boolean> {
    return this.serial(agentId, async () => {
      const agent = this.options.store.agents.get(agentId);
      if (!agent || !hasBrowserLine(agent)) {
        await this.remove(agentId);
        return false;
      }
      const record = this.options.store.softphones.get(agentId);
      const password = record ? this.open(record.passwordSealed) : this.store(agentId, newSipPassword());
      if (!record) this.log.info({ agentId }, 'softphone credentials created');
      if (!this.pushed.has(agentId)) await this.push(agent, password);
      return true;
    });
  }

  /** Removes the agent's softphone: its objects in Asterisk and its credentials. */
  removeFor(agentId: string): Promise<void> {
    return this.serial(agentId, () => this.remove(agentId));
  }

  /** What the agent's browser registers with; makes the softphone first if needed. */
  async settings(agentId: string): Promise<SoftphoneSettings> {
    const agent = this.browserAgent(agentId);
    await this.ensureFor(agentId);
    const record = this.options.store.softphones.get(agentId);
    if (!record) throw new SoftphoneError('NO_BROWSER_LINE', `Agent ${agentId}'s line is not the browser`);
    const host = new URL(this.options.wsUrl).hostname;
    return {
      wsUrl: this.options.wsUrl,
      sipUri: `sip:${record.username}@${host}`,
      authorizationUser: record.username,
      password: this.open(record.passwordSealed),
      displayName: agent.name,
      iceServers: this.options.iceServers,
    };
  }

  /** A new password, pushed at once: the old one stops working for the next registration. */
  async rotate(agentId: string): Promise<SoftphoneSettings> {
    const agent = this.browserAgent(agentId);
    await this.serial(agentId, async () => {
      const password = this.store(agentId, newSipPassword());
      this.pushed.delete(agentId);
      await this.push(agent, password);
      this.log.info({ agentId }, 'softphone password rotated');
    });
    return this.settings(agentId);
  }

  /**
   * On every ARI connect: pushes every browser softphone again (Asterisk may have restarted and forgotten
   * them), makes the missing ones and removes those whose agent's line is no longer the browser. Never
   * throws: a failure is logged and the agent's next request tries again.
   */
  async syncAll(): Promise<void> {
    this.pushed.clear();
    const { store } = this.options;
    const agentIds = new Set([
      ...store.agents
        .list()
        .filter(hasBrowserLine)
        .map((a) => a.id),
      ...store.softphones.list().map((r) => r.agentId),
    ]);
    let failed = 0;
    for (const agentId of agentIds) {
      try {
        await this.ensureFor(agentId);
      } catch (err) {
        failed += 1;
        this.log.error({ err, agentId }, 'softphone push failed (is sorcery.conf installed in Asterisk?)');
      }
    }
    this.log.info({ softphones: this.pushed.size, failed }, 'softphones pushed to Asterisk');
  }

  private browserAgent(agentId: string): AgentRecord {
    const agent = this.options.store.agents.get(agentId);
    if (!agent) throw new SoftphoneError('AGENT_NOT_FOUND', `No agent with id ${agentId}`);
    if (!hasBrowserLine(agent)) {
      throw new SoftphoneError('NO_BROWSER_LINE', `Agent ${agentId}'s line is not the browser`);
    }
    return agent;
  }

  private async push(agent: AgentRecord, password: string): Promise<void> {
    try {
      for (const object of softphoneObjects(agent.id, password, agent.name)) {
        await this.options.pbx.putPjsipObject(object.kind, object.id, object.fields);
      }
    } catch (err) {
      throw new SoftphoneError(
        'PBX_UNAVAILABLE',
        `Asterisk did not take agent ${agent.id}'s softphone: ${(err as Error).message}`,
      );
    }
    this.pushed.add(agent.id);
  }

  private async remove(agentId: string): Promise<void> {
    const hadOne = this.options.store.softphones.remove(agentId);
    this.pushed.delete(agentId);
    if (!hadOne) return;
    const id = softphoneEndpointId(agentId);
    // The endpoint first: it names the other two. Absent objects (Asterisk restarted) are fine; an
    // Asterisk that is down forgets them anyway.
    for (const kind of ['endpoint', 'aor', 'auth'] as const) {
      await bestEffort(
        () => this.options.pbx.deletePjsipObject(kind, id),
        this.log,
        `deleting ${kind} ${id}`,
      );
    }
    this.log.info({ agentId }, 'softphone removed');
  }

  private store(agentId: string, password: string): string {
    const { store, key, nowMs } = this.options;
    store.softphones.put(agentId, softphoneEndpointId(agentId), sealSecret(key, password), nowMs());
    return password;
  }

  private open(sealed: string): string {
    return openSealed(this.options.key, sealed);
  }

  private serial<T>(agentId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(agentId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(agentId, tail);
    void tail.then(() => {
      if (this.queues.get(agentId) === tail) this.queues.delete(agentId);
    });
    return next;
  }
}

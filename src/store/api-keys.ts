import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { sha256 } from '../lib/secrets.js';
import { agentIdSchema } from './agents.js';
import type { Database } from './db.js';
import { StoreError } from './errors.js';
import { ROLES, type Role } from './roles.js';

/** Marks our keys so they are recognisable in a config file or a secret scanner. */
const KEY_MARKER = 'cc_';
/** Leading characters of a key kept in clear so people can tell their keys apart. */
const PREFIX_LENGTH = 12;

/** The prefix a key of our form is looked up by (shown in key lists), or null for a malformed key. */
export function apiKeyPrefix(key: string): string | null {
  return key.startsWith(KEY_MARKER) && key.length > PREFIX_LENGTH ? key.slice(0, PREFIX_LENGTH) : null;
}
/** last_used_at is only rewritten when older than this, so a busy key does not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** What a new key needs; shared by the HTTP API and the CLI so both accept the same input. */
export const newApiKeySchema = z.object({
  name: z.string().trim().min(1).max(100).describe('Who or what uses the key, e.g. "wallboard"'),
  role: z.enum(ROLES).describe('admin may do everything; other roles as each route states'),
  agentId: agentIdSchema
    .optional()
    .describe('The agent the key belongs to: an agent acts for, and sees, that agent only'),
});

export interface ApiKeyIdentity {
  id: string;
  name: string;
  role: Role;
  agentId: string | null;
}

export interface ApiKeyInfo extends ApiKeyIdentity {
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface CreatedApiKey {
  id: string;
  /** The plaintext key: only its hash is stored, so this is the one time it can be shown. */
  key: string;
  prefix: string;
}

interface CandidateRow extends ApiKeyIdentity {
  keyHash: string;
  lastUsedAt: number | null;
}

const INFO_COLUMNS = `id, name, role, agent_id AS agentId, prefix, created_at AS createdAt,
  last_used_at AS lastUsedAt, revoked_at AS revokedAt`;

export class ApiKeyRepository {
  readonly #insert;
  readonly #candidates;
  readonly #touch;
  readonly #list;
  readonly #revoke;
  readonly #revokeForAgent;
  readonly #agentExists;
  readonly #live;

  constructor(db: Database) {
    this.#insert = db.prepare<[string, string, string, string | null, string, string, number]>(
      `INSERT INTO api_keys (id, name, role, agent_id, key_hash, prefix, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#candidates = db.prepare<[string], CandidateRow>(
      // A key of a deactivated agent is refused even if it escaped revocation (keys revoked at deactivation).
      `SELECT k.id, k.name, k.role, k.agent_id AS agentId, k.key_hash AS keyHash, k.last_used_at AS lastUsedAt
       FROM api_keys k LEFT JOIN agents g ON g.id = k.agent_id
       WHERE k.prefix = ? AND k.revoked_at IS NULL AND (k.agent_id IS NULL OR g.active = 1)`,
    );
    this.#touch = db.prepare<[number, string]>('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
    this.#list = db.prepare<[], ApiKeyInfo>(`SELECT ${INFO_COLUMNS} FROM api_keys ORDER BY created_at, id`);
    // The first revocation time sticks; revoking again still reports that the key exists.
    this.#revoke = db.prepare<[number, string]>(
      'UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?',
    );
    this.#revokeForAgent = db.prepare<[number, string]>(
      'UPDATE api_keys SET revoked_at = ? WHERE agent_id = ? AND revoked_at IS NULL',
    );
    this.#agentExists = db.prepare<[string], number>('SELECT 1 FROM agents WHERE id = ?').pluck();
    this.#live = db
      .prepare<[string], number>(
        `SELECT 1 FROM api_keys k LEFT JOIN agents g ON g.id = k.agent_id
         WHERE k.id = ? AND k.revoked_at IS NULL AND (k.agent_id IS NULL OR g.active = 1)`,
      )
      .pluck();
  }

  /** Throws StoreError UNKNOWN_AGENT if `agentId` names no agent. */
  create(name: string, role: Role, { agentId }: { agentId?: string } = {}, now = Date.now()): CreatedApiKey {
    if (agentId !== undefined && !this.#agentExists.get(agentId)) {
      throw new StoreError('UNKNOWN_AGENT', `No agent with id ${agentId}`);
    }
    const id = randomUUID();
    const key = `${KEY_MARKER}${randomBytes(32).toString('base64url')}`;
    const prefix = key.slice(0, PREFIX_LENGTH);
    // Keys carry 256 random bits, so a fast unsalted hash is enough: there is nothing to brute-force.
    this.#insert.run(id, name, role, agentId ?? null, sha256(key).toString('hex'), prefix, now);
    return { id, key, prefix };
  }

  /** The key's owner if the key exists and is not revoked, else null. */
  verify(key: string, now: number): ApiKeyIdentity | null {
    const prefix = apiKeyPrefix(key);
    if (prefix === null) return null;
    const digest = sha256(key);
    // The prefix narrows the lookup; the hash comparison that decides runs in constant time.
    const match = this.#candidates
      .all(prefix)
      .find((row) => timingSafeEqual(digest, Buffer.from(row.keyHash, 'hex')));
    if (!match) return null;
    if (match.lastUsedAt === null || now - match.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
      this.#touch.run(now, match.id);
    }
    return { id: match.id, name: match.name, role: match.role, agentId: match.agentId };
  }

  /** Every key, revoked ones included, oldest first; never the hash. */
  list(): ApiKeyInfo[] {
    return this.#list.all();
  }

  /** Revokes the key; false if there is no key with this id. */
  revoke(id: string, now = Date.now()): boolean {
    return this.#revoke.run(now, id).changes > 0;
  }

  /** Whether the key would still be accepted: not revoked, and its agent (if any) active. */
  isLive(id: string): boolean {
    return this.#live.get(id) !== undefined;
  }

  /** Revokes every key linked to the agent that is not revoked yet; returns how many. */
  revokeForAgent(agentId: string, now: number): number {
    return this.#revokeForAgent.run(now, agentId).changes;
  }
}

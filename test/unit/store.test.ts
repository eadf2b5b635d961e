import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/store/db.js';
import { openStore, type Store } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cc-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('creates the parent folder, uses WAL and applies every migration once', () => {
    const path = join(dir, 'nested', 'db.sqlite');
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();

    const reopened = openDatabase(path);
    const rows = reopened.prepare('SELECT id, name FROM schema_migrations ORDER BY id').all();
    expect(rows).toEqual(MIGRATIONS.map(({ id, name }) => ({ id, name })));
    expect(migrate(reopened)).toEqual([]);
    reopened.close();
  });

  it('rolls back a failing migration and leaves earlier ones applied', () => {
    const db = openDatabase(':memory:');
    const next = MIGRATIONS.at(-1)!.id + 1;
    const broken = [
      ...MIGRATIONS,
      { id: next, name: 'half done', sql: 'CREATE TABLE half (x INTEGER); SELECT * FROM missing_table;' },
    ];
    expect(() => migrate(db, broken)).toThrow(/missing_table/);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0);
    expect(db.prepare('SELECT max(id) FROM schema_migrations').pluck().get()).toBe(next - 1);
    db.close();
  });

  it('refuses migrations out of order', () => {
    const db = openDatabase(':memory:');
    const unordered = [
      { id: 2, name: 'b', sql: '' },
      { id: 1, name: 'a', sql: '' },
    ];
    expect(() => migrate(db, unordered)).toThrow(/must come after/);
    db.close();
  });
});

describe('ApiKeyRepository', () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(join(dir, 'keys.sqlite'));
  });
  afterEach(() => store.close());

  it('creates a key that verifies, and stores only its hash', () => {
    const { id, key, prefix } = store.apiKeys.create('wallboard', 'supervisor');
    expect(key).toMatch(/^cc_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(prefix)).toBe(true);
    expect(store.apiKeys.verify(key, Date.now())).toEqual({
      id,
      name: 'wallboard',
      role: 'supervisor',
      agentId: null,
    });

    const row = store.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Record<string, unknown>;
    expect(Object.values(row)).not.toContain(key);
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects unknown, malformed and revoked keys', () => {
    const { id, key } = store.apiKeys.create('agent 7', 'agent');
    expect(store.apiKeys.verify(`${key.slice(0, -1)}x`, Date.now())).toBeNull();
    expect(store.apiKeys.verify('not-a-key', Date.now())).toBeNull();
    expect(store.apiKeys.verify('', Date.now())).toBeNull();

    expect(store.apiKeys.revoke(id)).toBe(true);
    expect(store.apiKeys.verify(key, Date.now())).toBeNull();
    expect(store.apiKeys.revoke(id)).toBe(true);
    expect(store.apiKeys.revoke('no-such-id')).toBe(false);
  });

  it('lists keys without hashes and keeps the first revocation time', () => {
    const { id } = store.apiKeys.create('qa team', 'qa');
    store.apiKeys.revoke(id, 1_000);
    store.apiKeys.revoke(id, 2_000);
    const [listed] = store.apiKeys.list();
    expect(listed).toMatchObject({ id, name: 'qa team', role: 'qa', revokedAt: 1_000, lastUsedAt: null });
    expect(Object.keys(listed!)).not.toContain('keyHash');
  });

  it('updates last_used_at at most once a minute', () => {
    const { key } = store.apiKeys.create('dialer', 'team-leader');
    const lastUsed = () => store.apiKeys.list()[0]!.lastUsedAt;
    store.apiKeys.verify(key, 100_000);
    expect(lastUsed()).toBe(100_000);
    store.apiKeys.verify(key, 130_000);
    expect(lastUsed()).toBe(100_000);
    store.apiKeys.verify(key, 160_000);
    expect(lastUsed()).toBe(160_000);
  });
});

describe('CallRepository', () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(':memory:');
  });
  afterEach(() => store.close());

  const call = (id: string, instanceId = 'cc-1') => ({
    id,
    channelId: `chan-${id}`,
    instanceId,
    direction: 'inbound' as const,
    callerMasked: '******1234',
    dnis: '1000',
    startedAt: 1_000,
  });

  it('opens a call once and records its lifecycle', () => {
    expect(store.calls.open(call('a'))).toBe(true);
    expect(store.calls.get('a')).toMatchObject({ state: 'ringing', answeredAt: null, endedAt: null });
    expect(store.calls.open({ ...call('a'), channelId: 'other' })).toBe(false);
    expect(store.calls.markAnswered('a', 2_000)).toBe(true);
    expect(store.calls.get('a')).toMatchObject({ channelId: 'chan-a', state: 'up', answeredAt: 2_000 });
    expect(store.calls.findByChannel('chan-a')?.id).toBe('a');
    expect(store.calls.findByChannel('nope')).toBeNull();
    expect(store.calls.get('nope')).toBeNull();
  });

  it('keeps the first end when hangups race', () => {
    store.calls.open(call('a'));
    expect(store.calls.markEnded('a', 'caller-hangup', 5_000)).toBe(true);
    expect(store.calls.markEnded('a', 'shutdown', 6_000)).toBe(false);
    expect(store.calls.markAnswered('a', 7_000)).toBe(false);
    expect(store.calls.get('a')).toMatchObject({
      state: 'ended',
      endedAt: 5_000,
      endReason: 'caller-hangup',
      answeredAt: null,
    });
  });

  it('lists open calls, optionally for one instance', () => {
    store.calls.open(call('a', 'cc-1'));
    store.calls.open(call('b', 'cc-2'));
    store.calls.open(call('c', 'cc-1'));
    store.calls.markEnded('c', 'done');
    expect(store.calls.listOpen().map((c) => c.id)).toEqual(['a', 'b']);
    expect(store.calls.listOpen('cc-1').map((c) => c.id)).toEqual(['a']);
  });

  it('keeps an audit trail with JSON details and enforces the call reference', () => {
    store.calls.open(call('a'));
    store.calls.addEvent('a', 'entered-ivr', { menu: 'main', digits: ['1', '2'] }, 1_500);
    store.calls.addEvent('a', 'hangup', undefined, 1_600);
    expect(store.calls.events('a')).toEqual([
      { at: 1_500, event: 'entered-ivr', detail: { menu: 'main', digits: ['1', '2'] } },
      { at: 1_600, event: 'hangup', detail: null },
    ]);
    expect(() => store.calls.addEvent('unknown', 'x')).toThrow(/FOREIGN KEY/);
  });
});

describe('Store', () => {
  it('is healthy while open and not after close', () => {
    const store = openStore(':memory:');
    expect(store.healthy()).toBe(true);
    store.close();
    expect(store.healthy()).toBe(false);
    store.close();
  });
});

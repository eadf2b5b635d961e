import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_SESSION_MS, type AuditActor, RecordingLibrary } from '../../src/recording/library.js';
import { openStore, type Store } from '../../src/store/index.js';

let dir: string;
let store: Store;
let now: number;
let library: RecordingLibrary;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rec-audit-'));
  store = openStore(join(dir, 'db.sqlite'));
  now = 1_000_000;
  library = new RecordingLibrary({ store, logger: pino({ level: 'silent' }), now: () => now });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const actor = (keyId: string): AuditActor => ({ keyId, keyName: keyId, role: 'qa', agentId: null });
const page = (offset: number) => ({ teamId: 't1', limit: 10, offset });
const rows = (action: string) => store.audit.list({ limit: 1_000 }).filter((e) => e.action === action);
const count = (action: string) =>
  (store.db.prepare('SELECT count(*) AS n FROM audit_log WHERE action = ?').get(action) as { n: number }).n;

describe('audit sessions of the recording library', () => {
  it('count a search again once the session length has passed since its row', () => {
    library.search(page(0), null, actor('k1'));
    now += AUDIT_SESSION_MS - 1;
    library.search(page(10), null, actor('k1'));
    expect(rows('search')).toHaveLength(1);
    now += 1;
    library.search(page(20), null, actor('k1'));
    expect(rows('search')).toHaveLength(2);
  });

  it('treat the same filters given in another order as the same search', () => {
    library.search({ teamId: 't1', direction: 'inbound', limit: 10, offset: 0 }, null, actor('k1'));
    library.search({ direction: 'inbound', teamId: 't1', limit: 10, offset: 0 }, null, actor('k1'));
    expect(rows('search')).toHaveLength(1);
  });

  it('remember a bounded number of sessions, forgetting the oldest first (a row more, never one less)', () => {
    for (let i = 0; i < 10_001; i += 1) library.auditPlayback(actor(`k${i}`), 'r1', 'listen', undefined);
    expect(count('listen')).toBe(10_001);
    // k0's session was forgotten to make room: its next request writes a row again; k5000's does not.
    library.auditPlayback(actor('k0'), 'r1', 'listen', undefined);
    library.auditPlayback(actor('k5000'), 'r1', 'listen', undefined);
    expect(count('listen')).toBe(10_002);
  });

  it('keep at most 100 characters of a Range header', () => {
    library.auditPlayback(actor('k1'), 'r1', 'listen', `bytes=${'0'.repeat(15_000)}-`);
    expect((rows('listen')[0]!.detail as { range: string }).range).toHaveLength(100);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/db.js';
import { type NewRecording, openStore, Store } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 6); // a Monday

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cc-rec-store-'));
  store = openStore(join(dir, 'db.sqlite'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const rec = (name: string, extra: Partial<NewRecording> = {}): NewRecording => ({
  id: name,
  callId: `call-${name}`,
  name,
  direction: 'inbound',
  startedAt: T0,
  ...extra,
});

/** Starts and stores a recording of `durationSec`. */
function stored(name: string, extra: Partial<NewRecording> = {}, durationSec = 60) {
  const r = store.recordings.started(rec(name, extra));
  store.recordings.stored(
    name,
    {
      filePath: `2025/01/06/${name}.wav`,
      sizeBytes: 1000,
      sha256: 'ab'.repeat(32),
      durationSec,
      endedAt: r.startedAt + durationSec * 1000,
    },
    T0 + 9000,
  );
  return store.recordings.get(r.id)!;
}

describe('migration 4', () => {
  it('upgrades a database from migration 3', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.slice(0, 3));
    expect(migrate(db, MIGRATIONS.slice(0, 4))).toEqual([4]);
    migrate(db); // any later ones, so that Store finds every table
    const upgraded = new Store(db);
    expect(upgraded.recordings.unfinished()).toEqual([]);
    upgraded.close();
  });
});

describe('RecordingRepository lifecycle', () => {
  it('goes from recording through finalizing to stored, keeping the first row on a repeat start', () => {
    const first = store.recordings.started(rec('r1', { agentId: 'a1', numberMasked: '******1234' }), T0 + 5);
    expect(first).toMatchObject({
      id: 'r1',
      status: 'recording',
      format: 'wav',
      layout: 'mixed',
      pauses: [],
      legalHold: false,
      agentId: 'a1',
      createdAt: T0 + 5,
    });
    expect(store.recordings.started(rec('r1', { id: 'other', agentId: 'a2' })).id).toBe('r1');
    expect(store.recordings.unfinished().map((r) => r.name)).toEqual(['r1']);

    expect(store.recordings.finalizing('r1')).toBe(true);
    expect(store.recordings.unfinished().map((r) => r.status)).toEqual(['finalizing']);
    const file = {
      filePath: 'x.wav',
      sizeBytes: 10,
      sha256: 'f'.repeat(64),
      durationSec: 3.5,
      endedAt: T0 + 3500,
    };
    expect(store.recordings.stored('r1', file, T0 + 9000)).toBe(true);
    expect(store.recordings.get('r1')).toMatchObject({ ...file, status: 'stored', storedAt: T0 + 9000 });
    expect(store.recordings.unfinished()).toEqual([]);

    // Too late to fail or re-finalize a stored recording; storing again (a retried job) is fine.
    expect(store.recordings.failed('r1', 'boom')).toBe(false);
    expect(store.recordings.finalizing('r1')).toBe(false);
    expect(store.recordings.stored('r1', file, T0 + 9000)).toBe(true);
    expect(store.recordings.byName('nope')).toBeNull();
  });

  it('records failures, which may be finalized again', () => {
    store.recordings.started(rec('r1'));
    expect(store.recordings.failed('r1', 'RecordingFailed')).toBe(true);
    expect(store.recordings.get('r1')).toMatchObject({ status: 'failed', error: 'RecordingFailed' });
    expect(store.recordings.finalizing('r1')).toBe(true);
  });

  it('keeps pauses, disposition and late call facts', () => {
    store.recordings.started(rec('mix', { callId: 'c1' }));
    store.recordings.started(rec('agent-half', { callId: 'c1', layout: 'agent' }));
    expect(store.recordings.addPause('mix', { from: 1000, to: 4000 })).toBe(true);
    store.recordings.addPause('mix', { from: 9000, to: 9500 });
    expect(store.recordings.setDisposition('c1', 'sale')).toBe(2);
    expect(store.recordings.setCallInfo('c1', { agentId: 'a7', teamId: 't1' })).toBe(2);
    store.recordings.setCallInfo('c1', { campaignId: 'spring' });

    const [agentHalf, mix] = store.recordings.byCall('c1');
    expect(mix).toMatchObject({
      pauses: [
        { from: 1000, to: 4000 },
        { from: 9000, to: 9500 },
      ],
      disposition: 'sale',
      agentId: 'a7',
      teamId: 't1',
      campaignId: 'spring',
    });
    expect(agentHalf).toMatchObject({ layout: 'agent', pauses: [], agentId: 'a7' });
  });

  it('sets and lifts the legal hold', () => {
    stored('r1');
    expect(store.recordings.setLegalHold('r1', true)?.legalHold).toBe(true);
    expect(store.recordings.setLegalHold('r1', false)?.legalHold).toBe(false);
    expect(store.recordings.setLegalHold('nope', true)).toBeNull();
  });
});

describe('RecordingRepository.search', () => {
  beforeEach(() => {
    stored('a', { agentId: 'a1', teamId: 'sales', numberMasked: '******1234', startedAt: T0 }, 30);
    stored('b', { agentId: 'a2', teamId: 'sales', direction: 'outbound', startedAt: T0 + DAY }, 120);
    stored('c', { agentId: 'a3', teamId: 'support', campaignId: 'spring', startedAt: T0 + 2 * DAY }, 300);
    store.recordings.started(rec('d', { startedAt: T0 + 3 * DAY }));
    store.recordings.setDisposition('call-b', 'sale');
  });
  const names = (filter: Parameters<Store['recordings']['search']>[0]) =>
    store.recordings.search(filter).map((r) => r.name);

  it('filters by each criterion, newest first', () => {
    expect(names({})).toEqual(['d', 'c', 'b', 'a']);
    expect(names({ from: T0 + DAY, to: T0 + 3 * DAY })).toEqual(['c', 'b']);
    expect(names({ agentId: 'a1' })).toEqual(['a']);
    expect(names({ teamId: 'sales' })).toEqual(['b', 'a']);
    expect(names({ teamIds: ['support', 'nope'] })).toEqual(['c']);
    expect(names({ teamIds: [] })).toEqual([]);
    expect(names({ campaignId: 'spring' })).toEqual(['c']);
    expect(names({ number: '+1 (555) 000-1234' })).toEqual(['a']);
    expect(names({ number: '9999' })).toEqual([]);
    expect(names({ direction: 'outbound' })).toEqual(['b']);
    expect(names({ disposition: 'sale' })).toEqual(['b']);
    expect(names({ minDuration: 100 })).toEqual(['c', 'b']);
    expect(names({ maxDuration: 120 })).toEqual(['b', 'a']);
    expect(names({ status: 'recording' })).toEqual(['d']);
    expect(names({ limit: 2, offset: 1 })).toEqual(['c', 'b']);
    expect(store.recordings.count({ teamId: 'sales', limit: 1 })).toBe(2);
  });

  it('limits the result to what a caller may see', () => {
    expect(names({ visibleTo: { agentId: 'a1', teamIds: [] } })).toEqual(['a']);
    expect(names({ visibleTo: { agentId: 'a3', teamIds: ['sales'] } })).toEqual(['c', 'b', 'a']);
    expect(names({ visibleTo: { agentId: null, teamIds: [] } })).toEqual([]);
    expect(names({ agentId: 'a2', visibleTo: { agentId: 'a1', teamIds: [] } })).toEqual([]);
  });
});

describe('RecordingRepository.purgeCandidates', () => {
  it('chooses stored recordings past their campaign or default retention, never on legal hold', () => {
    stored('old', { startedAt: T0 });
    stored('short', { startedAt: T0 + 23 * DAY, campaignId: 'brief' });
    stored('long', { startedAt: T0, campaignId: 'keep' });
    stored('held', { startedAt: T0 });
    stored('new', { startedAt: T0 + 25 * DAY });
    store.recordings.started(rec('live', { startedAt: T0 }));
    store.recordings.setLegalHold('held', true);
    const rules = { defaultDays: 30, campaignDays: { brief: 7, keep: 365 } };

    const now = T0 + 30 * DAY;
    expect(store.recordings.purgeCandidates(now, rules).map((r) => r.name)).toEqual(['old', 'short']);
    expect(store.recordings.purgeCandidates(now - 1, rules).map((r) => r.name)).toEqual([]);
    const withoutRules = store.recordings.purgeCandidates(now, { defaultDays: 30, campaignDays: {} });
    expect(withoutRules.map((r) => r.name)).toEqual(['long', 'old']);

    expect(store.recordings.markPurged('held', now)).toBe(false);
    expect(store.recordings.markPurged('old', now)).toBe(true);
    expect(store.recordings.get('old')).toMatchObject({ status: 'purged', purgedAt: now });
    expect(store.recordings.markPurged('old', now)).toBe(false);
  });
});

describe('AuditRepository', () => {
  it('appends entries and lists them newest first, by target and time', () => {
    const base = { keyId: 'k1', keyName: 'lead', role: 'team-leader' as const, targetType: 'recording' };
    store.audit.add({ ...base, at: 1, action: 'listen', targetId: 'r1', allowed: true, agentId: 'a1' });
    store.audit.add({ ...base, at: 2, action: 'metadata', targetId: 'r2', allowed: false });
    store.audit.add({ ...base, at: 3, action: 'search', targetId: '*', allowed: true, detail: { total: 2 } });

    expect(store.audit.list().map((e) => e.at)).toEqual([3, 2, 1]);
    expect(store.audit.list({ targetId: 'r2' })).toEqual([
      {
        id: 2,
        ...base,
        at: 2,
        agentId: null,
        action: 'metadata',
        targetId: 'r2',
        allowed: false,
        detail: null,
      },
    ]);
    expect(store.audit.list({ from: 2, to: 3 }).map((e) => e.at)).toEqual([2]);
    expect(store.audit.list({ limit: 1 })[0]?.detail).toEqual({ total: 2 });
  });
});

describe('QaRepository', () => {
  const criteria = [{ id: 'greet', label: 'Greeting', weight: 1, maxScore: 5, mustPass: false }];

  it('versions forms by name and retires earlier versions', () => {
    const v1 = store.qa.createForm({ name: 'calls', criteria }, 50);
    const v2 = store.qa.createForm(
      {
        name: 'calls',
        criteria: [...criteria, { ...criteria[0]!, id: 'close' }],
      },
      50,
    );
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(store.qa.forms({ activeOnly: true }).map((f) => f.id)).toEqual([v2.id]);
    expect(store.qa.forms().map((f) => [f.version, f.active])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(store.qa.form(v2.id)?.criteria.map((c) => c.id)).toEqual(['greet', 'close']);
  });

  it('creates a task per recording and form once, and closes it with its score', () => {
    stored('r1', { agentId: 'a1', teamId: 'sales' });
    const form = store.qa.createForm({ name: 'calls', criteria }, 50);
    const task = { recordingId: 'r1', formId: form.id, assignedTo: null, reason: 'test' };
    const [created] = store.qa.createTasks([task, task], 100);
    expect(created).toMatchObject({ ...task, status: 'open', createdAt: 100 });
    expect(store.qa.createTasks([task], 150)).toEqual([]);
    expect(store.qa.sampleCandidates(form.id, {})).toEqual([]);

    store.qa.addScore(
      {
        taskId: created!.id,
        recordingId: 'r1',
        formId: form.id,
        formVersion: 1,
        scorer: 'qa1',
        answers: { greet: { score: 5 } },
        total: 100,
        passed: true,
        comment: null,
      },
      200,
    );
    expect(store.qa.task(created!.id)).toMatchObject({ status: 'done', doneAt: 200 });
    expect(store.qa.tasks({ status: 'open' })).toEqual([]);
    expect(store.qa.tasks({ status: 'done' })).toEqual([
      expect.objectContaining({ id: created!.id, agentId: 'a1', teamId: 'sales', startedAt: T0 }),
    ]);
    expect(store.qa.tasks({ visibleTo: { agentId: null, teamIds: ['support'] } })).toEqual([]);
  });
});

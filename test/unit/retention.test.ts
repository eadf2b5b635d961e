import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { purgeDueAt, RecordingPurger } from '../../src/recording/retention.js';
import { openStore, type RetentionRules, type Store } from '../../src/store/index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const rules: RetentionRules = { defaultDays: 90, campaignDays: { brief: 10 } };

describe('purgeDueAt', () => {
  const base = { startedAt: T0, campaignId: null, legalHold: false, status: 'stored' as const };

  it("uses the campaign's days, else the default", () => {
    expect(purgeDueAt(base, rules)).toBe(T0 + 90 * DAY);
    expect(purgeDueAt({ ...base, campaignId: 'brief' }, rules)).toBe(T0 + 10 * DAY);
    expect(purgeDueAt({ ...base, campaignId: 'other' }, rules)).toBe(T0 + 90 * DAY);
    // Not fooled by names on Object.prototype.
    expect(purgeDueAt({ ...base, campaignId: 'toString' }, rules)).toBe(T0 + 90 * DAY);
  });

  it('is null on legal hold and for recordings not stored', () => {
    expect(purgeDueAt({ ...base, legalHold: true }, rules)).toBeNull();
    expect(purgeDueAt({ ...base, status: 'recording' }, rules)).toBeNull();
    expect(purgeDueAt({ ...base, status: 'purged' }, rules)).toBeNull();
  });
});

describe('RecordingPurger', () => {
  let dir: string;
  let store: Store;
  let purger: RecordingPurger;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cc-purge-'));
    store = openStore(join(dir, 'db.sqlite'));
    purger = new RecordingPurger(store, pino({ level: 'silent' }), join(dir, 'recordings'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A stored recording whose file is written unless `writeFile` is false. */
  function stored(id: string, options: { campaignId?: string; writeFile?: boolean } = {}) {
    const filePath = `2025/01/01/${id}.wav`;
    if (options.writeFile !== false) {
      mkdirSync(join(dir, 'recordings', '2025/01/01'), { recursive: true });
      writeFileSync(join(dir, 'recordings', filePath), 'RIFF....WAVE');
    }
    store.recordings.started({
      id,
      callId: `c-${id}`,
      name: id,
      direction: 'inbound',
      startedAt: T0,
      campaignId: options.campaignId ?? null,
    });
    store.recordings.stored(
      id,
      {
        filePath,
        sizeBytes: 12,
        sha256: '0'.repeat(64),
        durationSec: 1,
        endedAt: T0,
      },
      T0,
    );
    return join(dir, 'recordings', filePath);
  }

  it('deletes due files, marks them purged and audits each purge', () => {
    const due = stored('due', { campaignId: 'brief' });
    const kept = stored('kept');
    const now = T0 + 10 * DAY;

    expect(purger.runOnce(now, rules)).toEqual({ purged: ['due'], failed: [] });
    expect(existsSync(due)).toBe(false);
    expect(existsSync(kept)).toBe(true);
    expect(store.recordings.get('due')).toMatchObject({ status: 'purged', purgedAt: now });
    expect(store.audit.list({ targetId: 'due' })).toEqual([
      expect.objectContaining({
        action: 'purge',
        keyName: 'retention',
        role: 'system',
        allowed: true,
        at: now,
      }),
    ]);
    expect(purger.runOnce(now, rules)).toEqual({ purged: [], failed: [] });
  });

  it('never purges a recording on legal hold', () => {
    const held = stored('held', { campaignId: 'brief' });
    store.recordings.setLegalHold('held', true);
    expect(purger.runOnce(T0 + 1000 * DAY, rules).purged).toEqual([]);
    expect(existsSync(held)).toBe(true);
    expect(store.recordings.get('held')?.status).toBe('stored');
  });

  it('counts a file already gone as purged', () => {
    stored('gone', { writeFile: false });
    expect(purger.runOnce(T0 + 90 * DAY, rules).purged).toEqual(['gone']);
    expect(store.recordings.get('gone')?.status).toBe('purged');
  });

  it('reports a file it cannot delete and leaves the row stored, to try again', () => {
    const path = stored('stuck');
    rmSync(path);
    mkdirSync(join(path, 'inside'), { recursive: true }); // a folder in its place cannot be rm'd as a file
    const result = purger.runOnce(T0 + 90 * DAY, rules);
    expect(result.purged).toEqual([]);
    expect(result.failed).toEqual([{ id: 'stuck', error: expect.any(String) }]);
    expect(store.recordings.get('stuck')?.status).toBe('stored');
    expect(store.audit.list()).toEqual([]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSampleTasks, sampleRecordings } from '../../src/recording/sampling.js';
import { openStore, type Store } from '../../src/store/index.js';

const calls = (agentId: string | null, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `${agentId}-${i}`, agentId }));

describe('sampleRecordings', () => {
  const recordings = [...calls('a1', 10), ...calls('a2', 2), ...calls(null, 5), ...calls('a3', 4)];

  it('chooses up to N per agent, skipping calls without an agent', () => {
    const ids = sampleRecordings(recordings, { perAgent: 3, seed: 1 });
    const count = (agent: string) => ids.filter((id) => id.startsWith(`${agent}-`)).length;
    expect([count('a1'), count('a2'), count('a3'), count('null')]).toEqual([3, 2, 3, 0]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is repeatable with a seed, whatever the input order', () => {
    const first = sampleRecordings(recordings, { perAgent: 3, seed: 42 });
    expect(sampleRecordings([...recordings].reverse(), { perAgent: 3, seed: 42 })).toEqual(first);
    const others = [1, 2, 3, 4, 5].map((seed) => sampleRecordings(recordings, { perAgent: 3, seed }).join());
    expect(new Set(others).size).toBeGreaterThan(1);
  });

  it('reaches every call over many draws', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      for (const id of sampleRecordings(calls('a1', 10), { perAgent: 1, seed })) seen.add(id);
    }
    expect(seen.size).toBe(10);
  });
});

describe('createSampleTasks', () => {
  let dir: string;
  let store: Store;
  const T0 = Date.UTC(2025, 0, 6);
  const DAY = 86_400_000;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cc-sample-'));
    store = openStore(join(dir, 'db.sqlite'));
    const add = (id: string, agentId: string, teamId: string, day: number, stored = true) => {
      store.recordings.started({
        id,
        callId: id,
        name: id,
        direction: 'inbound',
        startedAt: T0 + day * DAY,
        agentId,
        teamId,
      });
      if (stored) {
        store.recordings.stored(
          id,
          {
            filePath: `${id}.wav`,
            sizeBytes: 1,
            sha256: '0',
            durationSec: 60,
            endedAt: 0,
          },
          T0,
        );
      }
    };
    for (let i = 0; i < 5; i++) add(`a1-${i}`, 'a1', 'sales', i);
    for (let i = 0; i < 5; i++) add(`a2-${i}`, 'a2', 'support', i);
    add('a1-next-week', 'a1', 'sales', 8);
    add('a1-unstored', 'a1', 'sales', 1, false);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates tasks for N stored calls per agent in the week, once per form', () => {
    const form = store.qa.createForm(
      {
        name: 'calls',
        criteria: [{ id: 'x', label: 'X', weight: 1, maxScore: 1, mustPass: false }],
      },
      T0,
    );
    const week = { formId: form.id, from: T0, to: T0 + 7 * DAY };
    const tasks = createSampleTasks(store, { ...week, perAgent: 2, seed: 7 }, T0 + 8 * DAY);
    expect(tasks).toHaveLength(4);
    expect(tasks.every((t) => /^a[12]-\d$/.test(t.recordingId))).toBe(true);
    expect(tasks[0]?.reason).toBe(
      'random 2 per agent, calls 2025-01-06T00:00:00.000Z to 2025-01-13T00:00:00.000Z',
    );

    // Run again: only calls not sampled yet for this form are drawn.
    const more = createSampleTasks(store, { ...week, perAgent: 2, seed: 7 }, T0 + 8 * DAY);
    expect(more).toHaveLength(4);
    expect(more.map((t) => t.recordingId)).not.toEqual(
      expect.arrayContaining(tasks.map((t) => t.recordingId)),
    );

    // a1 had 5 stored calls that week, 4 now sampled: one is left (the unstored one never counts).
    const sampled = new Set([...tasks, ...more].map((t) => t.recordingId));
    const left = [0, 1, 2, 3, 4].map((i) => `a1-${i}`).filter((id) => !sampled.has(id));
    const filtered = createSampleTasks(
      store,
      { ...week, perAgent: 5, filter: { teamId: 'sales' } },
      T0 + 8 * DAY,
    );
    expect(filtered.map((t) => t.recordingId)).toEqual(left);
    expect(filtered[0]?.reason).toMatch(/, where teamId="sales"$/);
    expect(store.qa.tasks({ formId: form.id })).toHaveLength(9);
  });
});

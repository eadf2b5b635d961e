import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  moveRecording,
  RECORDING_EVENTS,
  type RecordingEvent,
  recordingMove,
} from '../../src/recording/state.js';
import { openStore, RECORDING_STATUSES, type RecordingStatus, type Store } from '../../src/store/index.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rec-state-'));
  store = openStore(join(dir, 'store.sqlite'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A recording row put straight into `status` (the table, not the moves, is under test here). */
function rowIn(status: RecordingStatus): { id: string; name: string } {
  const name = `r-${status}`;
  store.recordings.started({ id: name, callId: `call-${name}`, name, direction: 'inbound', startedAt: 1 });
  store.db.prepare('UPDATE recordings SET status = ? WHERE name = ?').run(status, name);
  return { id: name, name };
}

/** The store's compare-and-set for `event`: true when it changed the row. */
function storeMove(row: { id: string; name: string }, event: RecordingEvent): boolean {
  const file = { filePath: '/x.wav', sizeBytes: 1, sha256: 'ab'.repeat(32), durationSec: 1, endedAt: 2 };
  switch (event) {
    case 'finalize':
      return store.recordings.finalizing(row.name);
    case 'store':
      return store.recordings.stored(row.name, file, 3);
    case 'fail':
      return store.recordings.failed(row.name, 'test');
    case 'purge':
      return store.recordings.markPurged(row.id, 4);
  }
}

describe('the recording state table', () => {
  it('never leaves purged, and only a stored recording is purged', () => {
    for (const event of RECORDING_EVENTS) expect(recordingMove('purged', event)).toBeUndefined();
    for (const status of RECORDING_STATUSES)
      expect(recordingMove(status, 'purge')).toBe(status === 'stored' ? 'purged' : undefined);
  });

  it('never takes a stored recording back to finalizing or failed', () => {
    expect(recordingMove('stored', 'finalize')).toBeUndefined();
    expect(recordingMove('stored', 'fail')).toBeUndefined();
  });

  for (const status of RECORDING_STATUSES) {
    for (const event of RECORDING_EVENTS) {
      it(`agrees with the store's guard: ${status} -${event}->`, () => {
        const row = rowIn(status);
        const to = recordingMove(status, event);
        expect(storeMove(row, event)).toBe(to !== undefined);
        expect(store.recordings.get(row.id)?.status).toBe(to ?? status);
      });
    }
  }
});

describe('moveRecording', () => {
  it('logs the move it made, and a refused one', () => {
    const log = { info: vi.fn(), warn: vi.fn() };
    const row = rowIn('finalizing');
    const recordings = store.recordings;
    expect(moveRecording(recordings, row.name, 'purge', () => storeMove(row, 'purge'), log)).toBe(false);
    expect(log.warn.mock.calls[0]?.[1]).toBe('recording move refused: purge from finalizing');
    expect(moveRecording(recordings, row.name, 'fail', () => storeMove(row, 'fail'), log)).toBe(true);
    expect(log.info.mock.calls[0]?.[1]).toBe('recording finalizing -fail-> failed');
  });
});

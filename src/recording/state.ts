import type { Logger } from '../lib/logger.js';
import type { RecordingStatus } from '../store/index.js';
import type { RecordingRepository } from '../store/recordings.js';

/**
 * A recording's life and the one table of its moves. The store performs each move as an atomic
 * compare-and-set (an UPDATE guarded by the same "from" states), because the finalize job, the reconcile at
 * start and the retention purge may race for one row; `test/unit/recording-state.test.ts` checks that
 * those guards and this table agree. Pure.
 */
export const RECORDING_EVENTS = ['finalize', 'store', 'fail', 'purge'] as const;
export type RecordingEvent = (typeof RECORDING_EVENTS)[number];

const MOVES: Record<RecordingEvent, { from: readonly RecordingStatus[]; to: RecordingStatus }> = {
  // The call ended and the finalize job took it; a failed one may still have a file on the PBX to fetch.
  finalize: { from: ['recording', 'finalizing', 'failed'], to: 'finalizing' },
  // Finalizing is retried and idempotent: storing again rewrites the same facts.
  store: { from: ['recording', 'finalizing', 'failed', 'stored'], to: 'stored' },
  fail: { from: ['recording', 'finalizing', 'failed'], to: 'failed' },
  // Retention; a recording on legal hold is never purged (a guard on the row, not a state).
  purge: { from: ['stored'], to: 'purged' },
};

/** The status `event` leads to from `current`, or undefined when the move is refused. */
export function recordingMove(current: RecordingStatus, event: RecordingEvent): RecordingStatus | undefined {
  const move = MOVES[event];
  return move.from.includes(current) ? move.to : undefined;
}

/**
 * Moves a recording by `event`: `apply` is the store's compare-and-set for it (true when the row
 * changed). The move is logged `from -event-> to`; a refused one is logged too, never silent.
 */
export function moveRecording(
  recordings: Pick<RecordingRepository, 'byName'>,
  name: string,
  event: RecordingEvent,
  apply: () => boolean,
  log: Pick<Logger, 'info' | 'warn'>,
): boolean {
  const from = recordings.byName(name)?.status;
  const moved = apply();
  if (moved)
    log.info({ recording: name }, `recording ${from} -${event}-> ${from && recordingMove(from, event)}`);
  else
    log.warn({ recording: name, status: from ?? 'unknown' }, `recording move refused: ${event} from ${from}`);
  return moved;
}

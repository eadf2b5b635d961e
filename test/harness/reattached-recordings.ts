import { expect } from 'vitest';
import { isGone } from '../../src/ari/errors.js';
import type { AriRest } from '../../src/ari/rest.js';
import type { Store } from '../../src/store/index.js';
import type { RecordingRecord } from '../../src/store/recordings.js';
import { eventually } from './infra.js';

/**
 * For the tests that SIGKILL the service during recorded calls: the names of the calls' recordings
 * before the kill (the first parts).
 */
export function firstParts(store: Store, callIds: string[]): Set<string> {
  return new Set(callIds.flatMap((id) => store.recordings.byCall(id).map((r) => r.name)));
}

/**
 * Each call re-attached at the restart records its rest as a second recording (one not among `first`).
 * Waits for it on every call and returns those second parts.
 */
export async function secondParts(
  store: Store,
  callIds: string[],
  first: Set<string>,
): Promise<RecordingRecord[]> {
  return eventually(() => {
    const parts = callIds.map((id) => store.recordings.byCall(id).filter((r) => !first.has(r.name)));
    return parts.every((rows) => rows.length === 1) ? parts.map((rows) => rows[0]!) : undefined;
  }, 'a second recording per re-attached call');
}

/**
 * Watches the calls' recordings for `ms` while the calls stay up: none may fail, and none of the live
 * second parts may leave 'recording' (finalized while Asterisk still writes it).
 */
export async function expectNoneFinalizedWhileLive(
  store: Store,
  callIds: string[],
  live: RecordingRecord[],
  ms: number,
): Promise<void> {
  const seen: RecordingRecord[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    for (const id of callIds) seen.push(...store.recordings.byCall(id));
    await new Promise((r) => setTimeout(r, 100));
  }
  const states = (rows: RecordingRecord[]) => [
    ...new Set(rows.map((r) => `${r.name}: ${r.status}${r.error ? ` (${r.error})` : ''}`)),
  ];
  expect(states(seen.filter((r) => r.status === 'failed'))).toEqual([]);
  const liveNames = new Set(live.map((r) => r.name));
  expect(states(seen.filter((r) => liveNames.has(r.name) && r.status !== 'recording'))).toEqual([]);
}

/** Nothing of these recordings is left on the PBX: no live recording, no stored file. */
export async function expectRecordingsGoneFromPbx(rest: AriRest, names: string[]): Promise<void> {
  for (const name of names) {
    const live = await rest.getLiveRecording(name).then(
      (r) => r.state,
      (err: unknown) => (isGone(err) ? 'gone' : Promise.reject(err)),
    );
    expect(live, name).toBe('gone');
  }
  const stored = new Set((await rest.listStoredRecordings()).map((r) => r.name));
  expect(names.filter((name) => stored.has(name))).toEqual([]);
}

import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from '../lib/logger.js';
import type { RecordingRecord, RetentionRules, Store } from '../store/index.js';
import { moveRecording } from './state.js';

const DAY_MS = 86_400_000;

/**
 * When the recording may be purged (epoch ms), or null if it never will be as things stand: on legal
 * hold, or not stored (nothing to purge yet, or already gone). The store's purgeCandidates uses the same
 * rule.
 */
export function purgeDueAt(
  recording: Pick<RecordingRecord, 'startedAt' | 'campaignId' | 'legalHold' | 'status'>,
  rules: RetentionRules,
): number | null {
  if (recording.legalHold || recording.status !== 'stored') return null;
  const campaignDays =
    recording.campaignId !== null && Object.hasOwn(rules.campaignDays, recording.campaignId)
      ? rules.campaignDays[recording.campaignId]
      : undefined;
  return recording.startedAt + (campaignDays ?? rules.defaultDays) * DAY_MS;
}

export interface PurgeResult {
  /** Ids of the recordings purged. */
  purged: string[];
  failed: { id: string; error: string }[];
}

/**
 * Deletes recordings whose retention has run out, writing each purge to the audit log. A run handles at
 * most `batch` recordings; the next run continues where it stopped.
 */
export class RecordingPurger {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    /** Stored file paths are relative to this folder (absolute ones are used as they are). */
    private readonly dir = '.',
    private readonly batch = 500,
  ) {}

  runOnce(now: number, rules: RetentionRules): PurgeResult {
    const result: PurgeResult = { purged: [], failed: [] };
    for (const recording of this.store.recordings.purgeCandidates(now, rules, this.batch)) {
      try {
        if (this.#purge(recording, now)) result.purged.push(recording.id);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        this.logger.error({ recordingId: recording.id, err }, 'recording purge failed');
        result.failed.push({ id: recording.id, error });
      }
    }
    if (result.purged.length || result.failed.length) {
      this.logger.info({ purged: result.purged.length, failed: result.failed.length }, 'recordings purged');
    }
    return result;
  }

  /**
   * Marks, deletes and audits in one transaction: a file that cannot be deleted leaves the row stored (to
   * be tried again), and the row's legal hold is re-checked under the write lock.
   */
  #purge(recording: RecordingRecord, now: number): boolean {
    return this.store.db.transaction(() => {
      const { recordings } = this.store;
      const purge = () => recordings.markPurged(recording.id, now);
      if (!moveRecording(recordings, recording.name, 'purge', purge, this.logger)) return false;
      // force: a file already gone (deleted by hand, lost disk) must not keep the row from being purged.
      if (recording.filePath !== null) rmSync(resolve(this.dir, recording.filePath), { force: true });
      this.store.audit.add({
        at: now,
        keyId: 'retention',
        keyName: 'retention',
        role: 'system',
        action: 'purge',
        targetType: 'recording',
        targetId: recording.id,
        allowed: true,
        detail: {
          callId: recording.callId,
          startedAt: recording.startedAt,
          campaignId: recording.campaignId,
        },
      });
      return true;
    })();
  }
}

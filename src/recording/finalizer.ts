import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isGone } from '../ari/errors.js';
import type { AriRest } from '../ari/rest.js';
import { PRIVATE_DIR, PRIVATE_FILE } from '../lib/secrets.js';
import { wavDurationSec, wavHeaderUnfinished, wavWithSizesFixed } from '../lib/wav.js';
import type { Store } from '../store/index.js';
import type { RecordingRecord } from '../store/recordings.js';
import { recordingCallId } from './capture.js';
import { moveRecording } from './state.js';

export interface FinalizerOptions {
  redisUrl: string;
  /** BullMQ key prefix (the service's Redis prefix, so instances and tests do not mix). */
  prefix: string;
  rest: AriRest;
  store: Store;
  /** Names of this application's recordings start with it (see recordingPrefix). */
  namePrefix: string;
  /** Folder recordings are kept in, by date below it. */
  dir: string;
  logger: Logger;
  attempts: number;
  backoffMs: number;
  /** The service's clock (when a recording was queued and stored); Date.now by default. */
  now?: () => number;
  /** Time from enqueue to stored, ms (benchmarks, metrics). */
  onFinalized?: (ms: number) => void;
  onFailed?: () => void;
}

interface FinalizeJob {
  name: string;
  enqueuedAt: number;
  /** When the call ended, if known (queued at hang-up); the check compares durations with it. */
  callEndedAt?: number;
}

/** A retryable condition: the job is tried again later (BullMQ backoff). */
class NotYet extends Error {}

/** Asterisk still writes the file: never finalized, and never failed, while this holds. */
class StillWritten extends NotYet {}

/** How long a job queued at hang-up waits for Asterisk to close the file, before it backs off. */
const CLOSE_WAIT_MS = 3_000;
const CLOSE_POLL_MS = 100;

/** Recordings shorter than their call by more than this are flagged (possible truncation). */
const DURATION_TOLERANCE_SEC = 2;

/**
 * Finalizing recordings as BullMQ jobs, so nothing is lost across crashes: a job per recording (job id =
 * recording name, so enqueuing twice is harmless) waits until Asterisk has finished the file, fetches it
 * over ARI (Asterisk may be another host), checks it (not empty, duration close to the call's), writes it
 * under the storage folder by date, checksums and indexes it, and only then deletes it from Asterisk.
 * At start, reconcile() queues whatever Asterisk still holds that the index has not stored.
 */
export class RecordingFinalizer {
  private readonly queue: Queue<FinalizeJob>;
  private readonly worker: Worker<FinalizeJob>;
  private readonly connection: Redis;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly options: FinalizerOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.logger.child({ component: 'recording-finalizer' });
    // BullMQ workers block on Redis: their connection must retry forever.
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.connection.on('error', (err) => this.log.warn({ err: err.message }, 'redis error (finalizer)'));
    const common = { connection: this.connection, prefix: `${options.prefix}bull` };
    this.queue = new Queue<FinalizeJob>('recordings-finalize', common);
    this.worker = new Worker<FinalizeJob>('recordings-finalize', (job) => this.process(job), {
      ...common,
      concurrency: 8,
    });
    this.worker.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      if (!final) return;
      const { recordings } = this.options.store;
      const { name } = job.data;
      if (err instanceof StillWritten) {
        // The call is still up: its hang-up (or the next start, if it is lost) finalizes it.
        this.log.warn(
          { recording: name },
          'recording still being written when its job gave up: left to its call',
        );
        return;
      }
      moveRecording(recordings, name, 'fail', () => recordings.failed(name, err.message), this.log);
      this.options.onFailed?.();
      this.log.error(
        { recording: job.data.name, err: err.message },
        'ALERT: recording could not be finalized',
      );
    });
    this.worker.on('error', (err) => this.log.error({ err }, 'finalizer worker error'));
  }

  async enqueue(name: string, callEndedAt?: number): Promise<void> {
    await this.queue.add(
      'finalize',
      { name, enqueuedAt: this.now(), callEndedAt },
      {
        jobId: name,
        attempts: this.options.attempts,
        backoff: { type: 'exponential', delay: this.options.backoffMs },
        removeOnComplete: 1_000,
        removeOnFail: 5_000,
      },
    );
  }

  /**
   * The call ended: finalize the recording now. A job left from before (queued at start, backing off, or
   * given up) is run again at once rather than waited for.
   */
  async finalizeNow(name: string, callEndedAt: number): Promise<void> {
    const existing = await this.queue.getJob(name);
    const state = existing ? await existing.getState() : undefined;
    if (!existing || state === 'unknown') return this.enqueue(name, callEndedAt);
    // Completed, or about to run (a running job meeting the live file waits for it to close): as it is.
    if (state !== 'delayed' && state !== 'failed') return;
    await existing.updateData({ ...existing.data, callEndedAt });
    if (state === 'failed') await existing.retry('failed');
    else await existing.promote();
  }

  /** Jobs waiting or running (metrics, drain). */
  async pending(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  /**
   * After a restart: every recording Asterisk still holds that the index has not stored, and every
   * indexed recording not yet stored whose call has no live session, is queued for finalizing. A recording
   * a live call is making now (`recordedNow`) is left to that call's hang-up; one Asterisk still writes for
   * no call of ours (the snoop of a call from before the restart) is stopped first, so its file is closed.
   */
  async reconcile(
    isLive: (callId: string) => boolean,
    recordedNow: (name: string) => boolean,
  ): Promise<number> {
    let queued = 0;
    const stored = await this.options.rest.listStoredRecordings();
    for (const rec of stored) {
      if (!rec.name.startsWith(this.options.namePrefix)) continue; // another instance's
      if (recordedNow(rec.name)) continue;
      const row = this.options.store.recordings.byName(rec.name);
      if (row?.status === 'stored' || row?.status === 'purged') continue;
      if (await this.stillWritten(rec.name)) await this.stopOrphan(rec.name);
      await this.requeue(rec.name);
      queued += 1;
    }
    for (const row of this.options.store.recordings.unfinished()) {
      if (isLive(row.callId) || recordedNow(row.name) || stored.some((r) => r.name === row.name)) continue;
      await this.requeue(row.name);
      queued += 1;
    }
    if (queued) this.log.info({ queued }, 'recordings queued for finalizing after start');
    return queued;
  }

  /** True while Asterisk records (or holds paused) the file; a recording it does not know is not live. */
  private stillWritten(name: string): Promise<boolean> {
    return this.options.rest.getLiveRecording(name).then(
      (r) => r.state === 'recording' || r.state === 'queued' || r.state === 'paused',
      (err: unknown) => {
        if (isGone(err)) return false;
        throw err;
      },
    );
  }

  /** A recording no call of ours makes any more: Asterisk closes the file (its snoop is hung up anyway). */
  private async stopOrphan(name: string): Promise<void> {
    this.log.info({ recording: name }, 'recording left live by the previous run: stopping it');
    await this.options.rest.stopRecording(name).catch((err: unknown) => {
      if (!isGone(err)) throw err;
    });
  }

  /** A job queued at hang-up waits a moment for Asterisk to close the file, rather than back off. */
  private async closedSoon(name: string): Promise<boolean> {
    const until = Date.now() + CLOSE_WAIT_MS;
    while (Date.now() < until) {
      await sleep(CLOSE_POLL_MS);
      if (!(await this.stillWritten(name))) return true;
    }
    return false;
  }

  /**
   * A recording on the PBX but not in the index (lost between start and a crash): indexed from its name
   * and the call's record. Returns the row when the call is known (its start and direction are then true).
   */
  private indexFound(name: string): RecordingRecord | undefined {
    const { store, namePrefix } = this.options;
    const callId = recordingCallId(name, namePrefix);
    const call = store.calls.get(callId);
    const row = store.recordings.started(
      {
        callId,
        name,
        direction: call?.direction ?? 'inbound',
        startedAt: call?.startedAt ?? this.now(),
      },
      this.now(),
    );
    this.log.warn({ recording: name }, 'recording found on the PBX with no index entry: indexing it');
    return call ? row : undefined;
  }

  /** Queues again a recording met at reconcile; a job that gave up earlier keeps its id, so it is retried. */
  private async requeue(name: string): Promise<void> {
    const existing = await this.queue.getJob(name);
    if (existing && (await existing.isFailed())) await existing.retry('failed');
    else await this.enqueue(name);
  }

  private async process(job: Job<FinalizeJob>): Promise<void> {
    const { name } = job.data;
    const { store, rest } = this.options;
    const indexed = store.recordings.byName(name);
    if (indexed?.status === 'stored' || indexed?.status === 'purged') return; // done already (idempotent)
    // Still being written: never finalized. Queued at hang-up, the file closes within moments; else later.
    const live = (await this.stillWritten(name)) && !(job.data.callEndedAt && (await this.closedSoon(name)));
    if (live) throw new StillWritten(`recording ${name} is still being written`);
    const row = indexed ?? this.indexFound(name);
    moveRecording(store.recordings, name, 'finalize', () => store.recordings.finalizing(name), this.log);
    let wav: Buffer;
    try {
      wav = await rest.downloadStoredRecording(name);
    } catch (err) {
      if (isGone(err)) throw new NotYet(`recording ${name} is not on the PBX (yet)`);
      throw err;
    }
    if (wav.length < 44 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE')
      throw new Error(`recording ${name} is not a WAV file`);
    if (wavHeaderUnfinished(wav)) {
      // Asterisk has let go of the recording but not yet written its sizes (seen right after a restart):
      // tried again shortly; on the last try the sizes are counted from the bytes, so no audio is lost.
      if (job.attemptsMade + 1 < (job.opts.attempts ?? 1))
        throw new NotYet(`recording ${name}: the PBX has not finished its header yet`);
      this.log.warn({ recording: name }, 'recording header never finished: sizes counted from the file');
      wav = wavWithSizesFixed(wav);
    }
    // A call hung up within milliseconds of connecting leaves a WAV with no audio: kept as it is (0 s),
    // not retried for half an hour.
    const durationSec = wavDurationSec(wav);
    const startedAt = row?.startedAt ?? job.data.enqueuedAt - Math.round(durationSec * 1000);
    const knownEnd = row?.endedAt ?? job.data.callEndedAt;
    const endedAt = knownEnd ?? startedAt + Math.round(durationSec * 1000);
    // Paused stretches are not in the file: they do not make it look truncated.
    const pausedSec = (row?.pauses ?? []).reduce((sum, p) => sum + Math.max(0, p.to - p.from), 0) / 1000;
    const callSec = (endedAt - startedAt) / 1000 - pausedSec;
    if (knownEnd && callSec - durationSec > DURATION_TOLERANCE_SEC) {
      this.log.warn(
        { recording: name, durationSec, callSec },
        'recording shorter than its call (truncated?)',
      );
    }
    const day = new Date(startedAt).toISOString().slice(0, 10);
    const folder = resolve(this.options.dir, day); // absolute: the index must not depend on the cwd
    await mkdir(folder, { recursive: true, mode: PRIVATE_DIR });
    const path = join(folder, `${name}.wav`);
    await writeFile(`${path}.part`, wav, { mode: PRIVATE_FILE });
    await rename(`${path}.part`, path); // never a half file under the final name
    const sha256 = createHash('sha256').update(wav).digest('hex');
    const file = {
      filePath: path,
      sizeBytes: wav.length,
      sha256,
      durationSec: Math.round(durationSec * 100) / 100,
      endedAt,
    };
    const kept = moveRecording(
      store.recordings,
      name,
      'store',
      () => store.recordings.stored(name, file, this.now()),
      this.log,
    );
    if (!kept && store.recordings.byName(name)?.status !== 'stored') {
      throw new Error(`recording ${name} could not be indexed: keeping the PBX copy`);
    }
    // Only now, with the file kept and indexed, may Asterisk's copy go.
    await rest.deleteStoredRecording(name).catch((err: unknown) => {
      if (!isGone(err))
        this.log.warn({ recording: name, err: (err as Error).message }, 'could not delete the PBX copy');
    });
    this.options.onFinalized?.(this.now() - job.data.enqueuedAt);
    this.log.info({ recording: name, durationSec, bytes: wav.length }, 'recording stored');
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
    this.connection.disconnect();
  }
}

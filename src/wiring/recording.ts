import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordingApiDeps } from '../api/server.js';
import type { AriApp } from '../ari/app.js';
import type { CallSession } from '../ari/session.js';
import type { RedisStateGuard } from '../lib/redis-guard.js';
import { CallRecorder, type RecordingMeta, recordingPrefix } from '../recording/capture.js';
import { RecordingFinalizer } from '../recording/finalizer.js';
import { RecordingLibrary } from '../recording/library.js';
import { RecordingNotifier } from '../recording/notifier.js';
import { QaService } from '../recording/qa.js';
import { RecordingPurger } from '../recording/retention.js';
import type { Store } from '../store/index.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';

/** Records a connected call, from connect or (when configured) from answer. */
export type RecordCall = (session: CallSession, moment: 'answer' | 'connect', meta: RecordingMeta) => void;

/** Call recording: capture, finalize (a queue in Redis), retention purge. */
export function wireRecording(deps: {
  core: Core;
  store: Store;
  ari: AriApp;
  redisGuard: RedisStateGuard;
  onRecordingFinalized?: (ms: number) => void;
}) {
  const { config, logger, metrics, bus, now, nowMs } = deps.core;
  const { store, ari } = deps;
  const finalizer = new RecordingFinalizer({
    redisUrl: config.redis.url,
    prefix: config.redis.keyPrefix,
    rest: ari.rest,
    store,
    namePrefix: recordingPrefix(config.ari.app),
    dir: config.recording.dir,
    logger,
    attempts: config.recording.finalize.attempts,
    backoffMs: config.recording.finalize.backoffMs,
    now: nowMs,
    onFinalized: (ms) => {
      metrics.recordingFinalize.observe(ms / 1000);
      deps.onRecordingFinalized?.(ms);
    },
    onFailed: () => metrics.recordingFailures.inc(),
  });
  const recorder = new CallRecorder({
    appName: config.ari.app,
    store,
    logger,
    now: nowMs,
    events: new RecordingNotifier(bus, nowMs),
    layout: config.recording.layout,
    finalize: (name, endedAt) => {
      finalizer
        .finalizeNow(name, endedAt)
        .catch((err: unknown) =>
          logger.error({ err, recording: name }, 'ALERT: could not queue recording finalize'),
        );
    },
    onFailed: () => metrics.recordingFailures.inc(),
  });
  metrics.sources.recordingsPending = () => finalizer.pending();

  /** Every connected call is recorded (from connect, or from answer when configured). */
  const record: RecordCall = (session, moment, meta) => {
    if (!config.recording.enabled) return;
    // Recording from answer already covers the connect (start is idempotent per call).
    if (moment === 'answer' && config.recording.from !== 'answer') return;
    recorder.start(session, meta).catch((err: unknown) => {
      if (!session.isEnded) session.log.error({ err }, 'ALERT: call recording could not start');
    });
  };

  const isLive = (callId: string) => ari.registry.get(callId) !== undefined;
  const recordedNow = (name: string) => recorder.isRecordingName(name);
  /** Recordings Asterisk still holds from before (a crash, a restart) are finalized now. */
  const reconcile = async () => {
    await finalizer
      .reconcile(isLive, recordedNow)
      .catch((err: unknown) => logger.error({ err }, 'ALERT: could not reconcile recordings with the PBX'));
  };

  // The finalize jobs were in Redis: when it lost them, every recording the index (SQLite) and the PBX
  // hold that is not stored yet is queued again (a job per recording name: queuing twice is harmless).
  deps.redisGuard.add('recordings', async (cause) =>
    cause === 'reconnected'
      ? undefined
      : { finalizeJobsQueued: await finalizer.reconcile(isLive, recordedNow) },
  );

  // Retention: recordings past their campaign's (or the default) days are deleted, unless on legal hold.
  const purger = new RecordingPurger(store, logger, config.recording.dir);
  const purge = () => {
    try {
      const { purged, failed } = purger.runOnce(now().getTime(), config.recording.retention);
      if (purged.length || failed.length)
        logger.info({ purged: purged.length, failed: failed.length }, 'recording purge ran');
    } catch (err) {
      logger.error({ err }, 'recording purge failed');
    }
  };
  let purgeTimer: NodeJS.Timeout | undefined;

  /** The recordings of the calls just ended are finished now if quick (the jobs survive in Redis anyway). */
  const finish = async () => {
    // A wait, not a business time: the real clock.
    const finalizeBy = Date.now() + 10_000;
    // Redis failing while stopping counts as nothing pending: the jobs are still there for the next start.
    while ((await finalizer.pending().catch(() => 0)) > 0 && Date.now() < finalizeBy) await sleep(200);
    await finalizer.close();
  };

  const library = new RecordingLibrary({
    store,
    logger,
    now: nowMs,
    control: { pause: (callId) => recorder.pause(callId), resume: (callId) => recorder.resume(callId) },
  });
  const routes: RecordingApiDeps = {
    dir: config.recording.dir,
    rules: () => config.recording.retention,
    library,
    qa: new QaService({ store, library, logger, now: nowMs }),
  };
  return {
    domain: 'recording',
    recorder,
    finalizer,
    record,
    routes,
    steps: {
      start: {
        reconcile,
        schedule: () => {
          purgeTimer = setInterval(purge, config.recording.purgeEveryMin * 60_000);
          purgeTimer.unref();
        },
      },
      stop: { unschedule: () => clearInterval(purgeTimer), finish },
    } satisfies DomainSteps,
  };
}

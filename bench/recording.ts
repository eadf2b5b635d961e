import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { wavDurationSec } from '../src/lib/wav.js';
import { startService } from '../src/service.js';
import { bringUp, type Infra } from '../test/harness/bring-up.js';
import { FarEnd } from '../test/harness/far-end.js';
import { TRANSFER_FLOW } from '../test/harness/flows.js';
import { uniqueApp } from '../test/harness/ids.js';
import { tempDir } from '../test/harness/tmp.js';
import { asteriskPid, inBatches, percentile, printBench, processCpuSeconds, round } from './lib.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * N calls connected and recorded at once (the customer side plays music so the line carries audio), all
 * hung up together: time from hang-up to each recording fetched, checked, stored and indexed; files
 * compared with their calls (lost: no stored file; truncated: more than 1 s shorter than the call).
 */
async function runAt(infra: Infra, calls: number, talkSec: number): Promise<void> {
  const finalize: number[] = [];
  const dir = tempDir('cc-bench-');
  const config = parseConfig({
    ari: { ...infra.ari, app: uniqueApp('brec'), commandTimeoutMs: 15_000 },
    redis: { url: infra.redisUrl, keyPrefix: `${uniqueApp('r')}:` },
    store: { path: join(dir, 'bench.sqlite') },
    api: { port: 0 },
    log: { level: (process.env.BENCH_LOG_LEVEL as 'silent' | undefined) ?? 'silent' },
    ivr: { lines: calls + 10, flowsDir: '' },
    recording: { dir: join(dir, 'recordings'), finalize: { backoffMs: 500 } },
  });
  const service = await startService(config, {
    listen: false,
    onRecordingFinalized: (ms) => finalize.push(ms),
  });
  service.catalog.put(TRANSFER_FLOW, 'bench');
  const far = new FarEnd(infra.ari);
  await far.connect();
  const astPid = asteriskPid();
  let errors = 0;
  try {
    const placed = await inBatches(Array.from({ length: calls }), 25, async () => {
      try {
        return await far.call('450', config.ari.app);
      } catch {
        errors += 1;
        return undefined;
      }
    });
    const live = placed.filter((c) => c !== undefined);
    const callIdOf = (ch: string) => service.ari.registry.byChannelId(ch)?.id;
    const deadline = Date.now() + 60_000;
    while (
      Date.now() < deadline &&
      !live.every((c) => service.recorder.isRecording(callIdOf(c.serviceChannelId) ?? ''))
    ) {
      await sleep(100);
    }
    const callIds = live
      .map((c) => callIdOf(c.serviceChannelId))
      .filter((id): id is string => id !== undefined);
    errors += live.length - callIds.length;
    await inBatches(live, 25, (c) => far.rest.startMoh(c.callerId).catch(() => undefined));
    const cpu0 = astPid ? processCpuSeconds(astPid) : Number.NaN;
    const t0 = Date.now();
    await sleep(talkSec * 1000);
    const astCpuPerSec = astPid
      ? (processCpuSeconds(astPid) - cpu0) / ((Date.now() - t0) / 1000)
      : Number.NaN;
    await inBatches(live, 50, (c) => far.hangup(c.callerId));

    const done = Date.now() + 120_000;
    const finished = () =>
      callIds.every((id) =>
        service.store.recordings.byCall(id).some((r) => r.status === 'stored' || r.status === 'failed'),
      );
    while (Date.now() < done && !finished()) await sleep(200);
    let lost = 0;
    let truncated = 0;
    let bytes = 0;
    let seconds = 0;
    for (const id of callIds) {
      const row = service.store.recordings.byCall(id).find((r) => r.layout === 'mixed');
      if (row?.status !== 'stored' || !row.filePath) {
        lost += 1;
        continue;
      }
      const fileSec = wavDurationSec(readFileSync(row.filePath));
      const callSec = ((row.endedAt ?? 0) - row.startedAt) / 1000;
      if (callSec - fileSec > 1) truncated += 1;
      bytes += row.sizeBytes ?? 0;
      seconds += fileSec;
    }
    finalize.sort((a, b) => a - b);
    printBench({
      name: 'recording',
      concurrent_recordings: callIds.length,
      finalize_ms: { p50: round(percentile(finalize, 50), 0), p99: round(percentile(finalize, 99), 0) },
      bytes_per_min: Math.round((bytes / Math.max(1, seconds)) * 60),
      lost,
      truncated,
      errors,
      asterisk_cpu_cores_while_recording: round(astCpuPerSec, 2),
      service_rss_mb: round(process.memoryUsage().rss / 1024 / 1024, 1),
    });
  } finally {
    await far.close();
    await service.stop();
  }
}

export async function run(args: Record<string, string>): Promise<void> {
  const infra = await bringUp({ quiet: true });
  const talkSec = Number(args.talk ?? 10);
  try {
    const levels = args.calls ? [Number(args.calls)] : [48, 200];
    for (const calls of levels) await runAt(infra, calls, talkSec);
  } finally {
    await infra.down();
  }
}

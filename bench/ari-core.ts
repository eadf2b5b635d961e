import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { startService } from '../src/service.js';
import { bringUp } from '../test/harness/bring-up.js';
import { FarEnd } from '../test/harness/far-end.js';
import { uniqueApp } from '../test/harness/ids.js';
import { tempDir } from '../test/harness/tmp.js';
import { asteriskPid, inBatches, percentile, printBench, processCpuSeconds, round } from './lib.js';

/**
 * N concurrent calls through the app on the real PBX. Each call is answered, plays a few short prompts
 * back to back and is hung up by the service, so every call produces several event -> command steps
 * (StasisStart -> answer, PlaybackFinished -> next play, last PlaybackFinished -> hangup). Measures the
 * service-side time from an event's arrival at its call to the command the call sends in response.
 */
export async function run(args: Record<string, string>): Promise<void> {
  const calls = Number(args.calls ?? 200);
  const prompts = Number(args.prompts ?? 4);
  const infra = await bringUp({ quiet: true });
  const latencies: number[] = [];
  const dir = tempDir('cc-bench-');
  const config = parseConfig({
    ari: { ...infra.ari, app: uniqueApp('bench'), commandTimeoutMs: 10_000 },
    redis: { url: infra.redisUrl },
    store: { path: join(dir, 'bench.sqlite') },
    api: { port: 0 },
    log: { level: 'silent' },
    ivr: { flowsDir: '' }, // the plain greeting flow, not the seeded hotline IVR
    inbound: { greeting: Array.from({ length: prompts }, () => 'sound:silence/1') },
  });
  const service = await startService(config, { listen: false, onCommandLatency: (ms) => latencies.push(ms) });
  const countEnded = service.store.db
    .prepare('SELECT count(*) FROM calls WHERE ended_at IS NOT NULL')
    .pluck();
  const far = new FarEnd(infra.ari);
  let errors = 0;
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const astPid = asteriskPid();
  try {
    const astCpu0 = astPid ? processCpuSeconds(astPid) : Number.NaN;
    const cpu0 = process.cpuUsage();
    // All calls are placed first (far ends answer and stay), so they are live at once.
    const placed = await inBatches(Array.from({ length: calls }), 25, async () => {
      try {
        return await far.callWithDialplan('400', config.ari.app, 'answer');
      } catch {
        errors += 1;
        return undefined;
      }
    });
    let maxConcurrent = 0;
    const deadline = Date.now() + 60_000 + prompts * 2_000;
    const expected = placed.filter(Boolean).length;
    while (Date.now() < deadline) {
      maxConcurrent = Math.max(maxConcurrent, service.ari.registry.size);
      if (service.ari.registry.size === 0 && (countEnded.get() as number) >= expected) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const cpu = process.cpuUsage(cpu0);
    const astCpu = astPid ? processCpuSeconds(astPid) - astCpu0 : Number.NaN;
    for (const c of placed) {
      const record = c && service.store.calls.findByChannel(c.serviceChannelId);
      if (record?.endReason !== 'greeting finished') errors += 1;
    }
    // "Already gone" is the normal race with a hang-up, not an error.
    const commandErrors = (await service.metrics.ariCommandErrors.get()).values
      .filter((v) => v.labels.kind !== 'not-found' && v.labels.kind !== 'conflict')
      .reduce((n, v) => n + v.value, 0);
    errors += commandErrors;
    const ids = placed.flatMap((c) => (c ? [c.callerId, c.serviceChannelId] : []));
    const left = await far.liveChannels(ids);
    errors += left.length;

    latencies.sort((a, b) => a - b);
    printBench({
      name: 'ari-core',
      concurrent_calls: calls,
      max_live_sessions: maxConcurrent,
      samples: latencies.length,
      event_to_command_ms: {
        p50: round(percentile(latencies, 50), 3),
        p99: round(percentile(latencies, 99), 3),
        max: round(latencies.at(-1) ?? Number.NaN, 3),
      },
      rss_mb: round(peakRss / 1024 / 1024, 1),
      service_cpu_s: round((cpu.user + cpu.system) / 1e6, 2),
      asterisk_cpu_s: round(astCpu, 2),
      asterisk: infra.asteriskVersion,
      errors,
    });
  } finally {
    clearInterval(rssTimer);
    await far.close();
    await service.stop();
    await infra.down();
  }
}

import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { startService } from '../src/service.js';
import { bringUp, type Infra } from '../test/harness/bring-up.js';
import { FarEnd } from '../test/harness/far-end.js';
import { uniqueApp } from '../test/harness/ids.js';
import { tempDir } from '../test/harness/tmp.js';
import { inBatches, percentile, printBench, round } from './lib.js';

/** Two menus that lead to each other: every key press makes the IVR stop one prompt and start the next. */
const pingPong = {
  name: 'bench',
  numbers: ['555'],
  start: 'a',
  nodes: {
    a: { type: 'menu', prompts: 'sound:silence/2', options: { '1': 'b' }, timeoutMs: 20_000, fallback: 'a' },
    b: { type: 'menu', prompts: 'sound:silence/2', options: { '1': 'a' }, timeoutMs: 20_000, fallback: 'b' },
  },
};

async function runAt(infra: Infra, sessions: number, presses: number): Promise<void> {
  const latencies: number[] = [];
  const config = parseConfig({
    ari: { ...infra.ari, app: uniqueApp('bivr'), commandTimeoutMs: 10_000 },
    redis: { url: infra.redisUrl },
    store: { path: join(tempDir('cc-bench-'), 'bench.sqlite') },
    api: { port: 0 },
    log: { level: 'silent' },
    ivr: { lines: sessions, flowsDir: '' },
  });
  const service = await startService(config, { listen: false, onDtmfToPrompt: (ms) => latencies.push(ms) });
  service.catalog.put(pingPong, 'bench');
  const far = new FarEnd(infra.ari);
  await far.connect();
  let errors = 0;
  let maxConcurrent = 0;
  const sampler = setInterval(() => {
    maxConcurrent = Math.max(maxConcurrent, service.ivr.snapshot().sessions.length);
  }, 50);
  try {
    const calls = await inBatches(Array.from({ length: sessions }), 20, async () => {
      const call = await far.call('555', config.ari.app);
      await far.waitFor(
        (e) => e.type === 'StasisStart' && (e as { channel: { id: string } }).channel.id === call.callerId,
        30_000,
      );
      return call;
    });
    // Every caller presses a key every 400 ms, all at once: the IVR sees bursts of DTMF.
    await Promise.all(
      calls.map(async (call, i) => {
        await new Promise((r) => setTimeout(r, (i % 20) * 20));
        for (let n = 0; n < presses; n += 1) {
          await far.rest.sendDtmf(call.callerId, '1', 100, 80).catch(() => {
            errors += 1;
          });
          await new Promise((r) => setTimeout(r, 400));
        }
      }),
    );
    for (const call of calls) await far.hangup(call.callerId);
    const deadline = Date.now() + 20_000;
    while (service.ari.registry.size > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    errors += service.ari.registry.size;
    for (const call of calls) {
      const id = service.store.calls.findByChannel(call.serviceChannelId)?.id;
      const outcome = id ? service.store.ivrSessions.get(id)?.end?.outcome : undefined;
      if (outcome !== 'caller-hangup') errors += 1;
    }
    errors += (await service.metrics.ariCommandErrors.get()).values
      .filter((v) => v.labels.kind !== 'not-found' && v.labels.kind !== 'conflict')
      .reduce((n, v) => n + v.value, 0);
    latencies.sort((a, b) => a - b);
    printBench({
      name: 'ivr',
      max_concurrent_sessions: maxConcurrent,
      line_cap: sessions,
      key_presses: sessions * presses,
      samples: latencies.length,
      dtmf_to_prompt_ms: {
        p50: round(percentile(latencies, 50), 3),
        p99: round(percentile(latencies, 99), 3),
      },
      errors,
    });
  } finally {
    clearInterval(sampler);
    await far.close();
    await service.stop();
  }
}

export async function run(args: Record<string, string>): Promise<void> {
  const infra = await bringUp({ quiet: true });
  const presses = Number(args.presses ?? 10);
  try {
    const levels = args.sessions ? [Number(args.sessions)] : [8, 100];
    for (const sessions of levels) await runAt(infra, sessions, presses);
  } finally {
    await infra.down();
  }
}

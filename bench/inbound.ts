import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { serviceLevel } from '../src/inbound/erlang.js';
import { type Service, startService } from '../src/service.js';
import { bringUp } from '../test/harness/bring-up.js';
import { FarEnd } from '../test/harness/far-end.js';
import { uniqueApp } from '../test/harness/ids.js';
import { tempDir } from '../test/harness/tmp.js';
import { inBatches, percentile, printBench, round } from './lib.js';

const FLOW = {
  name: 'hot',
  numbers: ['400'],
  start: 'q',
  nodes: { q: { type: 'queue', queue: 'hotline', fallback: 'bye' }, bye: { type: 'hangup' } },
};

/** Seats: agent 0 is the designated hotline agent, the rest are overflow-eligible outbound seats. */
async function seatAgents(service: Service, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `b${String(i).padStart(2, '0')}`);
  for (const [i, id] of ids.entries()) {
    service.store.agents.create({
      id,
      name: id,
      teamId: null,
      role: 'agent',
      endpoint: 'Local/answer@sim',
      lineMode: 'persistent',
      inboundRole: i === 0 ? 'primary' : 'overflow',
    });
  }
  await service.agents.reload();
  await inBatches(ids, 8, async (id) => {
    await service.agents.request(id, { type: 'login' }, 'bench');
    await service.agents.request(id, { type: 'ready' }, 'bench');
  });
  return ids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Places a caller, waits until an agent has them, keeps them talking, hangs up. Returns the wait in ms. */
async function oneCall(far: FarEnd, service: Service, talkMs: number): Promise<number | undefined> {
  const call = await far.call('400', service.config.ari.app);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const id = service.store.calls.findByChannel(call.serviceChannelId)?.id;
    const record = id ? service.store.hotlineCalls.get(id) : undefined;
    if (record?.answeredAt) {
      await sleep(talkMs);
      await far.hangup(call.callerId);
      return record.answeredAt - record.enqueuedAt;
    }
    await sleep(20);
  }
  await far.hangup(call.callerId);
  return undefined;
}

/**
 * 48 agents on persistent lines, 100 callers arriving at 5 a second: time from the routing decision to the
 * caller bridged with the agent. Then a simulated day at the plan's volume (100 calls of ~4 min over 8 h,
 * time scaled down 120 times) with 1 primary and 2 overflow seats, beside Erlang C for one agent alone.
 */
export async function run(args: Record<string, string>): Promise<void> {
  const agents = Number(args.agents ?? 48);
  const callers = Number(args.callers ?? 100);
  const infra = await bringUp({ quiet: true });
  const connect: number[] = [];
  const config = parseConfig({
    ari: { ...infra.ari, app: uniqueApp('binb'), commandTimeoutMs: 10_000 },
    redis: { url: infra.redisUrl, keyPrefix: `${uniqueApp('b')}:` },
    store: { path: join(tempDir('cc-bench-'), 'bench.sqlite') },
    api: { port: 0 },
    log: { level: (process.env.BENCH_LOG_LEVEL as 'silent' | undefined) ?? 'silent' },
    ivr: { lines: 200, flowsDir: '' },
    agents: { wrapUpSec: 0, keepLinesOnStop: false },
    hotline: { overflowAfterSec: 0, maxWaitSec: 600, announceEverySec: 600, maxWaiting: 1000 },
  });
  const service = await startService(config, { listen: false, onHotlineConnect: (ms) => connect.push(ms) });
  service.catalog.put(FLOW, 'bench');
  const far = new FarEnd(infra.ari);
  await far.connect();
  let errors = 0;
  try {
    await seatAgents(service, agents);
    // Peak: callers arrive 5 a second (a hotline of 100 calls a day never sees more); each talks 2 s.
    const waits = await Promise.all(
      Array.from({ length: callers }, async (_, i) => {
        await sleep(i * 200);
        return oneCall(far, service, 2_000);
      }),
    );
    const lost = waits.filter((w) => w === undefined).length;
    errors += (await service.metrics.ariCommandErrors.get()).values
      .filter((v) => v.labels.kind !== 'not-found' && v.labels.kind !== 'conflict')
      .reduce((n, v) => n + v.value, 0);
    const burst = [...connect].sort((a, b) => a - b); // the day below adds its own samples

    // Simulated day: 100 calls over 8 h (Poisson arrivals), ~4 min each (exponential), scale 1/240.
    // Time runs 120 times faster; the service's own delays are not scaled, so they weigh 120 times more.
    const scale = 120;
    // Let the burst's last hang-ups reach their agents before seats are rearranged.
    const settle = Date.now() + 15_000;
    while (
      service.agents.list().some((a) => a.state === 'on-call' || a.state === 'reserved') &&
      Date.now() < settle
    ) {
      await sleep(100);
    }
    for (const id of service.agents
      .list()
      .map((a) => a.id)
      .slice(3)) {
      await service.agents.request(id, { type: 'not-ready', reason: 'meeting' }, 'bench');
    }
    const dayMs = (8 * 3600 * 1000) / scale;
    const arrivals: number[] = [];
    for (let t = 0; arrivals.length < 100; ) {
      t += (-Math.log(1 - Math.random()) * dayMs) / 100;
      arrivals.push(t);
    }
    const started = Date.now();
    const dayWaits = await Promise.all(
      arrivals.map(async (at) => {
        await sleep(at - (Date.now() - started));
        const talkMs = (-Math.log(1 - Math.random()) * 240_000) / scale;
        return oneCall(far, service, talkMs);
      }),
    );
    const answered = dayWaits.filter((w): w is number => w !== undefined).map((w) => w * scale);
    const slTarget = 20_000;
    const achieved = answered.filter((w) => w <= slTarget).length / dayWaits.length;
    const erlangOne = serviceLevel(1, 100 / 8, 240, 20);

    printBench({
      name: 'inbound',
      agents,
      callers,
      connect_ms: {
        p50: round(percentile(burst, 50), 2),
        p99: round(percentile(burst, 99), 2),
        max: round(burst.at(-1) ?? Number.NaN, 2),
      },
      lost_calls: lost,
      errors,
      simulated_day: {
        calls: dayWaits.length,
        seats: '1 primary + 2 overflow',
        service_level_20s: round(achieved, 3),
        asa_s: round(answered.reduce((a, b) => a + b, 0) / Math.max(1, answered.length) / 1000, 1),
        erlang_c_one_agent_service_level_20s: round(erlangOne, 3),
        lost: dayWaits.length - answered.length,
      },
    });
  } finally {
    await far.close();
    await service.stop();
    await infra.down();
  }
}

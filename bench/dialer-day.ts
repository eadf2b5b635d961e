import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../src/config/load.js';
import { inCallingWindow } from '../src/dialer/policy.js';
import { type Service, startService } from '../src/service.js';
import { bringUp } from '../test/harness/bring-up.js';
import { uniqueApp } from '../test/harness/ids.js';
import { tempDir } from '../test/harness/tmp.js';
import { leadImportBench } from './lead-import.js';
import { asteriskPid, inBatches, percentile, printBench, processCpuSeconds, round } from './lib.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const WINDOW = {
  timezone: 'Europe/Berlin',
  hours: [
    {
      days: ['mon', 'tue', 'wed', 'thu', 'fri'] as ('mon' | 'tue' | 'wed' | 'thu' | 'fri')[],
      from: '09:00',
      to: '17:00',
    },
  ],
  holidays: [],
};

/** The campaign both the dialer-day and the console benchmarks work: 6 teams, 48 agents, the day's window. */
export const BENCH_CAMPAIGN = {
  callerId: '+493011112222',
  teams: ['team1', 'team2', 'team3', 'team4', 'team5', 'team6'],
  window: WINDOW,
  maxAttempts: 3,
  retry: { busy: { afterMin: 20 }, 'no-answer': { afterMin: 90 }, congestion: { afterMin: 10 } },
  pacing: {
    maxConcurrent: 48,
    maxPerAgentHour: 60,
    dailyCap: 20_000,
    previewSec: 30,
    onPreviewTimeout: 'dial' as const,
    noAnswerSec: 1,
  },
  dailyTarget: 4_800,
};

/**
 * Simulated customers by answer behaviour (see [sim-customers] in extensions.conf): 40 % answer and talk
 * (4 min scaled down), 30 % do not answer, 20 % busy, 10 % congestion: a realistic outbound answer rate.
 */
export function leadPhones(count: number, talkTenths: number): string[] {
  const phones: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const n = String(i % 10_000).padStart(4, '0');
    const kind = i % 10;
    const tt = String(talkTenths).padStart(2, '0');
    if (kind < 4) phones.push(`+493020${tt}${n}`);
    else if (kind < 7) phones.push(`+493022${n}${String(Math.floor(i / 10_000)).padStart(2, '0')}`);
    else if (kind < 9) phones.push(`+493021${n}${String(Math.floor(i / 10_000)).padStart(2, '0')}`);
    else phones.push(`+493023${n}${String(Math.floor(i / 10_000)).padStart(2, '0')}`);
  }
  // Talking customers' numbers repeat every 10,000 leads: keep them unique by varying the talk time.
  return [...new Set(phones)];
}

/**
 * A working day of the preview dialer on the real PBX: 48 agents (6 teams of 8) on persistent lines work
 * one campaign from 09:00 to 17:00 Berlin time, with the day's clock running `scale` times faster (the
 * service's clock is scaled; call audio is real time). Each agent accepts a preview at once and gives the
 * disposition as soon as the customer hangs up. Reports calls placed, double dials (one lead or number
 * in two live attempts at once), calls outside the window, abandoned calls, and the service's time from
 * a disposition to the agent's next customer ringing; then a 100,000-lead import.
 */
export async function run(args: Record<string, string>): Promise<void> {
  const agentCount = Number(args.agents ?? 48);
  const scale = Number(args.scale ?? 180);
  const talkTenths = Number(args.talk ?? 13); // 4 min / 180 = 1.3 s
  const leadCount = Number(args.leads ?? 9_000);
  const infra = await bringUp({ quiet: true });
  // 08:58 Berlin on a Monday: the window opens two scaled minutes in.
  const dayStart = Date.parse('2026-11-30T07:58:00Z');
  const realStart = Date.now();
  const now = () => new Date(dayStart + (Date.now() - realStart) * scale);
  const config = parseConfig({
    ari: { ...infra.ari, app: uniqueApp('bdial'), commandTimeoutMs: 10_000 },
    redis: { url: infra.redisUrl, keyPrefix: `${uniqueApp('b')}:` },
    store: { path: join(tempDir('cc-bench-'), 'bench.sqlite') },
    api: { port: 0 },
    log: { level: (process.env.BENCH_LOG_LEVEL as 'silent' | undefined) ?? 'silent' },
    agents: { wrapUpSec: 30, keepLinesOnStop: false, autoLogoutNotReadySec: 1_000_000 },
    recording: { dir: join(tempDir('cc-bench-rec-'), 'recordings') },
    dialer: { trunkChannels: 60, dialString: 'Local/{digits}@sim-customers' },
  });
  const pending = new Map<string, number>();
  const nextCall: number[] = [];
  const service: Service = await startService(config, {
    listen: false,
    now,
    onDialing: (agentId) => {
      const t0 = pending.get(agentId);
      if (t0 === undefined) return;
      pending.delete(agentId);
      nextCall.push(performance.now() - t0);
    },
  });
  const pbxPid = asteriskPid();
  const cpu0 = { service: process.cpuUsage(), pbx: pbxPid ? processCpuSeconds(pbxPid) : 0 };
  let errors = 0;
  const agentIds: string[] = [];
  try {
    for (let t = 0; t < 6; t += 1) service.store.teams.create({ id: `team${t + 1}`, name: `Team ${t + 1}` });
    for (let i = 0; i < agentCount; i += 1) {
      const id = `d${String(i).padStart(2, '0')}`;
      agentIds.push(id);
      service.store.agents.create({
        id,
        name: id,
        teamId: `team${(i % 6) + 1}`,
        role: 'agent',
        endpoint: 'Local/answer@sim',
        lineMode: 'persistent',
        inboundRole: 'none',
      });
    }
    await service.agents.reload();
    service.campaigns.create(
      {
        id: 'day',
        name: 'Benchmark day',
        settings: BENCH_CAMPAIGN,
      },
      'bench',
    );
    service.campaigns.setState('day', 'active', 'bench');
    const phones = leadPhones(leadCount, talkTenths);
    service.store.leads.insertMany(
      phones.map((phone, i) => ({
        id: `L${i}`,
        campaignId: 'day',
        importId: null,
        phone,
        name: `Customer ${i}`,
        fields: {},
        createdAt: Date.now(),
      })),
    );
    // A handful of the list is on the do-not-call list: never dialed.
    const dnc = phones.filter((_, i) => i % 500 === 3);
    service.store.dnc.addMany(
      dnc.map((phone) => ({ scope: 'global', phone, reason: 'bench', by: 'bench' })),
      Date.now(),
    );

    // The agents: accept every preview at once; dispose as soon as the customer hangs up.
    let n = 0;
    service.bus.subscribe((event) => {
      if (event.topic !== 'dialer') return;
      const agentId = event.data.agentId as string;
      if (event.type === 'preview') {
        setImmediate(() => {
          try {
            service.dialer.accept(agentId, 'bench');
          } catch {
            // the preview was withdrawn meanwhile
          }
        });
      } else if (event.type === 'call-ended') {
        setImmediate(() => {
          n += 1;
          const roll = n % 20;
          const code =
            roll < 2
              ? 'sale'
              : roll < 3
                ? 'refused'
                : roll < 5
                  ? 'callback'
                  : roll < 11
                    ? 'answering-machine'
                    : 'not-interested';
          pending.set(agentId, performance.now());
          service.dialer
            .dispose(
              agentId,
              {
                code,
                ...(code === 'callback' ? { callbackAt: now().getTime() + 45 * 60_000 } : {}),
                // A sale disposition records the sale (SALE_REQUIRED otherwise).
                ...(code === 'sale' ? { sale: { amount: 49.9, product: 'bench plan' } } : {}),
              },
              'bench',
            )
            .catch(() => {
              pending.delete(agentId);
              errors += 1;
            });
        });
      }
    });
    await inBatches(agentIds, 8, async (id) => {
      await service.agents.request(id, { type: 'login' }, 'bench');
      await service.agents.request(id, { type: 'ready' }, 'bench');
    });
    // The day runs until 17:00 (scaled), then the calls still up finish.
    const dayEnd = Date.parse('2026-11-30T16:00:00Z');
    while (now().getTime() < dayEnd) await sleep(500);
    const settle = Date.now() + 20_000;
    while (service.dialer.activeCalls() > 0 && Date.now() < settle) await sleep(200);
    await sleep(1_000);

    const db = service.store.db;
    const calls = db
      .prepare('SELECT count(*) FROM dial_attempts WHERE dialed_at IS NOT NULL')
      .pluck()
      .get() as number;
    // Two live attempts for one lead, or for one number, overlapping in time.
    const doubleDials = db
      .prepare(
        `SELECT count(*) FROM dial_attempts a JOIN dial_attempts b ON a.id < b.id
           JOIN leads la ON la.id = a.lead_id JOIN leads lb ON lb.id = b.lead_id
         WHERE (a.lead_id = b.lead_id OR la.phone = lb.phone)
           AND a.dialed_at IS NOT NULL AND b.dialed_at IS NOT NULL
           AND a.dialed_at < coalesce(b.ended_at, 9e15) AND b.dialed_at < coalesce(a.ended_at, 9e15)`,
      )
      .pluck()
      .get() as number;
    const dialedTimes = db
      .prepare('SELECT dialed_at FROM dial_attempts WHERE dialed_at IS NOT NULL')
      .pluck()
      .all() as number[];
    const outsideWindow = dialedTimes.filter((t) => !inCallingWindow({ window: WINDOW }, new Date(t))).length;
    const dncDialed = db
      .prepare(
        `SELECT count(*) FROM dial_attempts a JOIN leads l ON l.id = a.lead_id
         WHERE a.dialed_at IS NOT NULL AND l.phone IN (SELECT phone FROM dnc WHERE scope = 'global')`,
      )
      .pluck()
      .get() as number;
    const abandoned = db
      .prepare("SELECT count(*) FROM dial_attempts WHERE skip_reason = 'abandoned'")
      .pluck()
      .get() as number;
    const byOutcome = Object.fromEntries(
      (
        db
          .prepare(
            'SELECT outcome AS k, count(*) AS n FROM dial_attempts WHERE dialed_at IS NOT NULL GROUP BY outcome',
          )
          .all() as {
          k: string;
          n: number;
        }[]
      ).map((r) => [r.k, r.n]),
    );
    const connects = byOutcome.answered ?? 0;
    errors += (await service.metrics.ariCommandErrors.get()).values
      .filter((v) => v.labels.kind !== 'not-found' && v.labels.kind !== 'conflict')
      .reduce((s, v) => s + v.value, 0);
    const recordings = db
      .prepare("SELECT count(*) FROM recordings WHERE direction = 'outbound'")
      .pluck()
      .get() as number;
    const serviceCpu = process.cpuUsage(cpu0.service);
    const realSec = (Date.now() - realStart) / 1000;
    const sorted = [...nextCall].sort((a, b) => a - b);
    const rssMb = round(process.memoryUsage().rss / 1048576, 1);
    const pbxCpu = pbxPid ? processCpuSeconds(pbxPid) - cpu0.pbx : Number.NaN;

    await service.stop();
    const lead = await leadImportBench(100_000);
    printBench({
      name: 'dialer-day',
      agents: agentCount,
      calls,
      double_dials: doubleDials,
      outside_window: outsideWindow,
      abandoned,
      dnc_dialed: dncDialed,
      next_call_ms: {
        p50: round(percentile(sorted, 50), 2),
        p99: round(percentile(sorted, 99), 2),
        max: round(sorted.at(-1) ?? Number.NaN, 2),
        samples: sorted.length,
      },
      import_100k_s: round(lead.seconds, 2),
      errors,
      connects,
      answer_rate: round(connects / Math.max(1, calls), 3),
      outcomes: byOutcome,
      recordings,
      scale,
      real_seconds: round(realSec, 1),
      rss_mb: rssMb,
      service_cpu_s: round((serviceCpu.user + serviceCpu.system) / 1e6, 1),
      asterisk_cpu_s: round(pbxCpu, 1),
    });
  } finally {
    await service.stop();
    await infra.down();
  }
}

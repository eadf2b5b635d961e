import { loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseConfig } from '../src/config/load.js';
import type { DomainEvent } from '../src/lib/events.js';
import { type Service, startService } from '../src/service.js';
import { bringUp } from '../test/harness/bring-up.js';
import { uniqueApp } from '../test/harness/ids.js';
import { tempDir } from '../test/harness/tmp.js';
import {
  type ClockSpec,
  clockNow,
  eventKey,
  localShift,
  PASSWORD,
  type ScreenLink,
  stamp,
  usernameOf,
  workerShift,
} from './console-screens.js';
import { BENCH_CAMPAIGN, leadPhones } from './dialer-day.js';
import { inBatches, percentile, printBench, round } from './lib.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The agent an event is about, as the SSE route filters for an agent (queue events go to everyone). */
function agentOf(event: DomainEvent): string | undefined {
  const data = event.data as Record<string, unknown>;
  if (event.topic === 'agent') return data.id as string;
  if (event.topic === 'ivr') return undefined;
  return data.agentId as string | undefined;
}

/** Publish times of the events the bus sent one screen, by key, oldest first; gone once shown. */
class Expected {
  private readonly byKey = new Map<string, number[]>();
  published = 0;

  add(key: string, at: number): void {
    this.published += 1;
    const list = this.byKey.get(key);
    if (list) list.push(at);
    else this.byKey.set(key, [at]);
  }

  take(key: string): number | undefined {
    const list = this.byKey.get(key);
    const at = list?.shift();
    if (list?.length === 0) this.byKey.delete(key);
    return at;
  }

  get missing(): number {
    let n = 0;
    for (const list of this.byKey.values()) n += list.length;
    return n;
  }
}

/**
 * Every event the service publishes, stamped before any subscriber (the SSE route's included) sees it,
 * expected on the screens whose stream is open; each screen's report of an event shown is matched to it.
 */
class EventLedger implements ScreenLink {
  private readonly expected = new Map<string, Expected>();
  private readonly open = new Set<string>();
  /** Publish to the screen having applied it (ms). */
  readonly toScreen: number[] = [];
  /** Of which: publish to the chunk read off the screen's stream (ms). */
  readonly delivery: number[] = [];
  events = 0;
  received = 0;
  /** Shown but not expected: published while the screen's opening was not yet known here. */
  unmatched = 0;

  constructor(service: Service) {
    const publish = service.bus.publish.bind(service.bus);
    service.bus.publish = (event) => {
      const at = stamp();
      publish(event);
      this.published(event, at);
    };
  }

  private published(event: DomainEvent, at: number): void {
    this.events += 1;
    const owner = agentOf(event);
    const to = event.topic === 'queue' ? [...this.open] : owner && this.open.has(owner) ? [owner] : [];
    if (to.length === 0) return;
    const key = eventKey(event);
    for (const agentId of to) this.of(agentId).add(key, at);
  }

  private of(agentId: string): Expected {
    let e = this.expected.get(agentId);
    if (!e) {
      e = new Expected();
      this.expected.set(agentId, e);
    }
    return e;
  }

  connected(agentId: string, on: boolean): void {
    if (on) this.open.add(agentId);
    else this.open.delete(agentId);
  }

  shown(agentId: string, key: string, shownAt: number, chunkAt: number): void {
    this.received += 1;
    const at = this.of(agentId).take(key);
    if (at === undefined) {
      this.unmatched += 1;
      return;
    }
    this.toScreen.push(shownAt - at);
    this.delivery.push(chunkAt - at);
  }

  /** Published for a screen while its stream was open, never shown. */
  get lost(): number {
    let n = 0;
    for (const e of this.expected.values()) n += e.missing;
    return n;
  }

  get toScreens(): number {
    let n = 0;
    for (const e of this.expected.values()) n += e.published;
    return n;
  }
}

/** With --detail: every 5 s on stderr, the event loop's worst delay, the samples' p99 and the load. */
function timeline(ledger: EventLedger, clock: ClockSpec, service: Service): () => void {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let seen = 0;
  const timer = setInterval(() => {
    const window = ledger.toScreen.slice(seen);
    seen = ledger.toScreen.length;
    const line = {
      minute: Math.floor((clockNow(clock).getTime() - clock.at) / 60_000) - 1,
      loop_max_ms: round(loop.max / 1e6, 0),
      samples: window.length,
      e2s_p99_ms: pct(window).p99,
      active_calls: service.dialer.activeCalls(),
      rss_mb: round(process.memoryUsage().rss / 1048576, 0),
      service_heap_mb: round(process.memoryUsage().heapUsed / 1048576, 0),
      load: round(loadavg()[0] ?? 0, 1),
    };
    loop.reset();
    process.stderr.write(`console: ${JSON.stringify(line)}\n`);
  }, 5_000);
  return () => {
    clearInterval(timer);
    loop.disable();
  };
}

function pct(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50), 2), p99: round(percentile(sorted, 99), 2) };
}

/**
 * The agent's screen through a working hour: 48 agents (6 teams of 8), each a person with an account,
 * sign in over HTTP (cookie session) one after the other, each screen built from the web app's own store,
 * actions and live-event client (bench/console-screens.ts), log in their lines and work the preview
 * dialer for a simulated hour (the service's clock `--scale` times faster, standing still while the
 * shift signs in) with simulated customers; each screen applies its events and its person acts on them
 * over HTTP. The screens run in a worker thread (as browsers elsewhere), or with `--screens inline` in the
 * service's thread. Measures the time from the service publishing an event (its bus, stamped in-process)
 * to the screen's store having applied it, and from the sign-in request to the first screen loaded with
 * the stream open; compares per agent the events published for it with those it was shown. Then everyone
 * signs in again at once: the first screen under a sign-in burst (the password checks take turns).
 */
export async function run(args: Record<string, string>): Promise<void> {
  const agentCount = Number(args.agents ?? 48);
  const scale = Number(args.scale ?? 60);
  const simMinutes = Number(args.minutes ?? 60);
  const talkTenths = Number(args.talk ?? 40); // 4 min / 60 = 4 s
  // People arrive one after the other, in real time: the password check is not scaled.
  const signInGapMs = Number(args['sign-in-gap'] ?? 250);
  const inline = args.screens === 'inline';
  const infra = await bringUp({ quiet: true });
  // A Monday in Berlin: the clock stands at 08:59 while the shift signs in and gets ready, then runs; the
  // window opens at 09:00 and the hour ends at 10:00.
  const clock: ClockSpec = { at: Date.parse('2026-11-30T07:59:00Z'), scale, startedAt: null };
  const now = () => clockNow(clock);
  const hourEnd = Date.parse('2026-11-30T08:00:00Z') + simMinutes * 60_000;
  const realStart = Date.now();
  const config = parseConfig({
    ari: { ...infra.ari, app: uniqueApp('bcons'), commandTimeoutMs: 10_000 },
    redis: { url: infra.redisUrl, keyPrefix: `${uniqueApp('b')}:` },
    store: { path: join(tempDir('cc-bench-'), 'bench.sqlite') },
    api: { port: 0 },
    log: { level: (process.env.BENCH_LOG_LEVEL as 'silent' | undefined) ?? 'silent' },
    agents: { wrapUpSec: 30, keepLinesOnStop: false, autoLogoutNotReadySec: 1_000_000 },
    recording: { dir: join(tempDir('cc-bench-rec-'), 'recordings') },
    dialer: { trunkChannels: 60, dialString: 'Local/{digits}@sim-customers' },
  });
  const service: Service = await startService(config, { now });
  const ledger = new EventLedger(service);
  const shift = (inline ? localShift : workerShift)(service.url, clock, ledger);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const cpu0 = process.cpuUsage();
  try {
    for (let t = 0; t < 6; t += 1) service.store.teams.create({ id: `team${t + 1}`, name: `Team ${t + 1}` });
    const ids = Array.from({ length: agentCount }, (_, i) => `c${String(i).padStart(2, '0')}`);
    for (const [i, id] of ids.entries()) {
      service.store.agents.create({
        id,
        name: `Agent ${id}`,
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
        id: 'hour',
        name: 'Console hour',
        settings: BENCH_CAMPAIGN,
      },
      'bench',
    );
    service.campaigns.setState('hour', 'active', 'bench');
    const phones = leadPhones(Number(args.leads ?? 4_000), talkTenths);
    service.store.leads.insertMany(
      phones.map((phone, i) => ({
        id: `L${i}`,
        campaignId: 'hour',
        importId: null,
        phone,
        name: `Customer ${i}`,
        fields: { plan: 'basic' },
        createdAt: Date.now(),
      })),
    );

    // The people's accounts, made by an admin over the API.
    const admin = service.store.apiKeys.create('bench-admin', 'admin', {}, Date.now()).key;
    await inBatches(ids, 4, async (id) => {
      const res = await fetch(`${service.url}/v1/accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          username: usernameOf(id),
          role: 'agent',
          agentId: id,
          password: PASSWORD,
          mustChangePassword: false,
        }),
      });
      if (res.status !== 201)
        throw new Error(`account for ${id} answered ${res.status}: ${await res.text()}`);
    });

    // The shift arrives: each person signs in, the screen loads, the line logs in, ready. Then the hour.
    await shift.signInAll(ids, signInGapMs);
    const readyAfterS = (Date.now() - realStart) / 1000;
    clock.startedAt = Date.now();
    await shift.startClock(clock.startedAt);
    loopDelay.enable();
    const elu0 = performance.eventLoopUtilization();
    const stopTimeline = args.detail ? timeline(ledger, clock, service) : () => {};
    while (now().getTime() < hourEnd) await sleep(500);
    // The hour is over: no new leads; the calls still up end and are disposed.
    service.campaigns.setState('hour', 'paused', 'bench');
    const settle = Date.now() + 30_000;
    while ((service.dialer.activeCalls() > 0 || (await shift.owes())) && Date.now() < settle)
      await sleep(200);
    await sleep(2_000);
    loopDelay.disable();
    const loopBusy = performance.eventLoopUtilization(elu0).utilization;
    stopTimeline();
    const hour = await shift.close();
    const lost = ledger.lost;
    const db = service.store.db;
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    const calls = count('SELECT count(*) FROM dial_attempts WHERE dialed_at IS NOT NULL');
    const disposed = count('SELECT count(*) FROM dial_attempts WHERE disposition IS NOT NULL');

    // Everyone signs in again at once (the hour's screens closed): the password checks take turns.
    const burst = await shift.burst(ids);

    const cpu = process.cpuUsage(cpu0);
    const toScreen = [...ledger.toScreen].sort((a, b) => a - b);
    const first = [...hour.first.ms].sort((a, b) => a - b);
    const burstFirst = [...burst.first.ms].sort((a, b) => a - b);
    const httpErrors = (r: typeof hour) => Object.values(r.httpErrors).reduce((a, b) => a + b, 0);
    const errors = httpErrors(hour) + httpErrors(burst) + hour.streamFailures + burst.streamFailures + lost;
    if (args.detail) process.stderr.write(`console: requests (hour) ${JSON.stringify(hour.requests)}\n`);
    for (const [when, r] of [['hour', hour] as const, ['burst', burst] as const]) {
      if (httpErrors(r) > 0)
        process.stderr.write(`console: HTTP errors (${when}) ${JSON.stringify(r.httpErrors)}\n`);
    }
    printBench({
      name: 'console',
      agents: agentCount,
      event_to_screen_ms: {
        p50: round(percentile(toScreen, 50), 2),
        p99: round(percentile(toScreen, 99), 2),
        max: round(toScreen.at(-1) ?? Number.NaN, 2),
      },
      delivery_ms: pct(ledger.delivery),
      first_screen_ms: round(first.at(-1) ?? Number.NaN, 1),
      first_screen_p50_ms: round(percentile(first, 50), 1),
      first_screen_phases_p50_ms: hour.first.phasesP50,
      first_screen_burst_ms: {
        p50: round(percentile(burstFirst, 50), 1),
        max: round(burstFirst.at(-1) ?? Number.NaN, 1),
      },
      errors,
      http_requests: Object.values(hour.requests).reduce((a, b) => a + b, 0),
      http_errors: httpErrors(hour) + httpErrors(burst),
      stream_errors: hour.streamFailures + burst.streamFailures,
      events_lost: lost,
      conflicts_409: hour.conflicts,
      refusals: hour.refusals,
      missing_routes: hour.missingRoutes,
      events: ledger.events,
      events_to_screens: ledger.toScreens,
      events_shown: ledger.received,
      events_unmatched: ledger.unmatched,
      calls,
      disposed,
      screens: inline ? 'inline' : 'worker',
      scale,
      sim_minutes: simMinutes,
      ready_after_s: round(readyAfterS, 1),
      real_seconds: round((Date.now() - realStart) / 1000, 1),
      service_loop_busy: round(loopBusy, 2),
      loop_delay_ms: {
        p50: round(loopDelay.percentile(50) / 1e6, 1),
        p99: round(loopDelay.percentile(99) / 1e6, 1),
        max: round(loopDelay.max / 1e6, 1),
      },
      load_avg_1m: round(loadavg()[0] ?? 0, 2),
      rss_mb: round(process.memoryUsage().rss / 1048576, 1),
      cpu_s: round((cpu.user + cpu.system) / 1e6, 1),
    });
  } finally {
    await shift.terminate();
    await service.stop();
    await infra.down();
  }
}

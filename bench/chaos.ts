import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { wavDurationSec } from '../src/lib/wav.js';
import { openStore } from '../src/store/index.js';
import { bringUp, freePort, type Infra } from '../test/harness/bring-up.js';
import { uniqueApp } from '../test/harness/ids.js';
import { PrivateRedis } from '../test/harness/private-redis.js';
import { ServiceProcess } from '../test/harness/process.js';
import { httpApi } from '../test/harness/process-fixture.js';
import { rtpPcap } from '../test/harness/rtp-pcap.js';
import {
  BENCH_PHONE_COUNT,
  BENCH_PHONE_IP,
  BENCH_PHONE_PORT,
  benchPhoneEndpoint,
  CARRIER_IP,
  CARRIER_UAS_PORT,
  calleeScenario,
  type Sipp,
  type SippOptions,
  withSipp,
} from '../test/harness/sipp.js';
import { TcpProxy } from '../test/harness/tcp-proxy.js';
import { tempDir } from '../test/harness/tmp.js';
import { TEST_CARRIER_DIAL_STRING } from '../test/sip/helpers.js';
import { inBatches, printBench } from './lib.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WRAP_UP_SEC = 5;

interface PbxChannel {
  id: string;
  name: string;
  state: string;
}

/**
 * Faults while 48 real SIP calls talk: the dialer connects N agents (persistent lines to the sip48
 * phones, test/pbx/) with N customers of the SIPp carrier, all recorded; then for `--minutes` the
 * service's ARI connection (through a TCP proxy) is cut `--cuts` times, the service process is
 * SIGKILLed and started again `--kills` times, and its Redis (a private one) restarted empty once. The
 * carrier hangs up after the chaos. Counts what the faults left wrong: PBX channels no call or line
 * owns, agents not ready with their line up, answered calls without a stored recording, customers the
 * carrier got more than one INVITE for.
 */
export async function run(args: Record<string, string>): Promise<void> {
  const calls = Number(args.calls ?? BENCH_PHONE_COUNT);
  const cuts = Number(args.cuts ?? 100);
  const kills = Number(args.kills ?? 10);
  const minutes = Number(args.minutes ?? 10);
  if (!(calls >= 1 && calls <= BENCH_PHONE_COUNT)) throw new Error(`--calls 1..${BENCH_PHONE_COUNT}`);
  const infra = await bringUp({ quiet: true });
  const redis = new PrivateRedis();
  const ariUrl = new URL(infra.ari.url);
  const proxy = new TcpProxy(ariUrl.hostname, Number(ariUrl.port || 80));
  try {
    await redis.start();
    await proxy.start();
    await runChaos(infra, redis, proxy, { calls, cuts, kills, seconds: minutes * 60 });
  } finally {
    await proxy.stop();
    await redis.stop();
    await infra.down();
  }
}

async function runChaos(
  infra: Infra,
  redis: PrivateRedis,
  proxy: TcpProxy,
  opts: { calls: number; cuts: number; kills: number; seconds: number },
): Promise<void> {
  const { calls, seconds } = opts;
  const dir = tempDir('cc-bench-chaos-');
  // Re-dialed lines and double dials must reach SIPp (not be refused for -m), hence the spare calls.
  const phoneParty: SippOptions = {
    scenario: calleeScenario({ kind: 'answer', pcap: 'agent.pcap' }),
    files: { 'agent.pcap': rtpPcap([{ tone: 440, ms: (seconds + 240) * 1000 }]) },
    localIp: BENCH_PHONE_IP,
    localPort: BENCH_PHONE_PORT,
    calls: calls * 4,
    timeoutSec: seconds + 900,
  };

  const carrierParty: SippOptions = {
    scenario: calleeScenario({
      kind: 'answer',
      pcap: 'customer.pcap',
      ringMs: 500,
      talkMs: (seconds + 5) * 1000,
    }),
    files: { 'customer.pcap': rtpPcap([{ tone: 600, ms: (seconds + 10) * 1000 }]) },
    localIp: CARRIER_IP,
    localPort: CARRIER_UAS_PORT,
    calls: calls * 4,
    timeoutSec: seconds + 900,
  };
  // Both SIPps are stopped whatever happens, also when the second cannot start.
  await withSipp([phoneParty, carrierParty], async (parties) => {
    const carrier = parties[1] as Sipp;

    const app = uniqueApp('bchaos');
    const config = parseConfig({
      ari: {
        ...infra.ari,
        url: proxy.url,
        app,
        commandTimeoutMs: 10_000,
        reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
        // The calls outlive the service's restarts: a site that keeps calls through restarts sets this.
        orphanPolicy: 'reattach',
      },
      redis: { url: redis.url, keyPrefix: 'chaos:' },
      store: { path: join(dir, 'bench.sqlite') },
      api: { host: '127.0.0.1', port: await freePort() },
      agents: { wrapUpSec: WRAP_UP_SEC, keepLinesOnStop: false },
      recording: { dir: join(dir, 'recordings') },
      storage: { dir: join(dir, 'storage') },
      dialer: { trunkChannels: calls + 12, dialString: TEST_CARRIER_DIAL_STRING },
    });
    const store = openStore(config.store.path);
    const agentIds = Array.from({ length: calls }, (_, i) => `c${String(i).padStart(2, '0')}`);
    store.teams.create({ id: 'chaos', name: 'Chaos' });
    for (const [i, id] of agentIds.entries())
      store.agents.create({
        id,
        name: id,
        teamId: 'chaos',
        role: 'agent',
        endpoint: benchPhoneEndpoint(i),
        lineMode: 'persistent',
        inboundRole: 'none',
      });
    let proc = new ServiceProcess(config);
    const sup = httpApi(() => proc, store.apiKeys.create('chaos supervisor', 'supervisor').key);
    const agentKeys = new Map(
      agentIds.map((id) => [id, store.apiKeys.create(`agent ${id}`, 'agent', { agentId: id }).key]),
    );
    const ari = pbxApi(infra);
    let errors = 0;
    let cutsDone = 0;
    let killsDone = 0;
    try {
      await proc.start();
      const created = await sup('POST', '/v1/campaigns', {
        id: 'chaos',
        name: 'Chaos',
        settings: {
          callerId: '+493011112222',
          teams: ['chaos'],
          window: {
            timezone: 'Europe/Berlin',
            hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '00:00' }],
            holidays: [],
          },
          maxAttempts: 1,
          // The preview runs out at once and dials: no agent's screen has to survive the restarts.
          pacing: {
            maxConcurrent: calls,
            maxPerAgentHour: 100,
            dailyCap: 1_000,
            previewSec: 1,
            onPreviewTimeout: 'dial',
            noAnswerSec: 20,
          },
          wrapUp: { onTimeout: 'apply', disposition: 'not-interested' },
        },
      });
      if (created.status !== 201)
        throw new Error(`campaign: ${created.status} ${JSON.stringify(created.json)}`);
      const base = 100_000 + Math.floor(Math.random() * 800_000);
      store.leads.insertMany(
        agentIds.map((_, i) => ({
          id: `L${i}`,
          campaignId: 'chaos',
          importId: null,
          phone: `+4930${base + i}`,
          name: `Customer ${i}`,
          fields: {},
          createdAt: Date.now(),
        })),
      );
      const customers = agentIds.map((_, i) => `4930${base + i}`);
      await inBatches(agentIds, 8, async (id) => {
        const api = httpApi(() => proc, agentKeys.get(id) ?? '');
        for (const event of ['login', 'ready']) {
          const res = await api('POST', `/v1/agents/${id}/state`, { event });
          if (res.status !== 200)
            throw new Error(`${event} ${id}: ${res.status} ${JSON.stringify(res.json)}`);
        }
      });
      const activate = await sup('POST', '/v1/campaigns/chaos/state', { state: 'active' });
      if (activate.status !== 200) throw new Error(`activate: ${activate.status}`);

      const answered = () =>
        store.db
          .prepare(
            "SELECT count(*) FROM dial_attempts WHERE campaign_id = 'chaos' AND answered_at IS NOT NULL",
          )
          .pluck()
          .get() as number;
      const answerBy = Date.now() + 90_000;
      while (Date.now() < answerBy && answered() < calls) await sleep(200);
      errors += calls - answered();

      // The faults, spread over the time; one at a time (a kill's restart may push the next ones back).
      const faults: { at: number; kind: 'cut' | 'kill' | 'redis' }[] = [
        ...Array.from({ length: opts.cuts }, (_, i) => ({
          at: ((i + 1) / (opts.cuts + 1)) * seconds,
          kind: 'cut' as const,
        })),
        ...Array.from({ length: opts.kills }, (_, i) => ({
          at: ((i + 0.5) / opts.kills) * seconds,
          kind: 'kill' as const,
        })),
        { at: seconds * 0.47, kind: 'redis' as const },
      ].sort((a, b) => a.at - b.at);
      const t0 = Date.now();
      for (const fault of faults) {
        const wait = t0 + fault.at * 1000 - Date.now();
        if (wait > 0) await sleep(wait);
        if (fault.kind === 'cut') {
          await proxy.cut();
          await sleep(300 + Math.random() * 700);
          await proxy.restore();
          cutsDone += 1;
        } else if (fault.kind === 'kill') {
          await proc.kill('SIGKILL');
          proc = new ServiceProcess(config);
          await proc.start().catch((err: unknown) => {
            errors += 1;
            process.stderr.write(`restart failed: ${String(err)}\n`);
          });
          killsDone += 1;
        } else {
          await redis.restart();
        }
      }
      const left = t0 + seconds * 1000 - Date.now();
      if (left > 0) await sleep(left);

      // The carrier hangs up; every call ends, the wrap-ups run out, the recordings are finalized.
      const ended = () =>
        store.db
          .prepare(
            "SELECT count(*) FROM dial_attempts WHERE campaign_id = 'chaos' AND answered_at IS NOT NULL AND ended_at IS NULL",
          )
          .pluck()
          .get() as number;
      const endBy = Date.now() + 120_000;
      while (Date.now() < endBy && ended() > 0) await sleep(500);
      errors += ended();
      await sleep((WRAP_UP_SEC + 10) * 1000);
      const recordingsPending = () =>
        store.db
          .prepare(
            "SELECT count(*) FROM recordings WHERE campaign_id = 'chaos' AND status NOT IN ('stored', 'failed')",
          )
          .pluck()
          .get() as number;
      const finalBy = Date.now() + 120_000;
      while (Date.now() < finalBy && recordingsPending() > 0) await sleep(500);

      const lostRecordings = store.db
        .prepare(
          `SELECT count(DISTINCT a.lead_id) FROM dial_attempts a
          WHERE a.campaign_id = 'chaos' AND a.answered_at IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM recordings r WHERE r.lead_id = a.lead_id AND r.status = 'stored' AND r.file_path IS NOT NULL)`,
        )
        .pluck()
        .get() as number;

      // Audio lost across the restarts: a call's stored parts (their WAV lengths) against its talk time.
      const talks = store.db
        .prepare(
          `SELECT lead_id AS leadId, ended_at - answered_at AS talkMs FROM dial_attempts
          WHERE campaign_id = 'chaos' AND answered_at IS NOT NULL AND ended_at IS NOT NULL`,
        )
        .all() as { leadId: string; talkMs: number }[];
      const parts = store.db
        .prepare(
          "SELECT lead_id AS leadId, file_path AS filePath FROM recordings WHERE campaign_id = 'chaos' AND layout = 'mixed' AND status = 'stored' AND file_path IS NOT NULL",
        )
        .all() as { leadId: string; filePath: string }[];
      let maxShort = 0;
      let shortCalls = 0;
      let unfinishedHeaders = 0;
      const partSec = new Map(
        parts.map((p) => {
          const wav = readFileSync(resolve(config.storage.dir, p.filePath));
          const sec = wavDurationSec(wav);
          // A header that says no audio over a file full of it: fetched before Asterisk closed the file.
          if (sec === 0 && wav.length > 44 + 16_000) unfinishedHeaders += 1;
          return [p.filePath, sec];
        }),
      );
      for (const talk of talks) {
        const recorded = parts
          .filter((p) => p.leadId === talk.leadId)
          .reduce((sum, p) => sum + (partSec.get(p.filePath) ?? 0), 0);
        const short = talk.talkMs / 1000 - recorded;
        maxShort = Math.max(maxShort, short);
        if (short > 2) shortCalls += 1;
      }

      // Agents: each must be ready with its line up.
      const view = await sup('GET', '/v1/agents');
      const agents = (view.json.agents ?? []) as {
        id: string;
        state: string;
        lineUp: boolean;
        endpoint: string;
      }[];
      const stuck = agentIds.filter((id) => {
        const a = agents.find((x) => x.id === id);
        return a?.state !== 'ready' || !a.lineUp;
      });

      // Channels: the only ones left may be one line per agent whose line is up.
      const lines = new Map(agents.filter((a) => a.lineUp).map((a) => [`${a.endpoint}-`, 1]));
      const unowned: string[] = [];
      for (const channel of (await ari.channels()).filter((c) => ours(c, app, customers))) {
        const line = [...lines.keys()].find((prefix) => channel.name.startsWith(prefix));
        if (line && lines.get(line) === 1) lines.set(line, 0);
        else unowned.push(`${channel.name} ${channel.state}`);
      }
      let orphans = unowned.length;
      // A graceful stop hangs up the lines (keepLinesOnStop false): nothing of ours may stay.
      await proc.kill('SIGTERM');
      await sleep(3_000);
      const afterStop = (await ari.channels()).filter((c) => ours(c, app, customers));
      orphans += afterStop.length;

      // The carrier's INVITEs: one per customer, or a double dial.
      const invites = new Map<string, number>();
      for (const m of carrier.messages())
        if (m.direction === 'received' && m.startLine.startsWith('INVITE ')) {
          const user = /^INVITE sip:([^@]+)@/.exec(m.startLine)?.[1] ?? '?';
          invites.set(user, (invites.get(user) ?? 0) + 1);
        }
      const doubleDials = [...invites.values()].reduce((s, n) => s + Math.max(0, n - 1), 0);

      if (process.env.BENCH_DETAIL) {
        process.stderr.write(
          `${JSON.stringify({ stuck: stuck.map((id) => agents.find((a) => a.id === id)), unowned, afterStop: afterStop.map((c) => c.name) })}\n`,
        );
      }
      printBench({
        name: 'chaos',
        calls,
        ari_cuts: cutsDone,
        kills: killsDone,
        redis_restarts: 1,
        orphan_channels: orphans,
        stuck_agents: stuck.length,
        lost_recordings: lostRecordings,
        double_dials: doubleDials,
        errors,
        short_recordings: shortCalls,
        max_short_s: Math.round(maxShort * 100) / 100,
        unfinished_wav_headers: unfinishedHeaders,
        minutes: round1(seconds / 60),
      });
      // Leave the shared PBX clean whatever the service left.
      await Promise.all(afterStop.map((c) => ari.hangup(c.id)));
    } finally {
      await proc.kill('SIGKILL');
      store.close();
    }
  });
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * The bench's channels: the service's own (ids start with its app), the bench phones', and the carrier
 * legs (Local and PJSIP) to its customers (the SIP tests may be using the carrier trunk meanwhile).
 */
function ours(channel: PbxChannel, app: string, customers: string[]): boolean {
  if (channel.id.startsWith(app) || /^PJSIP\/cc-test-phone-(9|[1-4]\d|5[0-6])-/.test(channel.name))
    return true;
  if (!channel.name.startsWith('PJSIP/cc-test-carrier') && !channel.name.includes('@cc-test-to-carrier'))
    return false;
  const text = JSON.stringify(channel);
  return customers.some((digits) => text.includes(digits));
}

/** The PBX's ARI straight (not through the proxy): what is really left on it. */
function pbxApi(infra: Infra) {
  const { url, username, password } = infra.ari;
  const headers = { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
  return {
    async channels(): Promise<PbxChannel[]> {
      const res = await fetch(`${url}/ari/channels`, { headers });
      return (await res.json()) as PbxChannel[];
    },
    async hangup(id: string): Promise<void> {
      await fetch(`${url}/ari/channels/${encodeURIComponent(id)}`, { method: 'DELETE', headers });
    },
  };
}

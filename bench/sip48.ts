import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { parseWav } from '../src/lib/wav.js';
import { startService } from '../src/service.js';
import { rms } from '../test/harness/audio.js';
import { bringUp, type Infra } from '../test/harness/bring-up.js';
import { uniqueApp } from '../test/harness/ids.js';
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
import { tempDir } from '../test/harness/tmp.js';
import { TEST_CARRIER_DIAL_STRING } from '../test/sip/helpers.js';
import {
  agentApis,
  asteriskPid,
  benchCampaignSettings,
  dialedAttempts,
  inBatches,
  printBench,
  processCpuSeconds,
  round,
} from './lib.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Below this RMS (samples in -1..1) a recording counts as silent; both parties play a 0.3 tone. */
const SILENT_RMS = 0.02;

interface RecordingRow {
  leadId: string;
  status: string;
  filePath: string | null;
}

/**
 * Real SIP at a site's size: 48 agents on persistent lines to SIP phones (one SIPp answering for
 * cc-test-phone-9..56, a tone as the agent's voice) take 48 dialer calls at once through the carrier
 * trunk (SIPp as the carrier: answers, talks another tone for `seconds`, hangs up), every call recorded.
 * The agents accept their previews over the service's API; the campaign applies a disposition when the
 * wrap-up runs out. Reports recordings stored with a file, the largest (talk time − recording duration),
 * silent recordings, and the CPU of Asterisk and of the service (this process) while all calls talk.
 */
export async function run(args: Record<string, string>): Promise<void> {
  const calls = Number(args.calls ?? BENCH_PHONE_COUNT);
  const seconds = Number(args.seconds ?? 60);
  if (!(calls >= 1 && calls <= BENCH_PHONE_COUNT)) throw new Error(`--calls 1..${BENCH_PHONE_COUNT}`);
  const infra = await bringUp({ quiet: true });
  try {
    await requireBenchPhones(infra);
    await runAt(infra, calls, seconds);
  } finally {
    await infra.down();
  }
}

async function runAt(infra: Infra, calls: number, seconds: number): Promise<void> {
  const dir = tempDir('cc-bench-sip48-');
  // Phones talk from login to the end; the carrier's customers for the talk time (SIPp stops a pcap early).
  const phoneParty: SippOptions = {
    scenario: calleeScenario({ kind: 'answer', pcap: 'agent.pcap' }),
    files: { 'agent.pcap': rtpPcap([{ tone: 440, ms: (seconds + 120) * 1000 }]) },
    localIp: BENCH_PHONE_IP,
    localPort: BENCH_PHONE_PORT,
    calls,
    timeoutSec: seconds + 300,
  };

  const carrierParty: SippOptions = {
    scenario: calleeScenario({
      kind: 'answer',
      pcap: 'customer.pcap',
      ringMs: 500,
      talkMs: seconds * 1000,
    }),
    files: { 'customer.pcap': rtpPcap([{ tone: 600, ms: (seconds + 2) * 1000 }]) },
    localIp: CARRIER_IP,
    localPort: CARRIER_UAS_PORT,
    calls,
    timeoutSec: seconds + 300,
  };
  // Both SIPps are stopped whatever happens, also when the second cannot start.
  await withSipp([phoneParty, carrierParty], async (parties) => {
    const carrier = parties[1] as Sipp;

    const config = parseConfig({
      ari: { ...infra.ari, app: uniqueApp('bsip'), commandTimeoutMs: 15_000 },
      redis: { url: infra.redisUrl, keyPrefix: `${uniqueApp('bs')}:` },
      store: { path: join(dir, 'bench.sqlite') },
      api: { port: 0 },
      log: { level: (process.env.BENCH_LOG_LEVEL as 'silent' | undefined) ?? 'silent' },
      agents: { wrapUpSec: 5, keepLinesOnStop: false },
      recording: { dir: join(dir, 'recordings') },
      storage: { dir: join(dir, 'storage') },
      dialer: { trunkChannels: calls + 12, dialString: TEST_CARRIER_DIAL_STRING },
    });
    const service = await startService(config, { listen: false });
    let errors = 0;
    try {
      const agentIds = Array.from({ length: calls }, (_, i) => `s${String(i).padStart(2, '0')}`);
      service.store.teams.create({ id: 'sip48', name: 'SIP 48' });
      for (const [i, id] of agentIds.entries()) {
        service.store.agents.create({
          id,
          name: id,
          teamId: 'sip48',
          role: 'agent',
          endpoint: benchPhoneEndpoint(i),
          lineMode: 'persistent',
          inboundRole: 'none',
        });
      }
      await service.agents.reload();
      const api = agentApis(service, agentIds);
      const sup = api.supervisor;
      const created = await sup('POST', '/v1/campaigns', {
        id: 'sip48',
        name: 'SIP 48',
        settings: benchCampaignSettings('sip48', calls),
      });
      if (created.statusCode !== 201) throw new Error(`campaign: ${created.statusCode} ${created.body}`);
      // Numbers the test carrier answers for (any digits reach it), one lead per agent.
      const base = 100_000 + Math.floor(Math.random() * 800_000);
      service.store.leads.insertMany(
        agentIds.map((_, i) => ({
          id: `L${i}`,
          campaignId: 'sip48',
          importId: null,
          phone: `+4930${base + i}`,
          name: `Customer ${i}`,
          fields: {},
          createdAt: Date.now(),
        })),
      );

      // Each agent accepts its preview at once, over the API as its console would.
      service.bus.subscribe((event) => {
        if (event.topic !== 'dialer' || event.type !== 'preview') return;
        const agentId = event.data.agentId as string;
        void api.agent(agentId, 'POST', `/v1/agents/${agentId}/preview/accept`, {}).then((res) => {
          if (res.statusCode !== 200) errors += 1;
        });
      });
      await inBatches(agentIds, 8, async (id) => {
        for (const event of ['login', 'ready']) {
          const res = await api.agent(id, 'POST', `/v1/agents/${id}/state`, { event });
          if (res.statusCode !== 200) throw new Error(`${event} ${id}: ${res.statusCode} ${res.body}`);
        }
      });
      const activate = await sup('POST', '/v1/campaigns/sip48/state', { state: 'active' });
      if (activate.statusCode !== 200) throw new Error(`activate: ${activate.statusCode} ${activate.body}`);

      const attempts = () => dialedAttempts(service, 'sip48');
      // The talk window: every call answered, none ended yet.
      const answerBy = Date.now() + 60_000;
      while (Date.now() < answerBy && attempts().filter((a) => a.answeredAt && !a.endedAt).length < calls) {
        if (attempts().some((a) => a.endedAt)) break;
        await sleep(100);
      }
      const astPid = asteriskPid();
      const t0 = Date.now();
      const cpu0 = {
        pbx: astPid ? processCpuSeconds(astPid) : Number.NaN,
        service: processCpuSeconds(process.pid),
      };
      const talkBy = Date.now() + (seconds + 10) * 1000;
      while (Date.now() < talkBy && !attempts().some((a) => a.endedAt)) await sleep(200);
      const window = (Date.now() - t0) / 1000;
      const asteriskCpuPct = astPid ? ((processCpuSeconds(astPid) - cpu0.pbx) / window) * 100 : Number.NaN;
      const serviceCpuPct = ((processCpuSeconds(process.pid) - cpu0.service) / window) * 100;

      // Every call ends (the carrier hangs up), then every recording is finalized.
      const endBy = Date.now() + 60_000;
      while (Date.now() < endBy && attempts().some((a) => a.answeredAt && !a.endedAt)) await sleep(200);
      const recordings = () =>
        service.store.db
          .prepare(
            `SELECT lead_id AS leadId, status, file_path AS filePath FROM recordings
            WHERE campaign_id = 'sip48' AND layout = 'mixed'`,
          )
          .all() as RecordingRow[];
      const finalBy = Date.now() + 120_000;
      while (Date.now() < finalBy && recordings().some((r) => r.status !== 'stored' && r.status !== 'failed'))
        await sleep(200);

      const talked = attempts().filter((a) => a.answeredAt && a.endedAt);
      errors += calls - talked.length;
      let recordingsOk = 0;
      let silent = 0;
      let maxShort = 0;
      for (const attempt of talked) {
        const row = recordings().find(
          (r) => r.leadId === attempt.leadId && r.status === 'stored' && r.filePath,
        );
        if (!row?.filePath) continue;
        recordingsOk += 1;
        const wav = parseWav(readFileSync(resolve(config.storage.dir, row.filePath)));
        const fileSec = wav.durationSec;
        const talkSec = ((attempt.endedAt ?? 0) - (attempt.answeredAt ?? 0)) / 1000;
        maxShort = Math.max(maxShort, talkSec - fileSec);
        if (rms(wav.samples) < SILENT_RMS) silent += 1;
      }
      errors += (await service.metrics.ariCommandErrors.get()).values
        .filter((v) => v.labels.kind !== 'not-found' && v.labels.kind !== 'conflict')
        .reduce((s, v) => s + v.value, 0);
      errors += carrier.stats().failed;
      printBench({
        name: 'sip48',
        calls,
        recordings_ok: recordingsOk,
        max_short_s: round(maxShort, 2),
        silent,
        asterisk_cpu_pct: round(asteriskCpuPct, 1),
        service_cpu_pct: round(serviceCpuPct, 1),
        errors,
        talk_s: seconds,
        cpu_window_s: round(window, 1),
      });
    } finally {
      await service.stop();
    }
  });
}

/** The bench phones are test/pbx/pjsip_test.conf's: a PBX that was already running gets them added. */
async function requireBenchPhones(infra: Infra): Promise<void> {
  const { url, username, password } = infra.ari;
  const last = benchPhoneEndpoint(BENCH_PHONE_COUNT - 1).replace('PJSIP/', '');
  const res = await fetch(`${url}/ari/endpoints/PJSIP/${last}`, {
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  });
  if (res.status !== 200)
    throw new Error(`the PBX has no ${last} (test/pbx/): run \`scripts/pbx.sh test-sip\` as root`);
}

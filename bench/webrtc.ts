import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parseConfig } from '../src/config/load.js';
import { parseWav } from '../src/lib/wav.js';
import { type Service, startService } from '../src/service.js';
import { rms } from '../test/harness/audio.js';
import { bringUp, type Infra } from '../test/harness/bring-up.js';
import { fakeVoiceFile, launchBrowser } from '../test/harness/browser.js';
import { uniqueApp } from '../test/harness/ids.js';
import { tempDir } from '../test/harness/tmp.js';
import { createAccount, signIn } from '../test/web/helpers.js';
import {
  agentApis,
  asteriskPid,
  benchCampaignSettings,
  dialedAttempts,
  inBatches,
  percentile,
  printBench,
  processCpuSeconds,
  round,
} from './lib.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Below this RMS (samples in -1..1) a recording counts as silent. */
const SILENT_RMS = 0.02;
/** Softphones per Chromium process (below its 16 audio streams). */
const PAGES_PER_BROWSER = 12;

/** What one page's quality tag shows (the softphone's own getStats, every few seconds). */
interface Quality {
  packets: number;
  mos: number;
  loss: number;
  jitter: number;
}

/**
 * Browser softphones at a site's size: `--softphones` agents (default 24) each sign in on their own page
 * in Debian's Chromium (fake microphone: a sox tone rising and falling like syllables), register over WebSocket, take their persistent
 * line (answered by the page) and a dialer call to a simulated customer who talks back (the
 * [sim-customers] 25.... echo: greets, then returns what it hears), every call recorded, for `--seconds`
 * (default 60). While all talk: the pages' own call quality (MOS estimate, packet loss), and the CPU of
 * Asterisk and of Chromium (every chromium process) in cores. Then every call is hung up from the agent's
 * API and every recording must be stored and not silent.
 */
export async function run(args: Record<string, string>): Promise<void> {
  const softphones = Number(args.softphones ?? 24);
  const seconds = Number(args.seconds ?? 60);
  if (!(softphones >= 1 && softphones <= 48)) throw new Error('--softphones 1..48');
  const infra = await bringUp({ quiet: true });
  try {
    await runAt(infra, softphones, seconds);
  } finally {
    await infra.down();
  }
}

async function runAt(infra: Infra, n: number, seconds: number): Promise<void> {
  const dir = tempDir('cc-bench-webrtc-');
  const tone = join(dir, 'tone.wav');
  fakeVoiceFile(tone, 440, seconds + 600);
  const config = parseConfig({
    ari: { ...infra.ari, app: uniqueApp('bwrtc'), commandTimeoutMs: 15_000 },
    redis: { url: infra.redisUrl, keyPrefix: `${uniqueApp('bw')}:` },
    store: { path: join(dir, 'bench.sqlite') },
    api: { port: 0 },
    log: { level: (process.env.BENCH_LOG_LEVEL as 'silent' | undefined) ?? 'silent' },
    agents: { wrapUpSec: 5, keepLinesOnStop: false },
    recording: { dir: join(dir, 'recordings') },
    storage: { dir: join(dir, 'storage') },
    dialer: { trunkChannels: n + 4, dialString: 'Local/{digits}@sim-customers' },
  });
  const service = await startService(config, { listen: true });
  // Chromium opens at most 16 audio input (and 16 output) streams per browser process
  // (AudioManagerBase's defaults): the 16th softphone of one browser never answers. A site has one
  // browser per agent; the bench runs one per PAGES_PER_BROWSER softphones.
  const browsers = await Promise.all(
    Array.from({ length: Math.ceil(n / PAGES_PER_BROWSER) }, () =>
      launchBrowser({ fakeMedia: true, fakeAudioFile: tone }),
    ),
  );
  let errors = 0;
  /** What each error was, for the one line (e.g. {"hangup 409": 1}). */
  const errorKinds: Record<string, number> = {};
  const fail = (kind: string, count = 1) => {
    if (count <= 0) return;
    errors += count;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + count;
  };
  // A fresh id set per run: a run stopped half-way leaves its endpoints in the PBX's memory.
  const tag = Date.now().toString(36).slice(-4);
  const agentIds = Array.from({ length: n }, (_, i) => `w${tag}${String(i).padStart(2, '0')}`);
  try {
    service.store.teams.create({ id: 'webrtc', name: 'WebRTC' });
    for (const id of agentIds) {
      service.store.agents.create({
        id,
        name: id,
        teamId: 'webrtc',
        role: 'agent',
        lineKind: 'webrtc',
        lineMode: 'persistent',
        inboundRole: 'none',
      });
    }
    await service.agents.reload();
    const api = agentApis(service, agentIds);
    const created = await api.supervisor('POST', '/v1/campaigns', {
      id: 'webrtc',
      name: 'WebRTC',
      settings: benchCampaignSettings('webrtc', n),
    });
    if (created.statusCode !== 201) throw new Error(`campaign: ${created.statusCode} ${created.body}`);
    service.store.leads.insertMany(
      agentIds.map((_, i) => ({
        id: `L${i}`,
        campaignId: 'webrtc',
        importId: null,
        // [sim-customers] 25....: greets, then echoes (talks back with the agent's own tone).
        phone: `+493025${String(100_000 + i).slice(-6)}`,
        name: `Customer ${i}`,
        fields: {},
        createdAt: Date.now(),
      })),
    );
    service.bus.subscribe((event) => {
      if (event.topic !== 'dialer' || event.type !== 'preview') return;
      const agentId = event.data.agentId as string;
      void api.agent(agentId, 'POST', `/v1/agents/${agentId}/preview/accept`, {}).then((res) => {
        if (res.statusCode !== 200) fail(`accept ${res.statusCode}`);
      });
    });

    // Sign in on a page each, register, take the line (the page answers it), then ready.
    const pages = await inBatches(agentIds, 4, (id, i) =>
      openSoftphone(browsers[i % browsers.length] as Browser, service, id),
    );
    // Lines are called a few at a time (each answer costs the browser a getUserMedia, ICE and DTLS); a
    // line not answered in time is called once more and counted.
    const loginStarted = Date.now();
    let loginRetries = 0;
    await inBatches(agentIds, 3, async (id) => {
      let login = await api.agent(id, 'POST', `/v1/agents/${id}/state`, { event: 'login' });
      if (login.statusCode === 409) {
        loginRetries += 1;
        login = await api.agent(id, 'POST', `/v1/agents/${id}/state`, { event: 'login' });
      }
      if (login.statusCode !== 200) throw new Error(`login ${id}: ${login.statusCode} ${login.body}`);
      const ready = await api.agent(id, 'POST', `/v1/agents/${id}/state`, { event: 'ready' });
      if (ready.statusCode !== 200) throw new Error(`ready ${id}: ${ready.statusCode} ${ready.body}`);
    });
    const loginSeconds = (Date.now() - loginStarted) / 1000;
    const activate = await api.supervisor('POST', '/v1/campaigns/webrtc/state', { state: 'active' });
    if (activate.statusCode !== 200) throw new Error(`activate: ${activate.statusCode} ${activate.body}`);

    const attempts = () => dialedAttempts(service, 'webrtc');
    const answerBy = Date.now() + 90_000;
    while (Date.now() < answerBy && attempts().filter((a) => a.answeredAt && !a.endedAt).length < n)
      await sleep(200);

    // The talk window: CPU of Asterisk and Chromium, each page's quality sampled every 5 s.
    const astPid = asteriskPid();
    const cpu0 = { pbx: astPid ? processCpuSeconds(astPid) : Number.NaN, chromium: chromiumCpuSeconds() };
    const t0 = Date.now();
    let mosMin = Number.POSITIVE_INFINITY;
    let lossMax = 0;
    let sampled = 0;
    const moses: number[] = [];
    let jitterMax = 0;
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(5_000);
      if (Date.now() - t0 < 10_000) continue; // the first seconds: ICE and jitter buffers settle
      for (const quality of await Promise.all(pages.map(readQuality))) {
        if (!quality || quality.packets === 0) continue;
        sampled += 1;
        mosMin = Math.min(mosMin, quality.mos);
        lossMax = Math.max(lossMax, quality.loss);
        jitterMax = Math.max(jitterMax, quality.jitter);
        moses.push(quality.mos);
      }
    }
    const window = (Date.now() - t0) / 1000;
    const asteriskCores = astPid ? (processCpuSeconds(astPid) - cpu0.pbx) / window : Number.NaN;
    const chromiumCores = (chromiumCpuSeconds() - cpu0.chromium) / window;
    const talking = attempts().filter((a) => a.answeredAt && !a.endedAt).length;
    fail('not talking', n - talking);

    // Every agent hangs up; every recording is finalized, stored and not silent.
    await inBatches(agentIds, 8, async (id) => {
      const res = await api.agent(id, 'POST', `/v1/agents/${id}/call/hangup`, {});
      if (res.statusCode >= 300) fail(`hangup ${res.statusCode}`);
    });
    const recordings = () =>
      service.store.db
        .prepare(
          `SELECT status, file_path AS filePath FROM recordings
           WHERE campaign_id = 'webrtc' AND layout = 'mixed'`,
        )
        .all() as { status: string; filePath: string | null }[];
    const finalBy = Date.now() + 120_000;
    while (Date.now() < finalBy && recordings().some((r) => r.status !== 'stored' && r.status !== 'failed'))
      await sleep(200);
    let recordingsOk = 0;
    let silent = 0;
    for (const row of recordings()) {
      if (row.status !== 'stored' || !row.filePath) continue;
      recordingsOk += 1;
      if (rms(parseWav(readFileSync(resolve(config.storage.dir, row.filePath))).samples) < SILENT_RMS)
        silent += 1;
    }
    fail('recording missing', talking - recordingsOk);
    fail('recording silent', silent);
    for (const v of (await service.metrics.ariCommandErrors.get()).values) {
      if (v.labels.kind !== 'not-found' && v.labels.kind !== 'conflict')
        fail(`ari ${v.labels.kind}`, v.value);
    }
    printBench({
      name: 'webrtc',
      softphones: n,
      calls: talking,
      mos_estimate_min: sampled ? round(mosMin, 2) : null,
      mos_estimate_p10: round(
        percentile(
          moses.sort((a, b) => a - b),
          10,
        ),
        2,
      ),
      mos_estimate_p50: round(percentile(moses, 50), 2),
      packet_loss_max: round(lossMax, 2),
      jitter_ms_max: round(jitterMax, 1),
      asterisk_cpu_cores: round(asteriskCores, 2),
      chromium_cpu_cores: round(chromiumCores, 2),
      errors,
      error_kinds: errorKinds,
      recordings_ok: recordingsOk,
      silent,
      quality_samples: sampled,
      login_retries: loginRetries,
      browsers: browsers.length,
      logins_s: round(loginSeconds, 1),
      talk_s: seconds,
      cpu_window_s: round(window, 1),
    });
  } finally {
    for (const browser of browsers) await browser.close();
    // Otherwise the PBX keeps the run's endpoints in memory (and qualifies them) until it restarts.
    for (const id of agentIds) await service.softphone.removeFor(id);
    await service.stop();
  }
}

/** One agent's page: signed in on the sign-in page, its softphone registered. */
async function openSoftphone(browser: Browser, service: Service, agentId: string): Promise<Page> {
  const person = await createAccount(service, { username: agentId, role: 'agent', agentId });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(service.url);
  const status = await signIn(page, person);
  if (status !== 200) throw new Error(`sign-in ${agentId}: ${status}`);
  await page.locator('[data-testid=softphone][data-registration="registered"]').waitFor({ timeout: 60_000 });
  return page;
}

async function readQuality(page: Page): Promise<Quality | undefined> {
  const tag = page.getByTestId('softphone-quality');
  if ((await tag.count()) === 0) return undefined;
  const read = async (name: string) => Number(await tag.getAttribute(`data-${name}`));
  return {
    packets: await read('packets'),
    mos: await read('mos'),
    loss: await read('loss'),
    jitter: await read('jitter'),
  };
}

/** CPU seconds of every chromium process on the machine (the bench's browser is the only one running). */
function chromiumCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm.startsWith('chromium') || comm.startsWith('chrome')) total += processCpuSeconds(Number(entry));
    } catch {
      // The process ended while the list was read.
    }
  }
  return total;
}

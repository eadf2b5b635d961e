import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '../../src/lib/wav.js';
import type { Service } from '../../src/service.js';
import { softphoneEndpointId } from '../../src/softphone/lines.js';
import { customer, settings, supervisorApi } from '../dialer/helpers.js';
import { rms, toneLevel } from '../harness/audio.js';
import { fakeVoiceFile, launchBrowser, pageProblems, screenshot } from '../harness/browser.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { HOTLINE_FLOW } from '../inbound/helpers.js';
import { ivrCall } from '../ivr/helpers.js';
import { CHINESE_DISPOSITIONS, type Person, signIn, startAgentScreenService } from './helpers.js';

/*
 * The browser softphone on the real PBX: Chromium's fake microphone plays a 440 Hz tone made with sox, the
 * page registers to Asterisk over its WebSocket (ws://127.0.0.1:8088/ws), answers the agent's line and
 * carries the calls' audio both ways. The browser's tone is 440 Hz; what the PBX plays to it is 1000 Hz, so
 * a recording is checked for the browser's own voice, not just any sound.
 */

// A fresh agent id per run: the shared PBX keeps memory endpoints of earlier runs until it restarts.
const AGENT = `sp${process.pid}`;
const BROWSER_TONE_HZ = 440;
let browser: Browser;
let service: Service;
const far = new FarEnd();
let person: Person;
const contexts: BrowserContext[] = [];
const problems: string[][] = [];

beforeAll(async () => {
  if (!existsSync('web/dist/index.html')) throw new Error('web/dist is not built: run npm run build:web');
  const tone = join(mkdtempSync(join(tmpdir(), 'cc-tone-')), 'tone.wav');
  fakeVoiceFile(tone, BROWSER_TONE_HZ);
  browser = await launchBrowser({ fakeMedia: true, fakeAudioFile: tone });
  ({ service, person } = await startAgentScreenService(AGENT, { inboundRole: 'primary' }));
  service.store.agents.update(AGENT, { lineKind: 'webrtc', endpoint: null }, Date.now());
  await service.agents.reload();
  service.catalog.put(HOTLINE_FLOW, 'test');
  await far.connect();
}, 60_000);
afterAll(async () => {
  for (const context of contexts.splice(0)) await context.close();
  // The shared PBX would keep this run's endpoint in memory (and qualify it) until it restarts.
  await service?.softphone.removeFor(AGENT);
  await service?.stop();
  await far.close();
  await browser?.close();
});
afterAll(() => {
  // The pages live across the tests: what went wrong in them is read at the end.
  for (const found of problems.splice(0)) expect(found).toEqual([]);
});

/**
 * The page's SIP WebSockets, routed through the test: Chromium's offline mode (context.setOffline) leaves
 * open WebSockets open, so a network drop is made here, closing each socket on both sides (the page and
 * Asterisk see it end) and refusing new ones until the network is back.
 */
const sipSockets = {
  open: new Set<WebSocketRoute>(),
  down: false,
  async route(context: BrowserContext): Promise<void> {
    await context.routeWebSocket(service.config.softphone.wsUrl, (ws) => {
      if (this.down) return void ws.close();
      const server = ws.connectToServer();
      this.open.add(ws);
      ws.onClose(() => {
        this.open.delete(ws);
        void server.close();
      });
      server.onClose(() => void ws.close());
    });
  },
  async drop(): Promise<void> {
    this.down = true;
    for (const ws of [...this.open]) await ws.close();
  },
  restore(): void {
    this.down = false;
  },
};

/** The agent signed in; a second tab opens in the same browser context (`inContext`), like a real one. */
async function openAgentPage(inContext?: BrowserContext): Promise<{ page: Page; context: BrowserContext }> {
  const context = inContext ?? (await browser.newContext({ viewport: { width: 1366, height: 860 } }));
  if (!inContext) {
    contexts.push(context);
    await sipSockets.route(context);
  }
  const page = await context.newPage();
  // The preview's 404 when there is no lead; the socket's failures while offline.
  problems.push(pageProblems(page, [/status of 404/, /WebSocket|ERR_INTERNET_DISCONNECTED|Failed to fetch/]));
  await page.goto(service.url);
  // A second tab shares the first one's session cookie: already signed in.
  if (!inContext) expect(await signIn(page, person)).toBe(200);
  await page.getByTestId('agent-screen').waitFor();
  return { page, context };
}

const phone = (page: Page, attr: string, value: string, timeout = 20_000) =>
  page.locator(`[data-testid=softphone][data-${attr}="${value}"]`).waitFor({ timeout });
const agentState = (page: Page, state: string) =>
  page.locator(`[data-testid=agent-state][data-state="${state}"]`).waitFor({ timeout: 15_000 });

/** The agent's line channel on the PBX (the call to the browser's endpoint). */
async function lineChannelId(): Promise<string> {
  return eventually(async () => {
    const endpoint = await service.ari.rest.getEndpoint('PJSIP', softphoneEndpointId(AGENT));
    return endpoint.channel_ids[0];
  }, 'a channel on the softphone endpoint');
}

/** ARI's RTP counters of a channel: packets the PBX received from it and sent to it. */
function rtpStatistics(channelId: string): Promise<{ rxcount: number; txcount: number }> {
  return service.ari.rest.request('channels.rtp', 'GET', `/channels/${channelId}/rtp_statistics`);
}
async function rtpReceived(channelId: string): Promise<number> {
  return (await rtpStatistics(channelId)).rxcount;
}

/** Screenshots in both languages: Chinese (the page's default), then English, then back. */
async function screenshots(page: Page, name: string): Promise<void> {
  await screenshot(page, `${name}-zh`);
  await page.getByTestId('language-switch').getByText('English').click();
  await page.getByTestId('softphone').getByText('Browser phone').waitFor();
  await screenshot(page, `${name}-en`);
  await page.getByTestId('language-switch').getByText('中文').click();
}

/** Long enough in the call for a recording worth measuring. */
const talk = () => new Promise((r) => setTimeout(r, 3_000));

/** The call's recordings once stored, as files: each must carry the browser's own tone. */
async function expectBrowserToneRecorded(callId: string): Promise<void> {
  const rows = await eventually(
    () => {
      const r = service.store.recordings.byCall(callId);
      return r.length > 0 && r.every((x) => x.status === 'stored') ? r : undefined;
    },
    'recording stored',
    30_000,
  );
  for (const row of rows) {
    const file = [service.config.recording.dir, service.config.storage.dir]
      .map((d) => resolve(d, row.filePath ?? ''))
      .find((f) => existsSync(f));
    expect(file, 'recording file').toBeDefined();
    const wav = parseWav(readFileSync(file!));
    expect(rms(wav.samples), 'recording level').toBeGreaterThan(0.02);
    // Chromium's noise suppression softens a steady tone (0.03..0.04 seen); silence and the PBX's 1000 Hz
    // tone give about 0 here.
    expect(toneLevel(wav.samples, wav.sampleRate, BROWSER_TONE_HZ), "the browser's tone").toBeGreaterThan(
      0.01,
    );
  }
}

/** Both ways on the line's channel: the page's getStats and Asterisk's counters grow. */
async function expectRtpBothWays(page: Page, lineChannel: string): Promise<void> {
  const before = await rtpStatistics(lineChannel);
  const packets = await pagePackets(page);
  expect(packets).toBeGreaterThan(0);
  await pagePackets(page, packets);
  const after = await eventually(async () => {
    const now = await rtpStatistics(lineChannel);
    return now.rxcount > before.rxcount && now.txcount > before.txcount ? now : undefined;
  }, 'RTP both ways on the line');
  expect(after.txcount).toBeGreaterThan(before.txcount);
}

/** The page's inbound packets from its own getStats (the quality tag), once above `above`. */
async function pagePackets(page: Page, above = 0): Promise<number> {
  return eventually(
    async () => {
      const value = Number(
        await page
          .getByTestId('softphone-quality')
          .getAttribute('data-packets')
          .catch(() => 0),
      );
      return value > above ? value : undefined;
    },
    'inbound packets in the page',
    15_000,
  );
}

describe('the browser softphone on the real PBX', () => {
  let page: Page;
  let context: BrowserContext;

  it('registers: Asterisk sees the contact online', async () => {
    ({ page, context } = await openAgentPage());
    await phone(page, 'registration', 'registered');
    // The contact's qualify can lag the REGISTER's answer a moment.
    await eventually(async () => {
      const endpoint = await service.ari.rest.getEndpoint('PJSIP', softphoneEndpointId(AGENT));
      return endpoint.state === 'online' ? true : undefined;
    }, 'the endpoint online');
    await screenshots(page, 'softphone-registered');
  });

  it('logs the line in: the page answers by itself, Asterisk receives its tone', async () => {
    await page.getByTestId('move-login').click();
    await agentState(page, 'not-ready');
    await phone(page, 'call', 'talking');
    const channelId = await lineChannelId();
    // The idle line carries the browser's tone to Asterisk; Asterisk sends nothing until a call is bridged.
    await eventually(
      async () => ((await rtpReceived(channelId)) > 0 ? true : undefined),
      'Asterisk receives RTP',
    );
    await screenshots(page, 'softphone-line-up');
  });

  it('takes a hotline caller: RTP both ways, the recording carries the browser tone', async () => {
    const lineChannel = await lineChannelId();
    await page.getByTestId('move-ready').click();
    await agentState(page, 'ready');
    const call = await ivrCall(far, service, '400');
    await page
      .locator('[data-testid=call-panel][data-kind=hotline][data-state=talking]')
      .waitFor({ timeout: 20_000 });
    expect(service.calls.current(AGENT)).toMatchObject({ kind: 'hotline', state: 'talking' });
    // The caller speaks (a 1000 Hz tone over its Local channel); the page hears it, Asterisk the browser.
    await far.rest.playOnChannel(call.callerId, ['tone:1000/6000'], `sp-caller-${Date.now()}`);
    await expectRtpBothWays(page, lineChannel);
    await screenshots(page, 'softphone-hotline-call');
    const callId = await eventually(
      () => service.store.recordings.search({ agentId: AGENT })[0]?.callId,
      'a recording of the hotline call',
    );
    await talk();
    await far.hangup(call.callerId);
    await agentState(page, 'wrap-up');
    await expectBrowserToneRecorded(callId);
    // The persistent line outlives the call.
    expect(await lineChannelId()).toBe(lineChannel);
  });

  it('rides out 5 s offline: the same line call, registered again, agent state unchanged', async () => {
    const lineChannel = await lineChannelId();
    const before = await page.getByTestId('agent-state').getAttribute('data-state');
    await context.setOffline(true);
    await sipSockets.drop();
    await phone(page, 'registration', 'registering');
    await new Promise((r) => setTimeout(r, 5_000));
    sipSockets.restore();
    await context.setOffline(false);
    await phone(page, 'registration', 'registered', 30_000);
    expect(await page.getByTestId('agent-state').getAttribute('data-state')).toBe(before);
    const endpoint = await service.ari.rest.getEndpoint('PJSIP', softphoneEndpointId(AGENT));
    expect(endpoint.state).toBe('online');
    // Not dropped: the line is the call it was before, still talking, still carrying the browser's tone.
    expect(endpoint.channel_ids).toEqual([lineChannel]);
    await phone(page, 'call', 'talking');
    const received = await rtpReceived(lineChannel);
    await eventually(
      async () => ((await rtpReceived(lineChannel)) > received ? true : undefined),
      'Asterisk still receives RTP on the line',
    );
    await screenshots(page, 'softphone-after-offline');
  });

  it('takes a new password without losing the line: the page fetches it when Asterisk refuses the old one', async () => {
    const lineChannel = await lineChannelId();
    const before = await service.softphone.settings(AGENT);
    await service.softphone.rotate(AGENT);
    // The next registration (here on a new socket after a drop) is refused with the old password.
    await sipSockets.drop();
    await phone(page, 'registration', 'registering');
    sipSockets.restore();
    await phone(page, 'registration', 'registered', 30_000);
    expect((await service.softphone.settings(AGENT)).password).not.toBe(before.password);
    const endpoint = await service.ari.rest.getEndpoint('PJSIP', softphoneEndpointId(AGENT));
    expect(endpoint.state).toBe('online');
    expect(await lineChannelId()).toBe(lineChannel);
  });

  it('after the recovery, takes a preview call: RTP both ways, the recording carries the browser tone', async () => {
    const lineChannel = await lineChannelId();
    const earlier = new Set(service.store.recordings.search({ agentId: AGENT }).map((r) => r.callId));
    const sup = supervisorApi(service);
    const created = await sup.post('/v1/campaigns', {
      id: 'sp-c1',
      name: '网页电话',
      settings: settings({ dispositions: CHINESE_DISPOSITIONS }),
    });
    expect(created.statusCode, created.body).toBe(201);
    expect((await sup.post('/v1/campaigns/sp-c1/state', { state: 'active' })).statusCode).toBe(200);
    service.store.leads.insertMany([
      {
        id: 'sp-lead-1',
        campaignId: 'sp-c1',
        importId: null,
        phone: customer.answers(),
        name: '张伟',
        fields: {},
        createdAt: Date.now(),
      },
    ]);
    // Out of the hotline call's wrap-up, ready: the lead is previewed.
    await page.keyboard.press('r');
    await page.locator('[data-testid=preview-card][data-phase=preview]').waitFor({ timeout: 15_000 });
    await page.keyboard.press('a');
    await page.locator('[data-testid=call-panel][data-state=talking]').waitFor({ timeout: 20_000 });
    // The customer (the simulator, silent) is given a voice: a tone played into the call's bridge.
    const bridge = (await service.ari.rest.listBridges()).find((b) => b.channels.includes(lineChannel));
    expect(bridge, "the line's bridge").toBeDefined();
    await service.ari.rest.playOnBridge(bridge!.id, ['tone:1000/6000'], `sp-tone-${Date.now()}`);
    await expectRtpBothWays(page, lineChannel);
    await screenshots(page, 'softphone-preview-call');
    const callId = await eventually(
      () => service.store.recordings.search({ agentId: AGENT }).find((r) => !earlier.has(r.callId))?.callId,
      'a recording of the call',
    );
    await talk();
    await page.getByTestId('call-hangup').click();
    await expectBrowserToneRecorded(callId);
    expect(await lineChannelId()).toBe(lineChannel);
  });

  it('a second tab of the agent does not take the line while the first lives', async () => {
    const { page: second } = await openAgentPage(context);
    await phone(second, 'registration', 'elsewhere');
    await phone(page, 'registration', 'registered');
    await screenshots(second, 'softphone-second-tab');
    await second.close();
  });

  it('the tab closed: the line drops, the agent goes not-ready line-dropped, nothing is left on the PBX', async () => {
    const lineChannel = await lineChannelId();
    await page.close();
    await eventually(
      () => {
        const agent = service.agents.get(AGENT);
        return agent?.state === 'not-ready' && agent.reason === 'line-dropped' ? agent : undefined;
      },
      'the agent not-ready line-dropped',
      20_000,
    );
    const endpoint = await service.ari.rest.getEndpoint('PJSIP', softphoneEndpointId(AGENT));
    expect(endpoint.channel_ids).toEqual([]);
    expect((await service.ari.rest.listChannels()).map((c) => c.id)).not.toContain(lineChannel);
    expect((await service.ari.rest.listBridges()).filter((b) => b.channels.includes(lineChannel))).toEqual(
      [],
    );
  });
});

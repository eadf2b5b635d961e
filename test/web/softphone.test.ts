import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '../../src/lib/wav.js';
import type { Service } from '../../src/service.js';
import { softphoneDialString, softphoneEndpointId } from '../../src/softphone/lines.js';
import { customer, settings, supervisorApi } from '../dialer/helpers.js';
import { rms } from '../harness/audio.js';
import { launchBrowser, pageProblems, screenshot } from '../harness/browser.js';
import { eventually } from '../harness/infra.js';
import { type Person, signIn, startAgentScreenService } from './helpers.js';

/*
 * The browser softphone on the real PBX: Chromium's fake microphone plays a 440 Hz tone made with sox, the
 * page registers to Asterisk over its WebSocket (ws://127.0.0.1:8088/ws), answers the agent's line and
 * carries the calls' audio both ways.
 */

// A fresh agent id per run: the shared PBX keeps memory endpoints of earlier runs until it restarts.
const AGENT = `sp${process.pid}`;
let browser: Browser;
let service: Service;
let person: Person;
const contexts: BrowserContext[] = [];
const problems: string[][] = [];

beforeAll(async () => {
  if (!existsSync('web/dist/index.html')) throw new Error('web/dist is not built: run npm run build:web');
  const tone = join(mkdtempSync(join(tmpdir(), 'cc-tone-')), 'tone.wav');
  execFileSync('sox', [
    '-n',
    '-r',
    '48000',
    '-c',
    '1',
    '-b',
    '16',
    tone,
    'synth',
    '600',
    'sine',
    '440',
    'vol',
    '0.5',
  ]);
  browser = await launchBrowser({ fakeMedia: true, fakeAudioFile: tone });
  ({ service, person } = await startAgentScreenService(AGENT));
  service.store.agents.update(AGENT, { endpoint: softphoneDialString(AGENT) }, Date.now());
  await service.agents.reload();
}, 60_000);
afterAll(async () => {
  for (const context of contexts.splice(0)) await context.close();
  await service?.stop();
  await browser?.close();
});
afterAll(() => {
  // The pages live across the tests: what went wrong in them is read at the end.
  for (const found of problems.splice(0)) expect(found).toEqual([]);
});

/** The agent signed in; a second tab opens in the same browser context (`inContext`), like a real one. */
async function openAgentPage(inContext?: BrowserContext): Promise<{ page: Page; context: BrowserContext }> {
  const context = inContext ?? (await browser.newContext({ viewport: { width: 1366, height: 860 } }));
  if (!inContext) contexts.push(context);
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

async function rtpReceived(channelId: string): Promise<number> {
  const stats = await service.ari.rest.request<{ rxcount: number }>(
    'channels.rtp',
    'GET',
    `/channels/${channelId}/rtp_statistics`,
  );
  return stats.rxcount;
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
    const endpoint = await service.ari.rest.getEndpoint('PJSIP', softphoneEndpointId(AGENT));
    expect(endpoint.state).toBe('online');
    await screenshot(page, 'softphone-registered-zh');
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
    await screenshot(page, 'softphone-line-up-zh');
  });

  it('takes a preview call whose recording carries the browser tone', async () => {
    const sup = supervisorApi(service);
    const created = await sup.post('/v1/campaigns', {
      id: 'sp-c1',
      name: '网页电话',
      settings: settings({}),
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
    await page.keyboard.press('r');
    await page.locator('[data-testid=preview-card][data-phase=preview]').waitFor({ timeout: 15_000 });
    await page.keyboard.press('a');
    await page.locator('[data-testid=call-panel][data-state=talking]').waitFor({ timeout: 20_000 });
    // Both ways: the customer (the simulator, silent) is given a voice, a tone played into the call's bridge;
    // the page receives it, Asterisk the browser's tone.
    const lineChannel = await lineChannelId();
    const bridge = (await service.ari.rest.listBridges()).find((b) => b.channels.includes(lineChannel));
    expect(bridge, "the line's bridge").toBeDefined();
    await service.ari.rest.playOnBridge(bridge!.id, ['tone:440/5000'], `sp-tone-${Date.now()}`);
    expect(await pagePackets(page)).toBeGreaterThan(0);
    expect(await rtpReceived(await lineChannelId())).toBeGreaterThan(0);
    await screenshot(page, 'softphone-preview-call-zh');
    const callId = await eventually(
      () => service.store.recordings.search({ agentId: AGENT })[0]?.callId,
      'a recording of the call',
    );
    await page.getByTestId('call-hangup').click();
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
      // The customer (the simulator) is silent: what the file carries is the browser's tone.
      expect(rms(parseWav(readFileSync(file!)).samples)).toBeGreaterThan(0.02);
    }
  });

  it('rides out 5 s offline: registered again, agent state unchanged', async () => {
    const before = await page.getByTestId('agent-state').getAttribute('data-state');
    await context.setOffline(true);
    await new Promise((r) => setTimeout(r, 5_000));
    await context.setOffline(false);
    await phone(page, 'registration', 'registered', 30_000);
    expect(await page.getByTestId('agent-state').getAttribute('data-state')).toBe(before);
    const endpoint = await service.ari.rest.getEndpoint('PJSIP', softphoneEndpointId(AGENT));
    expect(endpoint.state).toBe('online');
    await screenshot(page, 'softphone-after-offline-zh');
  });

  it('a second tab of the agent does not take the line while the first lives', async () => {
    const { page: second } = await openAgentPage(context);
    await phone(second, 'registration', 'elsewhere');
    await phone(page, 'registration', 'registered');
    await screenshot(second, 'softphone-second-tab-zh');
  });
});

import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { formatTime } from '../../web/src/format/time.js';
import { launchBrowser, pageProblems, screenshot } from '../harness/browser.js';
import { startTestService } from '../harness/service.js';

const CENTER_TZ = 'Asia/Shanghai';

let service: Service;
let browser: Browser;
let agentKey: string;
let context: BrowserContext;
let page: Page;
let problems: string[];

beforeAll(async () => {
  if (!existsSync('web/dist/index.html')) {
    throw new Error('web/dist is not built: run npm run build:web (npm test does before vitest)');
  }
  service = await startTestService({ ivr: { timezone: CENTER_TZ } });
  service.store.agents.create({
    id: 'web-a1',
    name: '王小明',
    teamId: null,
    role: 'team-leader',
    endpoint: 'Local/answer@sim',
    lineMode: 'per-call',
    inboundRole: 'none',
  });
  // A team leader who takes calls: their home is this home page (an agent's is the workspace, tested in
  // agent-screen.test.ts).
  agentKey = service.store.apiKeys.create('王小明', 'team-leader', { agentId: 'web-a1' }).key;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

/** A fresh browser profile in New York: what the page shows in the center's zone cannot come from the browser. */
async function openPage(expectedErrors: RegExp[] = []) {
  context = await browser.newContext({
    timezoneId: 'America/New_York',
    viewport: { width: 1280, height: 800 },
  });
  page = await context.newPage();
  problems = pageProblems(page, expectedErrors);
  await page.goto(service.url);
}
afterEach(async () => {
  await context?.close();
  expect(problems).toEqual([]);
});

async function signIn(key: string) {
  await page.getByTestId('api-key').fill(key);
  await page.getByTestId('sign-in').click();
}

// biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a person sees it
const text = async (testId: string) => (await page.getByTestId(testId).first().innerText()).trim();

async function liveConnected() {
  await page.locator('[data-testid=live-indicator][data-status=connected]').first().waitFor();
}

describe('the web app shell in a real browser', () => {
  it('loads in Chinese by default, on the sign-in page', async () => {
    await openPage();
    await page.waitForURL('**/sign-in');
    await page.getByRole('heading', { name: '呼叫中心' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.title()).toBe('呼叫中心');
    expect(await text('sign-in')).toBe('登录');
    await screenshot(page, 'sign-in-zh');
  });

  it('says clearly when the key is wrong, in either language', async () => {
    // Chromium logs the 401 of the refused key as a failed resource.
    await openPage([/status of 401/]);
    await signIn('not-a-key');
    await page.getByTestId('sign-in-error').waitFor();
    expect(await text('sign-in-error')).toBe('API 密钥无效或已被吊销，请检查后重试。');
    await screenshot(page, 'sign-in-wrong-key-zh');

    await page.getByTestId('language-switch').getByText('English').click();
    await page.getByRole('heading', { name: 'Call Center' }).waitFor();
    await signIn('');
    expect(await text('sign-in-error')).toBe('Please enter your API key.');
    await signIn('still-not-a-key');
    await page.getByText('This API key is invalid or has been revoked. Check it and try again.').waitFor();
    await screenshot(page, 'sign-in-wrong-key-en');
    expect(page.url()).toMatch(/\/sign-in$/);
  });

  it('signs in with an API key, shows who it is and the live connection, times on the center clock', async () => {
    await openPage();
    await signIn(agentKey);
    await page.getByTestId('welcome').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await text('welcome')).toBe('欢迎，王小明');
    expect(await text('header-user')).toBe('王小明（组长）');
    const identity = await text('identity');
    expect(identity).toContain('web-a1');
    expect(identity).toContain('组长');

    await liveConnected();
    expect(await text('live-indicator')).toBe('已连接');
    expect(await text('time-zone')).toBe(CENTER_TZ);
    const before = Date.now();
    const shown = await text('center-time');
    const after = Date.now();
    expect(shown).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2}$/);
    // Shanghai's hour and minute, which New York's clock never shows.
    const minutes = [before, after].map((t) => formatTime(t, 'zh-CN', CENTER_TZ).slice(0, 5));
    expect(minutes).toContain(shown.slice(-8, -3));
    await screenshot(page, 'home-zh');
  });

  it('switches to English, everywhere, and keeps it after a reload', async () => {
    await openPage();
    await signIn(agentKey);
    await liveConnected();
    await page.getByTestId('language-switch').getByText('English').click();
    await page.getByText('Welcome, 王小明').waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.title()).toBe('Call Center');
    expect(await text('header-user')).toBe('王小明 (Team leader)');
    expect(await text('live-indicator')).toBe('Connected');
    expect(await text('sign-out')).toBe('Sign out');
    expect(await text('center-time')).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{2}:\d{2}:\d{2}$/);
    // No Chinese left on the page but the person's name and the language switch's own label.
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a person sees it
    const body = await page.locator('body').innerText();
    expect(body.replaceAll('王小明', '').replaceAll('中文', '')).not.toMatch(/\p{Script=Han}/u);
    await screenshot(page, 'home-en');

    await page.reload();
    await page.getByText('Welcome, 王小明').waitFor();
    await liveConnected();
  });

  it('shows the live stream reconnecting while the network is down, and connected again after', async () => {
    // Chromium logs the cut stream and the attempts made while offline.
    await openPage([/ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_INTERNET_DISCONNECTED/]);
    await signIn(agentKey);
    await liveConnected();
    // Offline stops new attempts; cutting the server's open connections ends the stream (as a proxy would).
    await context.setOffline(true);
    service.api.server.closeAllConnections();
    await page.locator('[data-testid=live-indicator][data-status=reconnecting]').first().waitFor();
    expect(await text('live-indicator')).toBe('连接中断，正在重连…');
    await screenshot(page, 'live-reconnecting-zh');
    await context.setOffline(false);
    await liveConnected();
  });

  it('signs out to the sign-in page, and a page asked for before signing in opens after it', async () => {
    await openPage();
    await signIn(agentKey);
    await liveConnected();
    await page.getByTestId('sign-out').click();
    await page.waitForURL('**/sign-in');
    expect(await text('sign-in-notice')).toBe('您已退出登录。');
    await screenshot(page, 'signed-out-zh');

    await page.goto(`${service.url}/no/such/page`);
    await page.waitForURL('**/sign-in?next=**');
    await signIn(agentKey);
    await page.getByText('页面不存在', { exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/no/such/page');
    await screenshot(page, 'not-found-zh');
  });
});

import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { launchBrowser, pageProblems, screenshot } from '../harness/browser.js';
import { startTestService } from '../harness/service.js';
import { createAccount, type Person, signIn } from './helpers.js';

/**
 * The admin's seats page in a real browser against the real service: every agent's line listed (a remote
 * number masked), a line kind changed and stored, the service's refusals shown next to the field; and
 * the agent's own view of their line, with a remote line answered by nobody pressing the key at login.
 */

let browser: Browser;
let service: Service;
let admin: Person;
let remoteAgent: Person;
const contexts: BrowserContext[] = [];
const problems: string[][] = [];

beforeAll(async () => {
  if (!existsSync('web/dist/index.html')) {
    throw new Error('web/dist is not built: run npm run build:web (npm test does before vitest)');
  }
  service = await startTestService({
    ivr: { timezone: 'Asia/Shanghai' },
    // A remote line here is a simulated phone that answers and sends the number's digits, never '#'.
    dialer: { dialString: 'Local/dtmf-{digits}@sim', defaultCountry: 'CN' },
    agents: { remoteAcceptKey: '#', remoteAcceptTimeoutSec: 3 },
  });
  service.store.teams.create({ id: 't1', name: '一组' });
  service.store.teams.create({ id: 't2', name: '二组' });
  const seat = { teamId: 't1', role: 'agent' as const, inboundRole: 'none' as const };
  service.store.agents.create({
    ...seat,
    id: 'seat-sip',
    name: '王小明',
    endpoint: 'PJSIP/1001',
    lineMode: 'persistent',
  });
  service.store.agents.create({
    ...seat,
    id: 'seat-web',
    name: '李娜',
    teamId: 't2',
    lineKind: 'webrtc',
    lineMode: 'per-call',
  });
  service.store.agents.create({
    ...seat,
    id: 'seat-remote',
    name: '张伟',
    role: 'team-leader',
    lineKind: 'remote',
    remoteNumber: '+8613800001234',
    lineMode: 'persistent',
  });
  await service.agents.reload();
  admin = await createAccount(service, { username: 'admin.zhao', role: 'admin' });
  remoteAgent = await createAccount(service, {
    username: 'zhang.wei',
    role: 'team-leader',
    agentId: 'seat-remote',
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  for (const found of problems.splice(0)) expect(found).toEqual([]);
});

async function openPage(expectedErrors: RegExp[] = [], path = '/'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  problems.push(pageProblems(page, expectedErrors));
  await page.goto(`${service.url}${path}`);
  return page;
}

const text = async (page: Page, testId: string) =>
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a person sees it
  (await page.getByTestId(testId).first().innerText()).trim();

/** The error text shown under a form item of the dialog (Element Plus's own element), '' when none. */
async function fieldError(page: Page, item: string): Promise<string> {
  const error = page.getByTestId(item).locator('.el-form-item__error');
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a person sees it
  return (await error.count()) === 0 ? '' : (await error.first().innerText()).trim();
}

/** Every PATCH refused with a 400 is logged by chromium as a failed resource. */
const EXPECTED_400 = /status of 400/;

async function openSeats(): Promise<Page> {
  const page = await openPage([EXPECTED_400]);
  expect(await signIn(page, admin)).toBe(200);
  await page.getByTestId('link-admin-seats').click();
  await page.getByTestId('seat-line-seat-remote').waitFor();
  return page;
}

async function editLine(page: Page, id: string, kind: 'sip' | 'webrtc' | 'remote') {
  await page.getByTestId(`seat-edit-${id}`).click();
  await page.getByTestId('seat-dialog').waitFor();
  await page.getByTestId('seat-line-kind').locator(`[data-kind=${kind}]`).click();
}

async function save(page: Page, id: string): Promise<number> {
  const answer = page.waitForResponse(
    (res) => new URL(res.url()).pathname === `/v1/agents/${id}` && res.request().method() === 'PATCH',
  );
  await page.getByTestId('seat-save').click();
  return (await answer).status();
}

describe('the admin seats page', () => {
  it('lists every seat with its line, a remote number masked', async () => {
    const page = await openSeats();
    expect(await text(page, 'seat-line-seat-sip')).toBe('话机 PJSIP/1001');
    expect(await text(page, 'seat-kind-seat-sip')).toBe('SIP 话机');
    expect(await text(page, 'seat-line-seat-web')).toBe('浏览器');
    expect(await text(page, 'seat-line-seat-remote')).toMatch(/^远程 \*+1234$/);
    const table = await text(page, 'seat-table');
    expect(table).toContain('二组');
    expect(table).toContain('组长');
    // The full number never reaches the page.
    expect(await page.content()).not.toContain('13800001234');
    await screenshot(page, 'admin-seats-zh');
  });

  it('changes a SIP seat into a remote one, stored in E.164', async () => {
    const page = await openSeats();
    await editLine(page, 'seat-sip', 'remote');
    await page.getByTestId('seat-remote-number').fill('138 0013 8000');
    await screenshot(page, 'admin-seats-edit-zh');
    expect(await save(page, 'seat-sip')).toBe(200);
    await page.locator('.seat-saved').waitFor();
    await expect.poll(() => text(page, 'seat-line-seat-sip')).toMatch(/^远程 \*+8000$/);
    expect(service.store.agents.get('seat-sip')).toMatchObject({
      lineKind: 'remote',
      remoteNumber: '+8613800138000',
      endpoint: null,
      lineMode: 'persistent',
    });
    // And back to a desk phone.
    await editLine(page, 'seat-sip', 'sip');
    await page.getByTestId('seat-endpoint').fill('PJSIP/1001');
    expect(await save(page, 'seat-sip')).toBe(200);
    await expect.poll(() => text(page, 'seat-line-seat-sip')).toBe('话机 PJSIP/1001');
    expect(service.store.agents.get('seat-sip')).toMatchObject({
      lineKind: 'sip',
      endpoint: 'PJSIP/1001',
      remoteNumber: null,
    });
  });

  it("gives a browser phone a new password: the agent's stored credentials change, nothing else", async () => {
    const before = await service.softphone.settings('seat-web');
    const page = await openSeats();
    expect(await page.getByTestId('seat-rotate-seat-sip').count()).toBe(0);
    await page.getByTestId('seat-rotate-seat-web').click();
    await page.locator('.el-message-box').waitFor();
    await screenshot(page, 'admin-seats-rotate-zh');
    const answer = page.waitForResponse((res) => new URL(res.url()).pathname.endsWith('/softphone/rotate'));
    await page.locator('.el-message-box').getByRole('button', { name: '重置网页电话密码' }).click();
    expect((await answer).status()).toBe(200);
    await page.locator('.seat-rotated').waitFor();
    const after = await service.softphone.settings('seat-web');
    expect(after.password).not.toBe(before.password);
    expect(after.authorizationUser).toBe(before.authorizationUser);
    expect(service.store.agents.get('seat-web')).toMatchObject({ lineKind: 'webrtc' });
  });

  it("shows the service's refusals next to the field and changes nothing", async () => {
    const page = await openSeats();
    await editLine(page, 'seat-web', 'sip');
    expect(await save(page, 'seat-web')).toBe(400);
    await expect
      .poll(() => fieldError(page, 'seat-endpoint-item'))
      .toBe('SIP 话机需要填写拨号串，例如 PJSIP/1001。');
    await page.getByTestId('seat-endpoint').fill('1001');
    expect(await save(page, 'seat-web')).toBe(400);
    await expect.poll(() => fieldError(page, 'seat-endpoint-item')).toContain('拨号串格式不正确');

    await page.getByTestId('seat-line-kind').locator('[data-kind=remote]').click();
    await page.getByTestId('seat-remote-number').fill('call me');
    expect(await save(page, 'seat-web')).toBe(400);
    await expect.poll(() => fieldError(page, 'seat-remote-item')).toContain('无法识别这个电话号码');
    await screenshot(page, 'admin-seats-error-zh');
    expect(service.store.agents.get('seat-web')).toMatchObject({
      lineKind: 'webrtc',
      endpoint: null,
      remoteNumber: null,
    });
    // Typing again clears the verdict on the old value.
    await page.getByTestId('seat-remote-number').fill('13800138001');
    await expect.poll(() => fieldError(page, 'seat-remote-item')).toBe('');
    await page.getByTestId('seat-cancel').click();
  });

  it('speaks English', async () => {
    const page = await openSeats();
    await page.getByTestId('language-switch').getByText('English').click();
    await page.locator('html[lang=en]').waitFor();
    expect(await text(page, 'seat-line-seat-web')).toBe('Browser');
    expect(await text(page, 'seat-line-seat-remote')).toMatch(/^Remote \*+1234$/);
    expect(await text(page, 'nav-seats')).toBe('Agent lines');
    await editLine(page, 'seat-web', 'sip');
    expect(await save(page, 'seat-web')).toBe(400);
    await expect
      .poll(() => fieldError(page, 'seat-endpoint-item'))
      .toBe('A SIP phone needs its dial string, e.g. PJSIP/1001.');
    await screenshot(page, 'admin-seats-en');
  });

  it('is for admins only', async () => {
    const page = await openPage([], '/admin/seats');
    expect(await signIn(page, remoteAgent)).toBe(200);
    await page.getByTestId('welcome').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.getByTestId('nav-seats').count()).toBe(0);
    expect(await page.getByTestId('link-admin-seats').count()).toBe(0);
  });
});

describe("the agent's own line", () => {
  it('shows the remote line and explains a login answered without the key', async () => {
    const page = await openPage([/status of 409/], '/agent');
    expect(await signIn(page, remoteAgent)).toBe(200);
    await page.getByTestId('state-bar').waitFor();
    expect(await text(page, 'line-kind')).toMatch(/^远程 \*+1234$/);
    await page.getByTestId('move-login').click();
    await page.getByTestId('notice').waitFor({ timeout: 20_000 });
    expect(await text(page, 'notice')).toContain('没有人按电话里提示的键确认');
    await page.locator('[data-testid=agent-state][data-state=logged-out]').waitFor();
    await screenshot(page, 'agent-line-remote-zh');
    expect(service.agents.get('seat-remote')?.state).toBe('logged-out');
  });
});

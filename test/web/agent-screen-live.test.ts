import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { ARM_MS } from '../../web/src/agent/armed.js';
import { customer, settings, supervisorApi } from '../dialer/helpers.js';
import { countRequests, launchBrowser, pageProblems, screenshot } from '../harness/browser.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { addAgent, agentApi, HOTLINE_FLOW, loginReady } from '../inbound/helpers.js';
import { ivrCall } from '../ivr/helpers.js';
import { CHINESE_DISPOSITIONS, type Person, signIn, startAgentScreenService } from './helpers.js';

/**
 * The agent screen's call controls and workspace data against the real service, PBX and Redis: hold,
 * keypad, a sale and today's figures, a customer not reached, a transfer refused then made warm, the
 * wrap-up countdown and the center's reasons, the hotline pop in both languages. The setup follows
 * agent-screen.test.ts: an agent on a persistent line, a campaign of simulated customers, sign-in on the
 * sign-in page.
 */

const AGENT = 'web-live-a1';

const DISPOSITIONS = CHINESE_DISPOSITIONS;

let browser: Browser;
let service: Service;
const far = new FarEnd();
let agentPerson: Person;
const contexts: BrowserContext[] = [];
let problems: string[][] = [];

beforeAll(async () => {
  if (!existsSync('web/dist/index.html')) {
    throw new Error('web/dist is not built: run npm run build:web (npm test does before vitest)');
  }
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  await far.connect();
  problems = [];
});
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  await service?.stop();
  await far.close();
  for (const found of problems) expect(found).toEqual([]);
});

async function start(options: Parameters<typeof startAgentScreenService>[1] = {}) {
  ({ service, person: agentPerson } = await startAgentScreenService(AGENT, options));
}

async function activeCampaign(phones: string[]): Promise<string[]> {
  const sup = supervisorApi(service);
  const created = await sup.post('/v1/campaigns', {
    id: 'c1',
    name: '宽带续约',
    settings: settings({
      dispositions: DISPOSITIONS,
      pacing: {
        previewSec: 120,
        onPreviewTimeout: 'dial',
        noAnswerSec: 20,
        maxConcurrent: 5,
        maxPerAgentHour: 100,
        dailyCap: 100,
      },
    } as Parameters<typeof settings>[0]),
  });
  expect(created.statusCode, created.body).toBe(201);
  expect((await sup.post('/v1/campaigns/c1/state', { state: 'active' })).statusCode).toBe(200);
  const now = Date.now();
  const leads = phones.map((phone, i) => ({
    id: `lead-${i + 1}`,
    campaignId: 'c1',
    importId: null,
    phone,
    name: ['张伟', '李娜'][i % 2]!,
    fields: { 套餐: '光纤 300M' },
    createdAt: now + i,
  }));
  service.store.leads.insertMany(leads);
  return leads.map((l) => l.id);
}

/** "No lead now" and "no caller now" answer 404, which Chromium logs. */
const EXPECTED_404 = /status of 404/;

/**
 * The agent signed in, in Chinese unless `english`; `expected` are the console errors of refusals the
 * test provokes.
 */
async function openPage(options: { english?: boolean; expected?: RegExp[] } = {}): Promise<Page> {
  const context = await browser.newContext({
    timezoneId: 'America/New_York',
    viewport: { width: 1366, height: 860 },
  });
  contexts.push(context);
  const page = await context.newPage();
  problems.push(pageProblems(page, [EXPECTED_404, ...(options.expected ?? [])]));
  await page.goto(service.url);
  if (options.english) await page.getByTestId('language-switch').getByText('English').click();
  expect(await signIn(page, agentPerson)).toBe(200);
  await page.getByTestId('agent-screen').waitFor();
  await page.locator('[data-testid=live-indicator][data-status=connected]').first().waitFor();
  return page;
}

const text = async (page: Page, testId: string) =>
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a person sees it
  (await page.getByTestId(testId).first().innerText()).trim();

const callState = (page: Page, state: string) =>
  page.locator(`[data-testid=call-panel][data-state="${state}"]`).waitFor({ timeout: 15_000 });

/** Line login, ready, the first lead accepted: the customer is talking with the agent. */
async function talkingWithFirstLead(page: Page): Promise<void> {
  await page.getByTestId('move-login').click();
  await page.locator('[data-testid=agent-state][data-state=not-ready]').waitFor();
  await page.keyboard.press('r');
  await page.locator('[data-testid=preview-card][data-phase=preview]').waitFor();
  // A button that just appeared ignores clicks for a moment (armed.ts).
  await page.waitForTimeout(ARM_MS + 100);
  await page.getByTestId('preview-accept').click();
  await callState(page, 'talking');
}

describe('the agent screen on the real call-control and workspace routes', () => {
  it('holds and resumes with H, sends keypad keys, disposes a sale with amount and product, then sees it in today and recent calls', async () => {
    await start();
    const [first] = await activeCampaign([customer.answers(), customer.answers()]);
    const page = await openPage();
    // Accept sends the attempt shown.
    const accepts = countRequests(page, 'POST', /\/preview\/accept$/);
    await talkingWithFirstLead(page);
    expect(accepts.count()).toBe(1);
    const attemptId = service.store.attempts.forLead(first!)[0]!.id;

    // H holds, H again resumes: the call controls' own state on the real bridge.
    await page.keyboard.press('h');
    await callState(page, 'held');
    expect(service.calls.current(AGENT)?.state).toBe('held');
    await screenshot(page, 'agent-live-held');
    await page.keyboard.press('h');
    await callState(page, 'talking');

    // The keypad sends each key to the customer, in order.
    const keys = countRequests(page, 'POST', /\/call\/dtmf$/);
    await page.getByTestId('call-keypad').click();
    for (const key of ['1', '0', '#']) await page.locator(`[data-testid=keypad] [data-key="${key}"]`).click();
    await eventually(() => keys.count() === 3, 'three keys sent');
    await eventually(async () => (await text(page, 'keypad-sent')).includes('10#'), 'the keys shown as sent');
    await screenshot(page, 'agent-live-keypad');

    // Hang up, dispose a sale with its amount and product.
    await page.getByTestId('call-hangup').click();
    await page.getByTestId('disposition-form').waitFor();
    await page.keyboard.press('1');
    await page.getByTestId('disposition-sale').waitFor();
    await page.getByTestId('sale-amount').locator('input').fill('1299.50');
    await page.getByTestId('sale-product').fill('光纤 500M 两年');
    await screenshot(page, 'agent-live-sale');
    await page.getByTestId('disposition-submit').click();

    await eventually(() => service.store.attempts.get(attemptId)?.state === 'disposed', 'the sale disposed');
    expect(service.store.attempts.get(attemptId)).toMatchObject({
      disposition: 'sale',
      saleAmountCents: 129_950,
      saleProduct: '光纤 500M 两年',
    });
    // Today's numbers and the recent calls show it.
    await eventually(async () => (await text(page, 'stats-sales')) === '1', "today's sales");
    expect(await text(page, 'stats-amount')).toBe('1,299.50');
    await eventually(async () => (await text(page, 'recent-calls')).includes('成交'), 'the recent call');
    await screenshot(page, 'agent-live-stats');
  });

  it('a busy customer: not reached, listed in recent calls as busy and not connected, and the next lead is offered', async () => {
    await start();
    const [first] = await activeCampaign([customer.busy(), customer.answers()]);
    const page = await openPage();
    await page.getByTestId('move-login').click();
    await page.locator('[data-testid=agent-state][data-state=not-ready]').waitFor();
    await page.keyboard.press('r');
    await page.locator('[data-testid=preview-card][data-phase=preview]').waitFor();
    await page.waitForTimeout(ARM_MS + 100);
    await page.getByTestId('preview-accept').click();

    await eventually(async () => (await text(page, 'lead-name')) === '李娜', 'the next lead', 15_000);
    expect(service.store.attempts.forLead(first!)[0]).toMatchObject({ outcome: 'busy' });
    await eventually(async () => (await text(page, 'recent-calls')).includes('忙线'), 'the busy call listed');
    expect(await text(page, 'recent-calls')).toContain('未接通');
    expect(await text(page, 'stats-calls')).toBe('1');
    expect(await text(page, 'stats-contacts')).toBe('0');
    await screenshot(page, 'agent-live-not-reached');
  });

  it('a transfer to an agent who is not on the line is refused and explained, the call goes on; once they are ready, a warm transfer: consult, then complete; the call is theirs', async () => {
    await start();
    // The second agent works in another team (no leads of this campaign), on a persistent line: not
    // logged in yet.
    service.store.teams.create({ id: 't2', name: '二组' });
    await addAgent(service, { id: 'web-live-a2', inboundRole: 'none', lineMode: 'persistent', teamId: 't2' });
    const [first] = await activeCampaign([customer.answers()]);
    // The refusal's 409, which Chromium logs.
    const page = await openPage({ expected: [/status of 409/] });
    await talkingWithFirstLead(page);
    const attemptId = service.store.attempts.forLead(first!)[0]!.id;

    await page.getByTestId('call-transfer').click();
    await page.getByTestId('transfer-target').getByText('指定坐席').click();
    await page.getByTestId('transfer-agent').fill('web-live-a2');
    await page.getByTestId('transfer-mode').getByText('先咨询').click();
    await screenshot(page, 'agent-live-transfer-dialog');
    const transfers = countRequests(page, 'POST', /\/call\/transfer$/);
    await page.getByTestId('transfer-confirm').click();
    // The service refuses (409 TARGET_UNAVAILABLE): the screen says why; the call goes on, the dialog stays.
    await page.getByTestId('notice').waitFor();
    expect(await text(page, 'notice')).toContain('转接对象现在无法接听');
    expect(transfers.count()).toBe(1);
    await callState(page, 'talking');
    expect(service.calls.current(AGENT)?.state).toBe('talking');
    expect(service.agents.get('web-live-a2')?.state).toBe('logged-out');
    await page.getByTestId('transfer-confirm').waitFor();
    await screenshot(page, 'agent-live-transfer-refused');

    // The second agent logs in and is ready: the same transfer again goes through.
    await loginReady(service, 'web-live-a2');
    await page.getByTestId('transfer-confirm').click();
    await page.getByTestId('call-consult').waitFor({ timeout: 15_000 });
    await eventually(
      async () => (await text(page, 'call-consult')).includes('web-live-a2'),
      'consulting the second agent',
    );
    expect(service.agents.get('web-live-a2')).toMatchObject({ state: 'reserved', callId: attemptId });
    await screenshot(page, 'agent-live-consulting');

    await page.getByTestId('transfer-complete').click();
    await page.getByTestId('call-panel').waitFor({ state: 'detached' });
    await eventually(
      () => service.agents.get('web-live-a2')?.state === 'on-call',
      'the second agent has the call',
    );
    expect(service.agents.get('web-live-a2')?.callId).toBe(attemptId);
    await page.locator('[data-testid=agent-state][data-state=wrap-up]').waitFor();
    await screenshot(page, 'agent-live-transferred');
  });

  it('a hotline caller pops up (masked number, the menu path) and is bridged with the agent', async () => {
    await start({ inboundRole: 'primary' });
    service.catalog.put(HOTLINE_FLOW, 'test');
    const page = await openPage();
    await page.getByTestId('move-login').click();
    await page.locator('[data-testid=agent-state][data-state=not-ready]').waitFor();
    await page.getByTestId('move-ready').click();
    await page.locator('[data-testid=agent-state][data-state=ready]').waitFor();

    const call = await ivrCall(far, service, '400');
    await page.getByTestId('hotline-pop').waitFor({ timeout: 15_000 });
    await page
      .locator('[data-testid=call-panel][data-kind=hotline][data-state=talking]')
      .waitFor({ timeout: 15_000 });
    // What the pop shows is the service's offer: the masked caller and the way through the menu.
    const offer = await agentApi(service, AGENT).get(`/v1/agents/${AGENT}/hotline/offer`);
    expect(offer.statusCode, offer.body).toBe(200);
    const { callerMasked, ivrPath } = offer.json() as { callerMasked: string; ivrPath: { node: string }[] };
    expect(await text(page, 'hotline-caller')).toBe(callerMasked);
    expect(callerMasked).toMatch(/^\*+\d{2,4}$/);
    expect(ivrPath.length).toBeGreaterThan(0);
    expect(await page.getByTestId('hotline-path').count()).toBe(1);
    // Bridged: the call controls see the hotline call talking with this agent.
    expect(service.calls.current(AGENT)).toMatchObject({ kind: 'hotline', state: 'talking' });
    await screenshot(page, 'agent-live-hotline');

    await far.hangup(call.callerId);
    await page.locator('[data-testid=agent-state][data-state=wrap-up]').waitFor();
  });

  it("the wrap-up counts down on the form and the state bar; a sale needs amount and product; the wrap-up runs out and the outcome is still asked for; the center's own reasons", async () => {
    // A short wrap-up, and a reason of this center's own beside the service's defaults.
    await start({
      wrapUpSec: 12,
      notReadyReasons: [
        { code: 'break', label: { 'zh-CN': '休息', en: 'Break' } },
        { code: 'coaching', label: { 'zh-CN': '辅导', en: 'Coaching' } },
      ],
    });
    const [first] = await activeCampaign([customer.answers()]);
    const page = await openPage();
    await talkingWithFirstLead(page);
    const attemptId = service.store.attempts.forLead(first!)[0]!.id;
    await page.waitForTimeout(ARM_MS + 100); // the hang-up button just appeared
    await page.getByTestId('call-hangup').click();
    await page.getByTestId('disposition-form').waitFor();
    await page.locator('[data-testid=agent-state][data-state=wrap-up]').waitFor();

    // Both count down the service's wrap-up time.
    const left = async () => {
      const shown = await text(page, 'disposition-wrap-up-left');
      const match = /^请在 0:(\d\d) 内提交$/.exec(shown);
      expect(match, shown).not.toBeNull();
      expect(await text(page, 'wrap-up-left')).toMatch(/^剩余 0:\d\d$/);
      return Number(match![1]);
    };
    const before = await left();
    expect(before).toBeGreaterThan(6);
    expect(before).toBeLessThanOrEqual(12);
    await page.waitForTimeout(2_100);
    const after = await left();
    expect(after).toBeLessThan(before);
    expect(after).toBeGreaterThanOrEqual(before - 3);

    // A sale without amount and product: said so, nothing sent.
    const disposals = countRequests(page, 'POST', /\/disposition$/);
    await page.keyboard.press('1');
    await page.getByTestId('disposition-sale').waitFor();
    await page.keyboard.press('d');
    await page.getByText('请输入有效金额（不小于 0，最多两位小数）。').waitFor();
    await page.getByText('请输入产品名称。').waitFor();
    await screenshot(page, 'agent-live-wrap-up-countdown');
    expect(disposals.count()).toBe(0);

    // The wrap-up runs out: the campaign's default keeps the agent in wrap-up with the form, now saying
    // the time is up; nothing is settled behind the agent's back (the lead is not put up for a retry).
    await page.getByTestId('disposition-overdue').waitFor({ timeout: 15_000 });
    expect(await text(page, 'disposition-overdue')).toBe('话后处理时间已到，请立即提交通话结果。');
    expect(await page.getByTestId('disposition-wrap-up-left').count()).toBe(0);
    expect(await page.locator('[data-testid=agent-state][data-state=wrap-up]').count()).toBe(1);
    expect(service.agents.get(AGENT)?.state).toBe('wrap-up');
    expect(service.store.attempts.get(attemptId)).toMatchObject({ state: 'ended', disposition: null });
    expect(service.store.leads.get(first!)?.state).toBe('in-progress');
    await screenshot(page, 'agent-live-wrap-up-overdue');

    // The agent gives the outcome: the call settled with it, the agent ready again, the form gone.
    await page.keyboard.press('2');
    await page.getByTestId('disposition-sale').waitFor({ state: 'detached' });
    await page.keyboard.press('d');
    await page.locator('[data-testid=agent-state][data-state=ready]').waitFor({ timeout: 15_000 });
    await page.getByTestId('disposition-form').waitFor({ state: 'detached' });
    expect(await page.getByTestId('wrap-up-left').count()).toBe(0);
    expect(service.store.attempts.get(attemptId)).toMatchObject({
      state: 'disposed',
      disposition: 'not-interested',
    });
    expect(disposals.count()).toBe(1);

    // N: the center's reasons in its words, not the service's own (line dropped); 2 picks coaching.
    await page.keyboard.press('n');
    await page.getByTestId('reason-picker').waitFor();
    expect(await text(page, 'reason-picker')).toContain('辅导');
    expect(await text(page, 'reason-picker')).not.toContain('线路断开');
    await screenshot(page, 'agent-live-center-reasons');
    await page.keyboard.press('2');
    await page.locator('[data-testid=agent-state][data-state=not-ready]').waitFor();
    expect(await text(page, 'agent-state')).toBe('未就绪 · 辅导');
    expect(service.agents.get(AGENT)).toMatchObject({ state: 'not-ready', reason: 'coaching' });
  });

  it('in English: a hotline caller pops up with the masked number and the menu path; calling again, the earlier call', async () => {
    await start({ inboundRole: 'primary' });
    service.catalog.put(HOTLINE_FLOW, 'test');
    const page = await openPage({ english: true });
    await page.getByTestId('move-login').click();
    await page.locator('[data-testid=agent-state][data-state=not-ready]').waitFor();
    await page.getByTestId('move-ready').click();
    await page.locator('[data-testid=agent-state][data-state=ready]').waitFor();

    // A first call from the number: popped, taken, ended; wrap-up finished at once (R).
    const firstCall = await ivrCall(far, service, '400');
    await page.getByTestId('hotline-pop').waitFor({ timeout: 15_000 });
    expect(await text(page, 'hotline-pop')).toContain('First call');
    await page
      .locator('[data-testid=call-panel][data-kind=hotline][data-state=talking]')
      .waitFor({ timeout: 15_000 });
    await page.waitForTimeout(1_200); // a talk time of at least a second
    await far.hangup(firstCall.callerId);
    await page.locator('[data-testid=agent-state][data-state=wrap-up]').waitFor();
    await page.getByTestId('hotline-pop').waitFor({ state: 'detached' });
    await page.getByTestId('move-wrap-up-done').waitFor();
    await page.keyboard.press('r');
    await page.locator('[data-testid=agent-state][data-state=ready]').waitFor();

    // The same number calls again: the pop shows it masked, the way through the menu and the first call.
    await ivrCall(far, service, '400');
    await page.getByTestId('hotline-pop').waitFor({ timeout: 15_000 });
    await page
      .locator('[data-testid=call-panel][data-kind=hotline][data-state=talking]')
      .waitFor({ timeout: 15_000 });
    const offer = await agentApi(service, AGENT).get(`/v1/agents/${AGENT}/hotline/offer`);
    expect(offer.statusCode, offer.body).toBe(200);
    const { callerMasked, earlierCalls } = offer.json() as {
      callerMasked: string;
      earlierCalls: { agentId: string | null; outcome: string }[];
    };
    expect(earlierCalls).toHaveLength(1);
    expect(await text(page, 'hotline-caller')).toBe(callerMasked);
    expect(callerMasked).toMatch(/^\*+\d{2,4}$/);
    expect(await text(page, 'hotline-pop')).toContain('Hotline call');
    expect(await text(page, 'hotline-pop')).toContain('Earlier calls (1)');
    expect(await page.getByTestId('hotline-path').count()).toBe(1);
    const earlier = await text(page, 'hotline-earlier');
    expect(earlier).toContain('Answered');
    expect(earlier).toContain(`Agent ${AGENT}`);
    expect(await text(page, 'call-panel')).toContain('Hotline');
    // No Chinese on the screen but the person's and the center's own words.
    // biome-ignore lint/performance/useDomNodeTextContent: the text as a person sees it
    const body = await page.locator('body').innerText();
    expect(['王小明', '中文'].reduce((rest, word) => rest.replaceAll(word, ''), body)).not.toMatch(
      /\p{Script=Han}/u,
    );
    await screenshot(page, 'agent-live-hotline-pop-en');
    // Put away, and shown again.
    await page.getByTestId('hotline-collapse').click();
    await page.getByTestId('hotline-expand').click();
    await page.getByTestId('hotline-path').waitFor();
  });
});

import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/service.js';
import { ARM_MS } from '../../web/src/agent/armed.js';
import { customer, settings, supervisorApi } from '../dialer/helpers.js';
import { countRequests, launchBrowser, pageProblems, screenshot } from '../harness/browser.js';
import { TestClock } from '../harness/clock.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { HOTLINE_FLOW } from '../inbound/helpers.js';
import { ivrCall } from '../ivr/helpers.js';
import {
  CHINESE_DISPOSITIONS,
  createAccount,
  idleOut,
  type Person,
  signIn,
  startAgentScreenService,
} from './helpers.js';

/**
 * The agent's screen in a real browser against the real service, PBX and Redis: a whole preview call
 * from the phone line's login to the next lead, a callback promised and offered when due (on a clock the
 * test moves), the hotline, and the faults (stream cut, line dropped, two tabs, an ended session).
 */

const CENTER_TZ = 'Asia/Shanghai';
const AGENT = 'web-a1';

const DISPOSITIONS = [...CHINESE_DISPOSITIONS, { code: 'wrong-person', label: '号码错误', final: true }];

let browser: Browser;
let service: Service;
const far = new FarEnd();
/** The agent's own account. */
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

/** An active campaign for team t1 whose previews wait two minutes (the test decides). */
async function activeCampaign(phones: string[], extra: { script?: string } = {}): Promise<string[]> {
  const sup = supervisorApi(service);
  const created = await sup.post('/v1/campaigns', {
    id: 'c1',
    name: '宽带续约',
    settings: settings({
      ...extra,
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
  // Names and details as the center imports them.
  const names = ['张伟', '李娜', '王芳', '刘洋'];
  const now = Date.now();
  const leads = phones.map((phone, i) => ({
    id: `lead-${i + 1}`,
    campaignId: 'c1',
    importId: null,
    phone,
    name: names[i % names.length]!,
    fields: { 套餐: '光纤 300M', 到期日: '2025-07-31' },
    createdAt: now + i,
  }));
  service.store.leads.insertMany(leads);
  return leads.map((l) => l.id);
}

/** Chromium logs every 404 as a failed resource: "no lead now" (GET preview answers 404 NO_PREVIEW). */
const EXPECTED_404 = /status of 404/;

/**
 * A fresh browser profile in New York (the screen must show the center's times, not the PC's). With the
 * service's TestClock, the page's own clock starts at the same instant (the test moves both at once).
 */
async function openPage(expected: RegExp[] = [], clock?: TestClock): Promise<Page> {
  const context = await browser.newContext({
    timezoneId: 'America/New_York',
    viewport: { width: 1366, height: 860 },
  });
  contexts.push(context);
  if (clock) await context.clock.install({ time: clock.nowMs() });
  const page = await context.newPage();
  problems.push(pageProblems(page, [EXPECTED_404, ...expected]));
  await page.goto(service.url);
  return page;
}

/** Signs the agent in; their home is the workspace, with the live stream up. */
async function signInAgent(page: Page, person = agentPerson) {
  expect(await signIn(page, person)).toBe(200);
  await page.getByTestId('agent-screen').waitFor();
  await page.locator('[data-testid=live-indicator][data-status=connected]').first().waitFor();
}

const text = async (page: Page, testId: string) =>
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a person sees it
  (await page.getByTestId(testId).first().innerText()).trim();

const agentState = (page: Page, state: string) =>
  page.locator(`[data-testid=agent-state][data-state="${state}"]`).waitFor();

/** Waits for the call panel in a state (ringing, talking...). */
const callState = (page: Page, state: string) =>
  page.locator(`[data-testid=call-panel][data-state="${state}"]`).waitFor({ timeout: 15_000 });

const attemptsOf = (leadId: string) => service.store.attempts.forLead(leadId);

/** A button that just appeared ignores clicks for a moment (the end of a double click meant for another). */
const untilArmed = (page: Page) => page.waitForTimeout(ARM_MS + 100);

/** Monday 7 December 2026, 09:58 in Shanghai (Sunday evening on the PC in New York). */
const MONDAY_0958 = new Date('2026-12-07T01:58:00Z');
/** The callback the customer asks for: 10:15 that morning, center time. */
const CALLBACK_AT = Date.parse('2026-12-07T02:15:00Z');

/**
 * The service and the page on one TestClock from MONDAY_0958 (the test moves both forward instead of
 * waiting); the agent calls the one lead, the customer asks to be called back at 10:15, picked with the
 * disposition form's date and time pickers. The agent is ready after it, with nothing to call, and the
 * callback listed for today.
 */
async function callbackPromised() {
  const clock = new TestClock(MONDAY_0958);
  await start({ now: () => clock.now() });
  const [lead] = await activeCampaign([customer.answers()], {
    script: '您好，请问是{{name}}吗？您的{{fields.套餐}}套餐将于{{fields.到期日}}到期。',
  });
  const page = await openPage([], clock);
  // The page's clock first: an event stamped in between would otherwise look like a server ahead.
  const moveClocks = async (ms: number) => {
    await page.context().clock.setSystemTime(clock.nowMs() + ms);
    clock.advance(ms);
  };
  await signInAgent(page);
  await page.getByTestId('move-login').click();
  await agentState(page, 'not-ready');
  await page.keyboard.press('r');
  await page.locator('[data-testid=preview-card][data-phase=preview]').waitFor();
  // A first call: no callback mark; the campaign's script with the lead's values.
  expect(await page.getByTestId('preview-callback').count()).toBe(0);
  expect(await text(page, 'lead-script')).toBe('您好，请问是张伟吗？您的光纤 300M套餐将于2025-07-31到期。');
  await page.keyboard.press('a');
  await callState(page, 'talking');
  await untilArmed(page);
  await page.getByTestId('call-hangup').click();
  await page.getByTestId('disposition-form').waitFor();

  await page.getByTestId('disposition-codes').locator('[data-code=callback]').click();
  await page.getByTestId('disposition-notes').fill('客户在开会，10:15 再打');
  await page.getByTestId('callback-toggle').click();
  // The date field, by what it shows (Element Plus's date picker keeps no test id).
  const date = page.getByTestId('disposition-form').getByPlaceholder('日期');
  await date.fill('2026-12-07');
  await date.press('Enter');
  await page.getByTestId('callback-time').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: /^10:15$/ }).click();
  await screenshot(page, 'agent-callback-picked-zh');
  await page.getByTestId('disposition-submit').click();

  const attempt = await eventually(
    () => attemptsOf(lead!).find((a) => a.state === 'disposed'),
    'the callback disposed',
  );
  expect(attempt).toMatchObject({ disposition: 'callback', callbackAt: CALLBACK_AT });
  expect(service.store.leads.get(lead!)).toMatchObject({ state: 'callback', dueAt: CALLBACK_AT });
  await agentState(page, 'ready');
  await page.getByTestId('idle').waitFor();
  await eventually(async () => (await text(page, 'callbacks-today')).includes('张伟'), "today's callbacks");
  expect(await text(page, 'callbacks-today')).toContain('10:15');
  expect(await text(page, 'callbacks-today')).toContain('客户在开会');
  // Today's figures and the recent calls count the call.
  await eventually(async () => (await text(page, 'stats-calls')) === '1', "today's calls");
  expect(await text(page, 'stats-talk')).toMatch(/^0:0\d$/);
  expect(await text(page, 'recent-calls')).toContain('张伟');
  expect(await text(page, 'recent-calls')).toMatch(/时长 0:0\d/);
  // With no preview open, the campaign's own label for its code (not the service's default, 稍后回拨).
  expect(await text(page, 'recent-calls')).toContain('预约回拨');
  return { page, lead, moveClocks };
}

describe('the agent screen on the real service, PBX and Redis', () => {
  it('logs in the line, goes ready, previews, accepts (one request for a double click), talks, hangs up, disposes a sale, gets the next lead', async () => {
    await start();
    const [first, second] = await activeCampaign([customer.ringsThenAnswers(2), customer.answers()]);
    const page = await openPage();
    await signInAgent(page);

    // An agent's home is the workspace: logged out of the line, only "log in" offered.
    expect(new URL(page.url()).pathname).toBe('/agent');
    await agentState(page, 'logged-out');
    expect(await text(page, 'agent-state')).toBe('未登录话机');
    expect(await page.getByTestId('move-ready').count()).toBe(0);
    expect(await text(page, 'idle')).toContain('登录话机');
    // Today's figures, callbacks and recent calls are on the first screen; no hotline caller to pop.
    for (const part of ['my-stats', 'my-callbacks', 'recent-calls']) await page.getByTestId(part).waitFor();
    expect(await page.getByTestId('hotline-pop').count()).toBe(0);
    expect(await text(page, 'shortcut-legend')).toContain('R 就绪');
    await screenshot(page, 'agent-logged-out-zh');

    // Log in: the service calls the agent's phone (it answers), the line is up, not ready yet.
    await page.getByTestId('move-login').click();
    await agentState(page, 'not-ready');
    expect(await text(page, 'agent-state')).toBe('未就绪 · 刚登录');
    await page.locator('[data-testid=line-state][data-line=up]').waitFor();
    expect(await text(page, 'line-state')).toBe('已连接');
    await screenshot(page, 'agent-not-ready-zh');

    // R: ready; the dialer offers the first lead at once.
    await page.keyboard.press('r');
    const preview = page.locator('[data-testid=preview-card][data-phase=preview]');
    await preview.waitFor();
    await agentState(page, 'reserved');
    expect(await text(page, 'lead-name')).toBe('张伟');
    expect(await text(page, 'lead-number')).toMatch(/\*+\d{4}$/);
    expect(await text(page, 'lead-fields')).toContain('光纤 300M');
    expect(await text(page, 'lead-no-history')).toBe('首次联系此客户');
    expect(await text(page, 'preview-countdown')).toMatch(/^\d+ 秒后自动拨号$/);
    // The time in state ticks.
    // (Polled: the page's estimate of the server's clock may start up to a second behind the state's time.)
    const before = await text(page, 'time-in-state');
    await expect.poll(() => text(page, 'time-in-state'), { timeout: 5_000 }).not.toBe(before);
    await screenshot(page, 'agent-preview-zh');

    // A double click on Accept dials once: one request, one attempt.
    const accepts = countRequests(page, 'POST', /\/preview\/accept$/);
    await page.getByTestId('preview-accept').dblclick();
    await callState(page, 'ringing');
    expect(accepts.count()).toBe(1);
    expect(await text(page, 'call-state')).toBe('正在呼叫客户…');
    await screenshot(page, 'agent-ringing-zh');

    // The customer answers after 2 s: talking, the timer runs, the lead and its details stay in view.
    await callState(page, 'talking');
    await agentState(page, 'on-call');
    expect(await text(page, 'call-number')).toBe(await text(page, 'lead-number'));
    expect(await text(page, 'call-timer')).toMatch(/^0:0\d$/);
    expect(accepts.count()).toBe(1);
    expect(attemptsOf(first!)).toHaveLength(1);
    // The call controls are offered on the call.
    for (const control of ['call-hold', 'call-keypad', 'call-transfer'])
      expect(await page.getByTestId(control).count(), control).toBe(1);
    // The page read afresh mid-call (F5) shows the call again, and recent calls list the call on now as
    // on the call, not as "not reached".
    await page.reload();
    await callState(page, 'talking');
    await agentState(page, 'on-call');
    await eventually(async () => (await text(page, 'recent-calls')).includes('通话中'), 'the call on now');
    expect(await text(page, 'recent-calls')).not.toContain('未接通');
    await page.waitForTimeout(1_100);
    await screenshot(page, 'agent-talking-zh');

    // Hang up: wrap-up with the disposition form; the state bar offers no way around the form.
    await page.getByTestId('call-hangup').click();
    await page.getByTestId('disposition-form').waitFor();
    await agentState(page, 'wrap-up');
    expect(await page.getByTestId('call-panel').count()).toBe(0);
    expect(await page.getByTestId('move-wrap-up-done').count()).toBe(0);
    expect(await text(page, 'disposition-codes')).toContain('成交');

    // D without a choice says what is missing, sends nothing.
    const disposals = countRequests(page, 'POST', /\/disposition$/);
    await page.keyboard.press('d');
    await page.getByText('请选择通话结果。').waitFor();
    expect(disposals.count()).toBe(0);
    // 1 picks the first outcome (sale): a sale asks for its amount and product.
    await page.keyboard.press('1');
    await page.getByTestId('disposition-sale').waitFor();
    await page.getByTestId('sale-amount').locator('input').fill('1299.50');
    await page.getByTestId('sale-product').fill('光纤 300M 两年');
    await page.getByTestId('disposition-notes').fill('续约两年，光纤 300M');
    await screenshot(page, 'agent-disposition-zh');
    await page.getByTestId('disposition-submit').dblclick();

    // The next lead comes; the first is done, disposed once.
    await page.locator(`[data-testid=preview-card][data-phase=preview]`).waitFor();
    await eventually(async () => (await text(page, 'lead-name')) === '李娜', 'the next lead on the screen');
    expect(disposals.count()).toBe(1);
    const [attempt] = attemptsOf(first!);
    expect(attempt).toMatchObject({
      state: 'disposed',
      disposition: 'sale',
      notes: '续约两年，光纤 300M',
      saleAmountCents: 129950,
      saleProduct: '光纤 300M 两年',
    });
    expect(service.store.leads.get(first!)).toMatchObject({ state: 'done', lastDisposition: 'sale' });
    expect(service.dialer.preview(AGENT)?.lead.id).toBe(second);
    await screenshot(page, 'agent-next-lead-zh');
  });

  it('skips a lead with a reason, and goes not ready with a reason from the picker (keyboard only)', async () => {
    await start();
    const [first] = await activeCampaign([customer.answers(), customer.answers()]);
    const page = await openPage();
    await signInAgent(page);
    await page.getByTestId('move-login').click();
    await agentState(page, 'not-ready');
    await page.keyboard.press('r');
    await page.locator('[data-testid=preview-card][data-phase=preview]').waitFor();

    await page.keyboard.press('s');
    await page.getByTestId('skip-reason').waitFor();
    // Typing in the reason field is typing, not shortcuts.
    await page.keyboard.type('号码有误 ars');
    await page.keyboard.press('Enter');
    await eventually(() => attemptsOf(first!)[0]?.state === 'skipped', 'first lead skipped');
    expect(attemptsOf(first!)[0]?.skipReason).toBe('skipped: 号码有误 ars');
    await eventually(async () => (await text(page, 'lead-name')) === '李娜', 'the second lead');

    // N opens the reasons; 1 picks the first (break): the lead goes back, the agent rests.
    await page.keyboard.press('n');
    await page.getByTestId('reason-picker').waitFor();
    await screenshot(page, 'agent-reason-picker-zh');
    await page.keyboard.press('1');
    await agentState(page, 'not-ready');
    // The center's own label for the reason (agents.notReadyReasons).
    expect(await text(page, 'agent-state')).toBe('未就绪 · 休息');
    await page.getByTestId('preview-card').waitFor({ state: 'detached' });
    expect(await text(page, 'idle')).toContain('按 R 就绪');
  });

  it('in English: the preview and the disposition form, times on the center clock', async () => {
    await start();
    const [lead] = await activeCampaign([customer.answers()]);
    const page = await openPage();
    await page.getByTestId('language-switch').getByText('English').click();
    await signInAgent(page);
    await agentState(page, 'logged-out');
    expect(await text(page, 'agent-state')).toBe('Not on the phone line');
    await page.getByTestId('move-login').click();
    await agentState(page, 'not-ready');
    expect(await text(page, 'agent-state')).toBe('Not ready · Just logged in');
    await page.getByTestId('move-ready').click();
    await page.locator('[data-testid=preview-card][data-phase=preview]').waitFor();
    expect(await text(page, 'preview-countdown')).toMatch(/^Dials automatically in \d+ s$/);
    expect(await text(page, 'preview-accept')).toContain('Accept and dial');
    await screenshot(page, 'agent-preview-en');

    await page.keyboard.press('a');
    await callState(page, 'talking');
    expect(await text(page, 'call-state')).toBe('Talking');
    await untilArmed(page);
    await page.getByTestId('call-hangup').click();
    await page.getByTestId('disposition-form').waitFor();
    // A callback on the center's clock: tomorrow 10:00 in Shanghai, whatever New York says.
    await page.getByTestId('disposition-codes').locator('[data-code=callback]').click();
    await page.getByTestId('callback-toggle').click();
    await page.getByText('Tomorrow 10:00').click();
    expect(await page.getByText(`Center time (${CENTER_TZ})`).count()).toBe(1);
    // No Chinese on the screen but the person's, the campaign's and the lead's own words.
    // biome-ignore lint/performance/useDomNodeTextContent: the text as a person sees it
    const body = await page.locator('body').innerText();
    const own = [
      '王小明',
      '中文',
      '宽带续约',
      '张伟',
      '成交',
      '不感兴趣',
      '预约回拨',
      '号码错误',
      '套餐',
      '光纤',
      '到期日',
    ];
    expect(own.reduce((rest, word) => rest.replaceAll(word, ''), body)).not.toMatch(/\p{Script=Han}/u);
    await screenshot(page, 'agent-disposition-en');
    await page.getByTestId('disposition-submit').click();
    await page.getByTestId('idle').waitFor();
    const attempt = await eventually(() => attemptsOf(lead!).find((a) => a.state === 'disposed'), 'disposed');
    expect(attempt.disposition).toBe('callback');
    expect(attempt.callbackAt).not.toBeNull();
    const shanghai = new Intl.DateTimeFormat('en-GB', {
      timeZone: CENTER_TZ,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(attempt.callbackAt!);
    expect(shanghai).toBe('10:00');
    expect(attempt.callbackAt! - Date.now()).toBeGreaterThan(0);
    expect(attempt.callbackAt! - Date.now()).toBeLessThan(2 * 86_400_000);
  });

  it('a callback set with the picker is listed for today, not offered before its time, and offered again by the dialer when due, marked as a callback with the earlier call', async () => {
    const { page, lead, moveClocks } = await callbackPromised();
    await screenshot(page, 'agent-callback-listed-zh');

    // 10:13: the dialer's ticker runs (every second) and finds nothing due.
    await moveClocks(15 * 60_000);
    await page.waitForTimeout(2_500);
    expect(await page.getByTestId('preview-card').count()).toBe(0);
    expect(service.dialer.preview(AGENT)).toBeUndefined();

    // 10:15:05: the next tick offers the lead again, to this agent, marked as the callback it is.
    await moveClocks(2 * 60_000 + 5_000);
    await page.locator('[data-testid=preview-card][data-phase=preview]').waitFor({ timeout: 10_000 });
    await agentState(page, 'reserved');
    expect(service.dialer.preview(AGENT)?.lead.id).toBe(lead);
    expect(await text(page, 'lead-name')).toBe('张伟');
    expect(await text(page, 'preview-callback')).toBe('预约回拨');
    expect(await text(page, 'lead-attempts')).toBe('1');
    // The earlier call is in the history, with its disposition and notes.
    expect(await text(page, 'lead-history')).toContain('客户在开会，10:15 再打');
    expect(await text(page, 'lead-history')).toContain('预约回拨');
    // No longer waiting: gone from "my callbacks".
    await page.getByTestId('callbacks-today').waitFor({ state: 'detached' });
    expect(await text(page, 'my-callbacks')).toContain('暂无回拨');
    // The preview counts down on the center's clock: the full two minutes, not a quarter of an hour off.
    expect(await text(page, 'preview-countdown')).toMatch(/^(1[01]\d|120) 秒后自动拨号$/);
    await screenshot(page, 'agent-callback-offered-zh');
  });

  it('a callback that falls due while the agent is on a break shows as overdue, and is offered when they are ready', async () => {
    const { page, lead, moveClocks } = await callbackPromised();
    // 10:13: a short break (15 minutes not ready would log the agent out of the line).
    await moveClocks(15 * 60_000);
    await page.keyboard.press('n');
    await page.getByTestId('reason-picker').waitFor();
    await page.keyboard.press('1');
    await agentState(page, 'not-ready');

    // 10:15:05, still on the break: the screen moves the callback to overdue; nothing is offered.
    await moveClocks(2 * 60_000 + 5_000);
    await eventually(async () => (await text(page, 'callbacks-overdue')).includes('张伟'), 'overdue');
    expect(await text(page, 'callbacks-overdue')).toContain('已逾期（1）');
    expect(await text(page, 'callbacks-today')).toBe('今天（0）');
    await page.waitForTimeout(2_000);
    expect(await page.getByTestId('preview-card').count()).toBe(0);
    expect(service.store.leads.get(lead!)?.state).toBe('callback');
    await screenshot(page, 'agent-callback-overdue-zh');

    // Back from the break (R): the overdue callback is offered at once.
    await page.keyboard.press('r');
    await eventually(() => service.dialer.preview(AGENT)?.lead.id === lead, 'the callback offered', 10_000);
    await page.locator('[data-testid=preview-card][data-phase=preview]').waitFor({ timeout: 10_000 });
    await page.getByTestId('preview-callback').waitFor();
    await page.getByTestId('callbacks-overdue').waitFor({ state: 'detached' });
  });

  it('a hotline caller: the call panel shows the caller talking; after the call, wrap-up done', async () => {
    await start({ inboundRole: 'primary' });
    service.catalog.put(HOTLINE_FLOW, 'test');
    const page = await openPage();
    await signInAgent(page);
    await page.getByTestId('move-login').click();
    await agentState(page, 'not-ready');
    await page.getByTestId('move-ready').click();
    await agentState(page, 'ready');
    expect(await text(page, 'idle')).toBe('正在等待分配客户或热线来电…');

    const call = await ivrCall(far, service, '400');
    await page.locator('[data-testid=call-panel][data-kind=hotline][data-state=talking]').waitFor();
    await agentState(page, 'on-call');
    expect(await text(page, 'call-panel')).toContain('热线来电');
    // The caller's number, masked, as the queue's event told; # on the phone ends the call.
    expect(await text(page, 'call-number')).toMatch(/\d{2,4}$/);
    expect(await text(page, 'call-panel')).toContain('在话机上按 # 挂断');
    // The recording is paused and resumed with the existing route (while a card number is given).
    await page.locator('[data-testid=recording][data-paused=false]').waitFor();
    await page.getByTestId('recording-toggle').click();
    await page.locator('[data-testid=recording][data-paused=true]').waitFor();
    expect(await text(page, 'recording')).toContain('录音已暂停');
    await screenshot(page, 'agent-hotline-call-zh');
    await page.getByTestId('recording-toggle').click();
    await page.locator('[data-testid=recording][data-paused=false]').waitFor();

    await far.hangup(call.callerId);
    await agentState(page, 'wrap-up');
    // No disposition for a hotline call: wrap-up can be finished at once (R).
    await page.getByTestId('move-wrap-up-done').waitFor();
    await page.keyboard.press('r');
    await agentState(page, 'ready');
  });

  it('the live stream cut: reconnecting shown, and after it the screen reloads what changed meanwhile', async () => {
    await start();
    const page = await openPage([/ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_INTERNET_DISCONNECTED/]);
    await signInAgent(page);
    await page.getByTestId('move-login').click();
    await agentState(page, 'not-ready');

    await page.context().setOffline(true);
    service.api.server.closeAllConnections();
    await page.locator('[data-testid=connection-banner][data-status=reconnecting]').waitFor();
    expect(await text(page, 'connection-banner')).toContain('正在重连');
    // Meanwhile the agent is made ready elsewhere (the team leader, another tab): no event reaches the page.
    await service.agents.request(AGENT, { type: 'ready' }, 'test');
    await page.waitForTimeout(300);
    expect(await page.locator('[data-testid=agent-state]').getAttribute('data-state')).toBe('not-ready');
    await screenshot(page, 'agent-reconnecting-zh');

    await page.context().setOffline(false);
    await page
      .locator('[data-testid=connection-banner][data-status=reconnected]')
      .waitFor({ timeout: 15_000 });
    await agentState(page, 'ready');
    expect(await text(page, 'connection-banner')).toBe('已重新连接，屏幕已刷新。');
    await screenshot(page, 'agent-reconnected-zh');
  });

  it('the line drops mid-call: the screen says so, shows the state, and reconnects the line', async () => {
    await start();
    await activeCampaign([customer.answers()]);
    const page = await openPage();
    await signInAgent(page);
    await page.getByTestId('move-login').click();
    await agentState(page, 'not-ready');
    await page.keyboard.press('r');
    await page.locator('[data-testid=preview-card][data-phase=preview]').waitFor();
    await page.keyboard.press('a');
    await callState(page, 'talking');

    const bridge = (await far.rest.listBridges()).find(
      (b) => b.id === `${service.config.ari.app}-agent-${AGENT}`,
    );
    const line = bridge?.channels.find((c) => !c.includes('-dial-'));
    expect(line).toBeDefined();
    await far.hangup(line!);

    await page.getByTestId('line-drop').waitFor();
    expect(await text(page, 'line-drop')).toContain('通话中您的话机线路断开');
    await agentState(page, 'not-ready');
    expect(await text(page, 'agent-state')).toBe('未就绪 · 线路断开');
    await page.locator('[data-testid=line-state][data-line=down]').waitFor();
    expect(await page.getByTestId('move-ready').count()).toBe(0);
    await page.getByTestId('call-panel').waitFor({ state: 'detached' });
    await screenshot(page, 'agent-line-dropped-zh');

    await page.getByTestId('move-reconnect-line').click();
    await page.locator('[data-testid=line-state][data-line=up]').waitFor();
    await agentState(page, 'not-ready');
    expect(await text(page, 'agent-state')).toBe('未就绪 · 刚登录');
    expect(await page.getByTestId('line-drop').count()).toBe(0);
  });

  it('two tabs of one agent stay the same through the stream; a disposition the other tab already gave is refused and explained', async () => {
    await start();
    const [first] = await activeCampaign([customer.answers(), customer.answers()]);
    const one = await openPage();
    await signInAgent(one);
    const two = await openPage([/status of 409/]);
    await signInAgent(two);

    // What one tab does, the other shows.
    await one.getByTestId('move-login').click();
    await agentState(two, 'not-ready');
    await two.keyboard.press('r');
    await agentState(one, 'reserved');
    await one.locator('[data-testid=preview-card][data-phase=preview]').waitFor();
    await two.locator('[data-testid=preview-card][data-phase=preview]').waitFor();
    await one.keyboard.press('a');
    await callState(two, 'talking');
    await untilArmed(two);
    await two.getByTestId('call-hangup').click();
    await one.getByTestId('disposition-form').waitFor();
    await two.getByTestId('disposition-form').waitFor();

    // Both show the form; tab one submits just as tab two does (tab two's request held until it is done).
    await one.getByTestId('disposition-codes').locator('[data-code=not-interested]').click();
    await two.getByTestId('disposition-codes').locator('[data-code=wrong-person]').click();
    await two.route('**/disposition', async (route) => {
      await one.getByTestId('disposition-submit').click();
      await eventually(() => attemptsOf(first!)[0]?.state === 'disposed', 'disposed in tab one');
      await route.continue();
    });
    await two.getByTestId('disposition-submit').click();
    await two.getByTestId('notice').waitFor();
    expect(await text(two, 'notice')).toContain('这通电话已经提交过结果');
    // One disposition, tab one's; both tabs go on to the next lead.
    expect(attemptsOf(first!)).toHaveLength(1);
    expect(attemptsOf(first!)[0]).toMatchObject({ disposition: 'not-interested' });
    await eventually(async () => (await text(one, 'lead-name')) === '李娜', 'tab one: next lead');
    await eventually(async () => (await text(two, 'lead-name')) === '李娜', 'tab two: next lead');
    await screenshot(two, 'agent-two-tabs-refused-zh');
  });

  it('the service restarts: reconnecting while it is away (an action then says the server is unreachable), the screen reloaded after', async () => {
    await start();
    const page = await openPage([
      /ERR_CONNECTION_REFUSED|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_EMPTY_RESPONSE/,
    ]);
    await signInAgent(page);
    await page.getByTestId('move-login').click();
    await agentState(page, 'not-ready');

    const port = Number(new URL(service.url).port);
    const config = service.config;
    await service.stop();
    await page.locator('[data-testid=connection-banner][data-status=reconnecting]').waitFor();
    await page.getByTestId('move-ready').click();
    await page.getByTestId('notice').waitFor();
    expect(await text(page, 'notice')).toBe('无法连接到服务器，操作未完成。请检查网络后重试。');
    await screenshot(page, 'agent-service-away-zh');

    // The same service again (same store, Redis and port); the test's stop hung up the line.
    service = await startService({ ...config, api: { ...config.api, port } }, { listen: true });
    await page
      .locator('[data-testid=connection-banner][data-status=reconnected]')
      .waitFor({ timeout: 20_000 });
    const after = service.agents.get(AGENT)!;
    expect(after.lineUp).toBe(false);
    await agentState(page, after.state);
    await page.locator('[data-testid=line-state][data-line=down]').waitFor();
    await page.getByTestId('move-reconnect-line').waitFor();
    // What went wrong while it was away is no longer news.
    expect(await page.getByTestId('notice').count()).toBe(0);
    await screenshot(page, 'agent-service-restarted-zh');
    await page.getByTestId('move-reconnect-line').click();
    await page.locator('[data-testid=line-state][data-line=up]').waitFor();
  });

  it('an unused session: the next action leads back to the sign-in page, which says why, and back to the screen after', async () => {
    await start();
    const page = await openPage([/status of 401/]);
    await signInAgent(page);
    await agentState(page, 'logged-out');
    await idleOut(service, page.context());
    await page.getByTestId('move-login').click();
    await page.waitForURL((url) => url.pathname === '/sign-in');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/agent');
    await page.locator('[data-testid=sign-in-notice][data-reason=idle]').waitFor();
    expect(await text(page, 'sign-in-notice')).toBe('由于长时间未操作，登录已过期，请重新登录。');
    // The ended session did nothing.
    expect(service.agents.get(AGENT)?.state).toBe('logged-out');
    await screenshot(page, 'signin-expired-agent-zh');
    await signInAgent(page);
    expect(new URL(page.url()).pathname).toBe('/agent');
  });

  it('a password the admin set: the password page first, then the agent screen', async () => {
    await start();
    const person = await createAccount(service, {
      username: 'li.na',
      role: 'agent',
      agentId: AGENT,
      password: 'temporary-pass-1',
      mustChangePassword: true,
    });
    const page = await openPage();
    expect(await signIn(page, person)).toBe(200);
    await page.waitForURL((url) => url.pathname === '/change-password');
    await page.getByTestId('password-current').fill(person.password);
    await page.getByTestId('password-next').fill('my-own-password-1');
    await page.getByTestId('password-repeat').fill('my-own-password-1');
    await page.getByTestId('password-submit').click();
    await page.getByTestId('agent-screen').waitFor();
    await page.locator('[data-testid=live-indicator][data-status=connected]').first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/agent');
    await agentState(page, 'logged-out');
    await page.getByTestId('move-login').click();
    await agentState(page, 'not-ready');
  });
});

import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { ARM_MS } from '../../web/src/agent/armed.js';
import type { CurrentCall, HotlineOffer, PreviewView, Workspace } from '../../web/src/api/workspace.js';
import { launchBrowser, pageProblems, screenshot } from '../harness/browser.js';
import { startTestService } from '../harness/service.js';
import { createAccount, type Person, signIn } from './helpers.js';

/**
 * The parts of the agent's screen that the workspace routes feed, with the browser answering those
 * routes (the real service serves the app, the sign-in and the live stream). Hold, keypad, warm
 * transfer, a sale with its figures and recent calls, and the hotline pop run on the real service in
 * agent-screen-live.test.ts; this file goes once the rest does too (a refused transfer, callbacks due
 * again, the wrap-up countdown, the center's reasons, the script, the English pop).
 */

const CENTER_TZ = 'Asia/Shanghai';
const AGENT = 'web-a1';

let service: Service;
let browser: Browser;
/** The agent's own account. */
let agentPerson: Person;
let context: BrowserContext;
let problems: string[];

beforeAll(async () => {
  if (!existsSync('web/dist/index.html')) {
    throw new Error('web/dist is not built: run npm run build:web (npm test does before vitest)');
  }
  service = await startTestService({ ivr: { timezone: CENTER_TZ } });
  service.store.agents.create({
    id: AGENT,
    name: '王小明',
    teamId: null,
    role: 'agent',
    endpoint: 'Local/answer@sim',
    lineMode: 'persistent',
    inboundRole: 'primary',
  });
  await service.agents.reload();
  agentPerson = await createAccount(service, { username: 'wang.xiaoming', role: 'agent', agentId: AGENT });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});
afterEach(async () => {
  await context?.close();
  expect(problems).toEqual([]);
});

const now = Date.now();
const minutes = (n: number) => n * 60_000;

function agentView(
  state: Workspace['agent']['state'],
  sinceAgo: number,
  callId?: string,
): Workspace['agent'] {
  return {
    id: AGENT,
    name: '王小明',
    teamId: null,
    role: 'agent',
    endpoint: 'Local/answer@sim',
    lineMode: 'persistent',
    inboundRole: 'primary',
    state,
    since: new Date(Date.now() - sinceAgo).toISOString(),
    ...(callId ? { callId } : {}),
    lineUp: true,
    idleSince: new Date(now - minutes(30)).toISOString(),
    missedOffers: 0,
  };
}

function preview(phase: PreviewView['phase']): PreviewView {
  return {
    attemptId: 'at-1',
    campaignId: 'c1',
    campaignName: '宽带续约',
    phase,
    lead: {
      id: 'lead-1',
      name: '张伟',
      numberMasked: '*******5678',
      fields: { 套餐: '光纤 300M', 到期日: '2025-07-31', 城区: '浦东新区' },
      attempts: 2,
      state: 'in-progress',
      lastOutcome: 'no-answer',
      lastDisposition: null,
    },
    history: [
      { at: now - minutes(60 * 26), agentId: 'a7', outcome: 'no-answer', disposition: null, notes: null },
      {
        at: now - minutes(60 * 3),
        agentId: AGENT,
        outcome: 'answered',
        disposition: 'callback',
        notes: '客户在开会，下午再打',
      },
    ],
    onPreviewTimeout: 'dial',
    dispositions: [
      { code: 'sale', label: '成交', sale: true },
      { code: 'not-interested', label: '不感兴趣', sale: false },
      { code: 'callback', label: '预约回拨', sale: false },
      { code: 'wrong-person', label: '号码错误', sale: false },
    ],
    script:
      '您好，请问是张伟先生吗？我是宽带公司的客服小王。\n' +
      '您的光纤 300M 套餐将于 2025-07-31 到期，现在续约两年可享八折优惠，并免费升级到 500M。\n' +
      '请问您方便了解一下吗？',
  };
}

function workspace(agent: Workspace['agent'], extra: Partial<Workspace> = {}): Workspace {
  return {
    agent,
    preview: null,
    call: null,
    notReadyReasons: [
      { code: 'break', label: { 'zh-CN': '小休', en: 'Break' }, selectable: true },
      { code: 'coaching', label: { 'zh-CN': '辅导', en: 'Coaching' }, selectable: true },
      { code: 'line-dropped', label: { 'zh-CN': '线路断开', en: 'Line dropped' }, selectable: false },
    ],
    wrapUpEndsAt: null,
    today: { calls: 37, contacts: 21, talkSec: 4_210, sales: 4, salesAmount: 5_196 },
    callbacks: {
      overdue: [
        {
          leadId: 'lead-8',
          campaignId: 'c1',
          campaignName: '宽带续约',
          name: '李娜',
          numberMasked: '*******1180',
          dueAt: now - minutes(40),
          notes: '要先和家人商量',
        },
      ],
      today: [
        {
          leadId: 'lead-9',
          campaignId: 'c1',
          campaignName: '宽带续约',
          name: null,
          numberMasked: '*******2231',
          dueAt: now + minutes(90),
          notes: null,
        },
      ],
    },
    recentCalls: [
      {
        id: 'r1',
        kind: 'dialer',
        at: now - minutes(12),
        numberMasked: '*******9012',
        name: '王芳',
        campaignId: 'c1',
        outcome: 'answered',
        disposition: 'sale',
        talkSec: 312,
      },
      {
        id: 'r2',
        kind: 'hotline',
        at: now - minutes(25),
        numberMasked: '*******4417',
        name: null,
        campaignId: null,
        outcome: 'answered',
        disposition: null,
        talkSec: 95,
      },
      {
        id: 'r3',
        kind: 'dialer',
        at: now - minutes(31),
        numberMasked: '*******3306',
        name: '刘洋',
        campaignId: 'c1',
        outcome: 'busy',
        disposition: null,
        talkSec: 0,
      },
    ],
    ...extra,
  };
}

function call(extra: Partial<CurrentCall> = {}): CurrentCall {
  return {
    callId: 'call-1',
    kind: 'dialer',
    state: 'talking',
    numberMasked: '*******5678',
    startedAt: now - 80_000,
    answeredAt: now - 65_000,
    heldSince: null,
    recordingPaused: false,
    campaignId: 'c1',
    attemptId: 'at-1',
    consult: null,
    ...extra,
  };
}

const OFFER: HotlineOffer = {
  callId: 'h-1',
  callerMasked: '*******0021',
  waitedSec: 48,
  ivrPath: [
    { node: '欢迎', at: now - 95_000, keys: null },
    { node: '主菜单', at: now - 88_000, keys: '*' },
    { node: '宽带报修', at: now - 80_000, keys: '*' },
  ],
  earlierCalls: [
    { at: now - minutes(60 * 24 * 2), agentId: 'a3', outcome: 'answered', talkSec: 240 },
    { at: now - minutes(60 * 24 * 9), agentId: null, outcome: 'abandoned', talkSec: 0 },
  ],
};

/** What the contract's routes answer in a case; requests to them are kept for the test to read. */
interface Stub {
  workspace: Workspace;
  call: CurrentCall | null;
  offer: HotlineOffer | null;
  /** POST path (after /v1/agents/{id}/) -> status and body. */
  posts: Record<string, (body: unknown) => { status: number; body?: unknown }>;
  sent: { path: string; body: unknown }[];
}

const json = (route: Route, status: number, body?: unknown) =>
  route.fulfill({
    status,
    contentType: 'application/json',
    body: body === undefined ? '' : JSON.stringify(body),
  });
const none = (code: string) => ({ error: { code, message: code } });

async function openPage(stub: Stub, locale: 'zh-CN' | 'en' = 'zh-CN'): Promise<Page> {
  context = await browser.newContext({
    timezoneId: 'America/New_York',
    viewport: { width: 1366, height: 860 },
  });
  // The language the page remembers (run in the page, hence a string).
  await context.addInitScript(`localStorage.setItem('cc.locale', ${JSON.stringify(locale)})`);
  const page = await context.newPage();
  problems = pageProblems(page, [/status of 40[49]/]);
  const prefix = `/v1/agents/${AGENT}/`;
  await page.route(
    (url) => url.pathname.startsWith(prefix),
    async (route) => {
      const request = route.request();
      const path = new URL(request.url()).pathname.slice(prefix.length);
      if (request.method() === 'GET') {
        if (path === 'workspace') return json(route, 200, stub.workspace);
        if (path === 'call')
          return stub.call ? json(route, 200, stub.call) : json(route, 404, none('NO_CALL'));
        if (path === 'hotline/offer')
          return stub.offer ? json(route, 200, stub.offer) : json(route, 404, none('NO_OFFER'));
        if (path === 'preview')
          return stub.workspace.preview
            ? json(route, 200, stub.workspace.preview)
            : json(route, 404, none('NO_PREVIEW'));
        return route.continue();
      }
      const handler = stub.posts[path];
      if (!handler) return route.continue();
      const body = request.postData() ? JSON.parse(request.postData()!) : undefined;
      stub.sent.push({ path, body });
      const answer = handler(body);
      return json(route, answer.status, answer.body);
    },
  );
  await page.goto(service.url);
  expect(await signIn(page, agentPerson)).toBe(200);
  await page.getByTestId('agent-screen').waitFor();
  return page;
}

const text = async (page: Page, testId: string) =>
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a person sees it
  (await page.getByTestId(testId).first().innerText()).trim();

describe("the agent screen's contract parts (routes answered by the browser until the service has them)", () => {
  it('on a call: hold and resume (H), keypad, warm transfer with consult then complete, a refused transfer explained; statistics, callbacks, recent calls, the script', async () => {
    const stub: Stub = {
      workspace: workspace(agentView('on-call', 65_000, 'at-1'), { preview: preview('connected') }),
      call: call(),
      offer: null,
      sent: [],
      posts: {
        'call/hold': () => {
          stub.call = call({ state: 'held', heldSince: Date.now() });
          return { status: 200, body: stub.call };
        },
        'call/resume': () => {
          stub.call = call();
          return { status: 200, body: stub.call };
        },
        'call/dtmf': () => ({ status: 204 }),
        'call/transfer': (body) => {
          const to = (body as { to: { agentId?: string } }).to;
          if (to.agentId === 'a9') return { status: 409, body: none('TARGET_UNAVAILABLE') };
          stub.call = call({
            state: 'consulting',
            heldSince: Date.now(),
            consult: { targetAgentId: to.agentId ?? 'tl', state: 'talking' },
          });
          return { status: 200, body: stub.call };
        },
        'call/transfer/complete': () => {
          stub.call = null;
          return { status: 204 };
        },
      },
    };
    const page = await openPage(stub);
    await page.locator('[data-testid=call-panel][data-state=talking]').waitFor();

    // The side column: today's numbers, callbacks (overdue first), recent calls.
    expect(await text(page, 'stats-calls')).toBe('37');
    expect(await text(page, 'stats-talk')).toBe('1:10:10');
    expect(await text(page, 'stats-amount')).toBe('5,196.00');
    expect(await text(page, 'callbacks-overdue')).toContain('李娜');
    expect(await text(page, 'callbacks-today')).toContain('*******2231');
    expect(await text(page, 'recent-calls')).toContain('时长 5:12');
    expect(await text(page, 'recent-calls')).toContain('未接通');
    // The script, with the lead's values, beside the call; the earlier attempts with their notes.
    expect(await text(page, 'lead-script')).toContain('您好，请问是张伟先生吗？');
    expect(await text(page, 'lead-history')).toContain('客户在开会，下午再打');
    expect(await text(page, 'lead-history')).toContain('无人接听');
    await page.waitForTimeout(ARM_MS);

    // H holds, H again resumes.
    await page.keyboard.press('h');
    await page.locator('[data-testid=call-panel][data-state=held]').waitFor();
    expect(await text(page, 'call-state')).toBe('保持中（客户正在听等待音乐）');
    await page.keyboard.press('h');
    await page.locator('[data-testid=call-panel][data-state=talking]').waitFor();

    // The keypad sends each key to the customer, in order.
    await page.getByTestId('call-keypad').click();
    for (const key of ['1', '0', '#']) await page.locator(`[data-testid=keypad] [data-key="${key}"]`).click();
    await page.getByText('已发送：10#').waitFor();
    expect(stub.sent.filter((s) => s.path === 'call/dtmf').map((s) => s.body)).toEqual([
      { digits: '1' },
      { digits: '0' },
      { digits: '#' },
    ]);
    await screenshot(page, 'agent-call-controls-zh');

    // A transfer the service refuses: said so, the call goes on.
    await page.getByTestId('call-transfer').click();
    await page.getByTestId('transfer-target').getByText('指定坐席').click();
    await page.getByTestId('transfer-agent').fill('a9');
    await page.getByTestId('transfer-mode').getByText('先咨询').click();
    await screenshot(page, 'agent-transfer-dialog-zh');
    await page.getByTestId('transfer-confirm').click();
    await page.getByTestId('notice').waitFor();
    expect(await text(page, 'notice')).toContain('转接对象现在无法接听');

    // Warm to a7: consulting, then complete: the call leaves the screen.
    await page.getByTestId('transfer-agent').fill('a7');
    await page.getByTestId('transfer-confirm').click();
    await page.getByTestId('call-consult').waitFor();
    await page.getByRole('dialog', { name: '转接通话' }).waitFor({ state: 'hidden' });
    expect(await text(page, 'call-consult')).toContain('正在与坐席 a7 咨询');
    expect(stub.sent.filter((s) => s.path === 'call/transfer').at(-1)?.body).toEqual({
      to: { agentId: 'a7' },
      mode: 'warm',
    });
    await screenshot(page, 'agent-consulting-zh');
    await page.getByTestId('transfer-complete').click();
    await page.getByTestId('call-panel').waitFor({ state: 'detached' });
  });

  it('a sale needs amount and product, and sends them; the wrap-up counts down; the center-defined reasons', async () => {
    const stub: Stub = {
      workspace: workspace(agentView('wrap-up', 5_000, 'at-1'), {
        preview: preview('ended'),
        wrapUpEndsAt: Date.now() + 55_000,
      }),
      call: null,
      offer: null,
      sent: [],
      posts: { disposition: () => ({ status: 200, body: { attemptId: 'at-1', leadState: 'done' } }) },
    };
    const page = await openPage(stub);
    await page.getByTestId('disposition-form').waitFor();
    expect(await text(page, 'disposition-wrap-up-left')).toMatch(/^请在 0:5\d 内提交$/);
    expect(await text(page, 'wrap-up-left')).toMatch(/^剩余 0:5\d$/);

    await page.keyboard.press('1');
    await page.getByTestId('disposition-sale').waitFor();
    await page.keyboard.press('d');
    await page.getByText('请输入有效金额（不小于 0，最多两位小数）。').waitFor();
    await page.getByText('请输入产品名称。').waitFor();
    expect(stub.sent).toEqual([]);
    await page.getByTestId('sale-amount').locator('input').fill('1299.50');
    await page.getByTestId('sale-product').fill('光纤 500M 两年');
    await screenshot(page, 'agent-sale-disposition-zh');
    await page.getByTestId('disposition-submit').click();
    await page.getByTestId('disposition-submitted').waitFor();
    expect(stub.sent).toEqual([
      {
        path: 'disposition',
        body: { code: 'sale', sale: { amount: 1299.5, product: '光纤 500M 两年' }, attemptId: 'at-1' },
      },
    ]);

    // The center's own not-ready reasons, in its words.
    await page.keyboard.press('n');
    await page.getByTestId('reason-picker').waitFor();
    expect(await text(page, 'reason-picker')).toContain('辅导');
    expect(await text(page, 'reason-picker')).not.toContain('线路断开');
  });

  for (const locale of ['zh-CN', 'en'] as const) {
    it(`a hotline caller pops up with the masked number, the menu path and earlier calls (${locale})`, async () => {
      const stub: Stub = {
        workspace: workspace(agentView('on-call', 20_000, 'h-1')),
        call: call({
          callId: 'h-1',
          kind: 'hotline',
          numberMasked: '*******0021',
          campaignId: null,
          attemptId: null,
        }),
        offer: OFFER,
        sent: [],
        posts: {},
      };
      const page = await openPage(stub, locale);
      await page.getByTestId('hotline-pop').waitFor();
      expect(await text(page, 'hotline-caller')).toBe('*******0021');
      expect(await text(page, 'hotline-path')).toContain('宽带报修');
      expect(await text(page, 'hotline-earlier')).toContain('a3');
      expect(await text(page, 'hotline-pop')).toContain(locale === 'en' ? 'Caller hung up' : '客户挂断');
      // A default disposition's code, translated (no campaign list at hand here).
      expect(await text(page, 'recent-calls')).toContain(locale === 'en' ? 'Sale' : '成交');
      await screenshot(page, `agent-hotline-pop-${locale === 'en' ? 'en' : 'zh'}`);
      await page.getByTestId('hotline-collapse').click();
      await page.getByTestId('hotline-expand').waitFor();
    });
  }
});

import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { formatTime } from '../../web/src/format/time.js';
import { countRequests, launchBrowser, pageProblems, screenshot } from '../harness/browser.js';
import { startTestService } from '../harness/service.js';
import { adminRequest, createAccount, idleOut, type Person, signIn } from './helpers.js';

const CENTER_TZ = 'Asia/Shanghai';
/**
 * Above the page's own check (10, the service's default): a password the page lets through is refused by
 * the service, whose answer the page shows.
 */
const MIN_PASSWORD_LENGTH = 12;
const ENDED_ELSEWHERE = '登录已在别处结束（退出登录、修改密码或由管理员结束），请重新登录。';

let service: Service;
let browser: Browser;
/** A team leader who takes calls: their home is the home page (an agent's is the workspace). */
let leader: Person;
const contexts: BrowserContext[] = [];
const problems: string[][] = [];

beforeAll(async () => {
  if (!existsSync('web/dist/index.html')) {
    throw new Error('web/dist is not built: run npm run build:web (npm test does before vitest)');
  }
  service = await startTestService({
    ivr: { timezone: CENTER_TZ },
    auth: { minPasswordLength: MIN_PASSWORD_LENGTH },
  });
  service.store.agents.create({
    id: 'web-a1',
    name: '王小明',
    teamId: null,
    role: 'team-leader',
    endpoint: 'Local/answer@sim',
    lineMode: 'per-call',
    inboundRole: 'none',
  });
  leader = await createAccount(service, {
    username: 'wang.xiaoming',
    role: 'team-leader',
    agentId: 'web-a1',
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

/** A fresh browser profile in New York: what the page shows in the center's zone cannot come from the browser. */
async function openPage(expectedErrors: RegExp[] = [], path = '/'): Promise<Page> {
  const context = await browser.newContext({
    timezoneId: 'America/New_York',
    viewport: { width: 1280, height: 800 },
  });
  contexts.push(context);
  const page = await context.newPage();
  problems.push(pageProblems(page, expectedErrors));
  await page.goto(`${service.url}${path}`);
  return page;
}

const text = async (page: Page, testId: string) =>
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a person sees it
  (await page.getByTestId(testId).first().innerText()).trim();

const liveConnected = (page: Page) =>
  page.locator('[data-testid=live-indicator][data-status=connected]').first().waitFor();

const toEnglish = async (page: Page) => {
  await page.getByTestId('language-switch').getByText('English').click();
  await page.locator('html[lang=en]').waitFor();
};

/** Signed in as the leader, on the home page with the live stream up. */
async function signedIn(page: Page, person = leader) {
  expect(await signIn(page, person)).toBe(200);
  await page.getByTestId('welcome').waitFor();
  await liveConnected(page);
}

/** The notice of the sign-in page once it shows why the session ended. */
async function signInNotice(page: Page, reason: string) {
  await page.waitForURL('**/sign-in**');
  await page.locator(`[data-testid=sign-in-notice][data-reason=${reason}]`).waitFor();
  return text(page, 'sign-in-notice');
}

describe('the web app shell in a real browser', () => {
  it('loads in Chinese by default, on the sign-in page: username and password', async () => {
    const page = await openPage();
    await page.waitForURL('**/sign-in');
    await page.getByRole('heading', { name: '呼叫中心' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.title()).toBe('呼叫中心');
    expect(await text(page, 'sign-in')).toBe('登录');
    await page.getByText('用户名', { exact: true }).waitFor();
    await page.getByText('密码', { exact: true }).waitFor();
    // Typing starts in the username.
    expect(await page.locator('[data-testid=username]:focus').count()).toBe(1);
    await screenshot(page, 'signin-zh');
    await toEnglish(page);
    await page.getByRole('heading', { name: 'Call Center' }).waitFor();
    await screenshot(page, 'signin-en');
  });

  it('says clearly when the username or the password is wrong (one answer for both), in either language; Enter submits', async () => {
    // Chromium logs each refused sign-in as a failed resource.
    const page = await openPage([/status of 401/]);
    await page.getByTestId('sign-in').click();
    expect(await text(page, 'sign-in-error')).toBe('请输入用户名和密码。');

    await page.getByTestId('username').fill(leader.username);
    await page.getByTestId('password').fill('not-the-password');
    const login = countRequests(page, 'POST', /^\/v1\/auth\/login$/);
    await page.getByTestId('password').press('Enter');
    await page.locator('[data-testid=sign-in-error][data-kind=wrong-credentials]').waitFor();
    expect(login.count()).toBe(1);
    expect(await text(page, 'sign-in-error')).toBe('用户名或密码错误。');
    // The wrong password is gone, the username stays for the next try.
    expect(await page.getByTestId('password').inputValue()).toBe('');
    expect(await page.getByTestId('username').inputValue()).toBe(leader.username);

    // An unknown username: the same words (a refusal never tells whether the account exists).
    expect(await signIn(page, { username: 'no.such.person', password: 'whatever-1234' })).toBe(401);
    expect(await text(page, 'sign-in-error')).toBe('用户名或密码错误。');
    await screenshot(page, 'signin-wrong-password-zh');

    await toEnglish(page);
    expect(await text(page, 'sign-in-error')).toBe('The username or the password is wrong.');
    await screenshot(page, 'signin-wrong-password-en');
    expect(page.url()).toMatch(/\/sign-in$/);
  });

  it('sends one sign-in at a time: the button is disabled while the request is in flight', async () => {
    const page = await openPage();
    const login = countRequests(page, 'POST', /^\/v1\/auth\/login$/);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/v1/auth/login', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByTestId('username').fill(leader.username);
    await page.getByTestId('password').fill(leader.password);
    await page.getByTestId('password').press('Enter');
    await page.locator('[data-testid=sign-in]:disabled').waitFor();
    await page.getByTestId('password').press('Enter');
    await page.getByTestId('password').press('Enter');
    release();
    await page.getByTestId('welcome').waitFor();
    expect(login.count()).toBe(1);
  });

  it('signs in, shows who it is and the live connection, times on the center clock', async () => {
    const page = await openPage();
    await signedIn(page);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await text(page, 'welcome')).toBe('欢迎，wang.xiaoming');
    expect(await text(page, 'header-user')).toBe('wang.xiaoming（组长）');
    const identity = await text(page, 'identity');
    expect(identity).toContain('web-a1');
    expect(identity).toContain('组长');

    expect(await text(page, 'live-indicator')).toBe('已连接');
    expect(await text(page, 'time-zone')).toBe(CENTER_TZ);
    const before = Date.now();
    const shown = await text(page, 'center-time');
    const after = Date.now();
    expect(shown).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2}$/);
    // Shanghai's hour and minute, which New York's clock never shows.
    const minutes = [before, after].map((t) => formatTime(t, 'zh-CN', CENTER_TZ).slice(0, 5));
    expect(minutes).toContain(shown.slice(-8, -3));
    await screenshot(page, 'home-zh');
  });

  it('keeps the session in an httpOnly cookie only; a mutating request without the CSRF token is refused', async () => {
    const page = await openPage([/status of 403/]);
    await signedIn(page);
    const seen = await page.evaluate(async () => {
      const post = async (headers: Record<string, string>) => {
        const res = await fetch('/v1/auth/logout', { method: 'POST', headers });
        return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code };
      };
      return {
        missing: await post({}),
        invalid: await post({ 'x-csrf-token': 'not-the-token' }),
        // The session is still there: GET needs no token.
        after: (await fetch('/v1/auth/session')).status,
      };
    });
    // No script reads the cookie, and at most the language is kept in the browser.
    expect(await page.evaluate<string>('document.cookie')).not.toContain('cc_session');
    const stored = await page.evaluate<string[]>(
      '[...Object.keys(localStorage), ...Object.keys(sessionStorage)]',
    );
    for (const key of stored) expect(key).toBe('cc.locale');
    expect(seen.missing).toEqual({ status: 403, code: 'CSRF_TOKEN_MISSING' });
    expect(seen.invalid).toEqual({ status: 403, code: 'CSRF_TOKEN_INVALID' });
    expect(seen.after).toBe(200);
    // The page's own requests carry the token: its sign-out works.
    await page.getByTestId('sign-out').click();
    expect(await signInNotice(page, 'signed-out')).toBe('您已退出登录。');
  });

  it('a new sign-in elsewhere in this browser: the page goes on with the new session’s CSRF token', async () => {
    // The stale token's refusal, before the page asks the service again.
    const page = await openPage([/status of 403/]);
    await signedIn(page);
    // Another tab of the same browser signs in afresh: the cookie is replaced, the page's token is stale.
    const status = await page.evaluate(
      (body) =>
        fetch('/v1/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.status),
      leader,
    );
    expect(status).toBe(200);
    const logout = countRequests(page, 'POST', /^\/v1\/auth\/logout$/);
    await page.getByTestId('sign-out').click();
    expect(await signInNotice(page, 'signed-out')).toBe('您已退出登录。');
    // Refused once for the stale token, sent again with the new one: the new session ended.
    expect(logout.count()).toBe(2);
    expect(await page.evaluate(() => fetch('/v1/auth/session').then((r) => r.status))).toBe(401);
  });

  it('switches to English, everywhere, and keeps it and the session after a reload', async () => {
    const page = await openPage();
    await signedIn(page);
    await toEnglish(page);
    await page.getByText('Welcome, wang.xiaoming').waitFor();
    expect(await page.title()).toBe('Call Center');
    expect(await text(page, 'header-user')).toBe('wang.xiaoming (Team leader)');
    expect(await text(page, 'live-indicator')).toBe('Connected');
    expect(await text(page, 'sign-out')).toBe('Sign out');
    expect(await text(page, 'center-time')).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{2}:\d{2}:\d{2}$/);
    // No Chinese left on the page but the language switch's own label.
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a person sees it
    const body = await page.locator('body').innerText();
    expect(body.replaceAll('中文', '')).not.toMatch(/\p{Script=Han}/u);
    await screenshot(page, 'home-en');

    // The cookie is the session: a reload asks the service who is signed in.
    await page.reload();
    await page.getByText('Welcome, wang.xiaoming').waitFor();
    await liveConnected(page);
  });

  it('shows the live stream reconnecting while the network is down, and connected again after', async () => {
    // Chromium logs the cut stream and the attempts made while offline.
    const page = await openPage([/ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_INTERNET_DISCONNECTED/]);
    await signedIn(page);
    // Offline stops new attempts; cutting the server's open connections ends the stream (as a proxy would).
    await page.context().setOffline(true);
    service.api.server.closeAllConnections();
    await page.locator('[data-testid=live-indicator][data-status=reconnecting]').first().waitFor();
    expect(await text(page, 'live-indicator')).toBe('连接中断，正在重连…');
    await screenshot(page, 'live-reconnecting-zh');
    await page.context().setOffline(false);
    await liveConnected(page);
  });

  it('signs out to the sign-in page, and a page asked for before signing in opens after it', async () => {
    const page = await openPage();
    await signedIn(page);
    await page.getByTestId('sign-out').click();
    expect(await signInNotice(page, 'signed-out')).toBe('您已退出登录。');
    // A deliberate sign-out starts afresh: no way back kept.
    expect(new URL(page.url()).search).toBe('');
    await screenshot(page, 'signin-signed-out-zh');
    // The session is over at the service too.
    expect(await page.evaluate(() => fetch('/v1/auth/session').then((r) => r.status))).toBe(401);

    await page.goto(`${service.url}/no/such/page`);
    await page.waitForURL('**/sign-in?next=**');
    await signIn(page, leader);
    await page.getByText('页面不存在', { exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/no/such/page');
    await screenshot(page, 'not-found-zh');
  });

  it('an unused session: the sign-in page says it expired, and the page asked for opens after signing in again', async () => {
    const page = await openPage([/status of 401/], '/no/such/page');
    await signIn(page, leader);
    await page.getByText('页面不存在', { exact: true }).waitFor();
    await idleOut(service, page.context());
    // The next request (here the reload's GET /v1/auth/session) finds the session ended, and says why.
    await page.reload();
    expect(await signInNotice(page, 'idle')).toBe('由于长时间未操作，登录已过期，请重新登录。');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/no/such/page');
    await screenshot(page, 'signin-expired-zh');
    await toEnglish(page);
    expect(await text(page, 'sign-in-notice')).toBe(
      'You were signed out after a time without activity. Please sign in again.',
    );
    await screenshot(page, 'signin-expired-en');
    await signIn(page, leader);
    await page.getByText('Page not found', { exact: true }).waitFor();
  });

  it('locks the username out after repeated failures, saying how long to wait, in either language', async () => {
    const person = await createAccount(service, { username: 'locked.out', role: 'qa' });
    const page = await openPage([/status of 4(01|29)/]);
    const wrong = { username: person.username, password: 'wrong-password-1' };
    // The growing delay (1 s, 2 s, 4 s) comes first: the page holds the button for the wait it is told.
    let refusal = '';
    for (let attempt = 0; attempt < 12 && !/ [3-6]\d 秒/.test(refusal); attempt += 1) {
      if ((await signIn(page, wrong)) !== 429) continue;
      await page.locator('[data-testid=sign-in-error][data-kind=too-many]').waitFor();
      refusal = await text(page, 'sign-in-error');
    }
    expect(await text(page, 'sign-in-error')).toMatch(/^失败次数过多，请 [3-6]\d 秒后再试。$/);
    // Even the right password must wait: the button is held for this username...
    await page.getByTestId('password').fill(person.password);
    expect(await page.getByTestId('sign-in').isDisabled()).toBe(true);
    await screenshot(page, 'signin-locked-zh');
    await toEnglish(page);
    expect(await text(page, 'sign-in-error')).toMatch(
      /^Too many failed attempts\. Try again in [3-6]\d s\.$/,
    );
    await screenshot(page, 'signin-locked-en');
    // ... and the service refuses it too.
    const refused = await page.evaluate(
      (body) =>
        fetch('/v1/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.status),
      { username: person.username, password: person.password },
    );
    expect(refused).toBe(429);
  });

  it('a disabled account: the open page goes to the sign-in page at once (its stream cut), and sign-in is refused', async () => {
    const person = await createAccount(service, { username: 'zhao.lei', role: 'supervisor' });
    const page = await openPage([/status of 40[13]/]);
    await signedIn(page, person);
    const disabled = await adminRequest(service)('PATCH', `/v1/accounts/${person.id}`, { disabled: true });
    expect(disabled.statusCode, disabled.body).toBe(200);
    // No click: the service ends the live stream and the page goes to the sign-in page instead of
    // reconnecting. (The service removes the sessions, so its 401 says only that the session ended.)
    expect(await signInNotice(page, 'ended')).toBe(ENDED_ELSEWHERE);
    expect(await page.getByTestId('live-indicator').count()).toBe(0);
    expect(await signIn(page, person)).toBe(403);
    await page.locator('[data-testid=sign-in-error][data-kind=disabled]').waitFor();
    expect(await text(page, 'sign-in-error')).toBe('该账号已被停用，请联系管理员。');
    await screenshot(page, 'signin-disabled-zh');
    await toEnglish(page);
    expect(await text(page, 'sign-in-error')).toBe('This account has been disabled. Ask your administrator.');
    await screenshot(page, 'signin-disabled-en');
  });

  it('says so when the server cannot be reached', async () => {
    const page = await openPage([/ERR_FAILED|ERR_CONNECTION/]);
    await page.route('**/v1/auth/login', (route) => route.abort('connectionrefused'));
    await page.getByTestId('username').fill(leader.username);
    await page.getByTestId('password').fill(leader.password);
    await page.getByTestId('sign-in').click();
    await page.locator('[data-testid=sign-in-error][data-kind=unreachable]').waitFor();
    expect(await text(page, 'sign-in-error')).toBe('无法连接到服务器，请检查网络后重试。');
    await screenshot(page, 'signin-unreachable-zh');
    await toEnglish(page);
    expect(await text(page, 'sign-in-error')).toBe(
      'The server cannot be reached. Check the network and try again.',
    );
  });

  it('a password the admin set must be changed first: the rules on the page, the service’s own answer, then the page asked for', async () => {
    const person = await createAccount(service, {
      username: 'li.na',
      role: 'supervisor',
      password: 'temporary-pass-1',
      mustChangePassword: true,
    });
    const page = await openPage([/status of 40[03]/], '/no/such/page');
    expect(await signIn(page, person)).toBe(200);
    await page.waitForURL((url) => url.pathname === '/change-password');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/no/such/page');
    await page.getByTestId('password-page').waitFor();
    expect(await page.getByTestId('password-username').inputValue()).toBe('li.na');
    expect(await text(page, 'password-rules')).toBe('至少 10 个字符，不能包含用户名，且不能与当前密码相同。');
    // Nothing else first (the header, the live stream): every other page leads back here.
    expect(await page.getByTestId('live-indicator').count()).toBe(0);
    await page.goto(`${service.url}/no/such/page`);
    await page.waitForURL((url) => url.pathname === '/change-password');
    await screenshot(page, 'password-required-zh');

    const fill = async (current: string, next: string, repeat = next) => {
      await page.getByTestId('password-current').fill(current);
      await page.getByTestId('password-next').fill(next);
      await page.getByTestId('password-repeat').fill(repeat);
      await page.getByTestId('password-repeat').press('Enter');
    };
    const error = async (kind: string) => {
      await page.locator(`[data-testid=password-error][data-kind=${kind}]`).waitFor();
      return text(page, 'password-error');
    };
    await fill(person.password, 'short');
    expect(await error('too-short')).toBe('新密码至少需要 10 个字符。');
    await fill(person.password, 'my-li.na-password');
    expect(await error('contains-username')).toBe('新密码不能包含用户名。');
    await fill(person.password, 'a-good-new-password', 'a-good-new-passwrod');
    expect(await error('mismatch')).toBe('两次输入的新密码不一致。');
    await screenshot(page, 'password-errors-zh');
    await fill('not-my-password', 'a-good-new-password');
    expect(await error('wrong-current')).toBe('当前密码不正确。');
    // 11 characters: enough for the page's rule, not for this service's (auth.minPasswordLength 12).
    await fill(person.password, 'eleven-char');
    expect(await error('too-short')).toBe(`新密码至少需要 ${MIN_PASSWORD_LENGTH} 个字符。`);
    await toEnglish(page);
    expect(await text(page, 'password-error')).toBe(
      `The new password needs at least ${MIN_PASSWORD_LENGTH} characters.`,
    );
    await screenshot(page, 'password-required-en');

    await fill(person.password, 'a-good-new-password');
    await page.getByText('Page not found', { exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/no/such/page');
    await liveConnected(page);
    // Done for good: a reload stays in.
    await page.reload();
    await page.getByText('Page not found', { exact: true }).waitFor();
  });

  it('changes the password from the header menu; signing out everywhere ends the other browser’s session too', async () => {
    const person = await createAccount(service, {
      username: 'chen.jie',
      role: 'qa',
      password: 'first-password-1',
    });
    const other = await openPage([/status of 401/]);
    await signedIn(other, person);
    const page = await openPage([/status of 401/]);
    await signedIn(page, person);

    await page.getByTestId('account-menu').click();
    await page.getByTestId('menu-sign-out-everywhere').waitFor();
    await screenshot(page, 'password-menu-zh');
    await page.getByTestId('menu-change-password').click();
    await page.waitForURL((url) => url.pathname === '/account/password');
    await page.getByTestId('password-page').waitFor();
    // Inside the shell: the header and the live stream stay.
    await liveConnected(page);
    expect(await text(page, 'password-intro')).toBe(
      '修改后，您在其他电脑和浏览器上的登录将会结束，本页保持登录。',
    );
    await screenshot(page, 'password-change-zh');
    await toEnglish(page);
    await screenshot(page, 'password-change-en');
    await page.getByTestId('password-back').click();
    await page.getByTestId('welcome').waitFor();

    await page.getByTestId('account-menu').click();
    await page.getByTestId('menu-change-password').click();
    await page.getByTestId('password-current').fill('first-password-1');
    await page.getByTestId('password-next').fill('second-password-2');
    await page.getByTestId('password-repeat').fill('second-password-2');
    await page.getByTestId('password-submit').click();
    await page.locator('.password-done').getByText('Your password has been changed.').waitFor();
    await page.getByTestId('welcome').waitFor();
    // The other browser's session ended with the change; this one goes on.
    expect(await signInNotice(other, 'ended')).toBe(ENDED_ELSEWHERE);
    await screenshot(other, 'signin-ended-elsewhere-zh');
    await signedIn(other, { username: person.username, password: 'second-password-2' });

    // Sign out everywhere, after a confirmation: both browsers go to the sign-in page.
    // The confirmation floats over the header for a while: the menu's picture after it.
    await page.locator('.password-done').waitFor({ state: 'detached' });
    await page.getByTestId('account-menu').click();
    await page.getByTestId('menu-sign-out-everywhere').waitFor();
    await screenshot(page, 'password-menu-en');
    await page.getByTestId('menu-sign-out-everywhere').click();
    await page.locator('.sign-out-everywhere-confirm').waitFor();
    await screenshot(page, 'password-sign-out-everywhere-en');
    await page
      .locator('.sign-out-everywhere-confirm')
      .getByRole('button', { name: 'Sign out everywhere' })
      .click();
    expect(await signInNotice(page, 'signed-out-everywhere')).toBe('You have signed out on every device.');
    expect(await signInNotice(other, 'ended')).toBe(ENDED_ELSEWHERE);
  });
});

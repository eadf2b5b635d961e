import { createHash, randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Service } from '../../src/service.js';
import { startTestService } from '../harness/service.js';

/**
 * People in the browser tests: accounts made through the service's own API in-process (as an admin
 * would), and the one way every browser test signs in, through the sign-in page.
 */

/** Dispositions with Chinese labels, as a center in China sets up its campaign. */
export const CHINESE_DISPOSITIONS = [
  { code: 'sale', label: '成交', contact: true, sale: true, final: true },
  { code: 'not-interested', label: '不感兴趣', contact: true, final: true },
  { code: 'callback', label: '预约回拨', contact: true, retryAfterMin: 1440 },
];

/** What a person types on the sign-in page. */
export interface Person {
  username: string;
  password: string;
}

export interface NewAccount {
  username: string;
  role: 'admin' | 'supervisor' | 'team-leader' | 'agent' | 'qa';
  /** Required for agent and team-leader. */
  agentId?: string;
  /** A made-up one when not given. */
  password?: string;
  /** Whether the person must choose a new password at first sign-in (no, unless asked). */
  mustChangePassword?: boolean;
}

/** An admin's request to the service (an API key made for the test; the API's own checks apply). */
export function adminRequest(service: Service) {
  const key = service.store.apiKeys.create(`test admin ${randomUUID().slice(0, 6)}`, 'admin').key;
  return (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    service.api.inject({ method, url, headers: { authorization: `Bearer ${key}` }, payload });
}

/** Creates the account with POST /v1/accounts; answers its id and what to type to sign in. */
export async function createAccount(service: Service, input: NewAccount): Promise<Person & { id: string }> {
  const password = input.password ?? `pw-${randomUUID()}`;
  const res = await adminRequest(service)('POST', '/v1/accounts', {
    mustChangePassword: false,
    ...input,
    password,
  });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id, username: input.username, password };
}

/**
 * Signs in on the sign-in page (the page must be showing it): types the username and password and presses
 * the button. Answers the status of POST /v1/auth/login; the caller waits for what it expects next.
 */
export async function signIn(page: Page, person: Person): Promise<number> {
  await page.getByTestId('username').fill(person.username);
  await page.getByTestId('password').fill(person.password);
  const answer = page.waitForResponse(
    (res) => new URL(res.url()).pathname === '/v1/auth/login' && res.request().method() === 'POST',
  );
  await page.getByTestId('sign-in').click();
  return (await answer).status();
}

/** The session row behind the browser context's cookie (the store keeps the token's SHA-256 only). */
async function sessionOf(service: Service, context: BrowserContext) {
  const cookie = (await context.cookies()).find((c) => c.name === 'cc_session');
  expect(cookie, 'a cc_session cookie').toBeDefined();
  const hash = createHash('sha256').update(cookie!.value).digest('hex');
  const found = service.store.sessions.lookup(hash);
  expect(found, 'the session of the cookie').not.toBeNull();
  return found!.session;
}

/**
 * Makes the context's session unused for longer than auth.idleTimeoutMin, as if the person had left the
 * screen: the service ends it at its next request (or its minute's purge), with the reason "idle".
 */
export async function idleOut(service: Service, context: BrowserContext): Promise<void> {
  const session = await sessionOf(service, context);
  const idleMs = service.config.auth.idleTimeoutMin * 60_000;
  service.store.sessions.touch(session.id, Date.now() - idleMs - 1_000);
}

/**
 * The service the agent-screen tests work: the center in Asia/Shanghai, team t1 with one agent on a
 * persistent line (`agentId`), and that agent's account.
 */
export async function startAgentScreenService(
  agentId: string,
  options: {
    inboundRole?: 'primary' | 'none';
    wrapUpSec?: number;
    /** The service's business clock (e.g. a TestClock's); the real one when not given. */
    now?: () => Date;
    /** The center's own not-ready reasons (agents.notReadyReasons); the service's defaults when not given. */
    notReadyReasons?: { code: string; label: { 'zh-CN': string; en: string } }[];
    /** The service's `sms` config (off when not given). */
    sms?: Record<string, unknown>;
  } = {},
): Promise<{ service: Service; person: Person }> {
  const service = await startTestService(
    {
      ivr: { timezone: 'Asia/Shanghai' },
      agents: {
        wrapUpSec: options.wrapUpSec ?? 60,
        ...(options.notReadyReasons ? { notReadyReasons: options.notReadyReasons } : {}),
      },
      dialer: { trunkChannels: 5 },
      hotline: { overflowAfterSec: 0, announceEverySec: 30, maxWaitSec: 60 },
      ...(options.sms ? { sms: options.sms } : {}),
    },
    options.now ? { now: options.now } : {},
  );
  service.store.teams.create({ id: 't1', name: '一组' });
  service.store.agents.create({
    id: agentId,
    name: '王小明',
    teamId: 't1',
    role: 'agent',
    endpoint: 'Local/answer@sim',
    lineMode: 'persistent',
    inboundRole: options.inboundRole ?? 'none',
  });
  await service.agents.reload();
  const person = await createAccount(service, { username: 'wang.xiaoming', role: 'agent', agentId });
  return { service, person };
}

import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountService } from '../../src/accounts/service.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { EventBus } from '../../src/lib/events.js';
import type { AgentInput } from '../../src/store/index.js';
import { FakeDirectory } from './fake-directory.js';
import { agentServices, bearer, buildTestApi, type TestApi } from './helpers.js';

const SEC = 1000;
const MIN = 60 * SEC;
/** Cheap hashing: these tests are about sessions, not scrypt's cost. */
const FAST_SCRYPT = { logN: 10, r: 8, p: 1 };
const PASSWORD = 'first-password-1';

let api: TestApi;
let accounts: AccountService;
/** The accounts' clock, moved by the tests. */
let clock: number;

const seat = (id: string, teamId: string | null, role: AgentInput['role'] = 'agent'): AgentInput => ({
  id,
  name: `Agent ${id}`,
  teamId,
  role,
  endpoint: `PJSIP/${id}`,
  lineMode: 'per-call',
  inboundRole: 'none',
});

/** Team sales: a1 (its leader), a2. Team support: a3. */
async function build(auth?: ConfigInput['auth']) {
  clock = Date.UTC(2030, 0, 7, 8);
  api = await buildTestApi({
    auth,
    agents: (store, logger) => {
      store.teams.create({ id: 'sales', name: 'Sales' });
      store.teams.create({ id: 'support', name: 'Support' });
      for (const [id, team] of [
        ['a1', 'sales'],
        ['a2', 'sales'],
        ['a3', 'support'],
      ] as const)
        store.agents.create(seat(id, team));
      store.teams.update('sales', { leaderAgentId: 'a1' });
      const directory = new FakeDirectory(store);
      return {
        directory,
        ...agentServices(store, logger, directory),
        queue: () => ({ name: 'hotline', waiting: [], longestWaitMs: 0 }),
        bus: new EventBus(),
        today: () => ({ from: 0, to: 86_400_000 }),
      };
    },
    accounts: (store, logger, config) => {
      accounts = new AccountService({
        store,
        logger,
        now: () => clock,
        config: config.auth,
        scrypt: FAST_SCRYPT,
      });
      return { accounts };
    },
  });
}

beforeEach(() => build());
afterEach(async () => {
  await api.close();
});

const admin = () => bearer(api.adminKey);

/** An account made by the admin key; no password change forced unless asked. */
async function createAccount(
  username: string,
  role: string,
  agentId?: string,
  extra: { mustChangePassword?: boolean; password?: string } = {},
) {
  const res = await api.app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: admin(),
    payload: { username, role, agentId, password: PASSWORD, mustChangePassword: false, ...extra },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; username: string };
}

const signIn = (username: string, password = PASSWORD, headers: Record<string, string> = {}) =>
  api.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password }, headers });

interface Person {
  /** The Cookie header. */
  cookie: string;
  csrf: string;
  accountId: string;
}

function sessionCookie(res: LightMyRequestResponse) {
  const cookie = res.cookies.find((c) => c.name === 'cc_session');
  expect(cookie, 'a cc_session cookie').toBeDefined();
  return cookie!;
}

async function login(username: string, password = PASSWORD): Promise<Person> {
  const res = await signIn(username, password);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  return {
    cookie: `cc_session=${sessionCookie(res).value}`,
    csrf: body.csrfToken,
    accountId: body.accountId,
  };
}

/** The person's headers: the cookie, and the CSRF token (needed by mutating requests). */
const as = (p: Person) => ({ cookie: p.cookie, 'x-csrf-token': p.csrf });

const get = (url: string, p: Person) => api.app.inject({ url, headers: { cookie: p.cookie } });
const post = (url: string, p: Person, payload?: object) =>
  api.app.inject({ method: 'POST', url, headers: as(p), ...(payload && { payload }) });

const errorCode = (res: LightMyRequestResponse) => res.json().error.code;

describe('signing in', () => {
  it('starts a session in an httpOnly, SameSite=Strict cookie, and answers who is signed in', async () => {
    const { id } = await createAccount('Wang.Xiaoming', 'agent', 'a2');
    const res = await signIn('  WANG.xiaoming ');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toEqual({
      accountId: id,
      username: 'wang.xiaoming',
      role: 'agent',
      agentId: 'a2',
      mustChangePassword: false,
      csrfToken: expect.stringMatching(/^[\w-]{43}$/),
      createdAt: new Date(clock).toISOString(),
      idleExpiresAt: new Date(clock + 30 * MIN).toISOString(),
      expiresAt: new Date(clock + 12 * 60 * MIN).toISOString(),
    });
    const cookie = sessionCookie(res);
    expect(cookie).toMatchObject({ path: '/', maxAge: 12 * 60 * 60, httpOnly: true, sameSite: 'Strict' });
    expect(cookie.secure).toBeUndefined();
    expect(cookie.value).toMatch(/^[\w-]{43}$/);
    // The store keeps only the token's hash.
    const row = api.store.db.prepare('SELECT * FROM account_sessions').get() as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain(cookie.value);

    const person = { cookie: `cc_session=${cookie.value}`, csrf: body.csrfToken, accountId: id };
    const session = await get('/v1/auth/session', person);
    expect(session.statusCode).toBe(200);
    expect(session.json()).toEqual(body);
    const whoami = await get('/v1/whoami', person);
    expect(whoami.json()).toEqual({
      keyId: `account:${id}`,
      name: 'wang.xiaoming',
      role: 'agent',
      agentId: 'a2',
    });
  });

  it('marks the cookie Secure when auth.secureCookie says so', async () => {
    await api.close();
    await build({ secureCookie: true });
    await createAccount('ann', 'qa');
    expect(sessionCookie(await signIn('ann')).secure).toBe(true);
  });

  it('answers a wrong password and an unknown username alike, audits both, and never keeps the password', async () => {
    await createAccount('ann', 'qa');
    const wrong = await signIn('ann', 'not-the-password-1');
    const unknown = await signIn('nobody', 'not-the-password-1');
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.cookies).toEqual([]);
    }
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe('SIGN_IN_FAILED');

    const audit = api.store.audit.list({ targetType: 'account' });
    expect(
      audit.map((e) => [e.action, e.targetId, e.allowed, (e.detail as { reason: string }).reason]),
    ).toEqual([
      ['sign-in', 'nobody', false, 'unknown username'],
      ['sign-in', 'ann', false, 'wrong password'],
      ['account-create', 'ann', true, undefined],
    ]);
    expect(audit[0]).toMatchObject({ keyId: 'anonymous', keyName: '127.0.0.1' });
    const kept = JSON.stringify(api.store.db.prepare('SELECT * FROM audit_log').all()) + api.logs.join('');
    expect(kept).not.toContain('not-the-password-1');
    expect(kept).not.toContain(PASSWORD);
  });

  it('signs out: the cookie is cleared and the session ends', async () => {
    await createAccount('ann', 'qa');
    const ann = await login('ann');
    const out = await post('/v1/auth/logout', ann);
    expect(out.statusCode).toBe(204);
    expect(sessionCookie(out)).toMatchObject({ value: '', maxAge: 0 });
    const after = await get('/v1/auth/session', ann);
    expect(after.statusCode).toBe(401);
    expect(errorCode(after)).toBe('SESSION_EXPIRED');
  });

  it('ends the session a new sign-in in the same browser replaces', async () => {
    await createAccount('ann', 'qa');
    const first = await login('ann');
    const second = await signIn('ann', PASSWORD, { cookie: first.cookie });
    expect(second.statusCode).toBe(200);
    expect((await get('/v1/auth/session', first)).statusCode).toBe(401);
  });

  it('keeps API keys as they were, and tells a key it has no session', async () => {
    const res = await api.app.inject({ url: '/v1/auth/session', headers: admin() });
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('NO_SESSION');
    const none = await api.app.inject({ url: '/v1/whoami' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.message).toMatch(/API key is required.*sign in/);
    // A key decides alone: a cookie beside it is not looked at (nor its CSRF token needed).
    await createAccount('ann', 'qa');
    const ann = await login('ann');
    const both = await api.app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: { ...admin(), cookie: ann.cookie },
      payload: { name: 'k', role: 'qa' },
    });
    expect(both.statusCode).toBe(201);
  });
});

describe('session expiry', () => {
  it('ends a session unused for the idle timeout; use moves the end on', async () => {
    await createAccount('ann', 'qa');
    const ann = await login('ann');
    clock += 29 * MIN;
    const used = await get('/v1/auth/session', ann);
    expect(used.statusCode).toBe(200);
    expect(used.json().idleExpiresAt).toBe(new Date(clock + 30 * MIN).toISOString());
    clock += 29 * MIN;
    expect((await get('/v1/agents', ann)).statusCode).toBe(403); // a qa role: signed in, not allowed
    clock += 30 * MIN;
    const ended = await get('/v1/auth/session', ann);
    expect(ended.statusCode).toBe(401);
    expect(ended.json().error).toEqual({
      code: 'SESSION_EXPIRED',
      message: expect.stringMatching(/without use/),
    });
    expect(sessionCookie(ended)).toMatchObject({ value: '', maxAge: 0 });
  });

  it('ends a session at its absolute lifetime however busy', async () => {
    await createAccount('ann', 'qa');
    const ann = await login('ann');
    const start = clock;
    for (clock = start + 20 * MIN; clock < start + 12 * 60 * MIN; clock += 20 * MIN) {
      expect((await get('/v1/auth/session', ann)).statusCode).toBe(200);
    }
    clock = start + 12 * 60 * MIN;
    const ended = await get('/v1/auth/session', ann);
    expect(ended.statusCode).toBe(401);
    expect(ended.json().error.message).toMatch(/time limit/);
  });

  it('follows the configured timeouts', async () => {
    await api.close();
    await build({ idleTimeoutMin: 5, sessionLifetimeMin: 60 });
    await createAccount('ann', 'qa');
    const ann = await login('ann');
    clock += 5 * MIN;
    expect((await get('/v1/auth/session', ann)).statusCode).toBe(401);
  });

  it('survives a restart: sessions live in the store', async () => {
    await createAccount('ann', 'qa');
    const ann = await login('ann');
    // A new service over the same database, as after a restart.
    const restarted = new AccountService({
      store: api.store,
      logger: api.app.log as never,
      now: () => clock,
      config: api.app.config.auth,
      scrypt: FAST_SCRYPT,
    });
    const check = restarted.authenticate(ann.cookie.slice('cc_session='.length));
    expect(check).toMatchObject({ ok: true, session: { username: 'ann', csrfToken: ann.csrf } });
  });
});

describe('CSRF', () => {
  it('refuses a mutating request with the cookie but without the right token, and takes it with', async () => {
    await createAccount('boss', 'admin');
    const boss = await login('boss');
    const payload = { name: 'from the browser', role: 'qa' };
    const missing = await api.app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: { cookie: boss.cookie },
      payload,
    });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error).toEqual({
      code: 'CSRF_TOKEN_MISSING',
      message: expect.stringMatching(/x-csrf-token/),
    });
    const wrong = await api.app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: { cookie: boss.cookie, 'x-csrf-token': `${boss.csrf.slice(1)}x` },
      payload,
    });
    expect(wrong.statusCode).toBe(403);
    expect(errorCode(wrong)).toBe('CSRF_TOKEN_INVALID');
    // Another session's token is wrong too: it is bound to its session.
    const other = await login('boss');
    const crossed = await api.app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: { cookie: boss.cookie, 'x-csrf-token': other.csrf },
      payload,
    });
    expect(errorCode(crossed)).toBe('CSRF_TOKEN_INVALID');
    for (const method of ['PATCH', 'DELETE'] as const) {
      const res = await api.app.inject({
        method,
        url: '/v1/teams/sales',
        headers: { cookie: boss.cookie },
        payload: {},
      });
      expect(errorCode(res), method).toBe('CSRF_TOKEN_MISSING');
    }

    const ok = await api.app.inject({ method: 'POST', url: '/v1/keys', headers: as(boss), payload });
    expect(ok.statusCode).toBe(201);
    // Reading needs no token.
    expect((await get('/v1/keys', boss)).statusCode).toBe(200);
  });
});

describe('lock-out', () => {
  it('delays, then refuses with 429 and Retry-After, known username or not; success clears the count', async () => {
    await createAccount('ann', 'qa');
    for (const username of ['ann', 'ghost']) {
      const answers: string[] = [];
      for (let i = 0; i < 5; i++) {
        clock += 10 * SEC;
        const res = await signIn(username, 'wrong-password-1');
        answers.push(`${res.statusCode}`);
      }
      expect(answers, username).toEqual(['401', '401', '401', '401', '401']);
      clock += SEC;
      const refused = await signIn(username, username === 'ann' ? PASSWORD : 'wrong-password-1');
      expect(refused.statusCode, username).toBe(429);
      expect(refused.headers['retry-after']).toBe('59');
      expect(refused.json().error.code).toBe('TOO_MANY_ATTEMPTS');
    }
    expect(api.store.audit.list({ targetId: 'ann' })[0]!.detail).toMatchObject({ lockedForMs: 60_000 });

    clock += MIN;
    expect((await signIn('ann')).statusCode).toBe(200);
    // The count starts afresh: one wrong password is a plain 401 again.
    expect((await signIn('ann', 'wrong-password-1')).statusCode).toBe(401);
  });

  it('makes the next attempt wait after the second failure', async () => {
    await createAccount('ann', 'qa');
    await signIn('ann', 'wrong-password-1');
    await signIn('ann', 'wrong-password-1');
    const early = await signIn('ann');
    expect(early.statusCode).toBe(429);
    expect(early.headers['retry-after']).toBe('1');
    clock += SEC;
    expect((await signIn('ann')).statusCode).toBe(200);
  });

  it('refuses an address after many failures over many usernames', async () => {
    await createAccount('ann', 'qa');
    for (let i = 0; i < 20; i++) expect((await signIn(`user${i}`, 'wrong-password-1')).statusCode).toBe(401);
    const refused = await signIn('ann');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    // Another address is not held up.
    const elsewhere = await api.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'ann', password: PASSWORD },
      remoteAddress: '10.0.0.9',
    });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('checks a burst from one address a few at a time: many people sign in, a spray meets the count', async () => {
    for (let i = 0; i < 12; i++) await createAccount(`agent${i}`, 'qa');
    const people = await Promise.all(Array.from({ length: 12 }, (_, i) => signIn(`agent${i}`)));
    expect(people.map((r) => r.statusCode)).toEqual(Array(12).fill(200));

    const spray = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signIn(`guess${i}`, 'wrong-password-1')),
    );
    const failed = spray.filter((r) => r.statusCode === 401).length;
    // The address refuses from its 20th failure on; checks already running when it came may still finish.
    expect(failed).toBeGreaterThanOrEqual(20);
    expect(failed).toBeLessThanOrEqual(23);
    expect(spray.filter((r) => r.statusCode === 429)).toHaveLength(30 - failed);
  });

  it('lets one check per username run at a time, so a burst cannot outrun the count', async () => {
    await createAccount('ann', 'qa');
    const answers = await Promise.all([1, 2, 3].map(() => signIn('ann', 'wrong-password-1')));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([401, 429, 429]);
  });
});

describe('passwords', () => {
  it('changes my own password with the current one; other sessions end, this one stays', async () => {
    await createAccount('ann', 'qa');
    const ann = await login('ann');
    const elsewhere = await login('ann');
    const wrong = await post('/v1/auth/password', ann, {
      currentPassword: 'nope-nope-nope',
      newPassword: 'new-password-22',
    });
    expect(wrong.statusCode).toBe(400);
    expect(errorCode(wrong)).toBe('WRONG_PASSWORD');
    for (const newPassword of ['short', 'ann-is-my-name', PASSWORD]) {
      const weak = await post('/v1/auth/password', ann, { currentPassword: PASSWORD, newPassword });
      expect(weak.statusCode, newPassword).toBe(400);
      expect(errorCode(weak)).toBe('WEAK_PASSWORD');
    }
    const changed = await post('/v1/auth/password', ann, {
      currentPassword: PASSWORD,
      newPassword: 'new-password-22',
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ username: 'ann', mustChangePassword: false, csrfToken: ann.csrf });
    expect((await get('/v1/auth/session', ann)).statusCode).toBe(200);
    expect((await get('/v1/auth/session', elsewhere)).statusCode).toBe(401);
    expect((await signIn('ann')).statusCode).toBe(401);
    expect((await signIn('ann', 'new-password-22')).statusCode).toBe(200);
  });

  it('an admin reset ends the sessions and forces a change: until then only the sign-in routes answer', async () => {
    const { id } = await createAccount('bob', 'agent', 'a2');
    const bob = await login('bob');
    const reset = await api.app.inject({
      method: 'POST',
      url: `/v1/accounts/${id}/password`,
      headers: admin(),
      payload: { password: 'temporary-pass-1' },
    });
    expect(reset.statusCode).toBe(204);
    expect((await get('/v1/auth/session', bob)).statusCode).toBe(401);
    expect((await signIn('bob')).statusCode).toBe(401);

    const again = await login('bob', 'temporary-pass-1');
    const session = await get('/v1/auth/session', again);
    expect(session.json().mustChangePassword).toBe(true);
    for (const res of [await get('/v1/agents', again), await get('/v1/whoami', again)]) {
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe('PASSWORD_CHANGE_REQUIRED');
    }
    const changed = await post('/v1/auth/password', again, {
      currentPassword: 'temporary-pass-1',
      newPassword: 'my-own-password-7',
    });
    expect(changed.json().mustChangePassword).toBe(false);
    expect((await get('/v1/agents', again)).statusCode).toBe(200);
  });

  it('makes a new account change its password at first sign-in by default', async () => {
    await createAccount('cat', 'qa', undefined, { mustChangePassword: undefined });
    const cat = await login('cat');
    expect(errorCode(await get('/v1/whoami', cat))).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await post('/v1/auth/logout', cat)).statusCode).toBe(204);
  });
});

describe('sign out everywhere', () => {
  it('ends every session of my account', async () => {
    await createAccount('ann', 'qa');
    const [one, two] = [await login('ann'), await login('ann')];
    const res = await post('/v1/auth/sign-out-everywhere', one);
    expect(res.json()).toEqual({ ended: 2 });
    expect(sessionCookie(res).maxAge).toBe(0);
    for (const p of [one, two]) expect((await get('/v1/auth/session', p)).statusCode).toBe(401);
  });

  it('lets an admin end anyone’s sessions', async () => {
    const { id } = await createAccount('ann', 'qa');
    const ann = await login('ann');
    const res = await api.app.inject({
      method: 'POST',
      url: `/v1/accounts/${id}/sign-out`,
      headers: admin(),
    });
    expect(res.json()).toEqual({ ended: 1 });
    expect((await get('/v1/auth/session', ann)).statusCode).toBe(401);
    const unknown = await api.app.inject({
      method: 'POST',
      url: '/v1/accounts/nope/sign-out',
      headers: admin(),
    });
    expect(unknown.statusCode).toBe(404);
    expect(errorCode(unknown)).toBe('ACCOUNT_NOT_FOUND');
  });
});

describe('roles and scope', () => {
  it('lets a signed-in agent see and act for their own agent only, as an agent key', async () => {
    await createAccount('a2.person', 'agent', 'a2');
    const a2 = await login('a2.person');
    const list = await get('/v1/agents', a2);
    expect(list.json().agents.map((a: { id: string }) => a.id)).toEqual(['a2']);
    expect((await get('/v1/agents/a3', a2)).statusCode).toBe(403);
    expect((await post('/v1/agents/a2/state', a2, { event: 'login' })).statusCode).toBe(200);
    expect((await post('/v1/agents/a3/state', a2, { event: 'login' })).statusCode).toBe(403);
    // An agent may not manage accounts.
    const create = await post('/v1/accounts', a2, { username: 'x', role: 'admin', password: PASSWORD });
    expect(errorCode(create)).toBe('FORBIDDEN');
  });

  it('lets a signed-in team leader see the agents of their teams only', async () => {
    await createAccount('lead.sales', 'team-leader', 'a1');
    const lead = await login('lead.sales');
    const list = await get('/v1/agents', lead);
    expect(
      list
        .json()
        .agents.map((a: { id: string }) => a.id)
        .sort(),
    ).toEqual(['a1', 'a2']);
    expect((await get('/v1/agents/a3', lead)).statusCode).toBe(403);
  });

  it('takes a new role from the next request', async () => {
    const { id } = await createAccount('ann', 'qa');
    const ann = await login('ann');
    expect((await get('/v1/agents', ann)).statusCode).toBe(403);
    await api.app.inject({
      method: 'PATCH',
      url: `/v1/accounts/${id}`,
      headers: admin(),
      payload: { role: 'supervisor' },
    });
    expect((await get('/v1/agents', ann)).json().agents).toHaveLength(3);
  });
});

describe('disabling', () => {
  it('refuses a disabled account’s session at once, and its sign-in (only with the right password)', async () => {
    const { id } = await createAccount('ann', 'qa');
    const ann = await login('ann');
    const res = await api.app.inject({
      method: 'PATCH',
      url: `/v1/accounts/${id}`,
      headers: admin(),
      payload: { disabled: true },
    });
    expect(res.json()).toMatchObject({ disabled: true, disabledAt: expect.any(String), sessions: 0 });
    expect((await get('/v1/auth/session', ann)).statusCode).toBe(401);
    const right = await signIn('ann');
    expect(right.statusCode).toBe(403);
    expect(errorCode(right)).toBe('ACCOUNT_DISABLED');
    expect(errorCode(await signIn('ann', 'wrong-password-1'))).toBe('SIGN_IN_FAILED');

    await api.app.inject({
      method: 'PATCH',
      url: `/v1/accounts/${id}`,
      headers: admin(),
      payload: { disabled: false },
    });
    expect((await signIn('ann')).statusCode).toBe(200);
  });

  it('ends the session of a person whose agent is deactivated, at once', async () => {
    await createAccount('a2.person', 'agent', 'a2');
    const a2 = await login('a2.person');
    const off = await api.app.inject({ method: 'DELETE', url: '/v1/agents/a2', headers: admin() });
    expect(off.statusCode).toBe(204);
    const refused = await get('/v1/agents', a2);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toMatch(/disabled/);
    expect(errorCode(await signIn('a2.person'))).toBe('ACCOUNT_DISABLED');
  });
});

describe('/v1/accounts', () => {
  it('creates, lists and shows accounts, never a password', async () => {
    const created = await api.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: admin(),
      payload: { username: 'Lead.Sales', role: 'team-leader', agentId: 'a1', password: PASSWORD },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toEqual({
      id: expect.any(String),
      username: 'lead.sales',
      role: 'team-leader',
      agentId: 'a1',
      disabled: false,
      disabledAt: null,
      mustChangePassword: true,
      passwordChangedAt: new Date(clock).toISOString(),
      lastSignInAt: null,
      sessions: 0,
      createdAt: new Date(clock).toISOString(),
      updatedAt: new Date(clock).toISOString(),
    });
    await login('lead.sales');
    const list = await api.app.inject({ url: '/v1/accounts', headers: admin() });
    expect(list.json().accounts).toEqual([
      { ...body, sessions: 1, lastSignInAt: new Date(clock).toISOString() },
    ]);
    expect(list.body).not.toMatch(/scrypt|password_hash|passwordHash/);
    const one = await api.app.inject({ url: `/v1/accounts/${body.id}`, headers: admin() });
    expect(one.json().username).toBe('lead.sales');
    expect((await api.app.inject({ url: '/v1/accounts/nope', headers: admin() })).statusCode).toBe(404);
  });

  it.each([
    [{ username: 'x1', role: 'agent' }, 400, 'AGENT_REQUIRED'],
    [{ username: 'x1', role: 'team-leader' }, 400, 'AGENT_REQUIRED'],
    [{ username: 'x1', role: 'agent', agentId: 'a9' }, 400, 'UNKNOWN_AGENT'],
    [{ username: 'x1', role: 'qa', password: 'short' }, 400, 'WEAK_PASSWORD'],
    [{ username: 'robert', role: 'qa', password: 'i-am-robert-1' }, 400, 'WEAK_PASSWORD'],
    [{ username: 'ANN', role: 'qa' }, 409, 'ACCOUNT_EXISTS'],
    [{ username: 'a b', role: 'qa' }, 400, 'VALIDATION_FAILED'],
    [{ username: 'x1', role: 'boss' }, 400, 'VALIDATION_FAILED'],
  ])('refuses %j', async (payload, status, code) => {
    await createAccount('ann', 'qa');
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: admin(),
      payload: { password: PASSWORD, ...payload },
    });
    expect(res.statusCode, res.body).toBe(status);
    expect(errorCode(res)).toBe(code);
  });

  it('is for admins only', async () => {
    const sup = api.store.apiKeys.create('sup', 'supervisor').key;
    const res = await api.app.inject({ url: '/v1/accounts', headers: bearer(sup) });
    expect(res.statusCode).toBe(403);
  });
});

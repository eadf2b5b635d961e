import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { passwordProblem } from '../../../src/accounts/password.js';
import { AccountService } from '../../../src/accounts/service.js';
import {
  apiErrorOf,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  sessionEndOf,
  weakPasswordOf,
} from '../../../web/src/session/answers.js';
import { bearer, buildTestApi, type TestApi } from '../../api/helpers.js';

/**
 * The page reads the service's words (the reason in 401 SESSION_EXPIRED, the rule in 400 WEAK_PASSWORD):
 * these check it against the service's own answers, so that a change of wording there fails here.
 */

const MIN = 60_000;
const PASSWORD = 'first-password-1';

let api: TestApi;
let clock: number;

beforeEach(async () => {
  clock = Date.UTC(2030, 0, 7, 8);
  api = await buildTestApi({
    accounts: (store, logger, config) => ({
      accounts: new AccountService({
        store,
        logger,
        now: () => clock,
        config: config.auth,
        scrypt: { logN: 10, r: 8, p: 1 },
      }),
    }),
  });
  const created = await api.app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: bearer(api.adminKey),
    payload: { username: 'ann', role: 'qa', password: PASSWORD, mustChangePassword: false },
  });
  expect(created.statusCode, created.body).toBe(201);
});
afterEach(async () => {
  await api.close();
});

async function signIn() {
  const res = await api.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { username: 'ann', password: PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(200);
  const cookie = res.cookies.find((c) => c.name === 'cc_session')!;
  return { cookie: `cc_session=${cookie.value}`, csrf: res.json().csrfToken as string };
}

/** The reason the page gives for the 401 of GET /v1/auth/session. */
async function reasonNow(person: { cookie: string }) {
  const res = await api.app.inject({ url: '/v1/auth/session', headers: { cookie: person.cookie } });
  expect(res.statusCode).toBe(401);
  return sessionEndOf(apiErrorOf(res.json()), null, clock);
}

describe('the page reads the service’s reasons', () => {
  it('idle, time limit, disabled, ended', async () => {
    const idle = await signIn();
    clock += 31 * MIN;
    expect(await reasonNow(idle)).toBe('idle');

    const busy = await signIn();
    const start = clock;
    for (clock += 20 * MIN; clock < start + 12 * 60 * MIN; clock += 20 * MIN) {
      await api.app.inject({ url: '/v1/auth/session', headers: { cookie: busy.cookie } });
    }
    clock = start + 12 * 60 * MIN;
    expect(await reasonNow(busy)).toBe('time-limit');

    const barred = await signIn();
    // Disabled in the store alone, so that the session is still there to be refused for it.
    const id = api.store.accounts.byUsername('ann')!.id;
    api.store.accounts.update(id, { disabled: true }, clock);
    expect(await reasonNow(barred)).toBe('disabled');
    api.store.accounts.update(id, { disabled: false }, clock);

    const gone = await signIn();
    const out = await api.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: { cookie: gone.cookie, 'x-csrf-token': gone.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(await reasonNow(gone)).toBe('ended');
  });

  it('every rule of a new password, as the page names it', () => {
    const named = (password: string, min = MIN_PASSWORD_LENGTH) =>
      weakPasswordOf(passwordProblem(password, 'ann', min) ?? 'none').kind;
    expect(named('short')).toBe('too-short');
    expect(weakPasswordOf(passwordProblem('short-ish-pw', 'ann', 14)!)).toEqual({
      kind: 'too-short',
      min: 14,
    });
    expect(named('x'.repeat(MAX_PASSWORD_LENGTH + 1))).toBe('too-long');
    expect(named(' '.repeat(12))).toBe('only-spaces');
    expect(named('annie-is-my-name')).toBe('contains-username');
  });
});

import { describe, expect, it } from 'vitest';
import {
  apiErrorOf,
  MIN_PASSWORD_LENGTH,
  passwordChangeFailureOf,
  passwordFormProblem,
  retryAfterSec,
  sessionEndOf,
  signInFailureOf,
  waitWording,
  weakPasswordOf,
} from '../../../web/src/session/answers.js';
import { returnPath } from '../../../web/src/session/return-path.js';

const NOW = Date.UTC(2030, 0, 7, 8);
const expired = (message: string) => ({ code: 'SESSION_EXPIRED', message });

describe('what the service says about an ended session', () => {
  it('reads the reason from the message of 401 SESSION_EXPIRED (src/api/plugins/auth.ts)', () => {
    const at = (message: string) => sessionEndOf(expired(message), null, NOW);
    expect(at('The session ended after a time without use: sign in again')).toBe('idle');
    expect(at('The session reached its time limit: sign in again')).toBe('time-limit');
    expect(at('The account is disabled: the session has ended')).toBe('disabled');
    expect(at('The session has ended (signed out, or replaced): sign in again')).toBe('ended');
    expect(at('Something the page does not know yet')).toBe('ended');
  });

  it('takes a request without a cookie after the session’s absolute end for the browser having dropped it', () => {
    const unauthenticated = { code: 'UNAUTHENTICATED', message: 'An API key is required' };
    expect(sessionEndOf(unauthenticated, NOW - 1_000, NOW)).toBe('time-limit');
    expect(sessionEndOf(unauthenticated, NOW + 2_000, NOW)).toBe('time-limit');
    expect(sessionEndOf(unauthenticated, NOW + 60_000, NOW)).toBe('ended');
    expect(sessionEndOf(null, null, NOW)).toBe('ended');
  });

  it('reads the error body, and nothing else', () => {
    expect(apiErrorOf({ error: { code: 'X', message: 'why' } })).toEqual({ code: 'X', message: 'why' });
    expect(apiErrorOf({ error: { code: 'X' } })).toEqual({ code: 'X', message: '' });
    expect(apiErrorOf({ error: 'X' })).toBeNull();
    expect(apiErrorOf(null)).toBeNull();
    expect(apiErrorOf('Bad Gateway')).toBeNull();
  });
});

describe('sign-in refusals', () => {
  const failure = (status: number, code?: string, retryAfter: string | null = null) =>
    signInFailureOf(status, code ? { code, message: '' } : null, retryAfter, NOW);

  it('one answer for a wrong password and an unknown username; disabled only as the service says', () => {
    expect(failure(401, 'SIGN_IN_FAILED')).toEqual({ kind: 'wrong-credentials' });
    expect(failure(400, 'VALIDATION_FAILED')).toEqual({ kind: 'wrong-credentials' });
    expect(failure(403, 'ACCOUNT_DISABLED')).toEqual({ kind: 'disabled' });
    expect(failure(403, 'FORBIDDEN')).toEqual({ kind: 'server', status: 403 });
  });

  it('too many attempts, with the wait of Retry-After', () => {
    expect(failure(429, 'TOO_MANY_ATTEMPTS', '60')).toEqual({ kind: 'too-many', retryAfterSec: 60 });
    expect(failure(429, 'TOO_MANY_ATTEMPTS')).toEqual({ kind: 'too-many', retryAfterSec: 1 });
  });

  it('the service away (a proxy answering for it) or failing', () => {
    for (const status of [0, 502, 503, 504]) expect(failure(status)).toEqual({ kind: 'unreachable' });
    expect(failure(500, 'INTERNAL')).toEqual({ kind: 'server', status: 500 });
  });

  it('reads Retry-After in seconds or as a date, never less than a second', () => {
    expect(retryAfterSec('120', NOW)).toBe(120);
    expect(retryAfterSec(' 0.2 ', NOW)).toBe(1);
    expect(retryAfterSec(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30);
    expect(retryAfterSec('soon', NOW)).toBe(1);
    expect(retryAfterSec(null, NOW)).toBe(1);
  });

  it('words a wait in seconds below two minutes, whole minutes above', () => {
    expect(waitWording(0.3)).toEqual({ key: 'seconds', n: 1 });
    expect(waitWording(60)).toEqual({ key: 'seconds', n: 60 });
    expect(waitWording(119)).toEqual({ key: 'seconds', n: 119 });
    expect(waitWording(120)).toEqual({ key: 'minutes', n: 2 });
    expect(waitWording(3_599)).toEqual({ key: 'minutes', n: 60 });
  });
});

describe('a new password', () => {
  const form = (next: string, extra: Partial<Parameters<typeof passwordFormProblem>[0]> = {}) =>
    passwordFormProblem({ username: 'li.na', current: 'the-current-one', next, repeat: next, ...extra });

  it('checks the service’s rules on the page, in the service’s order, then the repeat', () => {
    expect(form('', { repeat: '' })).toEqual({ kind: 'required' });
    expect(form('a-new-pass-1', { current: '' })).toEqual({ kind: 'required' });
    expect(form('123456789')).toEqual({ kind: 'too-short', min: MIN_PASSWORD_LENGTH });
    expect(form('x'.repeat(257))).toEqual({ kind: 'too-long', max: 256 });
    expect(form(' '.repeat(12))).toEqual({ kind: 'only-spaces' });
    expect(form('my-LI.NA-password')).toEqual({ kind: 'contains-username' });
    expect(form('the-current-one')).toEqual({ kind: 'same-as-current' });
    expect(form('a-new-pass-1', { repeat: 'a-new-pass-2' })).toEqual({ kind: 'mismatch' });
    expect(form('a-new-pass-1')).toBeNull();
  });

  it('counts characters, not bytes (a Chinese password counts fairly)', () => {
    expect(form('我的新密码很安全的吧')).toBeNull();
    expect(form('我的新密码很安全')).toEqual({ kind: 'too-short', min: MIN_PASSWORD_LENGTH });
  });

  it('a password inside the username is refused too, as the service does (from 3 characters)', () => {
    const long = (next: string) =>
      passwordFormProblem({ username: 'wang.xiaoming.the.second', current: 'c', next, repeat: next });
    expect(long('xiaoming.the')).toEqual({ kind: 'contains-username' });
  });

  it('names the rule a 400 WEAK_PASSWORD names (src/accounts/password.ts), or shows its words', () => {
    expect(weakPasswordOf('The password must have at least 12 characters')).toEqual({
      kind: 'too-short',
      min: 12,
    });
    expect(weakPasswordOf('The password may have at most 256 characters')).toEqual({
      kind: 'too-long',
      max: 256,
    });
    expect(weakPasswordOf('The password must not be only spaces')).toEqual({ kind: 'only-spaces' });
    expect(weakPasswordOf('The password must not contain the username')).toEqual({
      kind: 'contains-username',
    });
    expect(weakPasswordOf('The new password must differ from the current one')).toEqual({
      kind: 'same-as-current',
    });
    expect(weakPasswordOf('The password is on a list of leaked ones')).toEqual({
      kind: 'weak',
      message: 'The password is on a list of leaked ones',
    });
  });

  it('tells a wrong current password, a weak new one, too many attempts and the service away apart', () => {
    const refused = (status: number, code: string, message = '', retryAfter: string | null = null) =>
      passwordChangeFailureOf(status, { code, message }, retryAfter, NOW);
    expect(refused(400, 'WRONG_PASSWORD')).toEqual({ kind: 'wrong-current' });
    expect(refused(400, 'WEAK_PASSWORD', 'The password must not contain the username')).toEqual({
      kind: 'contains-username',
    });
    expect(refused(429, 'TOO_MANY_ATTEMPTS', '', '8')).toEqual({ kind: 'too-many', retryAfterSec: 8 });
    expect(passwordChangeFailureOf(503, null, null, NOW)).toEqual({ kind: 'unreachable' });
    expect(refused(400, 'VALIDATION_FAILED')).toEqual({ kind: 'server', status: 400 });
  });
});

describe('the way back after signing in', () => {
  it('is a path of this app, never another site, nor a page on the way in', () => {
    expect(returnPath('/agent')).toBe('/agent');
    expect(returnPath('/no/such/page?x=1#y')).toBe('/no/such/page?x=1#y');
    expect(returnPath(undefined)).toBe('/');
    expect(returnPath(['/agent'])).toBe('/');
    expect(returnPath('https://elsewhere.example/')).toBe('/');
    expect(returnPath('//elsewhere.example/')).toBe('/');
    expect(returnPath('/\\elsewhere.example/')).toBe('/');
    expect(returnPath('/sign-in?next=/agent')).toBe('/');
    expect(returnPath('/change-password')).toBe('/');
  });
});

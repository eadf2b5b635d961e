/**
 * What the service's sign-in answers mean to a person (docs/accounts.md), as pure functions: the sign-in
 * and password pages and the session turn them into messages of the catalogs. No DOM, no Vue.
 */

/** The service's error body is `{ error: { code, message } }`. */
export interface ApiError {
  code: string;
  message: string;
}

export function apiErrorOf(body: unknown): ApiError | null {
  const error = (body as { error?: unknown } | null)?.error as
    | { code?: unknown; message?: unknown }
    | undefined;
  if (typeof error !== 'object' || error === null || typeof error.code !== 'string') return null;
  return { code: error.code, message: typeof error.message === 'string' ? error.message : '' };
}

/** Why there is no session, as the sign-in page says it. */
export type SessionEnd =
  | 'signed-out'
  | 'signed-out-everywhere'
  /** Unused for the idle timeout. */
  | 'idle'
  /** The session's absolute lifetime passed. */
  | 'time-limit'
  /** The account (or its agent) was disabled. */
  | 'disabled'
  /** Ended some other way: signed out in another tab, a new sign-in, a password change or reset. */
  | 'ended'
  /** The service could not be asked. */
  | 'unreachable';

/** The browser drops the cookie at its Max-Age (the session's end): a request a moment after goes without. */
const COOKIE_DROP_SLACK_MS = 5_000;

/**
 * Why a 401 ended the session. The service tells the reason only in the message of 401 SESSION_EXPIRED
 * (one sentence per reason, src/api/plugins/auth.ts); 401 UNAUTHENTICATED means no cookie came, which
 * after the session's absolute end is the browser having dropped it.
 */
export function sessionEndOf(error: ApiError | null, expiresAt: number | null, now: number): SessionEnd {
  if (error?.code === 'SESSION_EXPIRED') {
    if (/without use/i.test(error.message)) return 'idle';
    if (/time limit/i.test(error.message)) return 'time-limit';
    if (/disabled/i.test(error.message)) return 'disabled';
    return 'ended';
  }
  if (expiresAt !== null && now >= expiresAt - COOKIE_DROP_SLACK_MS) return 'time-limit';
  return 'ended';
}

/** Seconds in a Retry-After header (the service sends seconds; an HTTP date is honoured too). */
export function retryAfterSec(header: string | null, now: number): number {
  if (header === null) return 1;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const at = Date.parse(header);
  return Number.isNaN(at) ? 1 : Math.max(1, Math.ceil((at - now) / 1000));
}

/** A wait, as the catalogs word it: seconds below two minutes, whole minutes (rounded up) above. */
export function waitWording(seconds: number): { key: 'seconds' | 'minutes'; n: number } {
  return seconds < 120
    ? { key: 'seconds', n: Math.max(1, Math.ceil(seconds)) }
    : { key: 'minutes', n: Math.ceil(seconds / 60) };
}

/** Statuses a proxy in front of the service answers while the service is away. */
const AWAY = new Set([502, 503, 504]);

export type RequestFailure =
  /** The service could not be reached (network, or a proxy answering for it). */
  | { kind: 'unreachable' }
  /** Too many failed attempts: wait this long (429 TOO_MANY_ATTEMPTS with Retry-After). */
  | { kind: 'too-many'; retryAfterSec: number }
  /** Any other answer the page does not explain on its own. */
  | { kind: 'server'; status: number };

/** The failures every sign-in page request shares; null when the answer needs a closer look. */
function commonFailure(status: number, retryAfter: string | null, now: number): RequestFailure | null {
  if (status === 0 || AWAY.has(status)) return { kind: 'unreachable' };
  if (status === 429) return { kind: 'too-many', retryAfterSec: retryAfterSec(retryAfter, now) };
  if (status >= 500) return { kind: 'server', status };
  return null;
}

export type SignInFailure =
  /** A field left empty (checked before asking). */
  | { kind: 'required' }
  /** The service's one answer for a wrong password and an unknown username alike. */
  | { kind: 'wrong-credentials' }
  /** Right password, disabled account. */
  | { kind: 'disabled' }
  | RequestFailure;

/** Why POST /v1/auth/login refused. */
export function signInFailureOf(
  status: number,
  error: ApiError | null,
  retryAfter: string | null,
  now: number,
): SignInFailure {
  const common = commonFailure(status, retryAfter, now);
  if (common) return common;
  if (status === 403 && error?.code === 'ACCOUNT_DISABLED') return { kind: 'disabled' };
  // 400: a username or password the service would not even check (too long) cannot be right either.
  if (status === 401 || status === 400) return { kind: 'wrong-credentials' };
  return { kind: 'server', status };
}

/**
 * The service's rules for a new password (src/accounts/password.ts, `auth.minPasswordLength` at its
 * default), checked on the page for an answer while typing; the service checks again and its answer wins.
 */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

export type PasswordProblem =
  | { kind: 'required' }
  | { kind: 'mismatch' }
  | { kind: 'too-short'; min: number }
  | { kind: 'too-long'; max: number }
  | { kind: 'only-spaces' }
  | { kind: 'contains-username' }
  | { kind: 'same-as-current' }
  /** The current password is wrong (400 WRONG_PASSWORD; it counts as a failed sign-in). */
  | { kind: 'wrong-current' }
  /** 400 WEAK_PASSWORD with a rule the page does not know: the service's own words. */
  | { kind: 'weak'; message: string }
  | RequestFailure;

export interface PasswordForm {
  username: string;
  current: string;
  next: string;
  repeat: string;
}

/** The first rule the form breaks, as the service would judge it (plus the repeat), or null. */
export function passwordFormProblem(form: PasswordForm): PasswordProblem | null {
  if (form.current === '' || form.next === '' || form.repeat === '') return { kind: 'required' };
  const length = [...form.next].length;
  if (length < MIN_PASSWORD_LENGTH) return { kind: 'too-short', min: MIN_PASSWORD_LENGTH };
  if (length > MAX_PASSWORD_LENGTH) return { kind: 'too-long', max: MAX_PASSWORD_LENGTH };
  if (form.next.trim() === '') return { kind: 'only-spaces' };
  const name = form.username.toLowerCase();
  const lower = form.next.toLowerCase();
  if (name !== '' && (lower.includes(name) || (lower.length >= 3 && name.includes(lower)))) {
    return { kind: 'contains-username' };
  }
  if (form.next === form.current) return { kind: 'same-as-current' };
  if (form.next !== form.repeat) return { kind: 'mismatch' };
  return null;
}

/** The rule a 400 WEAK_PASSWORD names (its message, src/accounts/password.ts), or the message itself. */
export function weakPasswordOf(message: string): PasswordProblem {
  const short = /at least (\d+) characters/i.exec(message);
  if (short) return { kind: 'too-short', min: Number(short[1]) };
  const long = /at most (\d+) characters/i.exec(message);
  if (long) return { kind: 'too-long', max: Number(long[1]) };
  if (/only spaces/i.test(message)) return { kind: 'only-spaces' };
  if (/contain the username/i.test(message)) return { kind: 'contains-username' };
  if (/differ from the current/i.test(message)) return { kind: 'same-as-current' };
  return { kind: 'weak', message };
}

/** Why POST /v1/auth/password refused. */
export function passwordChangeFailureOf(
  status: number,
  error: ApiError | null,
  retryAfter: string | null,
  now: number,
): PasswordProblem {
  const common = commonFailure(status, retryAfter, now);
  if (common) return common;
  if (error?.code === 'WRONG_PASSWORD') return { kind: 'wrong-current' };
  if (error?.code === 'WEAK_PASSWORD') return weakPasswordOf(error.message);
  return { kind: 'server', status };
}

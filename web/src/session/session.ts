/*
 * The signed-in person (docs/accounts.md). The session is the service's httpOnly cookie `cc_session`: no
 * script reads it and nothing secret is stored in the browser. The page keeps only the session's CSRF token,
 * in memory (a reload reads it again from GET /v1/auth/session), and sends it as X-CSRF-Token on every
 * mutating request of the API client. A 401 on any request ends the session here with the service's reason;
 * the router then shows the sign-in page, which says why.
 */
import { reactive, readonly } from 'vue';
import { type ApiData, api } from '../api/client.js';
import {
  apiErrorOf,
  type PasswordProblem,
  passwordChangeFailureOf,
  type SessionEnd,
  type SignInFailure,
  sessionEndOf,
  signInFailureOf,
} from './answers.js';

export type { SessionEnd } from './answers.js';

type SessionAnswer = ApiData<'/v1/auth/session', 'get'>;

/** Who is signed in: the session as the service answers it, but its CSRF token (kept apart, in memory). */
export type Identity = Omit<SessionAnswer, 'csrfToken'>;

export type SignInResult = { ok: true } | { ok: false; failure: SignInFailure };

export type PasswordChangeResult = { ok: true } | { ok: false; problem: PasswordProblem | { kind: 'ended' } };

const CSRF_HEADER = 'x-csrf-token';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Its 401 means a wrong password, not an ended session. */
const LOGIN_PATH = '/v1/auth/login';

const state = reactive({
  identity: null as Identity | null,
  ended: null as SessionEnd | null,
});

/** Who is signed in (null: nobody), and why the last session ended. */
export const session = readonly(state);

let csrfToken: string | null = null;
/** Whether the service has been asked who is signed in (at load, or by a sign-in or sign-out since). */
let known = false;
let asking: Promise<Identity | null> | null = null;

function begin(answer: SessionAnswer): Identity {
  const { csrfToken: token, ...identity } = answer;
  csrfToken = token;
  state.identity = identity;
  state.ended = null;
  known = true;
  return identity;
}

function end(reason: SessionEnd): void {
  csrfToken = null;
  state.identity = null;
  state.ended = reason;
  known = true;
}

/** The service's error in an answer, read from a copy (the caller reads the answer too). */
async function errorIn(response: Response) {
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => null);
  return apiErrorOf(body);
}

/** A 401 to a request of the signed-in person: the session is over, for the reason the service gives. */
async function sessionRefused(response: Response): Promise<void> {
  if (!state.identity) return;
  const error = await errorIn(response);
  // Another answer may have ended it while this one was read.
  if (state.identity) end(sessionEndOf(error, Date.parse(state.identity.expiresAt), Date.now()));
}

/** The service's current answer for this cookie (a 401 ends the session through the middleware). */
async function askService(): Promise<Identity | null> {
  const { data, error, response } = await api.GET('/v1/auth/session');
  if (data) return begin(data);
  if (response.status === 401) {
    // At load, a cookie the service no longer takes says why; no cookie at all is just not signed in.
    const refused = apiErrorOf(error);
    if (state.identity === null && refused?.code === 'SESSION_EXPIRED')
      end(sessionEndOf(refused, null, Date.now()));
    else if (state.identity === null) known = true;
  }
  return state.identity;
}

/** Each request's mutating copy, to send once more if its CSRF token turns out stale (see onResponse). */
const resendable = new Map<string, Request>();

api.use({
  onRequest({ request, id }) {
    if (!MUTATING.has(request.method)) return request;
    if (csrfToken) request.headers.set(CSRF_HEADER, csrfToken);
    resendable.set(id, request.clone());
    return request;
  },
  async onResponse({ response, schemaPath, id }) {
    const copy = resendable.get(id);
    resendable.delete(id);
    if (response.status === 401 && schemaPath !== LOGIN_PATH) await sessionRefused(response);
    if (response.status !== 403 || !state.identity) return response;
    const { code } = (await errorIn(response)) ?? {};
    if (code === 'PASSWORD_CHANGE_REQUIRED') {
      // The router takes the person to the password page.
      state.identity = { ...state.identity, mustChangePassword: true };
    } else if (code?.startsWith('CSRF_TOKEN_') && copy) {
      // The cookie belongs to a newer session than the token (a sign-in in another tab of this browser):
      // the service refused before doing anything, so the request goes once more with the new token, if the
      // new session is the same person's. Another person's session reloads the page as theirs.
      const before = state.identity.accountId;
      const current = await askService().catch(() => null);
      if (current && current.accountId !== before) window.location.assign('/');
      else if (current && csrfToken) {
        copy.headers.set(CSRF_HEADER, csrfToken);
        return fetch(copy);
      }
    }
    return response;
  },
  onError({ id }) {
    resendable.delete(id);
  },
});

/**
 * fetch for what the API client does not carry (the live stream): with the cookie, and a 401 ends the
 * session with its reason, so the stream stops and the sign-in page says why instead of retrying.
 */
export async function sessionFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, { ...init, credentials: 'same-origin' });
  if (response.status === 401) await sessionRefused(response);
  return response;
}

/** The server turned the live stream away (a 401 already ended the session): ask what changed. */
export function sessionRejected(): void {
  if (state.identity) void askService().catch(() => undefined);
}

/** At load (and until the service could be asked): who is signed in, from GET /v1/auth/session. */
export function restoreSession(): Promise<Identity | null> {
  if (known || state.identity) return Promise.resolve(state.identity);
  asking ??= askService()
    .catch(() => {
      // Not known yet: the next page asked for asks again.
      state.ended = 'unreachable';
      return null;
    })
    .finally(() => {
      asking = null;
    });
  return asking;
}

export async function signIn(username: string, password: string): Promise<SignInResult> {
  if (username.trim() === '' || password === '') return { ok: false, failure: { kind: 'required' } };
  try {
    const { data, error, response } = await api.POST('/v1/auth/login', { body: { username, password } });
    if (data) {
      begin(data);
      return { ok: true };
    }
    const failure = signInFailureOf(
      response.status,
      apiErrorOf(error),
      response.headers.get('retry-after'),
      Date.now(),
    );
    return { ok: false, failure };
  } catch {
    return { ok: false, failure: { kind: 'unreachable' } };
  }
}

/** Ends the session at the service; false when it could not be reached (the person stays signed in). */
export async function signOut(): Promise<boolean> {
  return endAtService(() => api.POST('/v1/auth/logout'), 'signed-out');
}

/** Ends every session of the account, this one included. */
export async function signOutEverywhere(): Promise<boolean> {
  return endAtService(() => api.POST('/v1/auth/sign-out-everywhere'), 'signed-out-everywhere');
}

async function endAtService(request: () => Promise<{ response: Response }>, reason: SessionEnd) {
  try {
    const { response } = await request();
    // 401: it had ended already.
    if (!response.ok && response.status !== 401) return false;
  } catch {
    return false;
  }
  end(reason);
  return true;
}

/** The person's own change; the service ends their other sessions and keeps this one. */
export async function changePassword(current: string, next: string): Promise<PasswordChangeResult> {
  try {
    const { data, error, response } = await api.POST('/v1/auth/password', {
      body: { currentPassword: current, newPassword: next },
    });
    if (data) {
      begin(data);
      return { ok: true };
    }
    if (response.status === 401) return { ok: false, problem: { kind: 'ended' } };
    const problem = passwordChangeFailureOf(
      response.status,
      apiErrorOf(error),
      response.headers.get('retry-after'),
      Date.now(),
    );
    return { ok: false, problem };
  } catch {
    return { ok: false, problem: { kind: 'unreachable' } };
  }
}

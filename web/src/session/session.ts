/*
 * PLACEHOLDER SIGN-IN (issue 12, first step). A person signs in with an API key, kept in sessionStorage
 * (this tab only, gone when it closes) and sent as a Bearer header. The next step replaces this module with
 * accounts and an httpOnly cookie session; its callers (router, pages, header) keep the same functions.
 */
import { reactive, readonly } from 'vue';
import { type ApiData, api } from '../api/client.js';

export type Identity = ApiData<'/v1/whoami', 'get'>;

/** Why there is no session: shown on the sign-in page. */
export type SessionEnd = 'expired' | 'signed-out';

export type SignInError = 'required' | 'invalid' | 'network' | 'server';

export type SignInResult = { ok: true } | { ok: false; error: SignInError; status?: number };

const STORAGE_KEY = 'cc.apiKey';

const state = reactive({
  identity: null as Identity | null,
  ended: null as SessionEnd | null,
});

/** Who is signed in (null: nobody), and why the last session ended. */
export const session = readonly(state);

const keptKey = () => sessionStorage.getItem(STORAGE_KEY);

/** Headers that authenticate a request of the signed-in person (the live stream uses them too). */
export function credentials(): Record<string, string> {
  const key = keptKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

function end(reason: SessionEnd): void {
  sessionStorage.removeItem(STORAGE_KEY);
  state.identity = null;
  state.ended = reason;
}

api.use({
  onRequest({ request }) {
    // Sign-in sends the key it tries; every other request the kept one.
    if (!request.headers.has('authorization')) {
      for (const [name, value] of Object.entries(credentials())) request.headers.set(name, value);
    }
    return request;
  },
  onResponse({ request, response }) {
    // The kept key stopped working (revoked): the session is over, the router shows the sign-in page.
    const kept = credentials().authorization;
    if (response.status === 401 && kept && request.headers.get('authorization') === kept) end('expired');
    return response;
  },
});

async function whoami(
  key: string,
): Promise<{ identity: Identity } | { error: SignInError; status?: number }> {
  try {
    const { data, response } = await api.GET('/v1/whoami', { headers: { authorization: `Bearer ${key}` } });
    if (data) return { identity: data };
    return response.status === 401 ? { error: 'invalid' } : { error: 'server', status: response.status };
  } catch {
    return { error: 'network' };
  }
}

export async function signIn(typedKey: string): Promise<SignInResult> {
  const key = typedKey.trim();
  if (!key) return { ok: false, error: 'required' };
  const answer = await whoami(key);
  if ('error' in answer) return { ok: false, ...answer };
  sessionStorage.setItem(STORAGE_KEY, key);
  state.identity = answer.identity;
  state.ended = null;
  return { ok: true };
}

/** After a reload: the kept key's identity, or null (and the key dropped) when it no longer works. */
export async function restoreSession(): Promise<Identity | null> {
  const key = keptKey();
  if (state.identity || !key) return state.identity;
  const answer = await whoami(key);
  if ('identity' in answer) state.identity = answer.identity;
  else if (answer.error === 'invalid') end('expired');
  return state.identity;
}

export function signOut(): void {
  end('signed-out');
}

/** The server turned the kept key away outside the API client (the live stream). */
export function sessionRejected(): void {
  if (keptKey()) end('expired');
}

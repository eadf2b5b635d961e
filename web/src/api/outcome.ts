/**
 * One shape for every answer the screens act on, whatever the route: the data, or why not. A screen
 * tells these apart: a route this server does not have yet (hide the part), a refusal with the service's
 * error code (explain it), the session gone (the sign-in page follows), the server unreachable or failing.
 */
export type Outcome<T> =
  | { ok: true; data: T }
  | { ok: false; kind: 'missing' }
  | {
      ok: false;
      kind: 'refused';
      status: number;
      code: string;
      message: string;
      /** Where the problem is, when the service says (path body.<field>), for a form to mark the field. */
      details?: { path: string; message: string }[];
    }
  | { ok: false; kind: 'signed-out' }
  | { ok: false; kind: 'unavailable'; status?: number };

export type Failure = Extract<Outcome<unknown>, { ok: false }>;

/** What openapi-fetch resolves to, loosely: the typed client's answer and a contract call's alike. */
interface FetchAnswer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

const errorOf = (body: unknown): { code?: unknown; message?: unknown; details?: unknown } | undefined =>
  typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'object'
    ? (body.error ?? undefined)
    : undefined;

/**
 * The service's not-found handler answers an unknown route with 404 NOT_FOUND; every route's own 404
 * has a code of its own (NO_PREVIEW, AGENT_NOT_FOUND, NO_CALL...).
 */
const isMissingRoute = (status: number, code: unknown) => status === 404 && code === 'NOT_FOUND';

const isDetail = (detail: unknown): detail is { path: string; message: string } =>
  typeof detail === 'object' &&
  detail !== null &&
  typeof (detail as { path?: unknown }).path === 'string' &&
  typeof (detail as { message?: unknown }).message === 'string';

/** The data of a 2xx answer as the client types it (undefined for a 204). */
type DataOf<A extends FetchAnswer> = Exclude<A['data'], undefined>;

/** The outcome of a request made with openapi-fetch (a network failure included), typed from it. */
export async function outcome<A extends FetchAnswer>(request: Promise<A>): Promise<Outcome<DataOf<A>>> {
  let answer: FetchAnswer;
  try {
    answer = await request;
  } catch {
    return { ok: false, kind: 'unavailable' };
  }
  const { response } = answer;
  if (response.ok) return { ok: true, data: answer.data as DataOf<A> };
  if (response.status === 401) return { ok: false, kind: 'signed-out' };
  const error = errorOf(answer.error);
  if (isMissingRoute(response.status, error?.code)) return { ok: false, kind: 'missing' };
  if (response.status >= 500 || !error) return { ok: false, kind: 'unavailable', status: response.status };
  return {
    ok: false,
    kind: 'refused',
    status: response.status,
    code: typeof error.code === 'string' ? error.code : 'UNKNOWN',
    message: typeof error.message === 'string' ? error.message : '',
    ...(Array.isArray(error.details) ? { details: error.details.filter(isDetail) } : {}),
  };
}

/** The data, or undefined for any failure (for reads whose failure only leaves the part as it was). */
export const dataOf = <T>(result: Outcome<T>): T | undefined => (result.ok ? result.data : undefined);

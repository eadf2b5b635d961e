import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

/** The JSON body of an operation's 200 answer: `ApiData<'/v1/whoami', 'get'>`. */
export type ApiData<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

/**
 * The service's API, typed from its OpenAPI document (schema.d.ts, made by `npm run gen:api`): paths,
 * parameters and bodies are checked at build time. Requests carry the session cookie (same origin only);
 * the session (session.ts) adds the CSRF token to mutating requests and ends itself on a 401.
 */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

/** The JSON body an operation takes: `ApiBody<'/v1/agents/{id}/state', 'post'>`. */
export type ApiBody<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer T } };
}
  ? T
  : never;

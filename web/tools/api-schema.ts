import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import pino from 'pino';
import { AccountService } from '../../src/accounts/service.js';
import type { ApiDeps } from '../../src/api/server.js';
import { buildApi } from '../../src/api/server.js';
import { parseConfig } from '../../src/config/load.js';
import { Metrics } from '../../src/lib/metrics.js';
import { openStore } from '../../src/store/index.js';

/** Where `npm run gen:api` writes the client's API types (committed; a test fails when they are stale). */
export const SCHEMA_FILE = 'web/src/api/schema.d.ts';

/**
 * A route group's dependencies, present but empty: routes only read them when a request comes, and the
 * document is all that is asked for here.
 */
const present = <T>() => ({}) as T;

/** The service's OpenAPI document, from the API built in-process with every route group (nothing listens). */
export async function openApiDocument(): Promise<OpenAPI3> {
  const store = openStore(':memory:');
  const config = parseConfig({
    ari: { url: 'http://127.0.0.1:8088', username: 'docs', password: 'docs' },
    redis: { url: 'redis://127.0.0.1:6379' },
    store: { path: ':memory:' },
  });
  const logger = pino({ level: 'silent' });
  const deps: ApiDeps = {
    config,
    logger,
    store,
    metrics: new Metrics({ defaultMetrics: false }),
    readiness: [],
    ivr: { ...present<NonNullable<ApiDeps['ivr']>>(), prompts: present() },
    agents: present(),
    recordings: present(),
    leads: present(),
    dialer: present(),
    // Real: the auth plugin subscribes to its ended sessions when the API is built.
    accounts: { accounts: new AccountService({ store, logger, now: Date.now, config: config.auth }) },
    calls: present(),
    sms: present(),
    softphone: present(),
    faxes: { faxes: present(), maxUploadBytes: 1 },
  };
  const app = await buildApi(deps);
  try {
    const res = await app.inject({ url: '/docs/json' });
    if (res.statusCode !== 200) throw new Error(`/docs/json answered ${res.statusCode}: ${res.body}`);
    return res.json() as OpenAPI3;
  } finally {
    await app.close();
    store.close();
  }
}

/** The text of web/src/api/schema.d.ts for the API as it is now. */
export async function generateApiSchema(): Promise<string> {
  const ast = await openapiTS(await openApiDocument(), { silent: true });
  const header = COMMENT_HEADER.replace(
    ' */',
    ` * Made by \`npm run gen:api\` from the service's OpenAPI document.\n */`,
  );
  return header + astToString(ast);
}

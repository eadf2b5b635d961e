import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApi } from '../../../src/api/server.js';
import { parseConfig } from '../../../src/config/load.js';
import { Metrics } from '../../../src/lib/metrics.js';
import { openStore, type Store } from '../../../src/store/index.js';

let dir: string;
let webDir: string;
let store: Store;
let app: FastifyInstance;

const INDEX = '<!doctype html><html><head><title>t</title></head><body><div id="app"></div></body></html>';

/** The whole API, as the service builds it, with web.dir pointing at a folder the test fills. */
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cc-web-'));
  webDir = join(dir, 'dist');
  store = openStore(join(dir, 'api.sqlite'));
  app = await buildApi({
    config: parseConfig({
      ari: { url: 'http://127.0.0.1:8088', username: 'test', password: 'test' },
      redis: { url: 'redis://127.0.0.1:6379' },
      store: { path: join(dir, 'api.sqlite') },
      web: { dir: webDir },
      ivr: { timezone: 'Asia/Shanghai' },
    }),
    logger: pino({ level: 'silent' }),
    store,
    metrics: new Metrics({ defaultMetrics: false }),
    readiness: [],
  });
});
afterEach(async () => {
  await app.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function build() {
  mkdirSync(join(webDir, 'assets'), { recursive: true });
  writeFileSync(join(webDir, 'index.html'), INDEX);
  writeFileSync(join(webDir, 'assets', 'index-AbC123.js'), 'console.log(1)');
  writeFileSync(join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(webDir, '.secret'), 'no');
}

describe('the web app at /', () => {
  it('answers 503 with a page that says to build it, and serves the build once it is there', async () => {
    const before = await app.inject({ url: '/' });
    expect(before.statusCode).toBe(503);
    expect(before.headers['content-type']).toMatch(/text\/html/);
    expect(before.body).toContain('npm run build:web');
    expect((await app.inject({ url: '/agent' })).statusCode).toBe(503);

    build();
    expect((await app.inject({ url: '/' })).statusCode).toBe(200);
  });

  it('serves index.html for the app routes, never cached, with the center time zone', async () => {
    build();
    for (const url of ['/', '/index.html', '/sign-in', '/agent/calls?x=1']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/^text\/html/);
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.body, url).toContain('<meta name="cc-time-zone" content="Asia/Shanghai"></head>');
    }
  });

  it('caches hashed assets for a year and revalidates other files', async () => {
    build();
    const asset = await app.inject({ url: '/assets/index-AbC123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await app.inject({ url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('no-cache');
    expect(icon.headers.etag).toBeTruthy();
  });

  it('answers a missing file, a dotfile or a path out of the folder with 404', async () => {
    build();
    writeFileSync(join(dir, 'outside.txt'), 'outside');
    for (const url of [
      '/assets/missing-123.js',
      '/.secret',
      '/..%2Foutside.txt',
      '/assets/..%2F..%2Foutside.txt',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.body, url).not.toContain('outside');
    }
  });

  it('leaves the API paths alone, unknown ones included', async () => {
    build();
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/docs/json' })).json().openapi).toMatch(/^3\./);
    expect((await app.inject({ url: '/v1/whoami' })).statusCode).toBe(401);
    for (const url of ['/v1/nothing-here', '/v1', '/docs/nothing/here', '/healthz/x', '/metrics/x']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    // Not a GET: still the API's 404.
    expect((await app.inject({ method: 'POST', url: '/sign-in' })).statusCode).toBe(404);
  });

  it('keeps its routes out of the OpenAPI document', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/v1/'))).toEqual([
      '/healthz',
      '/readyz',
      '/metrics',
    ]);
  });
});

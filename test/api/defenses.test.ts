import { mkdtempSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exposureFor, isLoopback } from '../../src/api/exposure.js';
import { installSecret } from '../../src/lib/caller-key.js';
import { EventBus } from '../../src/lib/events.js';
import { MemoryRateCounter } from '../../src/lib/rate-counter.js';
import { openStore } from '../../src/store/index.js';
import { FakeDirectory } from './fake-directory.js';
import { agentServices, bearer, buildTestApi, recordingServices, type TestApi } from './helpers.js';

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const FAR = '203.0.113.7';
const OTHER = '198.51.100.20';

const get = (url: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
  api!.app.inject({ method: 'GET', url, headers, remoteAddress });

describe('invalid API keys', () => {
  const lockout = { addressFailures: 3, keyPrefixFailures: 4, lockSec: 30 };

  it('are refused with 429 and Retry-After after a few from one address, whatever key comes next', async () => {
    api = await buildTestApi({ auth: { lockout } });
    const bad = (n: number) => get('/v1/whoami', bearer(`cc_${n}-wrong-key-of-its-own`), FAR);
    expect((await bad(1)).statusCode).toBe(401);
    expect((await bad(2)).statusCode).toBe(401);
    const third = await bad(3);
    expect(third.statusCode).toBe(429);
    expect(third.json().error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(29);
    // The right key from that address waits too; from another address it works, and successes never count.
    expect((await get('/v1/whoami', bearer(api.adminKey), FAR)).statusCode).toBe(429);
    for (let i = 0; i < 50; i += 1) {
      expect((await get('/v1/whoami', bearer(api.adminKey), OTHER)).statusCode).toBe(200);
    }
  });

  it('are counted per key prefix across addresses, slowed first and then refused', async () => {
    api = await buildTestApi({ auth: { lockout: { ...lockout, addressFailures: 100 } } });
    const prefix = api.adminKey.slice(0, 12);
    const guess = (n: number) => get('/v1/whoami', bearer(`${prefix}guess${n}`), `192.0.2.${n}`);
    expect((await guess(1)).statusCode).toBe(401);
    const slowed = await guess(2);
    expect(slowed.statusCode).toBe(401);
    // After the second failure the next try must wait a moment (the account lock-out's growing delay).
    const waiting = await guess(3);
    expect(waiting.statusCode).toBe(429);
    expect(waiting.headers['retry-after']).toBe('1');
    // No request answered before the delay: the right key with that prefix waits too.
    expect((await get('/v1/whoami', bearer(api.adminKey), OTHER)).statusCode).toBe(429);
    // Another key's prefix is not touched.
    const other = api.store.apiKeys.create('other', 'admin').key;
    expect((await get('/v1/whoami', bearer(other), OTHER)).statusCode).toBe(200);
  });

  it('do not count a missing key or sign-in traffic: a 48-person burst from one address goes through', async () => {
    api = await buildTestApi({ auth: { lockout } });
    for (let i = 0; i < 48; i += 1) expect((await get('/v1/whoami')).statusCode).toBe(401);
    expect((await get('/v1/whoami', bearer(api.adminKey))).statusCode).toBe(200);
  });
});

describe('per-key limits on expensive routes', () => {
  it('answer 429 RATE_LIMITED with Retry-After past the limit, per key', async () => {
    api = await buildTestApi({
      api: { rateLimit: { windowSec: 60, search: 5 } },
      recordings: (store, dir, logger) => ({
        dir: join(dir, 'recordings'),
        rules: () => ({ defaultDays: 90, campaignDays: {} }),
        ...recordingServices(store, logger),
      }),
    });
    for (let i = 0; i < 5; i += 1)
      expect((await get('/v1/audit', bearer(api.adminKey))).statusCode).toBe(200);
    const over = await get('/v1/audit', bearer(api.adminKey));
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('RATE_LIMITED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // Another key has its own count; a cheap route is not limited.
    const other = api.store.apiKeys.create('other', 'admin').key;
    expect((await get('/v1/audit', bearer(other))).statusCode).toBe(200);
    expect((await get('/v1/whoami', bearer(api.adminKey))).statusCode).toBe(200);
  });

  it('counts in fixed windows (the in-memory counter; Redis runs the same rule in one script)', async () => {
    let now = 1_000;
    const counter = new MemoryRateCounter(() => now);
    expect(await counter.hit('k', 100)).toEqual({ count: 1, resetInMs: 100 });
    now += 60;
    expect(await counter.hit('k', 100)).toEqual({ count: 2, resetInMs: 40 });
    now += 40;
    expect(await counter.hit('k', 100)).toEqual({ count: 1, resetInMs: 100 });
  });
});

describe('security headers', () => {
  it('are on every answer: the web app, the API, its errors and unknown paths', async () => {
    api = await buildTestApi();
    const answers = [
      await get('/'),
      await get('/v1/whoami', bearer(api.adminKey)),
      await get('/v1/whoami'),
      await get('/v1/no-such-route'),
      await api.app.inject({
        method: 'POST',
        url: '/v1/keys',
        headers: { ...bearer(api.adminKey), 'content-type': 'application/json' },
        payload: '{',
      }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([expect.any(Number), 200, 401, 404, 400]);
    for (const answer of answers) {
      const csp = String(answer.headers['content-security-policy']);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
    }
  });
});

describe('CORS', () => {
  it("refuses a foreign page's request, allows the service's own origin and the configured ones", async () => {
    api = await buildTestApi({ api: { corsOrigins: ['https://wall.example'] } });
    const key = bearer(api.adminKey);
    const foreign = await get('/v1/whoami', { ...key, origin: 'https://evil.example' });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error.code).toBe('ORIGIN_NOT_ALLOWED');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();

    const own = await get('/v1/whoami', { ...key, host: 'cc.local:3000', origin: 'http://cc.local:3000' });
    expect(own.statusCode).toBe(200);

    const listed = await get('/v1/whoami', { ...key, origin: 'https://wall.example' });
    expect(listed.statusCode).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe('https://wall.example');
    expect(listed.headers.vary).toContain('Origin');

    const preflight = (origin: string) =>
      api!.app.inject({
        method: 'OPTIONS',
        url: '/v1/whoami',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
    const allowed = await preflight('https://wall.example');
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-headers']).toContain('authorization');
    expect((await preflight('https://evil.example')).statusCode).toBe(403);
  });
});

describe('/metrics and /docs', () => {
  it('answer on loopback and are not there for another address by default', async () => {
    api = await buildTestApi();
    for (const url of ['/metrics', '/docs/json']) {
      expect((await get(url)).statusCode, url).toBe(200);
      expect((await get(url, {}, '::ffff:127.0.0.1')).statusCode, url).toBe(200);
      const far = await get(url, bearer(api.adminKey), FAR);
      expect(far.statusCode, url).toBe(404);
      expect(far.json().error.code).toBe('NOT_FOUND');
    }
    // A forwarded address is not believed without api.trustProxy: it cannot make a client local, or far.
    expect((await get('/metrics', { 'x-forwarded-for': '127.0.0.1' }, FAR)).statusCode).toBe(404);
  });

  it("'key': elsewhere with a key; 'public' for all; 'off' for none", async () => {
    api = await buildTestApi({ api: { metrics: 'key', docs: 'off' } });
    expect((await get('/metrics', {}, FAR)).statusCode).toBe(401);
    expect((await get('/metrics', bearer(api.adminKey), FAR)).statusCode).toBe(200);
    expect((await get('/metrics')).statusCode).toBe(200);
    expect((await get('/docs/json')).statusCode).toBe(404);
    await api.close();
    api = await buildTestApi({ api: { metrics: 'public' } });
    expect((await get('/metrics', {}, FAR)).statusCode).toBe(200);
  });

  it('behind a trusted proxy take the forwarded client address', async () => {
    api = await buildTestApi({ api: { trustProxy: ['127.0.0.1'] } });
    expect((await get('/metrics', { 'x-forwarded-for': FAR })).statusCode).toBe(404);
    expect((await get('/metrics', { 'x-forwarded-for': '127.0.0.1' })).statusCode).toBe(200);
  });

  it('decide by a pure rule', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1', '::ffff:10.0.0.1', '1.127.0.0', '', undefined].some(isLoopback)).toBe(false);
    expect(exposureFor('loopback', false)).toBe('hidden');
    expect(exposureFor('key', false)).toBe('key');
    expect(exposureFor('off', true)).toBe('hidden');
  });
});

describe('timeouts and body limits', () => {
  it('cut an upload that sends a byte every half second once the request time is up', async () => {
    api = await buildTestApi({ api: { timeouts: { headersSec: 1, requestSec: 2 } } });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.app.server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString();
    });
    socket.write(
      `POST /v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${api.adminKey}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    const started = Date.now();
    const drip = setInterval(() => socket.writable && socket.write('a'), 500);
    // Never cut (the old behaviour): given up after 8 s, and the timing below fails.
    const giveUp = setTimeout(() => socket.destroy(), 8_000);
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    clearTimeout(giveUp);
    clearInterval(drip);
    const tookMs = Date.now() - started;
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    expect(tookMs).toBeGreaterThanOrEqual(1_500);
    expect(tookMs).toBeLessThan(5_000);
  });

  it('cut an upload that trickles below the least rate long before the request time, with 408', async () => {
    const trickled = await buildTestApi({
      api: { timeouts: { requestSec: 300, minUpload: { minBytesPerSec: 50, windowSec: 1 } } },
    });
    api = trickled;
    await trickled.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = trickled.app.server.address() as { port: number };
    const send = (drip: { bytes: number; everyMs: number }) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.on('data', (d) => {
        answer += d.toString();
      });
      socket.write(
        `POST /v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${trickled.adminKey}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
      );
      const started = Date.now();
      const timer = setInterval(() => socket.writable && socket.write('a'.repeat(drip.bytes)), drip.everyMs);
      const giveUp = setTimeout(() => socket.destroy(), 6_000);
      return new Promise<{ answer: string; tookMs: number }>((resolve) =>
        socket.on('close', () => {
          clearInterval(timer);
          clearTimeout(giveUp);
          resolve({ answer, tookMs: Date.now() - started });
        }),
      );
    };
    // A byte every 200 ms: 5 bytes a second, under the least 50.
    const slow = await send({ bytes: 1, everyMs: 200 });
    expect(slow.answer).toMatch(/^HTTP\/1.1 408/);
    expect(slow.answer).toContain('UPLOAD_TOO_SLOW');
    expect(slow.tookMs).toBeLessThan(5_000);
    // 100 bytes every 200 ms keeps going (given up by the client at 6 s, not cut).
    const steady = await send({ bytes: 100, everyMs: 200 });
    expect(steady.answer).toBe('');
    expect(steady.tookMs).toBeGreaterThanOrEqual(5_900);
  });

  it('do not cut the event stream, which outlives the request time', async () => {
    const bus = new EventBus();
    api = await buildTestApi({
      api: { timeouts: { headersSec: 1, requestSec: 1 } },
      agents: (store, logger) => {
        const directory = new FakeDirectory(store);
        return {
          directory,
          ...agentServices(store, logger, directory),
          queue: () => ({ name: 'hotline', waiting: [], longestWaitMs: 0 }),
          bus,
          today: () => ({ from: 0, to: 1 }),
        };
      },
    });
    const url = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const abort = new AbortController();
    const res = await fetch(`${url}/v1/events`, { headers: bearer(api.adminKey), signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain(': connected');
    await new Promise((r) => setTimeout(r, 2_500));
    // Past the request time (and Node's checks of it) the stream is still subscribed, and still open.
    expect(bus.size).toBe(1);
    const next = await Promise.race([
      reader.read().then((r) => (r.done ? 'ended' : 'data')),
      new Promise((r) => setTimeout(() => r('open'), 300)),
    ]);
    expect(next).toBe('open');
    abort.abort();
  });

  it('refuse a JSON body over api.bodyLimitKb with 413', async () => {
    api = await buildTestApi({ api: { bodyLimitKb: 16 } });
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: { ...bearer(api.adminKey), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(20_000), role: 'admin' }),
    });
    expect(res.statusCode).toBe(413);
  });
});

describe('file modes', () => {
  it('the store and the caller-key secret are made for the service user only', () => {
    const root = mkdtempSync(join(tmpdir(), 'cc-modes-'));
    const storePath = join(root, 'new-folder', 'cc.sqlite');
    const store = openStore(storePath);
    store.close();
    expect(statSync(storePath).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'new-folder')).mode & 0o777).toBe(0o700);
    const keyDir = join(root, 'keys');
    installSecret(keyDir);
    expect(statSync(keyDir).mode & 0o777).toBe(0o700);
  });
});

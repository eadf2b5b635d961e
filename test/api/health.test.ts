import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReadinessProbe } from '../../src/api/server.js';
import { buildTestApi, type TestApi } from './helpers.js';

let api: TestApi | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await api?.close();
  api = undefined;
});

const probe = (name: string, check: ReadinessProbe['check']): ReadinessProbe => ({ name, check });

describe('health endpoints', () => {
  it('/healthz answers without a key', async () => {
    api = await buildTestApi();
    const res = await api.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when every probe passes', async () => {
    api = await buildTestApi({
      readiness: [probe('ari', () => true), probe('redis', async () => true), probe('store', () => true)],
    });
    const res = await api.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { ari: true, redis: true, store: true } });
  });

  it('/readyz is 503 when a probe fails, throws or rejects', async () => {
    api = await buildTestApi({
      readiness: [
        probe('ari', () => false),
        probe('redis', () => {
          throw new Error('ECONNREFUSED');
        }),
        probe('store', () => Promise.reject(new Error('closed'))),
        probe('other', () => true),
      ],
    });
    const res = await api.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'not-ready',
      checks: { ari: false, redis: false, store: false, other: true },
    });
    const logs = api.logs.join('');
    expect(logs).toMatch(/"probe":"redis".*ECONNREFUSED.*readiness probe failed/);
    expect(logs).toMatch(/"probe":"store".*closed.*readiness probe failed/);
  });

  it('/readyz counts a probe slower than a second as failed', async () => {
    api = await buildTestApi({ readiness: [probe('redis', () => new Promise<boolean>(() => {}))] });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending = api.app.inject({ url: '/readyz' });
    await vi.advanceTimersByTimeAsync(1_000);
    const res = await pending;
    expect(res.statusCode).toBe(503);
    expect(res.json().checks).toEqual({ redis: false });
  });

  it('/metrics serves Prometheus text without a key', async () => {
    api = await buildTestApi();
    const res = await api.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('cc_active_calls');
  });
});

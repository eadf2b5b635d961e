import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { inject } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import type { TestInfra } from './global-setup.js';

export function infra(): TestInfra {
  const value = inject('infra');
  if (!value) throw new Error('this test needs the real PBX and Redis (run without NO_PBX)');
  return value;
}

import { uniqueApp } from './ids.js';
import { tempDir } from './tmp.js';

export { tempDir, uniqueApp };

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K];
};

/** A full, valid config pointing at the test PBX and Redis, with a temp SQLite file and its own app. */
export function testConfig(overrides: DeepPartial<ConfigInput> = {}): Config {
  const { ari, redisUrl } = infra();
  const dir = tempDir();
  const base: ConfigInput = {
    ari: {
      ...ari,
      app: uniqueApp(),
      commandTimeoutMs: 5_000,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
    },
    redis: { url: redisUrl, keyPrefix: `t-${randomUUID().slice(0, 8)}:` },
    store: { path: join(dir, 'callcenter.sqlite') },
    api: { host: '127.0.0.1', port: 0 },
    log: { level: (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent' },
    service: { instanceId: 'test-1', drainTimeoutMs: 2_000 },
    // No seeded flows: a test installs the flows it needs (issue-2 tests get the plain greeting).
    ivr: { flowsDir: '' },
    storage: { dir: join(dir, 'storage') },
  };
  return parseConfig(merge(base, overrides));
}

function merge<T>(base: T, extra: unknown): T {
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) return (extra ?? base) as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(extra)) {
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) ? merge(out[k] ?? {}, v) : v;
  }
  return out as T;
}

/** Polls until check() is truthy; fails with the message after timeoutMs. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  message: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out: ${message}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
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

/**
 * The prompt folder of the test PBX as this process sees it: PBX_PROMPTS_DIR, else the folder inside the
 * `scripts/pbx.sh` root (PBX_CACHE_DIR, default /var/cache/callcenter-pbx) when it exists. Asterisk sees
 * it as /var/lib/asterisk/sounds/custom, ivr.prompts.pbxDir's default. Tests writing there use unique
 * prompt names (see uniquePromptName): every test file shares it.
 */
export function pbxPromptsDir(): string | undefined {
  if (process.env.PBX_PROMPTS_DIR) return process.env.PBX_PROMPTS_DIR;
  const cache = process.env.PBX_CACHE_DIR || '/var/cache/callcenter-pbx';
  const dir = join(cache, 'root', 'var/lib/asterisk/sounds/custom');
  return existsSync(dir) ? dir : undefined;
}

/** A prompt name no other test uses. */
export function uniquePromptName(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

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
    // Prompts go where the test PBX plays them from, or to a temp folder when there is no such folder.
    ivr: { flowsDir: '', prompts: { dir: pbxPromptsDir() ?? join(dir, 'prompts') } },
    // Tests leave nothing on the shared PBX.
    agents: { keepLinesOnStop: false },
    recording: { dir: join(dir, 'recordings') },
    storage: { dir: join(dir, 'storage') },
    // Customers are simulated in the PBX (see [sim-customers] in extensions.conf).
    dialer: { dialString: 'Local/{digits}@sim-customers' },
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

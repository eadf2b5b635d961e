import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const SECRET = 's3cret-ari-password';

const base = {
  ari: { url: 'http://127.0.0.1:8088', username: 'callcenter', password: SECRET },
  redis: { url: 'redis://127.0.0.1:6379' },
  store: { path: ':memory:' },
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cc-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(value: unknown): string {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

/** The ConfigError loadConfig throws; fails the test if it does not throw one. */
function configError(env: NodeJS.ProcessEnv, file: string): ConfigError {
  try {
    loadConfig(env, file);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('reads the file, fills defaults and applies environment overrides', () => {
    const file = writeConfig(base);
    const config = loadConfig({ API_PORT: '8080', ARI_APP: 'cc-test', LOG_LEVEL: 'debug' }, file);
    expect(config.api).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      metrics: 'loopback',
      docs: 'loopback',
    });
    expect(config.ari).toMatchObject({ app: 'cc-test', commandTimeoutMs: 5_000, orphanPolicy: 'hangup' });
    expect(config.log.level).toBe('debug');
    expect(config.store.path).toBe(':memory:');
  });

  it("loads the demo's configuration: default.json's values, SMS to the local SMSC, a fax number", () => {
    const config = loadConfig({}, 'config/demo.json');
    const defaults = loadConfig({}, 'config/default.json');
    expect(config.ari).toEqual(defaults.ari);
    expect(config.api).toEqual(defaults.api);
    expect(config.sms.enabled).toBe(true);
    expect(config.sms.providers.smsc).toMatchObject({ kind: 'smpp', url: 'smpp://127.0.0.1:2775' });
    expect(config.sms.agentTemplates.map((t) => t.id)).toEqual(['sale-confirmation']);
    expect(config.fax.numbers).toHaveLength(1);
  });

  it('uses CONFIG_FILE when no file is passed', () => {
    const file = writeConfig(base);
    expect(loadConfig({ CONFIG_FILE: file, INSTANCE_ID: 'cc-9' }).service.instanceId).toBe('cc-9');
  });

  it('names the invalid field', () => {
    const file = writeConfig({ ...base, ari: { ...base.ari, url: 'ws://nowhere' } });
    expect(configError({}, file).message).toMatch(/ari\.url: expected an http\(s\) URL/);
  });

  it('reports a non-numeric API_PORT instead of coercing it', () => {
    const file = writeConfig(base);
    expect(configError({ API_PORT: 'eighty' }, file).message).toMatch(
      /API_PORT \(api\.port\): expected a number, got "eighty"/,
    );
  });

  it('never echoes the password', () => {
    const file = writeConfig({ ...base, ari: { ...base.ari, url: 'not a url' }, redis: { url: SECRET } });
    const message = configError({ ARI_PASSWORD: SECRET }, file).message;
    expect(message).toMatch(/ari\.url/);
    expect(message).toMatch(/redis\.url/);
    expect(message).not.toContain(SECRET);
  });

  it('reports a missing explicit file', () => {
    expect(configError({}, join(dir, 'absent.json')).message).toMatch(/config file not found/);
  });
});

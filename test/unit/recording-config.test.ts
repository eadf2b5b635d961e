import { describe, expect, it } from 'vitest';
import { applyEnv, parseConfig } from '../../src/config/load.js';

const base = {
  ari: { url: 'http://127.0.0.1:8088', username: 'u', password: 'p' },
  redis: { url: 'redis://127.0.0.1:6379' },
  store: { path: ':memory:' },
};

describe('recording config', () => {
  it('has defaults: record from connect, mixed, 90 days', () => {
    expect(parseConfig(base).recording).toEqual({
      enabled: true,
      from: 'connect',
      layout: 'mixed',
      dir: '.data/recordings',
      retention: { defaultDays: 90, campaignDays: {} },
      purgeEveryMin: 60,
      finalize: { attempts: 10, backoffMs: 2000 },
    });
  });

  it('takes overrides from the environment', () => {
    const env = {
      RECORDING_DIR: '/srv/rec',
      RECORDING_RETENTION_DAYS: '30',
      RECORDING_FROM: 'answer',
      RECORDING_LAYOUT: 'split',
    };
    const raw = { ...base, recording: { retention: { campaignDays: { spring: 7 } } } };
    expect(parseConfig(applyEnv(raw, env)).recording).toMatchObject({
      dir: '/srv/rec',
      from: 'answer',
      layout: 'split',
      retention: { defaultDays: 30, campaignDays: { spring: 7 } },
    });
  });

  it('refuses retention under a day', () => {
    const raw = { ...base, recording: { retention: { campaignDays: { spring: 0 } } } };
    expect(() => parseConfig(raw)).toThrow(/recording\.retention\.campaignDays\.spring/);
  });
});

import { describe, expect, it } from 'vitest';
import { NotReadyReasons } from '../../src/agents/reasons.js';
import { SERVICE_NOT_READY_REASONS } from '../../src/agents/state.js';
import { configSchema } from '../../src/config/schema.js';

const base = {
  ari: { url: 'http://127.0.0.1:8088', username: 'u', password: 'p' },
  redis: { url: 'redis://127.0.0.1:6379' },
  store: { path: ':memory:' },
};

const withReasons = (notReadyReasons: unknown) =>
  configSchema.safeParse({ ...base, agents: { notReadyReasons } });

describe('agents.notReadyReasons (config)', () => {
  it('defaults to the reasons a person could give before, labelled in zh-CN and English', () => {
    const config = configSchema.parse(base);
    expect(config.agents.notReadyReasons.map((r) => r.code)).toEqual([
      'break',
      'lunch',
      'meeting',
      'training',
      'busy',
      'other',
    ]);
    for (const reason of config.agents.notReadyReasons) {
      expect(reason.label['zh-CN']).toMatch(/\S/);
      expect(reason.label.en).toMatch(/\S/);
    }
  });

  it("takes the center's own list", () => {
    const parsed = withReasons([{ code: 'coaching', label: { 'zh-CN': '辅导', en: 'Coaching' } }]);
    expect(parsed.success).toBe(true);
  });

  it("refuses duplicates, the service's own reasons, bad codes, missing labels and an empty list", () => {
    const label = { 'zh-CN': '休息', en: 'Break' };
    for (const bad of [
      [
        { code: 'break', label },
        { code: 'break', label },
      ],
      [{ code: 'line-dropped', label }],
      [{ code: 'login', label }],
      [{ code: 'Coffee Break', label }],
      [{ code: 'break', label: { en: 'Break' } }],
      [{ code: 'break', label: { 'zh-CN': ' ', en: 'Break' } }],
      [],
    ]) {
      expect(withReasons(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('NotReadyReasons', () => {
  const reasons = new NotReadyReasons([
    { code: 'break', label: { 'zh-CN': '休息', en: 'Break' } },
    { code: 'coaching', label: { 'zh-CN': '辅导', en: 'Coaching' } },
  ]);

  it("lists the center's reasons as selectable, then the service's own, labelled but not selectable", () => {
    expect(reasons.options.map((r) => [r.code, r.selectable])).toEqual([
      ['break', true],
      ['coaching', true],
      ...SERVICE_NOT_READY_REASONS.map((code) => [code, false]),
    ]);
    for (const option of reasons.options) {
      expect(option.label['zh-CN']).toMatch(/\S/);
      expect(option.label.en).toMatch(/\S/);
    }
  });

  it("lets a person give only the center's reasons", () => {
    expect(reasons.selectable('coaching')).toBe(true);
    expect(reasons.selectable('break')).toBe(true);
    for (const code of [...SERVICE_NOT_READY_REASONS, 'lunch', '', 'BREAK']) {
      expect(reasons.selectable(code), code).toBe(false);
    }
    expect(reasons.selectableList()).toBe('break, coaching');
  });
});

import { describe, expect, it } from 'vitest';
import en from '../../../web/src/i18n/en.js';
import zhCN from '../../../web/src/i18n/zh-CN.js';

/** Every message as [key, text], keys dotted. */
function flatten(catalog: object, prefix = ''): [string, string][] {
  return Object.entries(catalog).flatMap(([key, value]) =>
    typeof value === 'string'
      ? [[`${prefix}${key}`, value] as [string, string]]
      : flatten(value, `${prefix}${key}.`),
  );
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n catalogs', () => {
  const zh = new Map(flatten(zhCN));
  const english = new Map(flatten(en));

  it('have the same keys (the typecheck says so too)', () => {
    expect([...english.keys()].sort()).toEqual([...zh.keys()].sort());
  });

  it('have no empty message, and the same placeholders in both languages', () => {
    for (const [key, text] of zh) {
      expect(text.trim(), key).not.toBe('');
      expect(english.get(key)?.trim(), key).not.toBe('');
      expect(placeholders(english.get(key) ?? ''), key).toEqual(placeholders(text));
    }
  });

  it('are really translated: Chinese in zh-CN, none in English', () => {
    const han = /\p{Script=Han}/u;
    // Placeholders, marks and symbols alone need no translation.
    const words = (text: string) => text.replace(/\{\w+\}/g, '');
    for (const [key, text] of zh) if (/\p{L}/u.test(words(text))) expect(text, key).toMatch(han);
    for (const [key, text] of english) expect(text, key).not.toMatch(han);
  });
});

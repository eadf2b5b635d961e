import { describe, expect, it } from 'vitest';
import { normalizePhone } from '../../src/leads/phone.js';

describe('normalizePhone', () => {
  it.each([
    ['030 12345678', '+493012345678'],
    ['+49 30 12345678', '+493012345678'],
    ['0049 (30) 1234-5678', '+493012345678'],
    ['+49 (0)30 12345678', '+493012345678'],
    ['0151 12345678', '+4915112345678'],
    ['  +44 20 7946 0958 ', '+442079460958'],
    ['+1 202-555-0123', '+12025550123'],
  ])('%j -> %s', (raw, e164) => {
    expect(normalizePhone(raw, 'DE')).toEqual({ ok: true, e164 });
  });

  it('reads a national number by the default country', () => {
    expect(normalizePhone('020 7946 0958', 'GB')).toEqual({ ok: true, e164: '+442079460958' });
    expect(normalizePhone('010 1234 5678', 'CN')).toEqual({ ok: true, e164: '+861012345678' });
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['call me', /not a phone number/],
    ['12', /not a valid number for DE: too short/],
    ['030 99999999999999', /not a valid number for DE: too long/],
    ['+999 1234', /unknown country calling code/],
    ['030 1234567 ext. 12', /extension/],
    ['1'.repeat(41), /longer than 40 characters/],
  ])('refuses %j, saying why', (raw, reason) => {
    const result = normalizePhone(raw, 'DE');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('refuses a number of a possible length that is in no number range', () => {
    // +49 10...: no German numbers start with 10 (carrier selection codes).
    const result = normalizePhone('+49 1012 345678', 'DE');
    expect(result).toMatchObject({ ok: false });
  });

  it('needs a country code when the default country is unknown', () => {
    expect(normalizePhone('030 12345678', 'XX')).toEqual({
      ok: false,
      reason: 'no country: write the number with + and its country code',
    });
    expect(normalizePhone('+493012345678', 'XX')).toEqual({ ok: true, e164: '+493012345678' });
  });
});

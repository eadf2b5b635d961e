import { describe, expect, it } from 'vitest';
import { campaignSettingsSchema } from '../../src/dialer/campaign.js';
import {
  maskedExcerpt,
  maskField,
  maskFields,
  maskNumber,
  maskPhoneLike,
  maskUrl,
} from '../../src/lib/mask.js';

describe('maskNumber', () => {
  it('keeps the last 4 digits of a number, whatever its separators', () => {
    expect(maskNumber('+49 30 1234-5678')).toBe('*********5678');
    expect(maskNumber('1234')).toBe('****');
    expect(maskNumber('')).toBe('');
    expect(maskNumber(null)).toBe('');
  });
});

describe('maskPhoneLike', () => {
  it('keeps dates, amounts, times and short numbers', () => {
    for (const value of [
      '2027-03-31',
      '31.03.2027',
      '31/03/2027',
      '1299.00',
      '1.299,00 €',
      '10:30',
      '12345',
      'gold',
    ]) {
      expect(maskPhoneLike(value), value).toBe(value);
    }
  });

  it('masks numbers of 6 digits or more however they are written (card and account numbers too)', () => {
    expect(maskPhoneLike('123456')).toBe('**3456');
    expect(maskPhoneLike('(030) 123-4567')).toBe('(***) ***-4567');
    expect(maskPhoneLike('card 1234 5678 9012 3456 here')).toBe('card **** **** **** 3456 here');
    expect(maskPhoneLike('Anna,030 - 1234 - 5678,Berlin')).toBe('Anna,*** - **** - 5678,Berlin');
    expect(maskPhoneLike('030+1234+5678')).toBe('*********5678');
    expect(maskPhoneLike('a: +4930123456, b: 0171 2345678.')).toBe('a: *******3456, b: **** ***5678.');
  });

  it('keeps digit runs joined to a letter (ids, codes), unless strict', () => {
    const id = '0190a7b2-1c3e-7def-a716-446655440000';
    expect(maskPhoneLike(id)).toBe(id);
    expect(maskPhoneLike('INV20240001')).toBe('INV20240001');
    expect(maskPhoneLike('%2B4930123456', true)).toBe('%2B******3456');
  });

  it('takes linear time on long hostile input', () => {
    for (const hostile of ['1 '.repeat(100_000), `${'1'.repeat(5)} `.repeat(40_000), '+('.repeat(100_000)]) {
      const started = performance.now();
      maskPhoneLike(hostile);
      // A quadratic scan of 200,000 characters takes minutes.
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });
});

describe('field kinds', () => {
  it('mask a phone field whole, keep an id, and mask the phone-like runs of text and undeclared fields', () => {
    expect(maskField('4711', 'phone')).toBe('****');
    expect(maskField('4711234567', 'id')).toBe('4711234567');
    expect(maskField('call 0171 2345678', 'text')).toBe('call **** ***5678');
    expect(
      maskFields({ a: '0171 2345678', b: '0171 2345678', c: '0171 2345678' }, { a: 'phone', c: 'id' }),
    ).toEqual({ a: '*******5678', b: '**** ***5678', c: '0171 2345678' });
    // Only own fields: a field named like an object property is undeclared.
    expect(maskFields({ constructor: '0301234567' })).toEqual({ constructor: '******4567' });
  });

  it('are a campaign setting: phone, text or id, none by default', () => {
    const base = {
      callerId: '+493011112222',
      window: { timezone: 'Europe/Berlin', hours: [{ days: ['mon'], from: '09:00', to: '17:00' }] },
    };
    expect(campaignSettingsSchema.parse(base).fieldKinds).toEqual({});
    expect(campaignSettingsSchema.parse({ ...base, fieldKinds: { mobile: 'phone' } }).fieldKinds).toEqual({
      mobile: 'phone',
    });
    expect(campaignSettingsSchema.safeParse({ ...base, fieldKinds: { mobile: 'secret' } }).success).toBe(
      false,
    );
  });
});

describe('maskedExcerpt', () => {
  it('masks before it cuts, so a number across the cut keeps no leading digits', () => {
    expect(maskedExcerpt('x,+49 30 12345678', 8)).toBe('x,*** **…');
    expect(maskedExcerpt('short', 8)).toBe('short');
  });
});

describe('maskUrl', () => {
  it('masks numbers in the path and the query, decoded once or several times', () => {
    expect(maskUrl('/v1/dnc/global/%2B493012345678')).toBe('/v1/dnc/global/*********5678');
    expect(maskUrl('/v1/dnc/global/%252B493012345678')).toBe('/v1/dnc/global/*********5678');
    expect(maskUrl('/v1/dnc/global/%25252B493012345678')).toBe('/v1/dnc/global/*********5678');
    expect(maskUrl('/v1/recordings?number=030+1234+5678&limit=100')).toBe(
      '/v1/recordings?number=*********5678&limit=100',
    );
  });

  it('masks strictly what is still encoded after the decodings, and survives malformed escapes', () => {
    const deep = `/v1/dnc/global/${encodeURIComponent(encodeURIComponent(encodeURIComponent(encodeURIComponent(encodeURIComponent('+493012345678')))))}`;
    expect(maskUrl(deep)).not.toMatch(/12345678/);
    expect(maskUrl('/v1/x/%E0%A4%A/%2B493012345678')).not.toMatch(/12345678/);
  });

  it('keeps ids and short numbers readable', () => {
    const url = '/v1/recordings/0190a7b2-1c3e-7def-a716-446655440000/audio?limit=100&offset=200';
    expect(maskUrl(url)).toBe(url);
  });
});

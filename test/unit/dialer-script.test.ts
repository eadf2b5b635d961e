import { describe, expect, it } from 'vitest';
import { campaignSettingsSchema } from '../../src/dialer/campaign.js';
import { renderScript } from '../../src/dialer/script.js';

const lead = { name: 'Wang Fang', fields: { plan: 'gold', city: 'Berlin', 'contract end': '2027-03-31' } };

describe('renderScript', () => {
  it("fills in the lead's name and fields, spaces inside the braces allowed", () => {
    expect(
      renderScript(
        'Hello {{name}}, your {{ fields.plan }} plan in {{fields.city}} ends {{fields.contract end}}.',
        lead,
      ),
    ).toBe('Hello Wang Fang, your gold plan in Berlin ends 2027-03-31.');
  });

  it('leaves unknown placeholders, missing fields and a missing name empty', () => {
    expect(renderScript('[{{fields.missing}}][{{phone}}][{{lead.name}}][{{}}][{{fields.}}]', lead)).toBe(
      '[][][][][]',
    );
    expect(renderScript('Hello {{name}}!', { name: null, fields: {} })).toBe('Hello !');
    // Only the lead's own fields: nothing reaches the object's prototype.
    expect(renderScript('{{fields.constructor}}{{fields.toString}}{{fields.__proto__}}', lead)).toBe('');
  });

  it('reads a hostile script of the longest length at once (the old pattern was cubic)', () => {
    const spaces = ' '.repeat(19_990);
    expect(renderScript(`{{${spaces}x`, lead)).toBe(`{{${spaces}x`);
    expect(renderScript(`{{${spaces}name${spaces.slice(10)}}}`, lead)).toBe('Wang Fang');
  });

  it('keeps text that is not a placeholder as it is, single braces and markup included', () => {
    expect(renderScript('{name} {{name} }} {{{name}}}', lead)).toBe('{name} {{name} }} {Wang Fang}');
    expect(renderScript('Line 1\n\tLine 2 — 第二行', lead)).toBe('Line 1\n\tLine 2 — 第二行');
  });

  it('keeps HTML-ish input as text: nothing is escaped, stripped or interpreted', () => {
    const hostile = {
      name: '<img src=x onerror=alert(1)>',
      fields: { note: '<script>alert("x")</script> &amp;' },
    };
    expect(renderScript('<b>{{name}}</b> {{fields.note}}', hostile)).toBe(
      '<b><img src=x onerror=alert(1)></b> <script>alert("x")</script> &amp;',
    );
    // A value that looks like a placeholder is not filled in again.
    expect(renderScript('{{fields.a}}', { name: 'N', fields: { a: '{{name}}' } })).toBe('{{name}}');
  });

  it('masks phone-like values but for their last 4 digits', () => {
    const values = {
      name: '+49 30 1234 5678',
      fields: { mobile: '0151-2345-6789', other: 'call +8613812345678 after 6 pm' },
    };
    const text = renderScript('{{name}} | {{fields.mobile}} | {{fields.other}}', values);
    expect(text).not.toMatch(/1234 5678|2345|13812345678/);
    expect(text).toBe('*** ** **** 5678 | ****-****-6789 | call **********5678 after 6 pm');
  });

  it("masks each field by the kind the campaign declares: phone always, id never, text's phone-like runs", () => {
    const values = {
      name: 'Kim',
      fields: { ext: '4711', contract: '4711234567', note: 'ring 030 1234 5678' },
    };
    const kinds = { ext: 'phone', contract: 'id' } as const;
    expect(renderScript('{{fields.ext}} {{fields.contract}} {{fields.note}}', values, kinds)).toBe(
      '**** 4711234567 ring *** **** 5678',
    );
  });
});

describe('campaign script setting', () => {
  const base = {
    callerId: '+493011112222',
    window: { timezone: 'Europe/Berlin', hours: [{ days: ['mon'], from: '09:00', to: '17:00' }] },
  };

  it('is optional and holds at most 20,000 characters', () => {
    expect(campaignSettingsSchema.parse(base).script).toBeUndefined();
    expect(campaignSettingsSchema.parse({ ...base, script: 'Hello {{name}}' }).script).toBe('Hello {{name}}');
    expect(campaignSettingsSchema.safeParse({ ...base, script: 'x'.repeat(20_000) }).success).toBe(true);
    expect(campaignSettingsSchema.safeParse({ ...base, script: 'x'.repeat(20_001) }).success).toBe(false);
  });
});

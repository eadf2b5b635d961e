import { describe, expect, it } from 'vitest';
import { isOptOut } from '../../src/sms/opt-out.js';
import { parseInbound, parseReceipt } from '../../src/sms/smpp.js';
import { SMS_EVENTS, SMS_STATES, smsTransition } from '../../src/sms/state.js';
import { fieldsNamed, renderTemplate, unknownPlaceholders } from '../../src/sms/template.js';

describe('SMS message state table', () => {
  const expected: Record<string, Record<string, string>> = {
    queued: { submit: 'submitting', skip: 'skipped', 'give-up': 'failed' },
    submitting: {
      accepted: 'submitted',
      'temporary-error': 'queued',
      'permanent-error': 'failed',
      'no-answer': 'unconfirmed',
      'crash-found': 'unconfirmed',
    },
    submitted: { delivered: 'delivered', undeliverable: 'failed', expired: 'expired' },
    unconfirmed: {
      delivered: 'delivered',
      undeliverable: 'failed',
      expired: 'expired',
      resend: 'queued',
      'give-up': 'failed',
    },
    delivered: {},
    failed: {},
    expired: {},
    skipped: {},
  };

  it.each(SMS_STATES.flatMap((from) => SMS_EVENTS.map((event) => [from, event] as const)))(
    '%s -%s->',
    (from, event) => {
      const result = smsTransition(from, event);
      const to = expected[from]?.[event];
      if (to) expect(result).toEqual({ ok: true, next: to });
      else expect(result.ok).toBe(false);
    },
  );

  it('never sends a queued message twice: only queued may submit, and only submitting answers', () => {
    for (const from of SMS_STATES) expect(smsTransition(from, 'submit').ok).toBe(from === 'queued');
  });
});

describe('SMS templates', () => {
  const values = { name: '王先生', phone: '+8613800138000', fields: { plan: '金卡', due: '5月1日' } };

  it('fills name, phone and fields', () => {
    expect(renderTemplate('{{name}}您好,您的{{ fields.plan }}已开通,{{fields.due}}前有效', values)).toBe(
      '王先生您好,您的金卡已开通,5月1日前有效',
    );
  });

  it('refuses unknown placeholders and names the fields used', () => {
    expect(unknownPlaceholders('{{name}} {{fields.plan}} {{password}} {{ constructor }}')).toEqual([
      'password',
      'constructor',
    ]);
    expect(fieldsNamed('{{fields.plan}} {{fields.due}} {{fields.plan}}')).toEqual(['plan', 'due']);
  });

  it('reads only own fields and keeps markup as text', () => {
    expect(renderTemplate('{{fields.constructor}}<b>{{fields.toString}}', values)).toBe('<b>');
  });
});

describe('SMS opt-out replies', () => {
  it.each(['TD', 'td', ' Td ', 'ＴＤ', '退订', ' 退订。', 'STOP', 'stop!', 'Ｓｔｏｐ', 'unsubscribe'])(
    '%j opts out',
    (text) => {
      expect(isOptOut(text)).toBe(true);
    },
  );
  it.each(['', 'OK', 'stop calling me at 5', '不要退订', 'TDD', '好的 谢谢', 'x'.repeat(10_000)])(
    '%j does not',
    (text) => {
      expect(isOptOut(text)).toBe(false);
    },
  );
});

describe('SMPP deliver_sm', () => {
  it('reads a receipt from its text (esm_class 0x04)', () => {
    const receipt = parseReceipt({
      esm_class: 0x04,
      short_message: {
        message:
          'id:abc123 sub:001 dlvrd:001 submit date:2601011200 done date:2601011201 stat:DELIVRD err:000 text:hi',
      },
    });
    expect(receipt).toEqual({ providerId: 'abc123', status: 'delivered', code: 'DELIVRD' });
  });

  it('prefers the receipt TLVs', () => {
    expect(
      parseReceipt({
        esm_class: 0x04,
        receipted_message_id: 'X9',
        message_state: 3,
        short_message: { message: '' },
      }),
    ).toEqual({ providerId: 'X9', status: 'expired', code: 'EXPIRED' });
    expect(
      parseReceipt({ esm_class: 0x04, short_message: { message: 'id:7 stat:UNDELIV err:001' } })?.status,
    ).toBe('undeliverable');
  });

  it('treats a plain deliver_sm as a reply, and a non-final receipt as nothing', () => {
    const pdu = {
      esm_class: 0,
      source_addr: '8613800138000',
      source_addr_ton: 1,
      short_message: { message: 'TD' },
    };
    expect(parseReceipt(pdu)).toBeNull();
    expect(parseInbound(pdu)).toEqual({ from: '+8613800138000', text: 'TD' });
    expect(parseReceipt({ esm_class: 0x04, short_message: { message: 'id:7 stat:ENROUTE' } })).toBeNull();
  });
});

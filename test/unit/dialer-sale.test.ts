import { describe, expect, it } from 'vitest';
import { saleOf } from '../../src/dialer/after-call.js';
import { DialerError } from '../../src/dialer/errors.js';

const sale = { code: 'sale', sale: true };
const notInterested = { code: 'not-interested', sale: false };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DialerError) return err.code;
    throw err;
  }
  throw new Error('expected a DialerError');
}

describe('saleOf', () => {
  it('keeps the sale of a sale disposition, its amount in exact cents', () => {
    expect(saleOf(sale, { amount: 1299.5, product: 'gold plan' })).toEqual({
      amountCents: 129_950,
      product: 'gold plan',
    });
    // 19.99 * 100 is 1998.9999999999998 in floating point: still 1999 cents.
    expect(saleOf(sale, { amount: 19.99, product: 'x' })?.amountCents).toBe(1999);
    expect(saleOf(sale, { amount: 0, product: 'free trial' })?.amountCents).toBe(0);
  });

  it('needs a sale with a sale disposition and refuses one with any other', () => {
    expect(refusal(() => saleOf(sale, undefined))).toBe('SALE_REQUIRED');
    expect(refusal(() => saleOf(notInterested, { amount: 10, product: 'x' }))).toBe('SALE_NOT_ALLOWED');
    expect(saleOf(notInterested, undefined)).toBeNull();
  });
});

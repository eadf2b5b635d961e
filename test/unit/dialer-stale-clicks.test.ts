import { describe, expect, it } from 'vitest';
import { DialerError } from '../../src/dialer/errors.js';
import { refuseStaleOffer } from '../../src/dialer/offer-selection.js';

describe('refuseStaleOffer', () => {
  const offer = { attemptId: 'at-2' };

  it('lets a click on the current offer through, and one without an id (older clients)', () => {
    expect(() => refuseStaleOffer(offer, 'at-2')).not.toThrow();
    expect(() => refuseStaleOffer(offer, undefined)).not.toThrow();
  });

  it('refuses a click on an offer that has gone with STALE_OFFER', () => {
    try {
      refuseStaleOffer(offer, 'at-1');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DialerError);
      expect((err as DialerError).code).toBe('STALE_OFFER');
    }
  });
});

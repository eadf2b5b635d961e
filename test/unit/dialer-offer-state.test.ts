import { describe, expect, it } from 'vitest';
import {
  canMove,
  hasCustomerCall,
  isSettled,
  OFFER_EVENTS,
  OFFER_STATES,
  type OfferEvent,
  type OfferState,
  offerTransition,
} from '../../src/dialer/offer-state.js';
import { mayMove, moveOffer, type Offer } from '../../src/dialer/offers.js';

/** The legal moves, written out here on their own: each event, the states it leaves from, where it leads. */
const EXPECTED: Record<OfferEvent, { from: OfferState[]; to: OfferState }> = {
  accept: { from: ['preview'], to: 'waiting-channel' },
  skip: { from: ['preview'], to: 'skipped' },
  withdraw: { from: ['preview', 'waiting-channel'], to: 'withdrawn' },
  dial: { from: ['waiting-channel'], to: 'dialing' },
  answer: { from: ['dialing'], to: 'connected' },
  'not-reached': { from: ['dialing'], to: 'not-reached' },
  hangup: { from: ['connected'], to: 'ended' },
  dispose: { from: ['ended'], to: 'disposed' },
  'no-disposition': { from: ['ended'], to: 'undisposed' },
};

const SETTLED: OfferState[] = ['disposed', 'undisposed', 'skipped', 'withdrawn', 'not-reached'];

const cases = OFFER_STATES.flatMap((state) => OFFER_EVENTS.map((event) => ({ state, event })));

describe('offer state table', () => {
  it('covers every event', () => {
    expect([...OFFER_EVENTS].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(cases)('$state -$event->', ({ state, event }) => {
    const expected = EXPECTED[event];
    const result = offerTransition(state, event);
    expect(canMove(state, event)).toBe(result.ok);
    if (expected.from.includes(state)) {
      expect(result).toEqual({ ok: true, next: expected.to });
    } else {
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toBe(`cannot ${event} an offer in ${state}`);
    }
  });

  it('settled states have no way out; every other state has one', () => {
    for (const state of OFFER_STATES) expect(isSettled(state), state).toBe(SETTLED.includes(state));
  });

  it('every state is reachable from the preview', () => {
    const seen = new Set<OfferState>(['preview']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const { state, event } of cases) {
        const r = offerTransition(state, event);
        if (seen.has(state) && r.ok && !seen.has(r.next)) {
          seen.add(r.next);
          grew = true;
        }
      }
    }
    expect([...seen].sort()).toEqual([...OFFER_STATES].sort());
  });

  it('a customer call is up while dialing or connected only', () => {
    expect(OFFER_STATES.filter(hasCustomerCall)).toEqual(['dialing', 'connected']);
  });
});

describe('moving an offer', () => {
  function offerIn(state: OfferState) {
    const lines: { level: string; data: Record<string, unknown>; msg: string }[] = [];
    const at = (level: string) => (data: Record<string, unknown>, msg: string) =>
      lines.push({ level, data, msg });
    const offer = { state, log: { info: at('info'), error: at('error') } } as unknown as Offer;
    return { offer, lines };
  }

  it('moves through the table and logs from -event-> to with the details', () => {
    const { offer, lines } = offerIn('preview');
    expect(moveOffer(offer, 'accept', { by: 'agent:a1' })).toBe(true);
    expect(offer.state).toBe('waiting-channel');
    expect(lines).toEqual([
      {
        level: 'info',
        data: { by: 'agent:a1', from: 'preview', event: 'accept', to: 'waiting-channel' },
        msg: 'offer preview -accept-> waiting-channel',
      },
    ]);
  });

  it('refuses an illegal move: logged as an error, the state unchanged', () => {
    const { offer, lines } = offerIn('connected');
    expect(moveOffer(offer, 'dispose')).toBe(false);
    expect(offer.state).toBe('connected');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', data: { from: 'connected', event: 'dispose' } });
  });

  it('checks a move without making it (a request checked before its work)', () => {
    const { offer, lines } = offerIn('ended');
    expect(mayMove(offer, 'dispose')).toBe(true);
    expect(offer.state).toBe('ended');
    expect(lines).toEqual([]);
    expect(mayMove(offer, 'accept')).toBe(false);
    expect(lines[0]?.level).toBe('error');
  });
});

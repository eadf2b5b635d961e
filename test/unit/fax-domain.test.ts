import { describe, expect, it } from 'vitest';
import { FaxLines } from '../../src/fax/lines.js';
import {
  describeOutcome,
  type FaxRetryRules,
  faxResultFrom,
  retryDecision,
  unansweredOutcome,
} from '../../src/fax/policy.js';
import { FAX_STATES, type FaxEvent, faxMove, isSettled } from '../../src/fax/state.js';

const rules: FaxRetryRules = { attempts: 3, busyDelaySec: 60, noAnswerDelaySec: 120, failedDelaySec: 300 };

describe('fax retry policy', () => {
  it('retries by outcome with its own delay until the attempts are used', () => {
    expect(retryDecision({ kind: 'busy' }, 1, rules)).toEqual({ retry: true, delayMs: 60_000 });
    expect(retryDecision({ kind: 'no-answer' }, 2, rules)).toEqual({ retry: true, delayMs: 120_000 });
    expect(retryDecision({ kind: 'failed', pages: 1, error: 'x' }, 1, rules)).toEqual({
      retry: true,
      delayMs: 300_000,
    });
    expect(retryDecision({ kind: 'busy' }, 3, rules)).toEqual({
      retry: false,
      reason: 'busy (after 3 of 3 attempts)',
    });
  });

  it('says what happened, with the pages a failed fax got through', () => {
    expect(describeOutcome({ kind: 'sent', pages: 3 })).toBe('sent, 3 pages');
    expect(describeOutcome({ kind: 'failed', pages: 1, error: 'The call dropped prematurely' })).toBe(
      'failed after 1 pages: The call dropped prematurely',
    );
  });

  it('reads an unanswered call by its Q.850 cause', () => {
    expect(unansweredOutcome(17)).toEqual({ kind: 'busy' });
    expect(unansweredOutcome(19)).toEqual({ kind: 'no-answer' });
    expect(unansweredOutcome(undefined)).toEqual({ kind: 'no-answer' });
    expect(unansweredOutcome(34)).toMatchObject({ kind: 'failed', pages: 0 });
  });

  it('takes the result from the last values res_fax set', () => {
    expect(
      faxResultFrom({ FAXSTATUS: 'SUCCESS', FAXPAGES: '3', FAXERROR: '', REMOTESTATIONID: ' ACME ' }),
    ).toEqual({ success: true, pages: 3, station: 'ACME', error: '' });
    expect(faxResultFrom({ FAXSTATUS: 'FAILED', FAXPAGES: '1', FAXERROR: 'HANGUP' })).toEqual({
      success: false,
      pages: 1,
      station: '',
      error: 'HANGUP',
    });
    // Hung up before the fax began: nothing was set.
    expect(faxResultFrom({})).toEqual({
      success: false,
      pages: 0,
      station: '',
      error: 'the call ended before the fax began',
    });
    expect(faxResultFrom({ FAXSTATUS: 'FAILED', FAXPAGES: 'x' })).toMatchObject({
      pages: 0,
      error: 'FAILED',
    });
  });
});

describe('fax state table', () => {
  it('moves a fax to send through its life, retries, and a person may send a failed one again', () => {
    const path: [FaxEvent, string][] = [
      ['convert', 'converting'],
      ['converted', 'waiting'],
      ['dial', 'sending'],
      ['retry', 'retrying'],
      ['due', 'waiting'],
      ['dial', 'sending'],
      ['fail', 'failed'],
      ['resend', 'waiting'],
      ['dial', 'sending'],
      ['sent', 'sent'],
    ];
    let state: (typeof FAX_STATES)[number] = 'queued';
    for (const [event, to] of path) {
      const next = faxMove(state, event);
      expect(next, `${state} -${event}->`).toBe(to);
      state = next as typeof state;
    }
    expect(isSettled(state)).toBe(true);
  });

  it('refuses moves the table does not have', () => {
    expect(faxMove('sent', 'fail')).toBeUndefined();
    expect(faxMove('queued', 'dial')).toBeUndefined();
    expect(faxMove('received', 'sent')).toBeUndefined();
    expect(faxMove('stored', 'resend')).toBeUndefined();
    expect(faxMove('received', 'store')).toBe('stored');
    expect(faxMove('received', 'fail')).toBe('failed');
    expect(FAX_STATES.filter(isSettled)).toEqual(['sent', 'stored', 'failed']);
  });
});

describe('fax lines', () => {
  it('never lends more lines than the capacity; the rest wait in order and get a line as one frees', async () => {
    const lines = new FaxLines(() => 2);
    const order: number[] = [];
    const releases = await Promise.all([lines.acquire(), lines.acquire()]);
    expect(lines.inUse).toBe(2);
    const inOrder = async (n: number) => {
      const release = await lines.acquire();
      order.push(n);
      return release;
    };
    const third = inOrder(3);
    const fourth = inOrder(4);
    await Promise.resolve();
    expect(lines.queued).toBe(2);
    expect(order).toEqual([]);
    releases[0]?.();
    releases[0]?.(); // twice is once
    const r3 = await third;
    expect(order).toEqual([3]);
    expect(lines.inUse).toBe(2);
    releases[1]?.();
    const r4 = await fourth;
    expect(order).toEqual([3, 4]);
    r3();
    r4();
    expect(lines.inUse).toBe(0);
    expect(lines.queued).toBe(0);
  });

  it('follows a changed capacity', async () => {
    let capacity = 1;
    const lines = new FaxLines(() => capacity);
    const first = await lines.acquire();
    capacity = 2;
    const second = await lines.acquire();
    expect(lines.inUse).toBe(2);
    first();
    second();
    expect(lines.inUse).toBe(0);
  });
});

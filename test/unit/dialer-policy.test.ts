import { describe, expect, it } from 'vitest';
import { type Campaign, campaignSettingsSchema } from '../../src/dialer/campaign.js';
import {
  afterAttempt,
  campaignsFor,
  capsSince,
  fairShares,
  inCallingWindow,
  isCapped,
  leadMoveAllowed,
  pacingDecision,
  stateBeforeReserve,
  wrapUpTimeoutAction,
} from '../../src/dialer/policy.js';
import { dayBounds } from '../../src/lib/time.js';

const settings = campaignSettingsSchema.parse({
  callerId: '+493011112222',
  teams: ['t1'],
  window: {
    timezone: 'Europe/Berlin',
    hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '20:00' }],
    holidays: ['2026-12-24'],
  },
  maxAttempts: 3,
  retry: { busy: { afterMin: 10 }, 'no-answer': { afterMin: 60 } },
});

const campaign = (id: string, extra: Partial<Campaign> = {}): Campaign => ({
  id,
  name: id,
  state: 'active',
  settings,
  createdAt: 1,
  updatedAt: 1,
  ...extra,
});

const disposition = (code: string) => settings.dispositions.find((d) => d.code === code)!;

describe('calling window', () => {
  it('is open on weekday hours in the campaign time zone, closed at night, at weekends and on holidays', () => {
    expect(inCallingWindow(settings, new Date('2026-11-30T08:00:00Z'))).toBe(true); // Mon 09:00 Berlin
    expect(inCallingWindow(settings, new Date('2026-11-30T07:59:00Z'))).toBe(false); // 08:59
    expect(inCallingWindow(settings, new Date('2026-11-30T19:00:00Z'))).toBe(false); // 20:00, end exclusive
    expect(inCallingWindow(settings, new Date('2026-11-28T12:00:00Z'))).toBe(false); // Saturday
    expect(inCallingWindow(settings, new Date('2026-12-24T10:00:00Z'))).toBe(false); // holiday
    // Summer time: 09:00 Berlin is 07:00 UTC.
    expect(inCallingWindow(settings, new Date('2026-07-06T07:00:00Z'))).toBe(true);
  });
});

describe('campaigns an agent works', () => {
  const monday = new Date('2026-11-30T10:00:00Z');
  it('only active campaigns of their team or naming them, in window, highest priority first', () => {
    const list = [
      campaign('low', { settings: { ...settings, priority: 10 } }),
      campaign('high', { settings: { ...settings, priority: 90 } }),
      campaign('paused', { state: 'paused' }),
      campaign('other-team', { settings: { ...settings, teams: ['t2'] } }),
      campaign('named', { settings: { ...settings, teams: [], agents: ['a9'] } }),
    ];
    expect(campaignsFor({ id: 'a1', teamId: 't1' }, list, monday).map((c) => c.id)).toEqual(['high', 'low']);
    expect(campaignsFor({ id: 'a9', teamId: null }, list, monday).map((c) => c.id)).toEqual(['named']);
    expect(campaignsFor({ id: 'a1', teamId: 't1' }, list, new Date('2026-11-28T10:00:00Z'))).toEqual([]);
  });
});

describe('fair shares of trunk channels', () => {
  it('splits evenly when all want more than there is', () => {
    expect(fairShares(30, { a: 100, b: 100, c: 100 })).toEqual({ a: 10, b: 10, c: 10 });
  });
  it('gives what a small campaign leaves unused to the others (max-min)', () => {
    expect(fairShares(30, { a: 4, b: 100, c: 100 })).toEqual({ a: 4, b: 13, c: 13 });
  });
  it('never gives more than wanted, nor more than the capacity', () => {
    const shares = fairShares(10, { a: 3, b: 2 });
    expect(shares).toEqual({ a: 3, b: 2 });
    const tight = fairShares(2, { a: 5, b: 5, c: 5 });
    expect(Object.values(tight).reduce((x, y) => x + y, 0)).toBe(2);
  });
});

describe('pacing decision', () => {
  const base = {
    settings: { pacing: { ...settings.pacing, maxConcurrent: 5, dailyCap: 100, maxPerAgentHour: 20 } },
    campaignActive: 0,
    globalActive: 0,
    trunkChannels: 10,
    fairShare: 5,
    dialedToday: 0,
    agentLastHour: 0,
  };
  it('dials when under every limit', () => {
    expect(pacingDecision(base)).toEqual({ dial: true });
  });
  it('stops for the day and the hour (no waiting), waits for channels', () => {
    expect(pacingDecision({ ...base, dialedToday: 100 })).toMatchObject({ dial: false, wait: false });
    expect(pacingDecision({ ...base, agentLastHour: 20 })).toMatchObject({ dial: false, wait: false });
    expect(pacingDecision({ ...base, campaignActive: 5 })).toMatchObject({ dial: false, wait: true });
    expect(pacingDecision({ ...base, globalActive: 10 })).toMatchObject({ dial: false, wait: true });
    expect(pacingDecision({ ...base, campaignActive: 3, fairShare: 3 })).toMatchObject({
      dial: false,
      reason: 'fair share of trunk channels used',
    });
  });
  it('a cap wins over busy channels, and only a cap stops an offer', () => {
    const capped = pacingDecision({ ...base, dialedToday: 100, globalActive: 10 });
    expect(capped).toEqual({ dial: false, reason: 'daily cap reached', wait: false });
    expect(isCapped(capped)).toBe(true);
    expect(isCapped(pacingDecision({ ...base, globalActive: 10 }))).toBe(false);
    expect(isCapped(pacingDecision(base))).toBe(false);
  });
});

describe('the caps count from', () => {
  const at = (iso: string) => Date.parse(iso);
  const day = (timezone: string, iso: string) =>
    capsSince({ window: { ...settings.window, timezone } }, at(iso)).day;

  it('local midnight of the campaign window time zone for the daily cap (a calendar day, not 24 h)', () => {
    // 23:59:59 Berlin (UTC+1) on Monday 30 November: the day began at 00:00 Berlin, 23:00 UTC the day before.
    expect(day('Europe/Berlin', '2026-11-30T22:59:59Z')).toBe(at('2026-11-29T23:00:00Z'));
    // One second later it is Tuesday in Berlin: a new day, whatever was dialed a minute ago.
    expect(day('Europe/Berlin', '2026-11-30T23:00:00Z')).toBe(at('2026-11-30T23:00:00Z'));
    // The same instant is still Monday evening in New York (UTC-5): its own day, from its midnight.
    expect(day('America/New_York', '2026-11-30T23:00:00Z')).toBe(at('2026-11-30T05:00:00Z'));
    expect(day('America/New_York', '2026-12-01T05:00:00Z')).toBe(at('2026-12-01T05:00:00Z'));
  });

  it('the right midnight on the days the clocks change', () => {
    // Berlin springs forward at 02:00 on 29 March: the day began at 00:00 CET (23:00 UTC), not 22:00.
    expect(day('Europe/Berlin', '2026-03-29T10:00:00Z')).toBe(at('2026-03-28T23:00:00Z'));
    // And falls back at 03:00 on 25 October: the day began at 00:00 CEST (22:00 UTC).
    expect(day('Europe/Berlin', '2026-10-25T12:00:00Z')).toBe(at('2026-10-24T22:00:00Z'));
    // Those days last 23 and 25 hours.
    const spring = dayBounds('Europe/Berlin', new Date('2026-03-29T10:00:00Z'));
    expect(spring.to - spring.from).toBe(23 * 3_600_000);
    const autumn = dayBounds('Europe/Berlin', new Date('2026-10-25T12:00:00Z'));
    expect(autumn.to - autumn.from).toBe(25 * 3_600_000);
    expect(autumn.to).toBe(at('2026-10-25T23:00:00Z'));
  });

  it('an hour ago for the agent hourly cap (rolling)', () => {
    const now = at('2026-11-30T10:20:00Z');
    expect(capsSince(settings, now).hour).toBe(now - 3_600_000);
  });
});

describe('what happens to a lead after an attempt', () => {
  const now = 1_000_000;
  it('retries by network outcome, after the configured minutes, until attempts run out', () => {
    expect(afterAttempt(settings, { outcome: 'busy' }, 1, now)).toEqual({
      state: 'retry',
      dueAt: now + 600_000,
    });
    expect(afterAttempt(settings, { outcome: 'no-answer' }, 2, now)).toEqual({
      state: 'retry',
      dueAt: now + 3_600_000,
    });
    expect(afterAttempt(settings, { outcome: 'busy' }, 3, now)).toEqual({ state: 'failed' });
    // Cancelled by the service: retried in 5 minutes whatever the attempts (it was not the customer's doing).
    expect(afterAttempt(settings, { outcome: 'cancelled' }, 3, now)).toEqual({
      state: 'retry',
      dueAt: now + 300_000,
    });
    // No rule for congestion in these settings: not retried.
    expect(afterAttempt(settings, { outcome: 'congestion' }, 1, now)).toEqual({ state: 'failed' });
  });
  it('follows the disposition: final, refused (never again), callback at the agreed time, retry', () => {
    expect(afterAttempt(settings, { disposition: disposition('sale') }, 1, now)).toEqual({ state: 'done' });
    expect(afterAttempt(settings, { disposition: disposition('refused') }, 1, now)).toEqual({
      state: 'dnc',
      doNotCall: true,
    });
    expect(
      afterAttempt(settings, { disposition: disposition('callback'), callbackAt: now + 5000 }, 3, now),
    ).toEqual({
      state: 'callback',
      dueAt: now + 5000,
    });
    expect(afterAttempt(settings, { disposition: disposition('answering-machine') }, 1, now)).toEqual({
      state: 'retry',
      dueAt: now + 120 * 60_000,
    });
    expect(afterAttempt(settings, { disposition: disposition('answering-machine') }, 3, now)).toEqual({
      state: 'failed',
    });
    expect(afterAttempt(settings, { noDisposition: true }, 1, now)).toEqual({
      state: 'retry',
      dueAt: now + 3_600_000,
    });
  });
});

describe('lead states', () => {
  it('allows only the moves in the table', () => {
    expect(leadMoveAllowed('new', 'reserved')).toBe(true);
    expect(leadMoveAllowed('reserved', 'in-progress')).toBe(true);
    expect(leadMoveAllowed('in-progress', 'done')).toBe(true);
    expect(leadMoveAllowed('new', 'in-progress')).toBe(false); // never dialed without a reservation
    expect(leadMoveAllowed('done', 'reserved')).toBe(false);
    expect(leadMoveAllowed('dnc', 'reserved')).toBe(false);
  });
  it('puts a preview back where it came from', () => {
    expect(stateBeforeReserve({ attempts: 0, lastDisposition: null, dueAt: 0 })).toBe('new');
    expect(stateBeforeReserve({ attempts: 2, lastDisposition: null, dueAt: 5 })).toBe('retry');
    expect(stateBeforeReserve({ attempts: 1, lastDisposition: 'callback', dueAt: 5 })).toBe('callback');
  });
});

describe('campaign settings', () => {
  it('refuses bad input with the field named', () => {
    const r = campaignSettingsSchema.safeParse({
      callerId: '123',
      window: { timezone: 'Mars/Base', hours: [] },
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['callerId', 'window.timezone', 'window.hours']));
  });
  it('refuses duplicate disposition codes', () => {
    const r = campaignSettingsSchema.safeParse({
      callerId: '+493011112222',
      window: settings.window,
      dispositions: [
        { code: 'x', label: 'X' },
        { code: 'x', label: 'Y' },
      ],
    });
    expect(r.success).toBe(false);
  });
});

describe('a wrap-up that runs out', () => {
  const withWrapUp = (wrapUp: object) => campaignSettingsSchema.parse({ ...settings, wrapUp });

  it('keeps the agent in wrap-up by default, until the disposition owed is given', () => {
    expect(settings.wrapUp).toEqual({ onTimeout: 'keep' });
    expect(wrapUpTimeoutAction(settings, true)).toEqual({ action: 'keep' });
  });
  it("applies the campaign's named disposition when set to", () => {
    const apply = withWrapUp({ onTimeout: 'apply', disposition: 'no-decision' });
    expect(wrapUpTimeoutAction(apply, true)).toEqual({ action: 'apply', code: 'no-decision' });
  });
  it('ends wrap-up as for any call when nothing is owed or the campaign is gone', () => {
    const apply = withWrapUp({ onTimeout: 'apply', disposition: 'no-decision' });
    expect(wrapUpTimeoutAction(settings, false)).toEqual({ action: 'finish' });
    expect(wrapUpTimeoutAction(apply, false)).toEqual({ action: 'finish' });
    expect(wrapUpTimeoutAction(undefined, true)).toEqual({ action: 'finish' });
  });
  it('never guesses: a disposition the campaign lacks, or a sale, keeps the agent', () => {
    // Settings as stored are checked; these are the cases the schema refuses, in case one slips by.
    const gone = { ...settings, wrapUp: { onTimeout: 'apply' as const, disposition: 'nope' } };
    const sale = { ...settings, wrapUp: { onTimeout: 'apply' as const, disposition: 'sale' } };
    expect(wrapUpTimeoutAction(gone, true)).toEqual({ action: 'keep' });
    expect(wrapUpTimeoutAction(sale, true)).toEqual({ action: 'keep' });
  });
  it("the settings refuse an apply without one of the campaign's dispositions, or with a sale", () => {
    const paths = (wrapUp: object) =>
      campaignSettingsSchema.safeParse({ ...settings, wrapUp }).error?.issues.map((i) => i.path.join('.'));
    expect(paths({ onTimeout: 'apply' })).toEqual(['wrapUp.disposition']);
    expect(paths({ onTimeout: 'apply', disposition: 'nope' })).toEqual(['wrapUp.disposition']);
    expect(paths({ onTimeout: 'apply', disposition: 'sale' })).toEqual(['wrapUp.disposition']);
    expect(paths({ onTimeout: 'later' })).toEqual(['wrapUp.onTimeout']);
    expect(paths({ onTimeout: 'keep' })).toBeUndefined();
  });
});

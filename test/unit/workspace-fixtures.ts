import { type Campaign, campaignSettingsSchema } from '../../src/dialer/campaign.js';
import type { AttemptRecord, Store } from '../../src/store/index.js';

/**
 * A day of agent a1's work in a center on Asia/Shanghai time (UTC+8), seen at NOW = 09:30 local on
 * 7 December 2026: the local day runs from 2026-12-06T16:00Z to 2026-12-07T16:00Z.
 */
export const TIMEZONE = 'Asia/Shanghai';
export const NOW = Date.parse('2026-12-07T01:30:00Z');
export const DAY = { from: Date.parse('2026-12-06T16:00:00Z'), to: Date.parse('2026-12-07T16:00:00Z') };

export const campaign: Campaign = {
  id: 'c1',
  name: 'Spring offer',
  state: 'active',
  settings: campaignSettingsSchema.parse({
    callerId: '+493011112222',
    teams: ['t1'],
    window: { timezone: 'Europe/Berlin', hours: [{ days: ['mon'], from: '09:00', to: '17:00' }] },
  }),
  createdAt: 0,
  updatedAt: 0,
};
export const campaigns = { get: (id: string) => (id === campaign.id ? campaign : undefined) };

const seat = (id: string, teamId: string | null) => ({
  id,
  name: `Agent ${id}`,
  teamId,
  role: 'agent' as const,
  endpoint: `PJSIP/${id}`,
  lineMode: 'persistent' as const,
  inboundRole: 'primary' as const,
});

let serial = 0;

/** A lead of campaign c1 (phone +49301234<nnnn>). */
export function lead(store: Store, id: string, name: string | null = `Customer ${id}`): string {
  const phone = `+4930123${String(4000 + serial++).padStart(4, '0')}`;
  store.leads.insertMany([
    { id, campaignId: 'c1', importId: null, phone, name, fields: { plan: 'gold' }, createdAt: 0 },
  ]);
  return phone;
}

/** A dial attempt of `agentId` offered at `at`, then as `patch` says (the number released). */
export function attempt(
  store: Store,
  leadId: string,
  agentId: string,
  at: number,
  patch: Partial<AttemptRecord> = {},
): string {
  const id = `att-${serial++}`;
  store.attempts.open({
    id,
    leadId,
    campaignId: 'c1',
    agentId,
    teamId: 't1',
    phone: `p-${id}`,
    numberMasked: '*********4567',
    attemptNo: 1,
    at,
  });
  store.attempts.update(id, { state: 'disposed', ...patch, releasePhone: true });
  return id;
}

/** A dialed, answered call of `talkSec` seconds, disposed with `disposition`. */
export const answered = (
  at: number,
  talkSec: number,
  disposition: string,
  extra: Partial<AttemptRecord> = {},
) => ({
  dialedAt: at + 1_000,
  answeredAt: at + 5_000,
  endedAt: at + 5_000 + talkSec * 1000,
  outcome: 'answered',
  disposition,
  disposedAt: at + 10_000 + talkSec * 1000,
  ...extra,
});

/** A hotline call a1 took at `at` and talked `talkSec` seconds. */
export function hotlineCall(
  store: Store,
  callId: string,
  agentId: string,
  at: number,
  talkSec: number,
): void {
  store.hotlineCalls.enqueued({ callId, at: at - 20_000, callerMasked: '*********9999' });
  store.hotlineCalls.answered(callId, agentId, at);
  store.hotlineCalls.ended(callId, { at: at + talkSec * 1000, outcome: 'answered' });
}

/**
 * The day: what a1 did yesterday (just before local midnight), today, and what a2 did. Today's figures
 * for a1 come to TODAY (see each line).
 */
export function seedDay(store: Store): void {
  store.teams.create({ id: 't1', name: 'Team 1' });
  store.teams.create({ id: 't2', name: 'Team 2' });
  store.agents.create(seat('a1', 't1'));
  store.agents.create(seat('a2', 't1'));
  store.agents.create(seat('a3', 't2'));
  store.campaigns.create({
    id: 'c1',
    name: 'Spring offer',
    state: 'active',
    settings: JSON.stringify(campaign.settings),
    createdAt: 0,
    updatedAt: 0,
  });
  for (const id of ['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7']) lead(store, id);
  // Yesterday, one second before local midnight: a sale that is not today's.
  attempt(store, 'l1', 'a1', DAY.from - 11_000, answered(DAY.from - 11_000, 1, 'sale', sale(100)));
  // Today from local midnight: a sale of 60 s worth 1299.50.
  attempt(store, 'l2', 'a1', DAY.from, answered(DAY.from, 60, 'sale', sale(1299.5, 'gold plan')));
  // A contact without a sale, 30 s.
  attempt(store, 'l3', 'a1', NOW - 30 * 60_000, answered(NOW - 30 * 60_000, 30, 'not-interested'));
  // Busy: a call, no contact.
  attempt(store, 'l4', 'a1', NOW - 20 * 60_000, { dialedAt: NOW - 20 * 60_000 + 1_000, outcome: 'busy' });
  // Skipped in preview: no call.
  attempt(store, 'l5', 'a1', NOW - 15 * 60_000, { state: 'skipped', skipReason: 'skipped: not now' });
  // An answering machine, 5 s: a call, no contact.
  attempt(store, 'l6', 'a1', NOW - 10 * 60_000, answered(NOW - 10 * 60_000, 5, 'answering-machine'));
  // Another agent's sale.
  attempt(store, 'l7', 'a2', NOW - 5 * 60_000, answered(NOW - 5 * 60_000, 20, 'sale', sale(50)));
  // A hotline caller a1 took this morning, 120 s; and one yesterday evening.
  hotlineCall(store, 'h-today', 'a1', NOW - 60 * 60_000, 120);
  hotlineCall(store, 'h-yesterday', 'a1', DAY.from - 3_600_000, 45);
}

function sale(amount: number, product = 'plan'): Partial<AttemptRecord> {
  return { saleAmountCents: Math.round(amount * 100), saleProduct: product };
}

/** a1's figures for the seeded day. */
export const TODAY = {
  // l2, l3, l4 and l6 dialed, and the hotline call
  calls: 5,
  // l2 (sale) and l3 (not interested) are contacts, and the hotline caller
  contacts: 3,
  talkSec: 60 + 30 + 5 + 120,
  sales: 1,
  salesAmount: 1299.5,
};

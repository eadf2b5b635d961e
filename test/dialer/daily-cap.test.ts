import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { addAgent, agentApi, loginReady } from '../inbound/helpers.js';
import { ALWAYS, addLeads, channelsTo, customer, settings, supervisorApi } from './helpers.js';

/**
 * dailyCap counts the campaign's calendar day in its calling window's time zone. New York here, so that
 * neither UTC's day, the machine's, nor a rolling 24 h would turn at the same moment as the campaign's.
 */
const NEW_YORK = { ...ALWAYS, timezone: 'America/New_York' };
/** Sunday 29 November 2026, 23:30 in New York (UTC-5): 04:30 UTC on Monday. */
const SUNDAY_2330 = new Date('2026-11-30T04:30:00Z');
const SUNDAY_235959 = new Date('2026-11-30T04:59:59Z');
const MONDAY_0000 = new Date('2026-11-30T05:00:00Z');

describe('dialer daily cap on the real PBX, under a fixed clock', () => {
  let service: Service;
  const far = new FarEnd();
  let clock: Date;

  beforeEach(async () => {
    clock = SUNDAY_2330;
    await far.connect();
  });

  afterEach(async () => {
    await service?.stop();
    await far.close();
  });

  async function start(agentIds: string[], pacing: Record<string, unknown>) {
    service = await startTestService({ dialer: { trunkChannels: 10 } }, { now: () => clock });
    service.store.teams.create({ id: 't1', name: 'Team 1' });
    for (const id of agentIds) await addAgent(service, { id, inboundRole: 'none', teamId: 't1' });
    const sup = supervisorApi(service);
    const created = await sup.post('/v1/campaigns', {
      id: 'cap',
      name: 'Daily cap',
      // Busy customers are not tried again within the test (the clock moves half an hour at most).
      settings: settings({ window: NEW_YORK, pacing, retry: { busy: { afterMin: 600 } } }),
    });
    expect(created.statusCode, created.body).toBe(201);
    expect((await sup.post('/v1/campaigns/cap/state', { state: 'active' })).statusCode).toBe(200);
  }

  const dialed = (leadId: string) =>
    service.store.attempts.forLead(leadId).filter((a) => a.dialedAt !== null);

  it('stops dialing at the cap until local midnight of the campaign time zone, then dials again', async () => {
    await start(['a1'], {
      dailyCap: 2,
      maxPerAgentHour: 100,
      maxConcurrent: 5,
      previewSec: 1,
      onPreviewTimeout: 'dial',
      noAnswerSec: 2,
    });
    const phones = [customer.busy(), customer.busy(), customer.busy(), customer.busy()];
    const [first, second, third, fourth] = addLeads(service.store, 'cap', phones);
    await loginReady(service, 'a1');

    // The preview timer dials the first two leads: that is the day's cap.
    for (const id of [first!, second!]) {
      await eventually(() => service.store.leads.get(id)?.state === 'retry', `lead ${id} dialed`, 20_000);
    }
    await new Promise((r) => setTimeout(r, 2_500)); // ticks and preview timers pass
    expect(service.dialer.preview('a1')).toBeUndefined();
    expect(service.store.leads.get(third!)).toMatchObject({ state: 'new', attempts: 0 });
    expect(service.store.attempts.forLead(third!)).toHaveLength(0);
    expect(await channelsTo(far, phones[2]!)).toHaveLength(0);

    // One second before midnight in New York: still the same day, still capped.
    clock = SUNDAY_235959;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(service.dialer.preview('a1')).toBeUndefined();
    expect(service.store.attempts.forLead(third!)).toHaveLength(0);

    // Midnight in New York (half an hour after the last dial, not 24 h): a new day, dialing resumes.
    clock = MONDAY_0000;
    for (const id of [third!, fourth!]) {
      await eventually(() => service.store.leads.get(id)?.state === 'retry', `lead ${id} dialed`, 20_000);
    }
    expect(dialed(third!)[0]!.dialedAt).toBe(MONDAY_0000.getTime());
    expect(dialed(first!)[0]!.dialedAt).toBe(SUNDAY_2330.getTime());
    // The new day's two calls reach its cap in turn.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(service.dialer.preview('a1')).toBeUndefined();
    const stats = (await supervisorApi(service).get('/v1/campaigns/cap/stats')).json();
    expect(stats.attempts.dialed).toBe(2); // today (Monday in New York) only
  });

  it('a preview accepted after the cap was reached is not dialed (409)', async () => {
    await start(['a1', 'a2'], {
      dailyCap: 1,
      maxPerAgentHour: 100,
      maxConcurrent: 5,
      previewSec: 60,
      onPreviewTimeout: 'skip',
      noAnswerSec: 2,
    });
    const [, , spare] = addLeads(service.store, 'cap', [customer.busy(), customer.busy(), customer.busy()]);
    await Promise.all(['a1', 'a2'].map((id) => loginReady(service, id)));
    // Both were offered a lead while none had been dialed today.
    const [one, two] = await eventually(() => {
      const views = ['a1', 'a2'].map((id) => service.dialer.preview(id));
      return views.every(Boolean) ? views : undefined;
    }, 'both agents previewing');
    expect((await agentApi(service, 'a1').post('/v1/agents/a1/preview/accept', {})).statusCode).toBe(200);
    await eventually(() => dialed(one!.lead.id).length === 1, 'the first accepted lead dialed');

    const late = await agentApi(service, 'a2').post('/v1/agents/a2/preview/accept', {});
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toMatchObject({ code: 'NOT_DIALED', message: 'not dialed: daily cap reached' });
    expect(dialed(two!.lead.id)).toHaveLength(0);
    expect(service.store.leads.get(two!.lead.id)).toMatchObject({ state: 'new', attempts: 0 });
    // And nobody is offered the spare lead today.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(service.store.attempts.forLead(spare!)).toHaveLength(0);
  });
});

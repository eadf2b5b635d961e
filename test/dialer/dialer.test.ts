import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { addAgent, agentApi, HOTLINE_FLOW, loginReady } from '../inbound/helpers.js';
import { addLeads, channelsTo, customer, settings, supervisorApi } from './helpers.js';

/** The preview timer dials after 1 s and a customer who does not answer gives up after 2 s. */
const QUICK_DIAL = {
  previewSec: 1,
  onPreviewTimeout: 'dial' as const,
  noAnswerSec: 2,
  maxConcurrent: 5,
  maxPerAgentHour: 100,
  dailyCap: 100,
};

describe('preview dialer on the real PBX', () => {
  let service: Service;
  const far = new FarEnd();
  let clock: Date | undefined;

  beforeEach(async () => {
    clock = undefined;
    await far.connect();
  });

  afterEach(async () => {
    await service?.stop();
    await far.close();
  });

  async function start(agentIds: string[] = ['a1'], wrapUpSec = 30) {
    service = await startTestService(
      { agents: { wrapUpSec }, dialer: { trunkChannels: 10 } },
      { now: () => clock ?? new Date() },
    );
    service.store.teams.create({ id: 't1', name: 'Team 1' });
    for (const id of agentIds) await addAgent(service, { id, inboundRole: 'none', teamId: 't1' });
    return service;
  }

  async function activeCampaign(id: string, extra: Parameters<typeof settings>[0] = {}) {
    const sup = supervisorApi(service);
    const created = await sup.post('/v1/campaigns', {
      id,
      name: `Campaign ${id}`,
      settings: settings(extra),
    });
    expect(created.statusCode, created.body).toBe(201);
    const started = await sup.post(`/v1/campaigns/${id}/state`, { state: 'active' });
    expect(started.statusCode, started.body).toBe(200);
    return sup;
  }

  const preview = (agentId: string) => service.dialer.preview(agentId);

  it('full preview cycle: preview, accept, customer rings and answers, joined and recorded, hang-up, disposition, next lead', async () => {
    await start();
    const tones: Record<string, unknown>[] = [];
    service.bus.subscribe((e) => {
      if (e.topic === 'dialer' && e.type === 'progress-tone') tones.push(e.data);
    });
    await activeCampaign('c1');
    const phone = customer.ringsThenAnswers(2);
    const [leadId, secondId] = addLeads(service.store, 'c1', [phone, customer.answers()]);
    await loginReady(service, 'a1');
    const api = agentApi(service, 'a1');

    // A ready agent is reserved the first lead and sees it, masked, with the campaign's dispositions.
    const shown = await eventually(async () => {
      const r = await api.get('/v1/agents/a1/preview');
      return r.statusCode === 200 ? r.json() : undefined;
    }, 'a preview for the agent');
    expect(shown.lead.id).toBe(leadId);
    expect(shown.lead.numberMasked).not.toContain(phone.slice(4));
    expect(shown.lead.fields).toEqual({ plan: 'gold' });
    expect(service.agents.get('a1')?.state).toBe('reserved');
    expect(service.store.leads.get(leadId!)?.state).toBe('reserved');
    expect(await channelsTo(far, phone)).toHaveLength(0); // nothing dialed before the agent accepts

    const accepted = await api.post('/v1/agents/a1/preview/accept', {});
    expect(accepted.statusCode, accepted.body).toBe(200);
    // While the customer's phone rings the agent hears ringing, played into the agent's bridge.
    await eventually(async () => (await channelsTo(far, phone)).length > 0, 'customer ringing');
    const tone = await eventually(() => tones.find((t) => t.agentId === 'a1'), 'progress tone');
    expect(tone.tone).toBe('tone:ring');
    const playing = await far.rest.getPlayback(tone.playbackId as string);
    const line = (await far.rest.listBridges()).find((b) => b.id === `${service.config.ari.app}-agent-a1`)
      ?.channels[0];
    expect(playing.target_uri).toBe(`channel:${line}`);
    expect(service.agents.get('a1')?.state).toBe('reserved');
    await eventually(() => service.agents.get('a1')?.state === 'on-call', 'agent on the call');
    // Answered: the tone stops.
    await eventually(
      async () =>
        far.rest.getPlayback(tone.playbackId as string).then(
          () => false,
          () => true,
        ),
      'ring tone stopped on answer',
    );
    const attempt = service.store.attempts.get(shown.attemptId)!;
    expect(attempt).toMatchObject({ state: 'connected', campaignId: 'c1', agentId: 'a1', attemptNo: 1 });
    // The customer is in the agent's bridge with the agent's line.
    const bridge = (await far.rest.listBridges()).find((b) => b.id === `${service.config.ari.app}-agent-a1`);
    const customerChannel = `${service.config.ari.app}-dial-${attempt.id}`;
    expect(bridge?.channels).toContain(customerChannel);
    // Recording started, indexed with campaign and lead.
    const recordings = await eventually(
      () =>
        service.store.db
          .prepare(
            'SELECT campaign_id AS campaignId, lead_id AS leadId, direction FROM recordings WHERE call_id = ?',
          )
          .all(attempt.callId) as { campaignId: string; leadId: string; direction: string }[],
      'recording row',
    ).then((rows) => rows);
    expect(recordings.length).toBeGreaterThan(0);
    expect(recordings[0]).toEqual({ campaignId: 'c1', leadId, direction: 'outbound' });

    // A disposition during the call is refused; the agent ends the call, then disposes.
    const early = await api.post('/v1/agents/a1/disposition', { code: 'sale' });
    expect(early.statusCode).toBe(409);
    expect((await api.post('/v1/agents/a1/dialer/hangup', {})).statusCode).toBe(204);
    await eventually(() => service.agents.get('a1')?.state === 'wrap-up', 'wrap-up after the call');
    await eventually(async () => (await channelsTo(far, phone)).length === 0, 'customer channel gone');
    const bad = await api.post('/v1/agents/a1/disposition', { code: 'nonsense' });
    expect(bad.statusCode).toBe(400);
    // A sale disposition needs the sale; another disposition takes none.
    const noSale = await api.post('/v1/agents/a1/disposition', { code: 'sale' });
    expect(noSale.statusCode).toBe(400);
    expect(noSale.json().error.code).toBe('SALE_REQUIRED');
    const notASale = await api.post('/v1/agents/a1/disposition', {
      code: 'not-interested',
      sale: { amount: 10, product: 'gold plan' },
    });
    expect(notASale.statusCode).toBe(400);
    expect(notASale.json().error.code).toBe('SALE_NOT_ALLOWED');
    const disposed = await api.post('/v1/agents/a1/disposition', {
      code: 'sale',
      notes: 'gold plan, 24 months',
      sale: { amount: 1299.5, product: 'gold plan' },
    });
    expect(disposed.statusCode, disposed.body).toBe(200);
    expect(disposed.json()).toMatchObject({ leadState: 'done' });
    expect(service.store.leads.get(leadId!)).toMatchObject({
      state: 'done',
      attempts: 1,
      lastDisposition: 'sale',
    });
    expect(service.store.attempts.get(attempt.id)).toMatchObject({
      state: 'disposed',
      disposition: 'sale',
      notes: 'gold plan, 24 months',
      saleAmountCents: 129_950,
      saleProduct: 'gold plan',
      outcome: 'answered',
      activePhone: null,
    });
    await eventually(
      () =>
        service.store.db
          .prepare('SELECT disposition FROM recordings WHERE call_id = ?')
          .pluck()
          .get(attempt.callId) === 'sale',
      'recording carries the disposition',
    );
    // The disposition ended wrap-up: the next lead is offered at once.
    await eventually(() => preview('a1')?.lead.id === secondId, 'the next lead offered');

    // Operations see the same on /metrics.
    const metrics = (await service.api.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/cc_dial_outcomes_total\{campaign="c1",outcome="answered"\} 1/);
    expect(metrics).toMatch(/cc_agents\{state="reserved"\} 1/);
    expect(metrics).toMatch(/cc_queue_waiting\{queue="hotline"\} 0/);
    expect(metrics).toMatch(/cc_recordings_pending \d+/);
    expect(metrics).toMatch(/cc_ari_reconnects_total 0/);
    expect(metrics).toMatch(/cc_nodejs_eventloop_lag_seconds \d/);
    const stats = await supervisorApi(service).get('/v1/campaigns/c1/stats');
    expect(stats.statusCode).toBe(200);
    expect(stats.json()).toMatchObject({
      attempts: { dialed: 1, connects: 1, abandoned: 0 },
      dispositions: { sale: 1 },
      sales: 1,
      salesAmount: 1299.5,
      contacts: 1,
      agentsWorking: 1,
    });
  });

  it('outcomes from real call progress schedule retries: busy, no answer, congestion', async () => {
    await start();
    await activeCampaign('c2', {
      pacing: QUICK_DIAL,
      retry: { busy: { afterMin: 10 }, 'no-answer': { afterMin: 60 }, congestion: { afterMin: 5 } },
    });
    const phones = [customer.busy(), customer.noAnswer(), customer.congestion()];
    const ids = addLeads(service.store, 'c2', phones);
    const startedAt = Date.now();
    await loginReady(service, 'a1');
    // The preview timer dials each lead in turn; each ends without a contact.
    for (const id of ids) {
      await eventually(
        () => service.store.leads.get(id)?.state === 'retry',
        `lead ${id} scheduled for retry`,
        20_000,
      );
    }
    const [busy, noAnswer, congestion] = ids.map((id) => service.store.leads.get(id)!);
    expect(busy).toMatchObject({ lastOutcome: 'busy', attempts: 1 });
    expect(noAnswer).toMatchObject({ lastOutcome: 'no-answer', attempts: 1 });
    expect(congestion).toMatchObject({ lastOutcome: 'congestion', attempts: 1 });
    const minutes = (lead: { dueAt: number }) => Math.round((lead.dueAt - startedAt) / 60_000);
    expect(minutes(busy!)).toBe(10);
    expect(minutes(noAnswer!)).toBe(60);
    expect(minutes(congestion!)).toBe(5);
    for (const phone of phones) expect(await channelsTo(far, phone)).toHaveLength(0);
    // The agent was never connected and is free again.
    await eventually(() => service.agents.get('a1')?.state === 'ready', 'agent ready again');
  });

  it('a number on do-not-call is never dialed, even when listed after the import; an agent can list one', async () => {
    await start();
    await activeCampaign('c3', {
      pacing: QUICK_DIAL,
    });
    const listed = customer.answers();
    const [listedId] = addLeads(service.store, 'c3', [listed]);
    service.store.dnc.addMany(
      [{ scope: 'global', phone: listed, reason: 'regulator list', by: 'test' }],
      Date.now(),
    );
    const other = customer.answers();
    const [otherId] = addLeads(service.store, 'c3', [other]);
    await loginReady(service, 'a1');
    await eventually(() => preview('a1')?.lead.id === otherId, 'only the other lead is offered');
    expect(service.store.leads.get(listedId!)?.state).toBe('dnc');
    expect(service.store.attempts.forLead(listedId!)).toHaveLength(0);
    // The agent marks the offered number do-not-call during the preview: withdrawn, never dialed.
    const api = agentApi(service, 'a1');
    const marked = await api.post('/v1/agents/a1/dialer/dnc', { reason: 'asked by phone earlier' });
    expect(marked.statusCode, marked.body).toBe(200);
    expect(service.store.leads.get(otherId!)?.state).toBe('dnc');
    expect(service.store.dnc.blocked(other, 'c3')).toBe(true);
    await new Promise((r) => setTimeout(r, 1_500)); // past the preview timer
    expect(await channelsTo(far, listed)).toHaveLength(0);
    expect(await channelsTo(far, other)).toHaveLength(0);
    expect(service.store.attempts.forLead(otherId!).every((a) => a.dialedAt === null)).toBe(true);
  });

  it('a paused campaign places no new call: its preview is withdrawn and accept is refused; resume offers again', async () => {
    await start();
    const sup = await activeCampaign('c4');
    const phone = customer.answers();
    const [leadId] = addLeads(service.store, 'c4', [phone]);
    await loginReady(service, 'a1');
    const shown = await eventually(() => preview('a1'), 'a preview');
    const paused = await sup.post('/v1/campaigns/c4/state', { state: 'paused' });
    expect(paused.statusCode).toBe(200);
    expect(preview('a1')).toBeUndefined();
    expect(service.store.leads.get(leadId!)?.state).toBe('new');
    expect(service.store.attempts.get(shown.attemptId)).toMatchObject({ state: 'skipped', dialedAt: null });
    const accept = await agentApi(service, 'a1').post('/v1/agents/a1/preview/accept', {});
    expect(accept.statusCode).toBe(409);
    await new Promise((r) => setTimeout(r, 1_200)); // the dialer's tick passes: still nothing
    expect(preview('a1')).toBeUndefined();
    expect(await channelsTo(far, phone)).toHaveLength(0);
    // A re-pace and a resume take effect at once.
    const repaced = await sup.patch('/v1/campaigns/c4', { settings: { priority: 90 } });
    expect(repaced.statusCode, repaced.body).toBe(200);
    await sup.post('/v1/campaigns/c4/state', { state: 'active' });
    await eventually(() => preview('a1')?.lead.id === leadId, 'offered again after resume', 1_000);
  });

  it('the calling window is respected under a fixed clock', async () => {
    // Saturday 2026-11-28 22:00 Berlin: outside a weekday 09:00-20:00 window.
    clock = new Date('2026-11-28T21:00:00Z');
    await start();
    await activeCampaign('c5', {
      window: {
        timezone: 'Europe/Berlin',
        hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '20:00' }],
        holidays: ['2026-12-25'],
      },
    });
    const [leadId] = addLeads(service.store, 'c5', [customer.answers()]);
    await loginReady(service, 'a1');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(preview('a1')).toBeUndefined();
    expect(service.store.leads.get(leadId!)?.state).toBe('new');
    // Christmas Day is a holiday, even within the hours.
    clock = new Date('2026-12-25T10:00:00Z');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(preview('a1')).toBeUndefined();
    // Monday 10:00 Berlin: open.
    clock = new Date('2026-11-30T09:00:00Z');
    await eventually(() => preview('a1')?.lead.id === leadId, 'offered inside the window', 3_000);
    // The window closes before the agent accepts: not dialed.
    clock = new Date('2026-11-30T19:30:00Z');
    const r = await agentApi(service, 'a1').post('/v1/agents/a1/preview/accept', {});
    expect(r.statusCode).toBe(409);
    expect(r.json().error).toMatchObject({
      code: 'NOT_DIALED',
      message: 'not dialed: outside the calling window',
    });
    await eventually(() => service.store.leads.get(leadId!)?.state === 'new', 'lead back, not dialed');
    expect(service.store.attempts.forLead(leadId!).every((a) => a.dialedAt === null)).toBe(true);
  });

  it('two agents never get the same lead, and one number is never in two calls at once', async () => {
    await start(['a1', 'a2', 'a3']);
    await activeCampaign('c6');
    await activeCampaign('c7');
    const shared = customer.answers();
    // The same number in two campaigns, plus one more lead.
    const [inC6] = addLeads(service.store, 'c6', [shared]);
    const [inC7, extra] = addLeads(service.store, 'c7', [shared, customer.answers()]);
    await Promise.all(['a1', 'a2', 'a3'].map((id) => loginReady(service, id)));
    await eventually(
      () => ['a1', 'a2', 'a3'].filter((id) => preview(id)).length === 2,
      'two previews (the shared number only once)',
    );
    await new Promise((r) => setTimeout(r, 1_200));
    const leads = ['a1', 'a2', 'a3'].map((id) => preview(id)?.lead.id).filter(Boolean);
    expect(leads).toHaveLength(2);
    expect(new Set(leads).size).toBe(2);
    expect(leads).toContain(extra);
    expect(leads.filter((l) => l === inC6 || l === inC7)).toHaveLength(1);
    const live = service.store.db
      .prepare('SELECT count(*) FROM dial_attempts WHERE active_phone = ?')
      .pluck()
      .get(shared);
    expect(live).toBe(1);
  });
  // The wrap-up running out (the agent kept, or a disposition applied) is test/dialer/wrap-up.test.ts.
  it('an agent who leaves wrap-up without a disposition: the lead is retried later and the agent gets the next lead', async () => {
    await start(['a1'], 1);
    await activeCampaign('c8');
    const [first, second] = addLeads(service.store, 'c8', [customer.talks(5), customer.answers()]);
    await loginReady(service, 'a1');
    await eventually(() => preview('a1')?.lead.id === first, 'first lead offered');
    service.dialer.accept('a1', 'test');
    // The customer talks half a second and hangs up; nobody gives a disposition.
    await eventually(
      () => service.store.attempts.forLead(first!)[0]?.state === 'ended',
      'call ended',
      15_000,
    );
    // The agent makes themself ready without one (the API allows it; their screen does not offer it).
    await eventually(() => service.agents.get('a1')?.state === 'wrap-up', 'a1 in wrap-up');
    const ready = await agentApi(service, 'a1').post('/v1/agents/a1/state', { event: 'ready' });
    expect(ready.statusCode, ready.body).toBe(200);
    await eventually(() => preview('a1')?.lead.id === second, 'next lead after leaving wrap-up', 5_000);
    const lead = service.store.leads.get(first!)!;
    expect(lead).toMatchObject({ state: 'retry', attempts: 1 });
    expect(lead.dueAt).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(service.store.attempts.forLead(first!)[0]).toMatchObject({
      state: 'disposed',
      disposition: null,
      skipReason: 'no disposition',
    });
  });

  it('an agent who leaves while the customer rings: the call is cancelled, never answered into nobody', async () => {
    await start();
    await activeCampaign('c9');
    const phone = customer.ringsThenAnswers(3);
    const [leadId] = addLeads(service.store, 'c9', [phone]);
    await loginReady(service, 'a1');
    await eventually(() => preview('a1')?.lead.id === leadId, 'lead offered');
    service.dialer.accept('a1', 'test');
    await eventually(async () => (await channelsTo(far, phone)).length > 0, 'customer ringing');
    const away = await agentApi(service, 'a1').post('/v1/agents/a1/state', {
      event: 'not-ready',
      reason: 'break',
    });
    expect(away.statusCode, away.body).toBe(200);
    await eventually(async () => (await channelsTo(far, phone)).length === 0, 'customer call hung up');
    await new Promise((r) => setTimeout(r, 3_500)); // past the moment the customer would have answered
    const [attempt] = service.store.attempts.forLead(leadId!);
    expect(attempt).toMatchObject({ state: 'ended', outcome: 'cancelled', answeredAt: null });
    expect(attempt!.skipReason).toBeNull(); // not abandoned
    expect(service.store.leads.get(leadId!)).toMatchObject({ state: 'retry', lastOutcome: 'cancelled' });
    expect(service.agents.get('a1')).toMatchObject({ state: 'not-ready', reason: 'break' });
  });
  it('inbound comes first: a hotline caller takes an inbound-capable agent away from a lead still in preview', async () => {
    await start([]);
    await addAgent(service, { id: 'o1', inboundRole: 'overflow', teamId: 't1' });
    service.catalog.put(HOTLINE_FLOW, 'test');
    await activeCampaign('c10');
    const [leadId] = addLeads(service.store, 'c10', [customer.answers()]);
    await loginReady(service, 'o1');
    await eventually(() => preview('o1')?.lead.id === leadId, 'lead offered');
    const caller = await far.call('400', service.config.ari.app);
    await eventually(
      () => service.agents.get('o1')?.state === 'on-call',
      'the hotline caller gets the agent',
    );
    expect(preview('o1')).toBeUndefined();
    expect(service.store.leads.get(leadId!)).toMatchObject({ state: 'new', attempts: 0 });
    expect(service.store.attempts.forLead(leadId!)[0]).toMatchObject({
      state: 'skipped',
      skipReason: 'hotline caller waiting',
      dialedAt: null,
    });
    await far.hangup(caller.callerId);
  });
  it('pacing: a campaign at its concurrency limit holds the next accepted call; a re-pace lets it go within a second', async () => {
    await start(['a1', 'a2']);
    const pacing = {
      maxConcurrent: 1,
      maxPerAgentHour: 60,
      dailyCap: 100,
      previewSec: 60,
      onPreviewTimeout: 'skip' as const,
      noAnswerSec: 20,
    };
    const sup = await activeCampaign('c11', { pacing });
    const phones = [customer.answers(), customer.answers()];
    addLeads(service.store, 'c11', phones);
    await Promise.all(['a1', 'a2'].map((id) => loginReady(service, id)));
    await eventually(() => preview('a1') && preview('a2'), 'both agents previewing');
    service.dialer.accept('a1', 'test');
    await eventually(() => service.agents.get('a1')?.state === 'on-call', 'first call up');
    service.dialer.accept('a2', 'test');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(preview('a2')?.phase).toBe('waiting-channel'); // held by the limit, not dialed
    expect(service.dialer.activeCalls()).toBe(1);
    const repaced = await sup.patch('/v1/campaigns/c11', {
      settings: { pacing: { ...pacing, maxConcurrent: 2 } },
    });
    expect(repaced.statusCode, repaced.body).toBe(200);
    const t0 = Date.now();
    await eventually(
      () => preview('a2')?.phase === 'dialing' || preview('a2')?.phase === 'connected',
      'second call placed',
      2_000,
    );
    expect(Date.now() - t0).toBeLessThan(1_000);
    await eventually(() => service.agents.get('a2')?.state === 'on-call', 'second call up');
    expect(service.dialer.activeCalls()).toBe(2);
  });
  it('caps: an agent at the hourly limit is offered nothing more from the campaign', async () => {
    await start();
    await activeCampaign('c12', {
      pacing: {
        maxConcurrent: 5,
        maxPerAgentHour: 1,
        dailyCap: 100,
        previewSec: 1,
        onPreviewTimeout: 'dial',
        noAnswerSec: 2,
      },
    });
    const [first, second] = addLeads(service.store, 'c12', [customer.busy(), customer.busy()]);
    await loginReady(service, 'a1');
    await eventually(() => service.store.leads.get(first!)?.state === 'retry', 'first lead dialed (busy)');
    await new Promise((r) => setTimeout(r, 2_500)); // ticks and preview timers pass
    expect(preview('a1')).toBeUndefined();
    expect(service.store.leads.get(second!)).toMatchObject({ state: 'new', attempts: 0 });
    expect(service.store.attempts.forLead(second!)).toHaveLength(0);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { openEventStream } from '../harness/events.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { addAgent, agentApi, loginReady } from '../inbound/helpers.js';
import { addLeads, customer, settings, supervisorApi } from './helpers.js';

/** The preview timer dials after 1 s. */
const QUICK_DIAL = {
  previewSec: 1,
  onPreviewTimeout: 'dial' as const,
  noAnswerSec: 5,
  maxConcurrent: 5,
  maxPerAgentHour: 100,
  dailyCap: 100,
};

/**
 * A wrap-up that runs out before the agent gives the call's disposition, on the real PBX: by default the
 * agent stays in wrap-up (the lead is not retried behind their back) and their team leader is alerted on
 * the live events; a campaign may instead apply one of its dispositions.
 */
describe('wrap-up running out without a disposition', () => {
  let service: Service;
  const far = new FarEnd();
  const streams: { close(): void }[] = [];

  beforeEach(async () => {
    await far.connect();
  });

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await service?.stop();
    await far.close();
  });

  /** Agent a1 in team t1 led by tl1; tl2 leads t2. Wrap-up is 1 s. */
  async function start() {
    service = await startTestService({ agents: { wrapUpSec: 1 }, dialer: { trunkChannels: 10 } });
    service.store.teams.create({ id: 't1', name: 'Team 1' });
    service.store.teams.create({ id: 't2', name: 'Team 2' });
    await addAgent(service, { id: 'a1', inboundRole: 'none', teamId: 't1' });
    for (const [id, teamId] of [
      ['tl1', 't1'],
      ['tl2', 't2'],
    ] as const) {
      service.store.agents.create({
        id,
        name: `Leader ${id}`,
        teamId,
        role: 'team-leader',
        endpoint: 'Local/answer@sim',
        lineMode: 'per-call',
        inboundRole: 'none',
      });
    }
    await service.agents.reload();
  }

  async function activeCampaign(id: string, extra: Parameters<typeof settings>[0] = {}) {
    const sup = supervisorApi(service);
    const created = await sup.post('/v1/campaigns', {
      id,
      name: `Campaign ${id}`,
      settings: settings({ pacing: QUICK_DIAL, ...extra } as Parameters<typeof settings>[0]),
    });
    expect(created.statusCode, created.body).toBe(201);
    expect((await sup.post(`/v1/campaigns/${id}/state`, { state: 'active' })).statusCode).toBe(200);
  }

  const leaderStream = async (agentId: string) => {
    const key = service.store.apiKeys.create(`leader ${agentId}`, 'team-leader', { agentId }).key;
    const stream = await openEventStream(service.url, key, '?topics=dialer');
    streams.push(stream);
    return stream;
  };

  /** The first lead is dialed, the customer talks half a second and hangs up: a1 is in wrap-up. */
  async function callEndsWithoutDisposition(campaignId: string) {
    const [first, second] = addLeads(service.store, campaignId, [customer.talks(5), customer.answers()]);
    await loginReady(service, 'a1');
    await eventually(() => service.dialer.preview('a1')?.lead.id === first, 'first lead offered');
    service.dialer.accept('a1', 'test');
    const attempt = await eventually(
      () => service.store.attempts.forLead(first!).find((a) => a.state === 'ended'),
      'call ended',
      15_000,
    );
    expect(service.agents.get('a1')).toMatchObject({ state: 'wrap-up', callId: attempt.id });
    return { first: first!, second: second!, attemptId: attempt.id };
  }

  it('by default: the agent stays in wrap-up, the lead is not retried, the team leader is alerted; the disposition then settles it', async () => {
    await start();
    await activeCampaign('w1');
    const leader = await leaderStream('tl1');
    const otherLeader = await leaderStream('tl2');
    const { first, second, attemptId } = await callEndsWithoutDisposition('w1');
    const wrapUpSince = service.agents.get('a1')!.since;

    // The wrap-up (1 s) runs out: the agent's team leader gets the alert, the other team's does not.
    const alert = await eventually(
      () => leader.frames.find((f) => f.event === 'dialer.disposition-overdue'),
      'leader alerted',
      5_000,
    );
    expect(alert.data.data).toEqual({ agentId: 'a1', attemptId, campaignId: 'w1', wrapUpSince });
    // Still in wrap-up well after it ran out, the same call; nothing settled, no next lead offered.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(service.agents.get('a1')).toMatchObject({
      state: 'wrap-up',
      callId: attemptId,
      since: wrapUpSince,
    });
    expect(service.store.attempts.get(attemptId)).toMatchObject({ state: 'ended', disposition: null });
    expect(service.store.leads.get(first)).toMatchObject({ state: 'in-progress' });
    expect(service.dialer.preview('a1')?.attemptId).toBe(attemptId);
    expect(otherLeader.frames.filter((f) => f.event === 'dialer.disposition-overdue')).toEqual([]);
    // The agent's log shows the timer keeping them: wrap-up -wrap-up-expired-> wrap-up.
    const log = service.store.agentLog.forAgent('a1', 0, Date.now() + 1_000);
    expect(
      log.some((e) => e.event === 'wrap-up-expired' && e.fromState === 'wrap-up' && e.toState === 'wrap-up'),
    ).toBe(true);

    // The agent gives the disposition: settled as given, the agent ready, the next lead offered.
    const res = await agentApi(service, 'a1').post('/v1/agents/a1/disposition', {
      code: 'not-interested',
      attemptId,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(service.store.attempts.get(attemptId)).toMatchObject({
      state: 'disposed',
      disposition: 'not-interested',
      skipReason: null,
    });
    expect(service.store.leads.get(first)).toMatchObject({ state: 'done' });
    await eventually(
      () => service.dialer.preview('a1')?.lead.id === second,
      'next lead after the disposition',
    );
  });

  it('set to apply a disposition: the attempt gets it when the wrap-up runs out, and the agent goes on', async () => {
    await start();
    await activeCampaign('w2', { wrapUp: { onTimeout: 'apply', disposition: 'no-decision' } } as Parameters<
      typeof settings
    >[0]);
    const leader = await leaderStream('tl1');
    const { first, second, attemptId } = await callEndsWithoutDisposition('w2');

    await eventually(
      () => service.dialer.preview('a1')?.lead.id === second,
      'next lead after wrap-up ran out',
      5_000,
    );
    expect(service.store.attempts.get(attemptId)).toMatchObject({
      state: 'disposed',
      disposition: 'no-decision',
      skipReason: 'wrap-up ran out',
    });
    // The campaign's no-decision: retried in two days, not in an hour.
    const lead = service.store.leads.get(first)!;
    expect(lead).toMatchObject({ state: 'retry', lastDisposition: 'no-decision' });
    expect(lead.dueAt).toBeGreaterThan(Date.now() + 47 * 3_600_000);
    expect(leader.frames.map((f) => f.event)).toContain('dialer.disposed');
    expect(leader.frames.map((f) => f.event)).not.toContain('dialer.disposition-overdue');
  });
});

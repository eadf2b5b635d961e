import { describe, expect, it } from 'vitest';
import { eventually } from '../harness/infra.js';
import type { ServiceProcess } from '../harness/process.js';
import { httpApi, processFixture, seatAgent } from '../harness/process-fixture.js';
import { addLeads, channelsTo, customer, settings } from './helpers.js';

describe('dialer: the service is SIGKILLed with one lead in a call and one in preview', () => {
  const fx = processFixture();
  const { far } = fx;

  it('after restart the call goes on and is disposed once; the previewed lead is offered again; nothing is dialed twice or lost', async () => {
    const config = await fx.config({ agents: { wrapUpSec: 60 } });
    const db = fx.store(config);
    db.teams.create({ id: 't1', name: 'Team 1' });
    for (const id of ['a1', 'a2']) seatAgent(db, { id, inboundRole: 'none', teamId: 't1' });
    let proc: ServiceProcess | undefined;
    const as = (key: string) => httpApi(() => proc, key);
    const sup = as(db.apiKeys.create('sup', 'supervisor').key);
    const a1 = as(db.apiKeys.create('a1', 'agent', { agentId: 'a1' }).key);
    const a2 = as(db.apiKeys.create('a2', 'agent', { agentId: 'a2' }).key);

    proc = await fx.start(config);
    const created = await sup('POST', '/v1/campaigns', {
      id: 'c1',
      name: 'Restart',
      settings: settings({
        pacing: {
          previewSec: 600,
          onPreviewTimeout: 'dial',
          noAnswerSec: 20,
          maxConcurrent: 5,
          maxPerAgentHour: 100,
          dailyCap: 100,
        },
      }),
    });
    expect(created.status).toBe(201);
    expect((await sup('POST', '/v1/campaigns/c1/state', { state: 'active' })).status).toBe(200);
    const talking = customer.answers();
    const previewed = customer.answers();
    const ids = addLeads(db, 'c1', [talking, previewed]);

    // a1 logs in first and gets the first lead; accepts; the customer answers and stays.
    expect((await a1('POST', '/v1/agents/a1/state', { event: 'login' })).status).toBe(200);
    expect((await a1('POST', '/v1/agents/a1/state', { event: 'ready' })).status).toBe(200);
    await eventually(async () => (await a1('GET', '/v1/agents/a1/preview')).status === 200, 'a1 preview');
    expect((await a1('POST', '/v1/agents/a1/preview/accept')).status).toBe(200);
    await eventually(
      async () => (await a1('GET', '/v1/agents/a1')).json.state === 'on-call',
      'a1 on the call',
    );
    // a2 previews the second lead and has not accepted.
    expect((await a2('POST', '/v1/agents/a2/state', { event: 'login' })).status).toBe(200);
    expect((await a2('POST', '/v1/agents/a2/state', { event: 'ready' })).status).toBe(200);
    const firstPreview = await eventually(async () => {
      const r = await a2('GET', '/v1/agents/a2/preview');
      return r.status === 200 ? r.json : undefined;
    }, 'a2 preview');
    expect(firstPreview.lead.id).toBe(ids[1]);
    const talkingChannels = await channelsTo(far, talking);
    expect(talkingChannels.length).toBeGreaterThan(0);

    expect(await proc.kill('SIGKILL')).toBe(null);
    proc = await fx.start(config);

    // The call in progress is re-attached: same channels, agent still on it, one attempt only.
    expect((await a1('GET', '/v1/agents/a1')).json).toMatchObject({
      state: 'on-call',
      lineUp: true,
    });
    expect((await channelsTo(far, talking)).sort()).toEqual(talkingChannels.sort());
    const talkingAttempts = db.attempts.forLead(ids[0]!);
    expect(talkingAttempts).toHaveLength(1);
    expect(talkingAttempts[0]).toMatchObject({ state: 'connected' });
    // The preview was put back and is offered again (to a2): still never dialed.
    const again = await eventually(async () => {
      const r = await a2('GET', '/v1/agents/a2/preview');
      return r.status === 200 ? r.json : undefined;
    }, 'a2 preview after restart');
    expect(again.lead.id).toBe(ids[1]);
    expect(again.attemptId).not.toBe(firstPreview.attemptId);
    expect(db.attempts.forLead(ids[1]!).every((a) => a.dialedAt === null)).toBe(true);
    expect(await channelsTo(far, previewed)).toHaveLength(0);

    // The call ends and is disposed once, on the re-attached call.
    expect((await a1('POST', '/v1/agents/a1/dialer/hangup')).status).toBe(204);
    await eventually(
      async () => (await a1('GET', '/v1/agents/a1')).json.state === 'wrap-up',
      'a1 in wrap-up',
    );
    await eventually(async () => (await channelsTo(far, talking)).length === 0, 'customer channel gone');
    const disposed = await a1('POST', '/v1/agents/a1/disposition', { code: 'not-interested' });
    expect(disposed.status, JSON.stringify(disposed.json)).toBe(200);
    expect(db.leads.get(ids[0]!)).toMatchObject({
      state: 'done',
      attempts: 1,
      lastDisposition: 'not-interested',
    });
    expect(db.attempts.forLead(ids[0]!)).toHaveLength(1);
    // Recordings: the call was recorded before and after the restart (two segments of one call).
    const callId = talkingAttempts[0]!.callId;
    await eventually(
      () =>
        (db.db.prepare('SELECT count(*) FROM recordings WHERE call_id = ?').pluck().get(callId) as number) >=
        2,
      'recording segments before and after the restart',
    );
  });
});

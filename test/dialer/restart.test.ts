import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually, testConfig } from '../harness/infra.js';
import { freePort, ServiceProcess } from '../harness/process.js';
import { addLeads, channelsTo, customer, settings } from './helpers.js';

describe('dialer: the service is SIGKILLed with one lead in a call and one in preview', () => {
  const far = new FarEnd();
  let proc: ServiceProcess | undefined;
  let store: Store | undefined;

  afterEach(async () => {
    await proc?.kill('SIGKILL');
    store?.close();
    await far.close();
  });

  it('after restart the call goes on and is disposed once; the previewed lead is offered again; nothing is dialed twice or lost', async () => {
    await far.connect();
    const config = testConfig({ api: { port: await freePort() }, agents: { wrapUpSec: 60 } });
    store = openStore(config.store.path);
    const db = store;
    db.teams.create({ id: 't1', name: 'Team 1' });
    for (const id of ['a1', 'a2']) {
      db.agents.create({
        id,
        name: id,
        teamId: 't1',
        role: 'agent',
        endpoint: 'Local/answer@sim',
        lineMode: 'persistent',
        inboundRole: 'none',
      });
    }
    const supKey = db.apiKeys.create('sup', 'supervisor').key;
    const keys = {
      a1: db.apiKeys.create('a1', 'agent', { agentId: 'a1' }).key,
      a2: db.apiKeys.create('a2', 'agent', { agentId: 'a2' }).key,
    };
    const call = async (key: string, method: string, url: string, body?: object) => {
      const res = await fetch(`${proc?.url}${url}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      // biome-ignore lint/suspicious/noExplicitAny: response bodies of several routes, read field by field
      return { status: res.status, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
    };

    proc = new ServiceProcess(config);
    await proc.start();
    const created = await call(supKey, 'POST', '/v1/campaigns', {
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
    expect((await call(supKey, 'POST', '/v1/campaigns/c1/state', { state: 'active' })).status).toBe(200);
    const talking = customer.answers();
    const previewed = customer.answers();
    const ids = addLeads(db, 'c1', [talking, previewed]);

    // a1 logs in first and gets the first lead; accepts; the customer answers and stays.
    expect((await call(keys.a1, 'POST', '/v1/agents/a1/state', { event: 'login' })).status).toBe(200);
    expect((await call(keys.a1, 'POST', '/v1/agents/a1/state', { event: 'ready' })).status).toBe(200);
    await eventually(
      async () => (await call(keys.a1, 'GET', '/v1/agents/a1/preview')).status === 200,
      'a1 preview',
    );
    expect((await call(keys.a1, 'POST', '/v1/agents/a1/preview/accept')).status).toBe(200);
    await eventually(
      async () => (await call(keys.a1, 'GET', '/v1/agents/a1')).json.state === 'on-call',
      'a1 on the call',
    );
    // a2 previews the second lead and has not accepted.
    expect((await call(keys.a2, 'POST', '/v1/agents/a2/state', { event: 'login' })).status).toBe(200);
    expect((await call(keys.a2, 'POST', '/v1/agents/a2/state', { event: 'ready' })).status).toBe(200);
    const firstPreview = await eventually(async () => {
      const r = await call(keys.a2, 'GET', '/v1/agents/a2/preview');
      return r.status === 200 ? r.json : undefined;
    }, 'a2 preview');
    expect(firstPreview.lead.id).toBe(ids[1]);
    const talkingChannels = await channelsTo(far, talking);
    expect(talkingChannels.length).toBeGreaterThan(0);

    expect(await proc.kill('SIGKILL')).toBe(null);
    proc = new ServiceProcess(config);
    await proc.start();

    // The call in progress is re-attached: same channels, agent still on it, one attempt only.
    expect((await call(keys.a1, 'GET', '/v1/agents/a1')).json).toMatchObject({
      state: 'on-call',
      lineUp: true,
    });
    expect((await channelsTo(far, talking)).sort()).toEqual(talkingChannels.sort());
    const talkingAttempts = db.attempts.forLead(ids[0]!);
    expect(talkingAttempts).toHaveLength(1);
    expect(talkingAttempts[0]).toMatchObject({ state: 'connected' });
    // The preview was put back and is offered again (to a2): still never dialed.
    const again = await eventually(async () => {
      const r = await call(keys.a2, 'GET', '/v1/agents/a2/preview');
      return r.status === 200 ? r.json : undefined;
    }, 'a2 preview after restart');
    expect(again.lead.id).toBe(ids[1]);
    expect(again.attemptId).not.toBe(firstPreview.attemptId);
    expect(db.attempts.forLead(ids[1]!).every((a) => a.dialedAt === null)).toBe(true);
    expect(await channelsTo(far, previewed)).toHaveLength(0);

    // The call ends and is disposed once, on the re-attached call.
    expect((await call(keys.a1, 'POST', '/v1/agents/a1/dialer/hangup')).status).toBe(204);
    await eventually(
      async () => (await call(keys.a1, 'GET', '/v1/agents/a1')).json.state === 'wrap-up',
      'a1 in wrap-up',
    );
    await eventually(async () => (await channelsTo(far, talking)).length === 0, 'customer channel gone');
    const disposed = await call(keys.a1, 'POST', '/v1/agents/a1/disposition', { code: 'not-interested' });
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

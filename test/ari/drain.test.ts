import { existsSync } from 'node:fs';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FlowCatalog } from '../../src/ivr/catalog.js';
import { openStore, type Store } from '../../src/store/index.js';
import { addLeads, customer, settings } from '../dialer/helpers.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually, testConfig } from '../harness/infra.js';
import { freePort, ServiceProcess } from '../harness/process.js';
import { HOTLINE_FLOW } from '../inbound/helpers.js';

describe('graceful drain on SIGTERM with live calls', () => {
  const far = new FarEnd();
  let proc: ServiceProcess | undefined;
  let store: Store | undefined;

  afterEach(async () => {
    await proc?.kill('SIGKILL');
    store?.close();
    await far.close();
  });

  it('takes no new call or lead, lets live calls finish (or cuts them at the limit), stores every recording, leaves no channel, exits 0', async () => {
    await far.connect();
    const config = testConfig({
      api: { port: await freePort() },
      service: { drainTimeoutMs: 4_000 },
      agents: { wrapUpSec: 1 },
      hotline: { overflowAfterSec: 0, maxWaitSec: 600, announceEverySec: 600 },
    });
    store = openStore(config.store.path);
    const db = store;
    new FlowCatalog(db, { logger: pino({ level: 'silent' }) }).put(HOTLINE_FLOW, 'test');
    db.teams.create({ id: 't1', name: 'Team 1' });
    db.agents.create({
      id: 'p1',
      name: 'Hotline',
      teamId: null,
      role: 'agent',
      endpoint: 'Local/answer@sim',
      lineMode: 'persistent',
      inboundRole: 'primary',
    });
    db.agents.create({
      id: 'a2',
      name: 'Outbound',
      teamId: 't1',
      role: 'agent',
      endpoint: 'Local/answer@sim',
      lineMode: 'persistent',
      inboundRole: 'none',
    });
    const keys = {
      p1: db.apiKeys.create('p1', 'agent', { agentId: 'p1' }).key,
      a2: db.apiKeys.create('a2', 'agent', { agentId: 'a2' }).key,
      sup: db.apiKeys.create('sup', 'supervisor').key,
    };
    const call = async (key: string, method: string, url: string, body?: object) => {
      const res = await fetch(`${proc?.url}${url}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    };

    proc = new ServiceProcess(config);
    await proc.start();
    expect(
      (await call(keys.sup, 'POST', '/v1/campaigns', { id: 'c1', name: 'Drain', settings: settings() }))
        .status,
    ).toBe(201);
    expect((await call(keys.sup, 'POST', '/v1/campaigns/c1/state', { state: 'active' })).status).toBe(200);
    const [stays, next] = addLeads(db, 'c1', [customer.answers(), customer.answers()]);
    for (const [id, key] of [
      ['p1', keys.p1],
      ['a2', keys.a2],
    ] as const) {
      expect((await call(key, 'POST', `/v1/agents/${id}/state`, { event: 'login' })).status).toBe(200);
      expect((await call(key, 'POST', `/v1/agents/${id}/state`, { event: 'ready' })).status).toBe(200);
    }
    // A hotline call and a dialer call, both connected and recorded.
    const caller = await far.call('400', config.ari.app);
    await eventually(
      async () => (await call(keys.p1, 'GET', '/v1/agents/p1')).json.state === 'on-call',
      'hotline call up',
    );
    await eventually(
      async () => (await call(keys.a2, 'GET', '/v1/agents/a2/preview')).status === 200,
      'a2 preview',
    );
    expect((await call(keys.a2, 'POST', '/v1/agents/a2/preview/accept')).status).toBe(200);
    await eventually(
      async () => (await call(keys.a2, 'GET', '/v1/agents/a2')).json.state === 'on-call',
      'dialer call up',
    );
    const hotlineCallId = (await call(keys.p1, 'GET', '/v1/agents/p1')).json.callId as string;
    const dialerCallId = db.attempts.forLead(stays!)[0]!.callId!;

    const exited = proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // Draining: a new caller is not taken, and no new lead is offered or dialed.
    const late = await far.call('400', config.ari.app);
    await eventually(
      async () => (await far.liveChannels([late.callerId])).length === 0,
      'late caller refused',
      5_000,
    );
    // The hotline caller finishes within the limit; the dialer call is cut at the limit.
    await new Promise((r) => setTimeout(r, 700));
    await far.hangup(caller.callerId);
    expect(await exited).toBe(0);

    expect(db.attempts.forLead(next!).filter((a) => a.dialedAt !== null)).toHaveLength(0);
    const answered = db.hotlineCalls.forDay(0, Date.now() + 1e9).filter((r) => r.answeredAt !== null);
    expect(answered).toHaveLength(1);
    // Both recordings stored, files on disk.
    for (const callId of [hotlineCallId, dialerCallId]) {
      const recordings = db.recordings.byCall(callId);
      expect(recordings.length, callId).toBeGreaterThan(0);
      for (const r of recordings) {
        expect(r.status, r.name).toBe('stored');
        expect(existsSync(r.filePath!)).toBe(true);
      }
    }
    // Nothing of the app is left on the PBX: callers, customers, agent lines, snoops.
    const left = (await far.rest.listChannels()).filter((c) => c.id.startsWith(config.ari.app));
    expect(left).toEqual([]);
    expect((await far.rest.listBridges()).filter((b) => b.id.startsWith(config.ari.app))).toEqual([]);
  });
});

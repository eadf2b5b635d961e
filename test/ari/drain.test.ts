import { existsSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FlowCatalog } from '../../src/ivr/catalog.js';
import { addLeads, customer, settings } from '../dialer/helpers.js';
import { eventually } from '../harness/infra.js';
import type { ServiceProcess } from '../harness/process.js';
import { httpApi, processFixture, seatAgent } from '../harness/process-fixture.js';
import { HOTLINE_FLOW } from '../inbound/helpers.js';

describe('graceful drain on SIGTERM with live calls', () => {
  const fx = processFixture();
  const { far } = fx;

  it('takes no new call or lead, lets live calls finish (or cuts them at the limit), stores every recording, leaves no channel, exits 0', async () => {
    const config = await fx.config({
      service: { drainTimeoutMs: 4_000 },
      agents: { wrapUpSec: 1 },
      hotline: { overflowAfterSec: 0, maxWaitSec: 600, announceEverySec: 600 },
    });
    const db = fx.store(config);
    new FlowCatalog(db, { logger: pino({ level: 'silent' }) }).put(HOTLINE_FLOW, 'test');
    db.teams.create({ id: 't1', name: 'Team 1' });
    seatAgent(db, { id: 'p1', inboundRole: 'primary' });
    seatAgent(db, { id: 'a2', inboundRole: 'none', teamId: 't1' });
    let current: ServiceProcess | undefined;
    const as = (key: string) => httpApi(() => current, key);
    const p1 = as(db.apiKeys.create('p1', 'agent', { agentId: 'p1' }).key);
    const a2 = as(db.apiKeys.create('a2', 'agent', { agentId: 'a2' }).key);
    const sup = as(db.apiKeys.create('sup', 'supervisor').key);

    const proc = await fx.start(config);
    current = proc;
    expect(
      (await sup('POST', '/v1/campaigns', { id: 'c1', name: 'Drain', settings: settings() })).status,
    ).toBe(201);
    expect((await sup('POST', '/v1/campaigns/c1/state', { state: 'active' })).status).toBe(200);
    const [stays, next] = addLeads(db, 'c1', [customer.answers(), customer.answers()]);
    for (const [id, as] of [
      ['p1', p1],
      ['a2', a2],
    ] as const) {
      expect((await as('POST', `/v1/agents/${id}/state`, { event: 'login' })).status).toBe(200);
      expect((await as('POST', `/v1/agents/${id}/state`, { event: 'ready' })).status).toBe(200);
    }
    // A hotline call and a dialer call, both connected and recorded.
    const caller = await far.call('400', config.ari.app);
    await eventually(
      async () => (await p1('GET', '/v1/agents/p1')).json.state === 'on-call',
      'hotline call up',
    );
    await eventually(async () => (await a2('GET', '/v1/agents/a2/preview')).status === 200, 'a2 preview');
    expect((await a2('POST', '/v1/agents/a2/preview/accept')).status).toBe(200);
    await eventually(
      async () => (await a2('GET', '/v1/agents/a2')).json.state === 'on-call',
      'dialer call up',
    );
    const hotlineCallId = (await p1('GET', '/v1/agents/p1')).json.callId as string;
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

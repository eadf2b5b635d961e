import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { addAgent, agentApi, HOTLINE_FLOW, hotlineRecord } from '../inbound/helpers.js';
import { callIdOf, ivrCall } from '../ivr/helpers.js';
import { addLeads, customer, settings, supervisorApi } from './helpers.js';

const ROUNDS = 10;

describe('the hotline before the dialer, on the real PBX', () => {
  let service: Service;
  const far = new FarEnd();

  beforeEach(async () => {
    await far.connect();
  });

  afterEach(async () => {
    await service?.stop();
    await far.close();
  });

  it(`a waiting caller and due leads compete for the agent who becomes ready: the caller wins, ${ROUNDS} rounds in a row`, async () => {
    // A long wrap-up: between rounds the agent is busy until the test makes them ready.
    service = await startTestService({
      agents: { wrapUpSec: 600 },
      hotline: { overflowAfterSec: 0, announceEverySec: 60, maxWaitSec: 120 },
      dialer: { trunkChannels: 10 },
    });
    service.catalog.put(HOTLINE_FLOW, 'test');
    service.store.teams.create({ id: 't1', name: 'Team 1' });
    await addAgent(service, { id: 'p1', inboundRole: 'primary', teamId: 't1' });
    const created = await supervisorApi(service).post('/v1/campaigns', {
      id: 'c1',
      name: 'Campaign c1',
      settings: settings({
        pacing: {
          previewSec: 30,
          onPreviewTimeout: 'skip',
          noAnswerSec: 5,
          maxConcurrent: 5,
          maxPerAgentHour: 100,
          dailyCap: 100,
        },
      }),
    });
    expect(created.statusCode, created.body).toBe(201);
    const leadIds = addLeads(
      service.store,
      'c1',
      Array.from({ length: 3 }, () => customer.answers()),
    );
    const active = await supervisorApi(service).post('/v1/campaigns/c1/state', { state: 'active' });
    expect(active.statusCode, active.body).toBe(200);

    // Everything the dialer does for the agent, from its events (typed: no cast to read the agent).
    const dialerMoves: string[] = [];
    service.bus.subscribe((event) => {
      if (event.topic === 'dialer' && event.data.agentId === 'p1') dialerMoves.push(event.type);
    });
    const agent = agentApi(service, 'p1');
    const setState = async (body: object) => {
      const res = await agent.post('/v1/agents/p1/state', body);
      expect(res.statusCode, res.body).toBe(200);
    };
    // Logged in with the line up, not ready yet: nobody may take the agent.
    await setState({ event: 'login' });
    const agentBridge = `${service.config.ari.app}-agent-p1`;

    for (let round = 1; round <= ROUNDS; round += 1) {
      // From wrap-up, half of the rounds go through not ready (a break) and come back with `ready`.
      const viaBreak = round % 2 === 1;
      if (viaBreak && round > 1) await setState({ event: 'not-ready', reason: 'break' });
      const call = await ivrCall(far, service, '400');
      await eventually(() => service.hotline.waitingCount === 1, `round ${round}: the caller waits`);
      expect(service.agents.get('p1')?.state).toBe(round === 1 || viaBreak ? 'not-ready' : 'wrap-up');

      // The agent becomes ready with both waiting: the caller in the queue, the leads due now.
      await setState(viaBreak ? { event: 'ready' } : { event: 'wrap-up-done' });
      // Whoever gets the agent first: the dialer (an offer, a dial) or the caller (answered by the agent).
      const winner = await eventually(() => {
        if (dialerMoves.length > 0) return `the dialer (${dialerMoves.join(', ')})`;
        const callId = callIdOf(service, call.serviceChannelId);
        const answered = callId ? service.store.hotlineCalls.get(callId)?.answeredAt : null;
        return answered ? 'the caller' : undefined;
      }, `round ${round}: someone gets the agent`);
      expect(winner, `round ${round}`).toBe('the caller');
      const record = await hotlineRecord(service, call.serviceChannelId, (r) => r.answeredAt !== null);
      expect(record.agentId, `round ${round}`).toBe('p1');
      expect(service.agents.get('p1'), `round ${round}`).toMatchObject({
        state: 'on-call',
        callId: record.callId,
      });
      const bridge = (await far.rest.listBridges()).find((b) => b.id === agentBridge);
      expect(bridge?.channels, `round ${round}: caller bridged with the agent`).toContain(
        call.serviceChannelId,
      );
      // Meanwhile the dialer neither offered nor dialed anything for the agent.
      expect(dialerMoves, `round ${round}`).toEqual([]);
      expect(service.dialer.preview('p1')).toBeUndefined();

      await far.hangup(call.callerId);
      await eventually(() => service.agents.get('p1')?.state === 'wrap-up', `round ${round}: wrap-up`);
    }

    // No lead was touched in all those rounds...
    for (const id of leadIds) {
      expect(service.store.leads.get(id)).toMatchObject({ state: 'new', attempts: 0 });
      expect(service.store.attempts.forLead(id)).toEqual([]);
    }
    // ...though they were due all along: with nobody waiting, the ready agent gets one at once.
    await setState({ event: 'wrap-up-done' });
    await eventually(() => dialerMoves.includes('preview'), 'a lead offered once no caller waits');
    expect(leadIds).toContain(service.dialer.preview('p1')?.lead.id);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/lib/events.js';
import { maskNumber } from '../../src/lib/mask.js';
import type { Service } from '../../src/service.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { atNode, installFlow, pressKeys } from '../ivr/helpers.js';
import { addAgent, agentApi, hotlineRecord, loginReady } from './helpers.js';

/** A menu in front of the hotline: 1 then 3, or 2, leads to the queue. */
const MENU_FLOW = {
  name: 'pop',
  numbers: ['401'],
  start: 'main',
  nodes: {
    main: {
      type: 'menu',
      prompts: ['sound:silence/10'],
      options: { '1': 'billing', '2': 'q' },
      timeoutMs: 5_000,
      retries: 0,
      fallback: 'q',
    },
    billing: {
      type: 'menu',
      prompts: ['sound:silence/10'],
      options: { '3': 'q' },
      timeoutMs: 5_000,
      retries: 0,
      fallback: 'q',
    },
    q: { type: 'queue', queue: 'hotline', fallback: 'sorry' },
    sorry: { type: 'hangup', prompts: ['sound:goodbye'] },
  },
};

/** The caller's number: the screen-pop must never show it whole. */
const CALLER = '+4930555000111';

describe('hotline screen-pop on the real PBX', () => {
  let service: Service;
  const far = new FarEnd();

  beforeEach(async () => {
    await far.connect();
  });

  afterEach(async () => {
    await service?.stop();
    await far.close();
  });

  /** The caller calls 401 and presses `keys` one menu after the other; the service has answered. */
  async function callAndPress(keys: string[], nodes: string[]) {
    const call = await far.call('401', service.config.ari.app, CALLER);
    await far.waitFor(
      (e) => e.type === 'StasisStart' && (e as { channel: { id: string } }).channel.id === call.callerId,
    );
    for (const [i, key] of keys.entries()) {
      await atNode(service, call.serviceChannelId, nodes[i]!);
      await pressKeys(far, call.callerId, key);
    }
    return call;
  }

  it('pops the caller offered to the agent: masked number, IVR path with the keys pressed, the earlier call', async () => {
    service = await startTestService({
      agents: { wrapUpSec: 1 },
      hotline: { overflowAfterSec: 0, announceEverySec: 30, maxWaitSec: 60 },
    });
    installFlow(service, MENU_FLOW);
    await addAgent(service, { id: 'p1', inboundRole: 'primary' });
    await loginReady(service, 'p1');
    const api = agentApi(service, 'p1');
    const offered: DomainEvent[] = [];
    service.bus.subscribe((e) => {
      if (e.topic === 'queue' && e.type === 'caller-offered') offered.push(e);
    });
    expect((await api.get('/v1/agents/p1/hotline/offer')).json().error.code).toBe('NO_OFFER');

    // First call: 2 straight to the queue, taken by p1, a short talk.
    const first = await callAndPress(['2'], ['main']);
    await hotlineRecord(service, first.serviceChannelId, (r) => r.answeredAt !== null);
    await new Promise((r) => setTimeout(r, 1_100));
    await far.hangup(first.callerId);
    const firstRecord = await hotlineRecord(service, first.serviceChannelId, (r) => r.outcome !== null);
    await eventually(() => service.agents.get('p1')?.state === 'ready', 'p1 ready again', 5_000);

    // The same caller again, while p1 is on a break: a ring-per-call agent's phone rings 3 s first.
    await api.post('/v1/agents/p1/state', { event: 'not-ready', reason: 'break' });
    await addAgent(service, {
      id: 'r1',
      inboundRole: 'primary',
      lineMode: 'per-call',
      endpoint: 'Local/delay3@sim',
    });
    await loginReady(service, 'r1');
    const r1 = agentApi(service, 'r1');
    // 1, then 3 in the billing menu, then the queue: offered to r1.
    const second = await callAndPress(['1', '3'], ['main', 'billing']);
    await eventually(() => service.agents.get('r1')?.state === 'reserved', 'r1 offered the caller');
    const secondCallId = service.store.calls.findByChannel(second.serviceChannelId)!.id;
    // The event that offers the caller names the agent, so the screen knows to fetch the pop.
    expect(offered.at(-1)?.data).toMatchObject({ callId: secondCallId, agentId: 'r1' });

    // While r1's phone rings, the pop is there: only for r1.
    const res = await r1.get('/v1/agents/r1/hotline/offer');
    expect(res.statusCode, res.body).toBe(200);
    const pop = res.json();
    expect(pop.callId).toBe(secondCallId);
    expect(pop.callerMasked).toBe(maskNumber(CALLER));
    expect(pop.callerMasked).toMatch(/^\*+0111$/);
    expect(pop.waitedSec).toBeGreaterThanOrEqual(0);
    expect(pop.ivrPath.map((s: { node: string; keys: string | null }) => [s.node, s.keys])).toEqual([
      ['main', '1'],
      ['billing', '3'],
      ['q', null],
    ]);
    expect(pop.earlierCalls).toEqual([
      {
        at: service.store.calls.findByChannel(first.serviceChannelId)!.startedAt,
        agentId: 'p1',
        outcome: 'answered',
        talkSec: Math.round(firstRecord.talkMs! / 1000),
      },
    ]);
    expect(pop.earlierCalls[0].talkSec).toBeGreaterThanOrEqual(1);
    expect((await api.get('/v1/agents/p1/hotline/offer')).json().error.code).toBe('NO_OFFER');
    expect((await api.get('/v1/agents/r1/hotline/offer')).statusCode).toBe(403);
    // The full number is nowhere: not in the answer, not in the call records.
    expect(res.body).not.toContain('555000111');
    const stored = service.store.db
      .prepare('SELECT caller_key FROM calls WHERE id = ?')
      .pluck()
      .get(secondCallId);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(service.store.db.prepare('SELECT * FROM calls').all())).not.toContain('555000111');

    // Answered: still there, the wait stopped at the answer.
    const answered = await hotlineRecord(service, second.serviceChannelId, (r) => r.answeredAt !== null);
    expect(answered.agentId).toBe('r1');
    const connected = (await r1.get('/v1/agents/r1/hotline/offer')).json();
    expect(connected).toMatchObject({ callId: secondCallId, waitedSec: Math.round(answered.waitMs! / 1000) });

    // Once the call is over there is nothing to pop.
    await far.hangup(second.callerId);
    await hotlineRecord(service, second.serviceChannelId, (r) => r.outcome !== null);
    expect((await r1.get('/v1/agents/r1/hotline/offer')).statusCode).toBe(404);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/lib/events.js';
import type { Service } from '../../src/service.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { ivrCall } from '../ivr/helpers.js';
import { addAgent, HOTLINE_FLOW, hotlineRecord, loginReady } from './helpers.js';

describe('live events of a hotline call on the real PBX', () => {
  let service: Service;
  const far = new FarEnd();

  beforeEach(async () => {
    await far.connect();
  });

  afterEach(async () => {
    await service?.stop();
    await far.close();
  });

  it('IVR, queue, agent, recording and call events come from their domains, in the order things happen', async () => {
    service = await startTestService({ agents: { wrapUpSec: 60 }, hotline: { overflowAfterSec: 0 } });
    service.catalog.put(HOTLINE_FLOW, 'test');
    await addAgent(service, { id: 'p1', inboundRole: 'primary' });
    await loginReady(service, 'p1');
    const events: DomainEvent[] = [];
    service.bus.subscribe((event) => events.push(event));

    const call = await ivrCall(far, service, '400');
    const { callId } = await hotlineRecord(service, call.serviceChannelId, (r) => r.answeredAt !== null);
    await eventually(
      () => events.some((e) => e.topic === 'recording' && e.type === 'started'),
      'recording started',
    );
    await far.hangup(call.callerId);
    await eventually(
      () => events.some((e) => e.topic === 'recording' && e.type === 'ended'),
      'recording ended',
    );
    await eventually(() => service.agents.get('p1')?.state === 'wrap-up', 'wrap-up');

    const about = (e: DomainEvent) =>
      e.topic === 'agent' ? `agent.state ${e.data.state}` : `${e.topic}.${e.type}`;
    const seen = events.map(about);
    const inOrder = (...names: string[]) => {
      const positions = names.map((name) => seen.indexOf(name));
      expect(
        positions.every((p) => p >= 0) && positions.every((p, i) => i === 0 || p > positions[i - 1]!),
        seen.join(', '),
      ).toBe(true);
    };
    inOrder(
      'ivr.entered',
      'queue.caller-queued',
      'agent.state reserved',
      'agent.state on-call',
      'queue.caller-connected',
      'recording.started',
      'agent.state wrap-up',
      'call.ended',
      'recording.ended',
    );
    // The IVR's queue node ends once the queue has the caller.
    inOrder('queue.caller-queued', 'ivr.left');
    // The agent's screen learns of the offer (and fetches the screen-pop) from an event naming them.
    inOrder('agent.state reserved', 'queue.caller-offered', 'queue.caller-connected');

    // Typed data: each event names the call (and the agent once there is one).
    for (const event of events) {
      if (event.topic === 'ivr' && event.type === 'entered')
        expect(event.data).toMatchObject({ callId, flow: 'hot', node: 'q', resumed: false });
      if (event.topic === 'ivr' && event.type === 'left')
        expect(event.data).toEqual({ callId, flow: 'hot', outcome: 'queue' });
      if (event.topic === 'recording' && event.type === 'started')
        expect(event.data).toMatchObject({ callId, agentId: 'p1', direction: 'inbound', recordings: 1 });
      if (event.topic === 'call') expect(event.data).toMatchObject({ callId, agentId: 'p1' });
      if (event.topic === 'queue' && event.type === 'caller-offered')
        expect(event.data).toMatchObject({ callId, agentId: 'p1' });
    }
    // Every event is stamped with the service's clock (here the real one).
    expect(events.every((e) => Math.abs(e.at - Date.now()) < 60_000)).toBe(true);
  });
});

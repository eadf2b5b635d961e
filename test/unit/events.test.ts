import { describe, expect, it } from 'vitest';
import { AgentNotifier } from '../../src/agents/notifier.js';
import type { AgentView } from '../../src/agents/types.js';
import { DialerNotifier } from '../../src/dialer/notifier.js';
import { HotlineNotifier } from '../../src/inbound/notifier.js';
import { IvrNotifier } from '../../src/ivr/notifier.js';
import { type DomainEvent, EventBus } from '../../src/lib/events.js';
import { RecordingNotifier } from '../../src/recording/notifier.js';

const AT = 1_767_225_600_000;

/** A bus with one subscriber keeping what it gets, and every notifier on it under a fixed clock. */
function notifiers() {
  const bus = new EventBus();
  const got: DomainEvent[] = [];
  bus.subscribe((event) => got.push(event));
  const now = () => AT;
  return {
    bus,
    got,
    agents: new AgentNotifier(bus, now),
    hotline: new HotlineNotifier(bus, now),
    dialer: new DialerNotifier(bus, now),
    recording: new RecordingNotifier(bus, now),
    ivr: new IvrNotifier(bus, now),
  };
}

const view: AgentView = {
  id: 'a1',
  name: 'Ann',
  teamId: 't1',
  role: 'agent',
  lineKind: 'sip',
  endpoint: 'PJSIP/1001',
  lineMode: 'persistent',
  inboundRole: 'primary',
  state: 'ready',
  since: AT - 5_000,
  lineUp: true,
  idleSince: AT - 5_000,
  missedOffers: 0,
};
const caller = { queue: 'hotline', callId: 'c1', callerMasked: '*********6789', waiting: 2 } as const;

describe('domain events', () => {
  it('are stamped with the notifier clock and keep the payloads the stream has always carried', () => {
    const n = notifiers();
    n.agents.stateChanged(view);
    n.hotline.callerQueued(caller);
    n.hotline.callerAnnounced(caller, 2, 3);
    n.hotline.callerConnected(caller, 'a1');
    n.hotline.callerAbandoned(caller);
    n.hotline.callerTimedOut(caller);
    n.hotline.callerRequeued(caller);
    n.hotline.callEnded('c1', 'a1', 61_000);
    expect(n.got.every((e) => e.at === AT)).toBe(true);
    // Field order is part of the wire format: the same JSON as before the events were typed.
    expect(n.got.map((e) => JSON.stringify(e))).toEqual([
      `{"topic":"agent","type":"state","at":${AT},"data":${JSON.stringify(view)}}`,
      `{"topic":"queue","type":"caller-queued","at":${AT},"data":{"queue":"hotline","callId":"c1","callerMasked":"*********6789","waiting":2}}`,
      `{"topic":"queue","type":"caller-announced","at":${AT},"data":{"queue":"hotline","callId":"c1","callerMasked":"*********6789","waiting":2,"position":2,"minutes":3}}`,
      `{"topic":"queue","type":"caller-connected","at":${AT},"data":{"queue":"hotline","callId":"c1","callerMasked":"*********6789","waiting":2,"agentId":"a1"}}`,
      `{"topic":"queue","type":"caller-abandoned","at":${AT},"data":{"queue":"hotline","callId":"c1","callerMasked":"*********6789","waiting":2}}`,
      `{"topic":"queue","type":"caller-timeout","at":${AT},"data":{"queue":"hotline","callId":"c1","callerMasked":"*********6789","waiting":2}}`,
      `{"topic":"queue","type":"caller-requeued","at":${AT},"data":{"queue":"hotline","callId":"c1","callerMasked":"*********6789","waiting":2}}`,
      `{"topic":"call","type":"ended","at":${AT},"data":{"callId":"c1","agentId":"a1","talkMs":61000}}`,
    ]);
  });

  it('the offer of a hotline caller to an agent names the agent, beside the caller fields', () => {
    const n = notifiers();
    n.hotline.callerOffered(caller, 'a1');
    expect(n.got.map((e) => JSON.stringify(e))).toEqual([
      `{"topic":"queue","type":"caller-offered","at":${AT},"data":{"queue":"hotline","callId":"c1","callerMasked":"*********6789","waiting":2,"agentId":"a1"}}`,
    ]);
  });

  it('the agent state carries a copy of the view', () => {
    const n = notifiers();
    const changed = { ...view };
    n.agents.stateChanged(changed);
    changed.state = 'on-call';
    expect(n.got[0]).toMatchObject({ data: { state: 'ready' } });
  });

  it('each domain publishes its own topic and types', () => {
    const n = notifiers();
    const offer = { agentId: 'a1', attemptId: 'x1' };
    n.dialer.preview({
      ...offer,
      campaignId: 'k1',
      leadId: 'l1',
      numberMasked: '****1234',
      previewSec: 10,
    });
    n.dialer.withdrawn({ ...offer, reason: 'hotline caller waiting' });
    n.dialer.dialing(offer);
    n.dialer.progressTone({ ...offer, playbackId: 'p1', tone: 'tone:ring' });
    n.dialer.connected(offer);
    n.dialer.callEnded({ ...offer, talkMs: 1 });
    n.dialer.notReached({ ...offer, outcome: 'busy' });
    n.dialer.disposed({ ...offer, campaignId: 'k1', disposition: 'sale', leadState: 'done' });
    const call = { callId: 'c1', agentId: 'a1' };
    n.recording.started({ ...call, direction: 'inbound', teamId: null, campaignId: null, recordings: 1 });
    n.recording.paused(call);
    n.recording.resumed({ ...call, pausedMs: 1_500 });
    n.recording.ended({ ...call, recordings: 1 });
    n.recording.failed({ ...call, recording: 'rec-x', cause: 'disk full' });
    n.ivr.overflow({ callId: 'c2', mode: 'wait', inUse: 2, capacity: 2 });
    n.ivr.entered({
      callId: 'c2',
      flow: 'main',
      version: 3,
      node: 'menu',
      callerMasked: '***',
      resumed: false,
    });
    n.ivr.left({ callId: 'c2', flow: 'main', outcome: 'queue' });
    expect(n.got.map((e) => `${e.topic}.${e.type}`)).toEqual([
      'dialer.preview',
      'dialer.withdrawn',
      'dialer.dialing',
      'dialer.progress-tone',
      'dialer.connected',
      'dialer.call-ended',
      'dialer.not-reached',
      'dialer.disposed',
      'recording.started',
      'recording.paused',
      'recording.resumed',
      'recording.ended',
      'recording.failed',
      'ivr.overflow',
      'ivr.entered',
      'ivr.left',
    ]);
  });

  it('a subscriber narrows on topic and type and reads typed data', () => {
    const n = notifiers();
    const seen: string[] = [];
    n.bus.subscribe((event) => {
      // No casts: the compiler knows each event's data from its topic and type.
      if (event.topic === 'agent') seen.push(`${event.data.id} ${event.data.state}`);
      else if (event.topic === 'queue' && event.type === 'caller-connected') seen.push(event.data.agentId);
      else if (event.topic === 'dialer' && event.type === 'not-reached') seen.push(event.data.outcome);
    });
    n.agents.stateChanged(view);
    n.hotline.callerConnected(caller, 'a2');
    n.dialer.notReached({ agentId: 'a1', attemptId: 'x1', outcome: 'no-answer' });
    expect(seen).toEqual(['a1 ready', 'a2', 'no-answer']);
  });

  it('a throwing subscriber does not stop the others', () => {
    const n = notifiers();
    n.bus.subscribe(() => {
      throw new Error('closed stream');
    });
    const after: string[] = [];
    n.bus.subscribe((e) => after.push(e.type));
    n.hotline.callEnded('c1', 'a1', 1);
    expect(after).toEqual(['ended']);
  });
});

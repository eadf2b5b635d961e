import { describe, expect, it } from 'vitest';
import { nextWorkFor, type ReadyWork } from '../../src/agents/ready-agent.js';
import type { AgentView, InboundRole, LineMode } from '../../src/agents/types.js';
import type { DomainEvent } from '../../src/lib/events.js';
import { callerWaitingRoute, readyAgentRoute } from '../../src/wiring/ready-agents.js';

const ROLES: InboundRole[] = ['primary', 'overflow', 'none'];
const LINES: { lineMode: LineMode; lineUp: boolean }[] = [
  { lineMode: 'persistent', lineUp: true },
  { lineMode: 'persistent', lineUp: false },
  { lineMode: 'per-call', lineUp: false },
];

/** What the rule must say, written out case by case. */
function expected(role: InboundRole, line: (typeof LINES)[number], callers: number): ReadyWork {
  if (role !== 'none' && callers > 0) return 'hotline';
  return line.lineMode === 'persistent' && line.lineUp ? 'dialer' : 'none';
}

describe('nextWorkFor: who gets an agent who is free', () => {
  for (const inboundRole of ROLES)
    for (const line of LINES)
      for (const callers of [0, 1, 5])
        it(`${inboundRole}, ${line.lineMode} line ${line.lineUp ? 'up' : 'down'}, ${callers} caller(s) waiting`, () => {
          expect(nextWorkFor({ inboundRole, ...line }, { hotlineCallers: callers })).toBe(
            expected(inboundRole, line, callers),
          );
        });

  it('a waiting caller always wins an inbound-capable agent on a persistent line, primary or overflow', () => {
    for (const inboundRole of ['primary', 'overflow'] as const)
      expect(nextWorkFor({ inboundRole, lineMode: 'persistent', lineUp: true }, { hotlineCallers: 1 })).toBe(
        'hotline',
      );
  });

  it('an outbound-only agent works the leads whoever waits on the hotline', () => {
    expect(
      nextWorkFor({ inboundRole: 'none', lineMode: 'persistent', lineUp: true }, { hotlineCallers: 9 }),
    ).toBe('dialer');
  });
});

describe('readyAgentRoute: the one place a ready agent goes', () => {
  const agent = (inboundRole: InboundRole): AgentView => ({
    id: 'a1',
    name: 'Ann',
    teamId: 't1',
    role: 'agent',
    lineKind: 'sip',
    endpoint: 'PJSIP/1001',
    lineMode: 'persistent',
    inboundRole,
    state: 'ready',
    since: 0,
    lineUp: true,
    idleSince: 0,
    missedOffers: 0,
  });

  function route(waitingCount: number) {
    const asked: string[] = [];
    const ready = readyAgentRoute({
      hotline: { waitingCount, dispatch: () => asked.push('hotline') },
      dialer: { offerNext: (id) => asked.push(`dialer ${id}`), yieldToHotline: () => asked.push('yield') },
    });
    return { asked, ready };
  }
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it('a caller waits: the hotline takes the agent, the dialer is never asked', async () => {
    const { asked, ready } = route(1);
    ready(agent('primary'));
    expect(asked).toEqual(['hotline']);
    await turn();
    expect(asked).toEqual(['hotline']);
  });

  it('nobody waits: the dialer offers a lead once the change that made the agent ready is done', async () => {
    const { asked, ready } = route(0);
    ready(agent('overflow'));
    expect(asked).toEqual([]);
    await turn();
    expect(asked).toEqual(['dialer a1']);
  });

  it('an outbound-only agent goes to the dialer even while callers wait', async () => {
    const { asked, ready } = route(3);
    ready(agent('none'));
    await turn();
    expect(asked).toEqual(['dialer a1']);
  });

  it('a per-call agent with nobody waiting goes to neither', async () => {
    const { asked, ready } = route(0);
    ready({ ...agent('primary'), lineMode: 'per-call', lineUp: false });
    await turn();
    expect(asked).toEqual([]);
  });
});

describe('callerWaitingRoute: a caller starts waiting', () => {
  const caller = { queue: 'hotline', callId: 'c1', callerMasked: '***', waiting: 1 } as const;
  const events: DomainEvent[] = [
    { topic: 'queue', type: 'caller-queued', at: 0, data: caller },
    { topic: 'queue', type: 'caller-requeued', at: 0, data: caller },
    { topic: 'queue', type: 'caller-connected', at: 0, data: { ...caller, agentId: 'a1' } },
    { topic: 'queue', type: 'caller-abandoned', at: 0, data: caller },
    { topic: 'call', type: 'ended', at: 0, data: { callId: 'c1', agentId: 'a1', talkMs: 1 } },
  ];

  it('queued or requeued: the dialer hands back the agents the hotline now gets, on the next turn', async () => {
    const asked: string[] = [];
    const seen = callerWaitingRoute({
      dialer: { offerNext: () => asked.push('offer'), yieldToHotline: () => asked.push('yield') },
    });
    for (const event of events) seen(event);
    expect(asked).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual(['yield', 'yield']);
  });
});

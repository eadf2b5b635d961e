import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../src/agents/types.js';
import { expectedWaitMinutes, pickAgent } from '../../src/inbound/policy.js';

function agent(id: string, inboundRole: AgentView['inboundRole'], idleSince: number): AgentView {
  return {
    id,
    name: id,
    teamId: 't1',
    role: 'agent',
    lineKind: 'sip',
    endpoint: 'PJSIP/x',
    lineMode: 'persistent',
    inboundRole,
    state: 'ready',
    since: 0,
    lineUp: true,
    idleSince,
    missedOffers: 0,
  };
}

describe('pickAgent', () => {
  const policy = { overflowAfterSec: 10 };

  it('prefers a ready primary agent, longest idle first', () => {
    const ready = [agent('o1', 'overflow', 1), agent('p2', 'primary', 50), agent('p1', 'primary', 20)];
    expect(pickAgent(ready, 0, policy)?.id).toBe('p1');
  });

  it('keeps the caller waiting for the primary until the overflow wait has passed', () => {
    const ready = [agent('o1', 'overflow', 30), agent('o2', 'overflow', 10), agent('n1', 'none', 1)];
    expect(pickAgent(ready, 9_999, policy)).toBeUndefined();
    expect(pickAgent(ready, 10_000, policy)?.id).toBe('o2');
  });

  it('never routes to seats without an inbound role', () => {
    expect(pickAgent([agent('n1', 'none', 1)], 60_000, policy)).toBeUndefined();
  });

  it('overflow at once when configured so', () => {
    expect(pickAgent([agent('o1', 'overflow', 1)], 0, { overflowAfterSec: 0 })?.id).toBe('o1');
  });
});

describe('expectedWaitMinutes', () => {
  it('scales with position and agents, never below a minute', () => {
    expect(expectedWaitMinutes(1, 240, 1)).toBe(4);
    expect(expectedWaitMinutes(3, 240, 2)).toBe(6);
    expect(expectedWaitMinutes(1, 10, 5)).toBe(1);
  });
});

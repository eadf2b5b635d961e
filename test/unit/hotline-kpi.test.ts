import { describe, expect, it } from 'vitest';
import { hotlineKpis } from '../../src/inbound/kpi.js';
import type { HotlineCallRecord } from '../../src/store/index.js';

let next = 0;
/** A call enqueued at 0 that waited `waitSec`; answered then if `extra` names an agent. */
function call(
  outcome: HotlineCallRecord['outcome'],
  waitSec: number | null,
  extra: Partial<HotlineCallRecord> = {},
): HotlineCallRecord {
  return {
    callId: `c${next++}`,
    enqueuedAt: 0,
    answeredAt: extra.agentId !== undefined && waitSec !== null ? waitSec * 1000 : null,
    endedAt: outcome === null ? null : 1,
    agentId: null,
    outcome,
    waitMs: waitSec === null ? null : waitSec * 1000,
    talkMs: null,
    wrapMs: null,
    droppedAt: null,
    nextAgentId: null,
    nextAnsweredAt: null,
    nextTalkMs: null,
    callerMasked: '******0000',
    ...extra,
  };
}

describe('hotlineKpis', () => {
  it('is empty without calls', () => {
    expect(hotlineKpis([])).toEqual({
      offered: 0,
      answered: 0,
      abandoned: 0,
      requeued: 0,
      dropped: 0,
      timedOut: 0,
      overflowedOut: 0,
      serviceLevel: null,
      asa: null,
      aht: null,
      longestWaitMs: 0,
      perAgent: [],
    });
  });

  it('computes counts, service level, ASA, AHT and per-agent figures', () => {
    const rows = [
      call('answered', 10, { agentId: 'a1', talkMs: 60_000, wrapMs: 30_000 }),
      call('answered', 30, { agentId: 'a1', talkMs: 120_000 }),
      call('answered', 20, { agentId: 'a2', talkMs: 30_000, wrapMs: 10_000 }),
      call(null, 5, { agentId: 'a2' }), // connected now
      call('abandoned', 8),
      call('timeout', 300),
      call('overflowed-out', 45),
      call(null, null), // still waiting
    ];
    const kpis = hotlineKpis(rows);
    expect(kpis).toMatchObject({
      offered: 8,
      answered: 4,
      abandoned: 1,
      timedOut: 1,
      overflowedOut: 1,
      longestWaitMs: 300_000,
      asa: (10_000 + 30_000 + 20_000 + 5_000) / 4,
      aht: (90_000 + 120_000 + 40_000) / 3,
    });
    // Within 20 s: the 10 s, 20 s and 5 s answers, of the 7 calls that left the queue.
    expect(kpis.serviceLevel).toBeCloseTo(3 / 7, 12);
    expect(kpis.perAgent).toEqual([
      { agentId: 'a1', answered: 2, talkMs: 180_000, aht: 105_000 },
      { agentId: 'a2', answered: 2, talkMs: 30_000, aht: 40_000 },
    ]);
  });

  it("counts a call requeued after the agent's line dropped as answered, with each agent's talk, never as abandoned", () => {
    const dropped = { agentId: 'a1', talkMs: 40_000, droppedAt: 50_000 };
    const rows = [
      // Left waiting after the drop: answered and talked, not abandoned; its wait is the first one.
      call('dropped', 10, dropped),
      // Answered again by a2 after 5 s, who talked 20 s and wrapped up 10 s.
      call('requeued', 10, {
        ...dropped,
        nextAgentId: 'a2',
        nextAnsweredAt: 55_000,
        nextTalkMs: 20_000,
        wrapMs: 10_000,
      }),
    ];
    const kpis = hotlineKpis(rows);
    expect(kpis).toMatchObject({
      offered: 2,
      answered: 2,
      abandoned: 0,
      dropped: 1,
      requeued: 1,
      serviceLevel: 1,
      asa: 10_000,
      longestWaitMs: 10_000,
      aht: (40_000 + (40_000 + 20_000 + 10_000)) / 2,
    });
    expect(kpis.perAgent).toEqual([
      { agentId: 'a1', answered: 2, talkMs: 80_000, aht: 40_000 },
      { agentId: 'a2', answered: 1, talkMs: 20_000, aht: 30_000 },
    ]);
  });

  it('takes the service level threshold as an option', () => {
    const rows = [call('answered', 10, { agentId: 'a1' }), call('answered', 30, { agentId: 'a1' })];
    expect(hotlineKpis(rows).serviceLevel).toBe(0.5);
    expect(hotlineKpis(rows, { serviceLevelSec: 30 }).serviceLevel).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { agentsFor, erlangC, serviceLevel } from '../../src/inbound/erlang.js';

describe('erlangC', () => {
  it('matches textbook values', () => {
    expect(erlangC(11, 10)).toBeCloseTo(0.6821, 4);
    expect(erlangC(3, 2)).toBeCloseTo(4 / 9, 10);
  });

  it('equals the traffic for one agent', () => {
    for (const traffic of [0.1, 0.5, 0.9]) expect(erlangC(1, traffic)).toBeCloseTo(traffic, 12);
  });

  it('is 0 without traffic and 1 when the agents cannot keep up', () => {
    expect(erlangC(5, 0)).toBe(0);
    expect(erlangC(10, 10)).toBe(1);
    expect(erlangC(0, 0.5)).toBe(1);
  });

  it('stays finite and in range for large centers', () => {
    const p = erlangC(2_000, 1_950);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
  });

  it('refuses nonsense', () => {
    expect(() => erlangC(1.5, 1)).toThrow(RangeError);
    expect(() => erlangC(3, -1)).toThrow(RangeError);
    expect(() => erlangC(3, Number.NaN)).toThrow(RangeError);
  });
});

describe('serviceLevel', () => {
  // 200 calls an hour of 3 minutes = 10 Erlangs.
  it('matches the textbook example: 11 agents answer 39% within 20 s, 14 agents 89%', () => {
    expect(serviceLevel(11, 200, 180, 20)).toBeCloseTo(1 - 0.6821 * Math.exp(-20 / 180), 3);
    expect(serviceLevel(11, 200, 180, 20)).toBeCloseTo(0.3896, 3);
    expect(erlangC(14, 10)).toBeCloseTo(0.1741, 4);
    expect(serviceLevel(14, 200, 180, 20)).toBeCloseTo(0.8884, 3);
  });

  it('is 0 when understaffed and grows with agents', () => {
    expect(serviceLevel(10, 200, 180, 20)).toBe(0);
    const levels = [11, 12, 13, 14, 15].map((n) => serviceLevel(n, 200, 180, 20));
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
  });
});

describe('agentsFor', () => {
  it('finds the fewest agents meeting the target', () => {
    const agents = agentsFor(0.8, 20, 200, 180);
    expect(agents).toBe(14);
    expect(serviceLevel(agents, 200, 180, 20)).toBeGreaterThanOrEqual(0.8);
    expect(serviceLevel(agents - 1, 200, 180, 20)).toBeLessThan(0.8);
  });

  it('needs no agent without calls and at least one with any', () => {
    expect(agentsFor(0.8, 20, 0, 180)).toBe(0);
    expect(agentsFor(0.8, 20, 1, 180)).toBe(1);
  });

  it('refuses a target of 100%', () => {
    expect(() => agentsFor(1, 20, 200, 180)).toThrow(RangeError);
  });
});

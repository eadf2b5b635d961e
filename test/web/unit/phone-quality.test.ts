import { describe, expect, it } from 'vitest';
import { isBrowserLine } from '../../../web/src/lines/line.js';
import { mosEstimate, qualityBetween, sampleFromReport } from '../../../web/src/phone/quality.js';

describe('mosEstimate (E-model)', () => {
  it('rates a clean LAN call near the top and falls with loss, jitter and delay', () => {
    const clean = mosEstimate({ rttMs: 2, jitterMs: 1, lossPercent: 0 });
    expect(clean).toBeGreaterThanOrEqual(4.3);
    expect(clean).toBeLessThanOrEqual(4.5);
    const lossy = mosEstimate({ rttMs: 2, jitterMs: 1, lossPercent: 5 });
    expect(lossy).toBeLessThan(clean);
    expect(lossy).toBeGreaterThan(3);
    expect(mosEstimate({ rttMs: 2, jitterMs: 60, lossPercent: 0 })).toBeLessThan(clean);
    expect(mosEstimate({ rttMs: 800, jitterMs: 1, lossPercent: 0 })).toBeLessThan(3.6);
    expect(mosEstimate({ rttMs: 0, jitterMs: 0, lossPercent: 100 })).toBeLessThan(1.5);
  });
});

describe('qualityBetween', () => {
  it('counts loss among the packets expected since the previous sample', () => {
    const first = { at: 0, packetsReceived: 100, packetsLost: 0, jitter: 0.002 };
    const second = { at: 3000, packetsReceived: 190, packetsLost: 10, jitter: 0.004, roundTripTime: 0.02 };
    const q = qualityBetween(first, second);
    expect(q).toMatchObject({ packetsReceived: 190, lossPercent: 10, jitterMs: 4, rttMs: 20 });
    expect(q.level).toBe('poor');
    expect(qualityBetween(undefined, first)).toMatchObject({ lossPercent: 0, rttMs: null, level: 'good' });
  });

  it('reads the inbound audio stream and the nominated pair from a getStats report', () => {
    const report = [
      { type: 'inbound-rtp', kind: 'audio', packetsReceived: 50, packetsLost: 1, jitter: 0.001 },
      { type: 'candidate-pair', nominated: true, currentRoundTripTime: 0.004 },
      { type: 'outbound-rtp', kind: 'audio', packetsSent: 50 },
    ];
    expect(sampleFromReport(report, 7)).toEqual({
      at: 7,
      packetsReceived: 50,
      packetsLost: 1,
      jitter: 0.001,
      roundTripTime: 0.004,
    });
    expect(sampleFromReport([], 7)).toBeNull();
  });
});

describe('isBrowserLine', () => {
  it("is the agent's own cc-webrtc endpoint, or line kind webrtc", () => {
    expect(isBrowserLine({ lineKind: 'webrtc' })).toBe(true);
    expect(isBrowserLine({ lineKind: 'sip' })).toBe(false);
    expect(isBrowserLine({ lineKind: 'remote' })).toBe(false);
  });
});

/**
 * Call quality from the browser's own RTP statistics (RTCPeerConnection.getStats), and a MOS estimate
 * from a simplified ITU-T G.107 E-model. Pure: the softphone feeds it samples every few seconds.
 */

/** What the softphone reads from getStats: its inbound RTP stream and the selected candidate pair. */
export interface RtpSample {
  /** When it was read, ms. */
  at: number;
  packetsReceived: number;
  packetsLost: number;
  /** Seconds, as getStats gives it. */
  jitter: number;
  /** Seconds, the candidate pair's current round trip (absent before RTCP measured one). */
  roundTripTime?: number;
}

export interface CallQuality {
  packetsReceived: number;
  /** Lost among those expected since the previous sample, 0..100. */
  lossPercent: number;
  jitterMs: number;
  rttMs: number | null;
  /** 1 (bad) .. 4.5 (best a narrowband-equivalent call gets in this model). */
  mos: number;
  /** What the indicator shows. */
  level: 'good' | 'fair' | 'poor';
}

/**
 * MOS from the E-model's transmission rating R: R = 93.2 - Id - Ie,eff, with the delay impairment Id
 * from the one-way delay (half the round trip, plus a jitter buffer of twice the jitter) and the
 * equipment impairment from packet loss (G.711 with packet-loss concealment: Ie = 0, Bpl = 25.1).
 */
export function mosEstimate(input: { rttMs: number; jitterMs: number; lossPercent: number }): number {
  const delay = Math.max(0, input.rttMs) / 2 + 2 * Math.max(0, input.jitterMs) + 10;
  const id = 0.024 * delay + (delay > 177.3 ? 0.11 * (delay - 177.3) : 0);
  const loss = Math.min(100, Math.max(0, input.lossPercent));
  const ieEff = (95 * loss) / (loss + 25.1);
  const r = 93.2 - id - ieEff;
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  const mos = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
  return Math.round(Math.min(4.5, Math.max(1, mos)) * 100) / 100;
}

/** The quality between two samples of the same stream (the previous one absent for the first). */
export function qualityBetween(previous: RtpSample | undefined, current: RtpSample): CallQuality {
  const received = current.packetsReceived - (previous?.packetsReceived ?? 0);
  const lost = Math.max(0, current.packetsLost - (previous?.packetsLost ?? 0));
  const expected = received + lost;
  const lossPercent = expected > 0 ? Math.round((lost / expected) * 1000) / 10 : 0;
  const jitterMs = Math.round(current.jitter * 10_000) / 10;
  const rttMs = current.roundTripTime === undefined ? null : Math.round(current.roundTripTime * 1000);
  const mos = mosEstimate({ rttMs: rttMs ?? 0, jitterMs, lossPercent });
  return {
    packetsReceived: current.packetsReceived,
    lossPercent,
    jitterMs,
    rttMs,
    mos,
    level: mos >= 4 ? 'good' : mos >= 3.4 ? 'fair' : 'poor',
  };
}

/** The inbound audio stream and the nominated candidate pair's round trip from a getStats report. */
export function sampleFromReport(report: Iterable<Record<string, unknown>>, at: number): RtpSample | null {
  let sample: RtpSample | null = null;
  let rtt: number | undefined;
  for (const stat of report) {
    if (stat.type === 'inbound-rtp' && stat.kind === 'audio') {
      sample = {
        at,
        packetsReceived: Number(stat.packetsReceived ?? 0),
        packetsLost: Number(stat.packetsLost ?? 0),
        jitter: Number(stat.jitter ?? 0),
      };
    }
    if (
      stat.type === 'candidate-pair' &&
      stat.nominated === true &&
      typeof stat.currentRoundTripTime === 'number'
    ) {
      rtt = stat.currentRoundTripTime;
    }
  }
  if (sample && rtt !== undefined) sample.roundTripTime = rtt;
  return sample;
}

/** Durations and the server's clock, for the timers on the agent's screen. Pure. */

/** 0:07, 12:34, 1:02:03: minutes and seconds, hours only when there are some. Negative counts as 0. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Seconds left until `endsAt`, rounded up (a countdown shows 1 until the very end), never below 0. */
export function secondsLeft(endsAt: number, now: number): number {
  return Math.max(0, Math.ceil((endsAt - now) / 1000));
}

/**
 * How far the server's clock is ahead of this browser's, from the `at` of live events as they arrive.
 * An event arrives after it was stamped, so each sample is the offset minus the delay: the largest of
 * the recent samples is the best estimate. Times the server gives (a preview's end, when a state began)
 * are shown against `now() + offset`, so a PC whose clock is off still counts down right.
 */
export class ServerClock {
  private readonly samples: number[] = [];

  constructor(private readonly keep = 20) {}

  /** An event stamped `serverAt` arrived at `localAt`. */
  sample(serverAt: number, localAt: number): void {
    if (!Number.isFinite(serverAt)) return;
    this.samples.push(serverAt - localAt);
    if (this.samples.length > this.keep) this.samples.shift();
  }

  /**
   * Milliseconds to add to the browser's clock; 0 before any event, and for a lead under a second (the
   * transit time alone makes one, and a countdown of 120 s would start at 121).
   */
  get offset(): number {
    const lead = this.samples.length === 0 ? 0 : Math.max(...this.samples);
    return Math.abs(lead) < 1_000 ? 0 : lead;
  }
}

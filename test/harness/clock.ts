/**
 * The service's business clock in a test (ServiceOptions.now): it starts at a chosen instant and runs on
 * with real time, and the test moves it forward in one step instead of waiting (a callback falling due).
 * Whatever the service does as time passes (the dialer's ticker, the sessions' purge) still runs on its
 * own real timers and reads this clock.
 */
export class TestClock {
  private offsetMs: number;

  constructor(start: Date) {
    this.offsetMs = start.getTime() - Date.now();
  }

  /** The time the service reads (give `() => clock.now()` as ServiceOptions.now). */
  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the clock forward by `ms` at once. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

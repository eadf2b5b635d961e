/**
 * The fax lines: at most `capacity()` fax calls at once, the rest wait in order. The same idea as the
 * dialer's trunk limiter (dialer/slots.ts), kept in this process: only the instance holding the HA lease
 * drives ARI, so the faxes it sends are all the fax calls there are.
 */
export class FaxLines {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly capacity: () => number) {}

  get inUse(): number {
    return this.busy;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with the line's release once one is free (first come, first served). */
  async acquire(): Promise<() => void> {
    if (this.busy >= this.capacity() || this.waiting.length > 0) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.busy += 1;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The line goes straight to the next fax waiting: the count stays.
      if (next) next();
      else this.busy -= 1;
    };
  }
}

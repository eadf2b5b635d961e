/**
 * The IVR's lines: at most `capacity` callers in the IVR at once (the center has 8). Callers past that
 * either are refused (the caller hears the overflow announcement) or wait their turn in arrival order.
 */
export class IvrLines {
  private used = 0;
  private readonly queue: { grant: () => void }[] = [];

  constructor(
    readonly capacity: number,
    /** Told of every change (metrics). */
    private readonly onChange?: (inUse: number, waiting: number) => void,
  ) {}

  private changed(): void {
    this.onChange?.(this.used, this.queue.length);
  }

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Takes a line if one is free and nobody waits ahead. */
  tryAcquire(): boolean {
    if (this.used >= this.capacity || this.queue.length > 0) return false;
    this.used += 1;
    this.changed();
    return true;
  }

  /**
   * Waits for a line in arrival order; resolves true with the line taken, false if the signal aborts
   * first (the caller hung up, or waited too long) — then no line is held.
   */
  wait(signal: AbortSignal): Promise<boolean> {
    if (this.tryAcquire()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const entry = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        },
      };
      const onAbort = () => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        this.changed();
        resolve(false);
      };
      if (signal.aborted) {
        resolve(false);
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(entry);
      this.changed();
    });
  }

  /** Frees a line: the first waiter takes it over, or it becomes free. */
  release(): void {
    const next = this.queue.shift();
    if (next)
      next.grant(); // the line passes straight to the next caller
    else this.used = Math.max(0, this.used - 1);
    this.changed();
  }
}

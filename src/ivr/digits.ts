import { performance } from 'node:perf_hooks';

/**
 * Keys the caller pressed, in order. Keys pressed while a prompt plays or between nodes are kept until a
 * node reads them (type-ahead), so a caller who knows the menu is never slowed down or ignored.
 */
export class DigitBuffer {
  private readonly keys: string[] = [];
  private waiter: ((digit: string | undefined) => void) | undefined;
  private readonly listeners = new Set<() => void>();
  /** performance.now() of the newest key, for the DTMF-to-prompt latency (a metric: not the business clock). */
  lastKeyAt: number | undefined;

  get size(): number {
    return this.keys.length;
  }

  push(digit: string): void {
    if (!/^[0-9*#A-D]$/.test(digit)) return; // odd DTMF from the network is ignored
    this.lastKeyAt = performance.now();
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(digit);
    } else {
      this.keys.push(digit);
    }
    for (const listener of [...this.listeners]) listener();
  }

  take(): string | undefined {
    return this.keys.shift();
  }

  clear(): void {
    this.keys.length = 0;
  }

  /** The next key: a buffered one at once, else the next pressed, or undefined after timeoutMs. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const buffered = this.take();
    if (buffered !== undefined) return Promise.resolve(buffered);
    return new Promise((resolve, reject) => {
      const done = (digit: string | undefined) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.waiter === done) this.waiter = undefined;
        resolve(digit);
      };
      const onAbort = () => {
        clearTimeout(timer);
        if (this.waiter === done) this.waiter = undefined;
        reject(signal?.reason ?? new Error('aborted'));
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      const timer = setTimeout(() => {
        this.lastKeyAt = undefined; // what follows a timeout is not a reaction to a key
        done(undefined);
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = done;
    });
  }

  /** Calls listener on every key until the returned function is called (barge-in). */
  onKey(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

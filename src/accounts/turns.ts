/**
 * Turns per key: at most `limit` holders of one key at once, the others waiting in order, up to
 * `maxWaiting` (beyond that, no turn). Sign-ins from one address take turns, so a burst of guesses is
 * checked a few at a time against counters its earlier guesses have already raised.
 */
export class KeyedTurns {
  private readonly keys = new Map<string, { running: number; waiting: (() => void)[] }>();

  constructor(
    private readonly limit: number,
    private readonly maxWaiting: number,
  ) {}

  /** Resolves, once it is the caller's turn, to the function that ends it; null if too many wait already. */
  async take(key: string): Promise<(() => void) | null> {
    let entry = this.keys.get(key);
    if (!entry) {
      entry = { running: 0, waiting: [] };
      this.keys.set(key, entry);
    }
    const turns = entry;
    if (turns.running < this.limit) turns.running++;
    else if (turns.waiting.length >= this.maxWaiting) return null;
    else await new Promise<void>((resolve) => turns.waiting.push(resolve));
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const next = turns.waiting.shift();
      // The turn passes straight to the next in line, so `running` stays.
      if (next) next();
      else if (--turns.running === 0) this.keys.delete(key);
    };
  }

  /** Keys with a turn taken or awaited (for tests: none are left behind). */
  get size(): number {
    return this.keys.size;
  }
}

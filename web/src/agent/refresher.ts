/**
 * One load at a time, and none lost: asked while a load runs, it runs once more when that one ends (its
 * answer may predate the change that asked). Many asks during one load make one more, not many. Pure.
 */
export class Refresher {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly load: () => Promise<void>) {}

  /** Resolves when a load that started after this call has finished. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop();
    return this.running;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        try {
          await this.load();
        } catch {
          // A failed load leaves the part as it was; the next event or reconnect loads again.
        }
      } while (this.again);
    } finally {
      this.running = null;
    }
  }
}

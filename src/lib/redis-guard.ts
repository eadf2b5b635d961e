import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** The marker key (under the client's key prefix): this run's epoch id, written at start. */
export const EPOCH_KEY = 'epoch';

/** Why the live state kept in Redis must be written again. */
export type RedisLossCause =
  /** The marker is gone: Redis restarted without persistence, was flushed, or is another, empty instance. */
  | 'data-lost'
  /** The marker holds another run's epoch: another instance's data, or Redis replaced by a copy. */
  | 'data-replaced'
  /** Same data, new server run (restarted from a snapshot, which may be older than the last writes). */
  | 'restarted'
  /** The connection came back: writes made while it was away were dropped (no offline queue). */
  | 'reconnected';

/** What the guard knew at its last check, and what it sees now. */
export interface RedisSighting {
  /** The marker's value (null: absent). */
  marker: string | null;
  /** `run_id` from INFO server (undefined: not reported). */
  runId: string | undefined;
}

/**
 * Pure: whether Redis lost (or may have lost) the live state since the last check, and why; undefined
 * when nothing happened. A missing or foreign marker is a loss; a new run_id with the marker in place is a
 * restart from a snapshot (the last writes may be missing); a reconnect alone lost the writes in between.
 */
export function redisLossCause(
  epoch: string,
  lastRunId: string | undefined,
  seen: RedisSighting,
  reconnected: boolean,
): RedisLossCause | undefined {
  if (seen.marker === null) return 'data-lost';
  if (seen.marker !== epoch) return 'data-replaced';
  if (lastRunId !== undefined && seen.runId !== undefined && seen.runId !== lastRunId) return 'restarted';
  return reconnected ? 'reconnected' : undefined;
}

/** Reads `run_id` out of an INFO server answer. */
export function parseRunId(info: string): string | undefined {
  return /^run_id:(\w+)/m.exec(info)?.[1];
}

/** Writes one domain's live state from memory into Redis again; resolves to what it wrote (for the log). */
export type Rebuilder = (cause: RedisLossCause) => Promise<Record<string, number> | undefined>;

/**
 * Notices Redis losing the live state the service keeps there (agents, the hotline queue, trunk channel
 * counts, BullMQ jobs) and has each domain write it again from what it knows. A marker key holding this
 * run's epoch is written at start and checked on every reconnect and every `everyMs`, with Redis's
 * `run_id` as a second sign (a restart). Redis is never the only copy of something the service knows.
 */
export class RedisStateGuard {
  readonly epoch = randomUUID();
  private readonly rebuilders = new Map<string, Rebuilder>();
  private runId: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  /** A reconnect happened since the last completed check. */
  private reconnected = false;
  private started = false;
  private readonly onReady = () => {
    this.reconnected = true;
    void this.check();
  };

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
    private readonly everyMs = 2_000,
  ) {}

  /** A domain's rebuild, run (in the order added) whenever the live state must be written again. */
  add(name: string, rebuild: Rebuilder): void {
    this.rebuilders.set(name, rebuild);
  }

  /** Writes the marker and starts watching. Redis unreachable now: the first check after it comes back writes it. */
  async start(): Promise<void> {
    this.started = true;
    try {
      await this.mark();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not write the Redis epoch marker yet');
      this.reconnected = true;
    }
    this.redis.on('ready', this.onReady);
    this.timer = setInterval(() => void this.check(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    this.started = false;
    clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
  }

  /** One check (and rebuild if needed); checks never overlap. Resolves when done; never rejects. */
  check(): Promise<void> {
    this.checking ??= this.checkOnce().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    if (!this.started || this.redis.status !== 'ready') return;
    let seen: RedisSighting;
    try {
      const [marker, info] = await Promise.all([this.redis.get(EPOCH_KEY), this.redis.info('server')]);
      seen = { marker, runId: parseRunId(info) };
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'Redis check failed (tried again)');
      return;
    }
    const cause = redisLossCause(this.epoch, this.runId, seen, this.reconnected);
    this.reconnected = false;
    this.runId = seen.runId ?? this.runId;
    if (!cause) return;
    const lost = cause === 'data-lost' || cause === 'data-replaced';
    // The marker first: a loss during the rebuild is then seen by the next check.
    await this.mark().catch(() => undefined);
    const rewritten: Record<string, Record<string, number> | string> = {};
    for (const [name, rebuild] of this.rebuilders) {
      try {
        rewritten[name] = (await rebuild(cause)) ?? {};
      } catch (err) {
        rewritten[name] = `failed: ${(err as Error).message}`;
        this.log.error({ err, part: name }, 'could not write live state back to Redis');
      }
    }
    const message = lost
      ? 'Redis lost the live state (restarted without data, flushed or replaced): written again from memory'
      : `Redis ${cause}: live state written again from memory`;
    this.log[lost ? 'warn' : 'info']({ cause, runId: seen.runId, rewritten }, message);
    this.onRebuilt?.(cause);
  }

  /** Called after each rebuild (metrics, tests). */
  onRebuilt: ((cause: RedisLossCause) => void) | undefined;

  private async mark(): Promise<void> {
    await this.redis.set(EPOCH_KEY, this.epoch);
    if (this.runId === undefined) this.runId = parseRunId(await this.redis.info('server'));
  }
}

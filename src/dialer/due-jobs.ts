import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { bestEffort } from '../lib/best-effort.js';

/**
 * BullMQ delayed jobs that wake the dialer when a lead's retry or callback falls due. The lead's due_at
 * in SQLite stays the truth (the ticker finds it too); a job only makes the wake-up prompt.
 */
export class DueJobs {
  private queue: Queue | undefined;
  private worker: Worker | undefined;
  private connection: Redis | undefined;

  constructor(
    private readonly options: { redisUrl: string; keyPrefix: string; log: Logger; now: () => number },
  ) {}

  start(onDue: () => void): void {
    const { log } = this.options;
    this.connection = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null });
    this.connection.on('error', (err) => log.warn({ err: err.message }, 'redis error (dialer jobs)'));
    const common = { connection: this.connection, prefix: `${this.options.keyPrefix}bull` };
    this.queue = new Queue('dialer-due', common);
    this.worker = new Worker('dialer-due', async () => onDue(), { ...common, concurrency: 1 });
    this.worker.on('error', (err) => log.warn({ err: err.message }, 'dialer due worker error'));
  }

  schedule(leadId: string, dueAt: number): void {
    const delay = Math.max(0, dueAt - this.options.now());
    this.queue
      ?.add(
        'due',
        { leadId },
        { delay, jobId: `due-${leadId}-${dueAt}`, removeOnComplete: true, removeOnFail: 100 },
      )
      .catch((err: unknown) => this.options.log.warn({ err, leadId }, 'could not schedule the lead due job'));
  }

  async close(): Promise<void> {
    await bestEffort(this.worker?.close(), this.options.log, 'close the dialer due worker');
    await bestEffort(this.queue?.close(), this.options.log, 'close the dialer due queue');
    this.connection?.disconnect();
  }
}

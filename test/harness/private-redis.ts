import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { freePort } from './bring-up.js';

/**
 * A redis-server of the test's own, without persistence, on a free port: for tests that restart or flush
 * Redis (never the shared one). `restart()` brings it back empty on the same port, as a Redis without
 * persistence comes back after a crash.
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port ||= await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.child = child;
    // Ready once it answers.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      const ok = await probe
        .connect()
        .then(() => probe.ping())
        .catch(() => undefined);
      probe.disconnect();
      if (ok === 'PONG') return;
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode})`);
      if (Date.now() > deadline) throw new Error('redis-server not answering after 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills it (its data goes with it) and starts it again on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }

  /** A client for the test (without the service's key prefix). */
  client(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    // It reconnects by itself across a restart; the refusals meanwhile are expected.
    client.on('error', () => undefined);
    return client;
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../src/config/schema.js';
import { tempDir } from './infra.js';

export { freePort } from './bring-up.js';

/** The service as ops run it: `node src/main.ts` in its own process, configured by a file. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  readonly output: string[] = [];
  readonly configFile: string;

  constructor(readonly config: Config) {
    this.configFile = join(tempDir('cc-proc-'), 'config.json');
    writeFileSync(this.configFile, JSON.stringify(config, null, 2));
  }

  get url(): string {
    return `http://127.0.0.1:${this.config.api.port}`;
  }

  /** Starts the process and waits until it is ready, or only live (`live`: a standby is never ready). */
  async start(waitFor: 'ready' | 'live' = 'ready'): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, CONFIG_FILE: this.configFile, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => this.output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => this.output.push(d.toString()));
    this.child = child;
    // Polls readiness; a process that exits fails at once, with what it printed (not after the timeout).
    const deadline = Date.now() + 30_000;
    const endpoint = `${this.url}/${waitFor === 'ready' ? 'readyz' : 'healthz'}`;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`service exited (${child.exitCode ?? child.signalCode}): ${this.tail()}`);
      const res = await fetch(endpoint).catch(() => undefined);
      if (res?.status === 200) return;
      if (Date.now() > deadline)
        throw new Error(
          `service not ${waitFor} after 30 s (last: ${res?.status ?? 'no answer'}): ${this.tail()}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get exitCode(): number | null | undefined {
    return this.child?.exitCode;
  }

  /** The last lines the process printed (for failure messages). */
  tail(lines = 30): string {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }

  /** Sends a signal and waits for the exit code. */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    // Already gone (exited, or killed by a signal: then exitCode stays null and signalCode is set).
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    child.kill(signal);
    // A graceful stop that hangs fails the test with what the process printed, instead of timing it out.
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    const [code, by] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(timer);
    if (signal !== 'SIGKILL' && by === 'SIGKILL')
      throw new Error(`service did not exit within 40 s of ${signal}: ${this.tail()}`);
    return code;
  }
}

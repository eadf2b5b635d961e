import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processFixture } from '../harness/process-fixture.js';

/**
 * Loaded into the service process before main: on SIGUSR2 it throws from a timer (an uncaught exception),
 * on SIGWINCH it leaves a rejected promise unhandled, as a bug deep in a library would.
 */
const CRASH_HOOK = `data:text/javascript,${encodeURIComponent(
  "process.on('SIGUSR2', () => setTimeout(() => { throw new Error('planted bug') }));" +
    "process.on('SIGWINCH', () => { Promise.reject(new Error('planted rejection')) });",
)}`;

describe('a crash in the service process', () => {
  const fx = processFixture();

  /** Starts the service with the crash hook loaded (spawn copies the environment at once). */
  async function startWithHook() {
    const config = await fx.config();
    const before = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `${before ?? ''} --import=${CRASH_HOOK}`.trim();
    try {
      return { config, proc: await fx.start(config) };
    } finally {
      if (before === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = before;
    }
  }

  it('an uncaught exception is logged and the process exits non-zero for its supervisor', async () => {
    const { config, proc } = await startWithHook();
    // The store it made is for its own user only.
    expect(statSync(config.store.path).mode & 0o777).toBe(0o600);
    expect(await proc.kill('SIGUSR2')).toBe(70);
    expect(proc.tail()).toMatch(/uncaught exception: exiting for the supervisor to restart/);
    expect(proc.tail()).toContain('planted bug');
  });

  it('so is an unhandled rejection', async () => {
    const { proc } = await startWithHook();
    expect(await proc.kill('SIGWINCH')).toBe(70);
    expect(proc.tail()).toMatch(/unhandled rejection: exiting for the supervisor to restart/);
  });
});

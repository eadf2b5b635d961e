import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * Brings up the real infrastructure for tests and benchmarks: the project's PBX (scripts/pbx.sh) and a
 * redis-server on a free port, unless ARI_URL / REDIS_URL point at running ones. No test framework here,
 * so benchmarks use it too.
 */
export interface Infra {
  ari: { url: string; username: string; password: string };
  redisUrl: string;
  asteriskVersion: string;
  /** Stops what this call started (not what was given by the environment). */
  down(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function waitForRedis(port: number, child: ChildProcess): Promise<void> {
  const { Redis } = await import('ioredis');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server did not answer within 10 s');
}

async function asteriskVersion(ari: Infra['ari']): Promise<string> {
  const res = await fetch(`${ari.url}/ari/asterisk/info?only=system`, {
    headers: { authorization: `Basic ${Buffer.from(`${ari.username}:${ari.password}`).toString('base64')}` },
  });
  if (!res.ok) throw new Error(`ARI at ${ari.url} answered ${res.status}`);
  const info = (await res.json()) as { system: { version: string } };
  return info.system.version;
}

function pbxRunning(): boolean {
  try {
    execFileSync('bash', ['scripts/pbx.sh', 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function bringUp(options: { keepPbx?: boolean; quiet?: boolean } = {}): Promise<Infra> {
  const cleanups: (() => void | Promise<void>)[] = [];
  const stdio: ['ignore', 'inherit' | 'ignore', 'inherit'] = [
    'ignore',
    options.quiet ? 'ignore' : 'inherit',
    'inherit',
  ];
  const ari = {
    url: process.env.ARI_URL ?? 'http://127.0.0.1:8088',
    username: process.env.ARI_USERNAME ?? 'callcenter',
    password: process.env.ARI_PASSWORD ?? 'callcenter-dev-secret',
  };
  if (!process.env.ARI_URL) {
    const wasRunning = pbxRunning();
    // With the SIP tests' carrier and phones (test/pbx/), which change nothing else.
    execFileSync('bash', ['scripts/pbx.sh', 'up'], { stdio, env: { ...process.env, PBX_TEST_SIP: '1' } });
    // Stop it afterwards only if this run started it (a demo's PBX stays up).
    if (!wasRunning && !options.keepPbx && !process.env.PBX_KEEP) {
      cleanups.push(() => {
        execFileSync('bash', ['scripts/pbx.sh', 'down'], { stdio });
      });
    }
  }

  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await waitForRedis(port, child);
    redisUrl = `redis://127.0.0.1:${port}`;
    cleanups.push(async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    });
  }

  return {
    ari,
    redisUrl,
    asteriskVersion: await asteriskVersion(ari),
    down: async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}

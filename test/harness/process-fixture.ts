import { afterEach } from 'vitest';
import type { InboundRole } from '../../src/agents/types.js';
import type { Config } from '../../src/config/schema.js';
import { openStore, type Store } from '../../src/store/index.js';
import { FarEnd } from './far-end.js';
import { testConfig } from './infra.js';
import { freePort, ServiceProcess } from './process.js';

type Overrides = Parameters<typeof testConfig>[0];

/**
 * For tests that run the service as its own process (restart, drain, standby): a far end, a config on a
 * free port, the store opened beside the process, and processes started; everything is killed, closed
 * and disconnected after each test.
 */
export function processFixture() {
  const far = new FarEnd();
  const procs: ServiceProcess[] = [];
  const stores: Store[] = [];
  const apps = new Set<string>();

  afterEach(async () => {
    for (const proc of procs.splice(0)) await proc.kill('SIGKILL');
    for (const store of stores.splice(0)) store.close();
    // A killed service leaves its calls on the PBX (agents' lines above all): hang them up, so no test
    // leaves channels behind for the next.
    const left = (await far.rest.listChannels().catch(() => [])).filter((c) =>
      [...apps].some((app) => c.id.startsWith(app)),
    );
    await Promise.all(left.map((c) => far.rest.hangup(c.id).catch(() => {})));
    // And its agents' bridges, which outlive their channels.
    const bridges = (await far.rest.listBridges().catch(() => [])).filter((b) =>
      [...apps].some((app) => b.id.startsWith(`${app}-`)),
    );
    await Promise.all(bridges.map((b) => far.rest.destroyBridge(b.id).catch(() => {})));
    apps.clear();
    await far.close();
  });

  return {
    far,
    /** Connects the far end and returns a test config with the API on a free port. */
    async config(overrides: Overrides = {}): Promise<Config> {
      await far.connect();
      const config = testConfig({ ...overrides, api: { port: await freePort(), ...overrides.api } });
      apps.add(config.ari.app);
      return config;
    },
    /** The service's store, opened by the test (SQLite allows both). */
    store(config: Config): Store {
      const store = openStore(config.store.path);
      stores.push(store);
      return store;
    },
    /** Starts a service process, waiting until it is ready (or only live, for a standby). */
    async start(config: Config, waitFor: 'ready' | 'live' = 'ready'): Promise<ServiceProcess> {
      const proc = new ServiceProcess(config);
      procs.push(proc);
      await proc.start(waitFor);
      return proc;
    },
  };
}

/**
 * A seat the way an admin adds it, with a persistent line to a simulated phone that answers (or to
 * `endpoint`, e.g. a SIP phone).
 */
export function seatAgent(
  store: Store,
  seat: { id: string; inboundRole: InboundRole; teamId?: string | null; name?: string; endpoint?: string },
): void {
  store.agents.create({
    id: seat.id,
    name: seat.name ?? seat.id,
    teamId: seat.teamId ?? null,
    role: 'agent',
    endpoint: seat.endpoint ?? 'Local/answer@sim',
    lineMode: 'persistent',
    inboundRole: seat.inboundRole,
  });
}

/** JSON over HTTP to a service process with an API key; `proc` is read at each call (it may be restarted). */
export function httpApi(proc: () => ServiceProcess | undefined, key: string) {
  return async (method: string, url: string, body?: object) => {
    const res = await fetch(`${proc()?.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: response bodies of several routes, read field by field
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, any> };
  };
}

/** Each agent logs in and gets ready through the API of a service process, with their own key. */
export async function loginReady(
  proc: () => ServiceProcess | undefined,
  store: Store,
  agentIds: string[],
): Promise<void> {
  for (const id of agentIds) {
    const api = httpApi(proc, store.apiKeys.create(id, 'agent', { agentId: id }).key);
    for (const event of ['login', 'ready']) {
      const res = await api('POST', `/v1/agents/${id}/state`, { event });
      if (res.status !== 200) throw new Error(`${id} ${event}: ${res.status} ${JSON.stringify(res.json)}`);
    }
  }
}

import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/lib/events.js';
import { LiveClient, type LiveEvent } from '../../../web/src/live/client.js';
import { fetchSse } from '../../../web/src/live/transport.js';
import { FakeDirectory } from '../../api/fake-directory.js';
import { agentServices, bearer, buildTestApi, type TestApi } from '../../api/helpers.js';
import { partialEvent } from '../../harness/events.js';

/** Accepted by every API this test builds, so the client's key survives the "restart". */
const KEY = 'live-test-bootstrap-key-0123456789abcdef';

async function serve(port = 0): Promise<{ api: TestApi; bus: EventBus; port: number }> {
  const bus = new EventBus();
  const api = await buildTestApi({
    adminApiKey: KEY,
    agents: (store, logger) => {
      const directory = new FakeDirectory(store);
      return {
        directory,
        ...agentServices(store, logger, directory),
        queue: () => ({ name: 'hotline', waiting: [], longestWaitMs: 0 }),
        bus,
        today: () => ({ from: 0, to: 1 }),
      };
    },
  });
  await api.app.listen({ host: '127.0.0.1', port });
  return { api, bus, port: (api.app.server.address() as AddressInfo).port };
}

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let client: LiveClient | undefined;
const servers: TestApi[] = [];
afterEach(async () => {
  client?.stop();
  for (const api of servers.splice(0)) await api.close();
});

function liveClient(port: number, key: string) {
  client = new LiveClient({
    url: `http://127.0.0.1:${port}/v1/events`,
    // Node's own fetch: the page's client, as a benchmark would run it.
    connect: fetchSse({ fetch: (url, init) => fetch(url, init), headers: () => bearer(key) }),
    backoff: { initialMs: 50, maxMs: 200 },
  });
  const events: LiveEvent[] = [];
  const states: string[] = [];
  client.onEvent((e) => events.push(e));
  client.onState((s) => states.push(s));
  client.start();
  return { client, events, states };
}

describe('LiveClient over fetch against GET /v1/events', () => {
  it('receives events with an API key, and comes back by itself after the service restarts', async () => {
    const first = await serve();
    servers.push(first.api);
    const { client, events, states } = liveClient(first.port, KEY);
    await until(() => client.state === 'connected' && first.bus.size === 1, 'connected');
    first.bus.publish(partialEvent('agent', 'state', { id: 'a1', state: 'ready' }));
    await until(() => events.length === 1, 'first event');
    expect(events[0]).toMatchObject({ topic: 'agent', type: 'state', data: { id: 'a1', state: 'ready' } });

    await servers.pop()!.close();
    await until(() => client.state === 'retrying' || client.state === 'reconnecting', 'loss noticed');

    const second = await serve(first.port);
    servers.push(second.api);
    await until(() => client.state === 'connected' && second.bus.size === 1, 'reconnected', 10_000);
    second.bus.publish(partialEvent('queue', 'changed', { waiting: 1 }));
    await until(() => events.length === 2, 'event after the restart');
    expect(events[1]).toMatchObject({ topic: 'queue', type: 'changed' });
    expect(states[0]).toBe('connecting');
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('connected');
  });

  it('is refused, without retrying, with a wrong key', async () => {
    const server = await serve();
    servers.push(server.api);
    const { client, states } = liveClient(server.port, 'wrong-key');
    await until(() => client.state === 'refused', 'refused');
    await new Promise((r) => setTimeout(r, 300));
    expect(states).toEqual(['connecting', 'refused']);
  });
});

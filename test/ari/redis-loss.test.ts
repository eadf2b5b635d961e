import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../harness/infra.js';
import { PrivateRedis } from '../harness/private-redis.js';
import type { ServiceProcess } from '../harness/process.js';
import { httpApi, processFixture, seatAgent } from '../harness/process-fixture.js';

interface SavedAgent {
  state: string;
  reason?: string;
  lineChannelId?: string;
}

const IDS = ['a1', 'a2', 'a3'];
/** The floor each test builds, as the service's API shows it. */
const FLOOR = {
  a1: 'ready, line up',
  a2: 'not-ready (lunch), line up',
  a3: 'ready, line up',
};

describe('Redis loses its data while agents are logged in on persistent lines', () => {
  const fx = processFixture();
  const { far } = fx;
  const redis = new PrivateRedis();
  let client: Redis | undefined;
  let proc: ServiceProcess | undefined;

  afterEach(async () => {
    client?.disconnect();
    await redis.stop();
  });

  /** A service on a private Redis with three agents logged in on persistent lines (FLOOR). */
  async function floorUp() {
    await redis.start();
    const redisClient = redis.client();
    client = redisClient;
    const config = await fx.config({ redis: { url: redis.url } });
    const db = fx.store(config);
    for (const id of IDS) seatAgent(db, { id, inboundRole: 'primary' });
    const api = httpApi(() => proc, db.apiKeys.create('admin', 'admin').key);
    const state = async (id: string, event: object) => {
      const res = await api('POST', `/v1/agents/${id}/state`, event);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
    };
    /** The service's view of each agent: state, reason and whether the line is up. */
    const floor = async () => {
      const out: Record<string, string> = {};
      for (const id of IDS) {
        const { json } = await api('GET', `/v1/agents/${id}`);
        out[id] = `${json.state}${json.reason ? ` (${json.reason})` : ''}${json.lineUp ? ', line up' : ''}`;
      }
      return out;
    };
    /** What Redis holds for each agent, when it matches the floor. */
    const savedFloor = async () => {
      const values = await redisClient.mget(...IDS.map((id) => `${config.redis.keyPrefix}agent:${id}`));
      const s = values.map((v) => (v ? (JSON.parse(v) as SavedAgent) : undefined));
      const ok = s[0]?.state === 'ready' && s[1]?.reason === 'lunch' && s[2]?.state === 'ready';
      return ok && s.every((a) => a?.lineChannelId) ? s : undefined;
    };
    /** The agents' line channels still up on the PBX. */
    const linesUp = async (lines: string[]) => (await far.liveChannels(lines)).map((c) => c.id).sort();

    proc = await fx.start(config);
    for (const id of IDS) await state(id, { event: 'login' });
    await state('a1', { event: 'ready' });
    await state('a2', { event: 'not-ready', reason: 'lunch' });
    await state('a3', { event: 'ready' });
    expect(await floor()).toEqual(FLOOR);
    const saved = await eventually(savedFloor, 'live state in Redis');
    const lines = saved.map((s) => s?.lineChannelId ?? '').sort();
    return { config, redisClient, floor, savedFloor, lines, linesUp };
  }

  it('Redis restarted without its data: the live state is written back within a few seconds, the floor unchanged', async () => {
    const { floor, savedFloor } = await floorUp();
    await redis.restart();
    await eventually(savedFloor, 'live agent state written back after Redis restarted empty', 8_000);
    expect(await floor()).toEqual(FLOOR);
    // Logged once every domain has written its part back: a moment after the agents' state is there.
    await eventually(
      () => proc?.output.join('').includes('"cause":"data-lost"'),
      'the loss logged as data-lost',
      5_000,
    );
  });

  it('a FLUSHALL while running is noticed too', async () => {
    const { floor, savedFloor, redisClient } = await floorUp();
    await redisClient.flushall();
    await eventually(savedFloor, 'live agent state written back after FLUSHALL', 8_000);
    expect(await floor()).toEqual(FLOOR);
    // Logged once every domain has written its part back: a moment after the agents' state is there.
    await eventually(
      () => proc?.output.join('').includes('"cause":"data-lost"'),
      'the loss logged as data-lost',
      5_000,
    );
  });

  it('a service restart after Redis lost its data logs out nobody whose line is up, and hangs up no line', async () => {
    const { config, floor, savedFloor, redisClient, lines, linesUp } = await floorUp();
    // Redis loses its data, and the service is killed before (or without) writing it back...
    await redis.restart();
    expect(await proc?.kill('SIGKILL')).toBe(null);
    await redisClient.flushall();
    // ...and started again: the lines are found on the PBX, the states come from the store's log.
    proc = await fx.start(config);
    expect(await floor()).toEqual(FLOOR);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await linesUp(lines)).toEqual(lines);
    expect(await floor()).toEqual(FLOOR);
    await eventually(savedFloor, 'live state in Redis again after the restart');

    // A plain restart after that (Redis intact) keeps the floor too.
    expect(await proc.kill('SIGKILL')).toBe(null);
    proc = await fx.start(config);
    expect(await floor()).toEqual(FLOOR);
    expect(await linesUp(lines)).toEqual(lines);
  });
});

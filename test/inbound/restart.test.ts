import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FlowCatalog } from '../../src/ivr/catalog.js';
import { eventually } from '../harness/infra.js';
import type { ServiceProcess } from '../harness/process.js';
import { processFixture } from '../harness/process-fixture.js';
import { HOTLINE_FLOW } from './helpers.js';

describe('hotline: the service restarts with one caller waiting and one call connected', () => {
  const fx = processFixture();
  const { far } = fx;
  let proc: ServiceProcess | undefined;

  it('both are re-attached: the connected call goes on, the waiting caller is served next, nobody is forgotten', async () => {
    const config = await fx.config({
      agents: { wrapUpSec: 1 },
      hotline: { overflowAfterSec: 0, maxWaitSec: 600, announceEverySec: 600 },
    });
    const db = fx.store(config);
    new FlowCatalog(db, { logger: pino({ level: 'silent' }) }).put(HOTLINE_FLOW, 'test');
    db.agents.create({
      id: 'p1',
      name: 'Primary',
      teamId: null,
      role: 'agent',
      endpoint: 'Local/answer@sim',
      lineMode: 'persistent',
      inboundRole: 'primary',
    });
    const key = db.apiKeys.create('p1', 'agent', { agentId: 'p1' }).key;
    const state = async (event: string) => {
      const res = await fetch(`${proc?.url}/v1/agents/p1/state`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ event }),
      });
      if (!res.ok) throw new Error(`${event}: ${res.status} ${await res.text()}`);
    };
    const agent = async () =>
      (await (
        await fetch(`${proc?.url}/v1/agents/p1`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as {
        state: string;
        callId?: string;
        lineUp: boolean;
      };

    proc = await fx.start(config);
    await state('login');
    await state('ready');

    const connected = await far.call('400', config.ari.app);
    await eventually(async () => (await agent()).state === 'on-call', 'first caller connected');
    const waiting = await far.call('400', config.ari.app);
    await eventually(() => db.hotlineCalls.forDay(0, Date.now() + 1e9).length === 2, 'second caller queued');

    expect(await proc.kill('SIGKILL')).toBe(null);
    proc = await fx.start(config);

    // After the restart: the agent is still on the same call with the line up; the second caller waits.
    const after = await agent();
    expect(after).toMatchObject({ state: 'on-call', lineUp: true });
    const queue = (await (
      await fetch(`${proc.url}/v1/hotline/queue`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { waiting: unknown[] };
    expect(queue.waiting).toHaveLength(1);
    expect(await far.liveChannels([connected.callerId, waiting.callerId])).toHaveLength(2);

    // The first caller hangs up: wrap-up, ready, and the waiting caller is connected to the same agent.
    await far.hangup(connected.callerId);
    await eventually(
      async () => {
        const a = await agent();
        return a.state === 'on-call' && a.callId !== after.callId;
      },
      'waiting caller served after the restart',
      15_000,
    );
    // The connected call's recording: the part before the restart and the part after, both kept.
    await eventually(
      () => {
        const rows = db.recordings.byCall(after.callId ?? '');
        return rows.length === 2 && rows.every((r) => r.status === 'stored');
      },
      'both recording segments stored',
      30_000,
    );
    const records = db.hotlineCalls.forDay(0, Date.now() + 1e9);
    expect(records.map((r) => r.outcome).sort()).toEqual(['answered', null]);
    expect(records.every((r) => r.agentId === 'p1')).toBe(true);
    await far.hangup(waiting.callerId);
  });
});

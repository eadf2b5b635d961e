import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FlowCatalog } from '../../src/ivr/catalog.js';
import { eventually } from '../harness/infra.js';
import { freePort, type ServiceProcess } from '../harness/process.js';
import { processFixture, seatAgent } from '../harness/process-fixture.js';
import { HOTLINE_FLOW } from '../inbound/helpers.js';

describe('active and standby instances on one PBX and Redis', () => {
  const fx = processFixture();
  const { far } = fx;

  it('the standby waits unready; when the active dies it takes over within seconds and resyncs: the call in progress goes on, new calls are served', async () => {
    const base = await fx.config({
      agents: { wrapUpSec: 1 },
      hotline: { overflowAfterSec: 0, maxWaitSec: 600, announceEverySec: 600 },
      ha: { enabled: true, leaseTtlMs: 3_000, renewEveryMs: 500, nodeId: 'node-a' },
    });
    const configB = {
      ...base,
      api: { ...base.api, port: await freePort() },
      ha: { ...base.ha, nodeId: 'node-b' },
    };
    const db = fx.store(base);
    new FlowCatalog(db, { logger: pino({ level: 'silent' }) }).put(HOTLINE_FLOW, 'test');
    seatAgent(db, { id: 'p1', inboundRole: 'primary' });
    const key = db.apiKeys.create('p1', 'agent', { agentId: 'p1' }).key;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const agentOn = async (proc: ServiceProcess) =>
      (await (await fetch(`${proc.url}/v1/agents/p1`, { headers })).json()) as {
        state: string;
        lineUp: boolean;
      };

    const a = await fx.start(base);
    const b = await fx.start(configB, 'live');
    // The standby is alive but not ready, and refuses the API.
    const standbyReady = await fetch(`${b.url}/readyz`);
    expect(standbyReady.status).toBe(503);
    // The standby's port answers with the same strict headers as the active API.
    expect(standbyReady.headers.get('x-content-type-options')).toBe('nosniff');
    expect(standbyReady.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await (await fetch(`${b.url}/healthz`)).json()).toMatchObject({
      status: 'standby',
      nodeId: 'node-b',
    });
    const refused = await fetch(`${b.url}/v1/agents/p1`, { headers });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('STANDBY');

    for (const event of ['login', 'ready']) {
      const r = await fetch(`${a.url}/v1/agents/p1/state`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ event }),
      });
      expect(r.status).toBe(200);
    }
    const caller = await far.call('400', base.ari.app);
    await eventually(async () => (await agentOn(a)).state === 'on-call', 'caller connected by the active');

    expect(await a.kill('SIGKILL')).toBe(null);
    const killedAt = Date.now();
    await eventually(
      async () => (await fetch(`${b.url}/readyz`).catch(() => undefined))?.status === 200,
      'standby takes over',
      20_000,
    );
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(10_000);

    // The call in progress is re-attached by the new active instance: still up, agent still on it.
    expect(await agentOn(b)).toMatchObject({ state: 'on-call', lineUp: true });
    expect(await far.liveChannels([caller.callerId])).toHaveLength(1);
    await far.hangup(caller.callerId);
    await eventually(
      async () => (await agentOn(b)).state === 'ready',
      'agent ready again (wrap-up by the new active)',
      10_000,
    );
    // A new caller is served by the new active instance.
    const next = await far.call('400', base.ari.app);
    await eventually(
      async () => (await agentOn(b)).state === 'on-call',
      'new caller connected by the new active',
    );
    await far.hangup(next.callerId);

    // A graceful stop hands nothing to nobody: it exits 0 and leaves no channel of the app behind.
    await eventually(async () => (await agentOn(b)).state !== 'on-call', 'call over');
    expect(await b.kill('SIGTERM')).toBe(0);
    await eventually(
      async () => (await far.rest.listChannels()).every((c) => !c.id.startsWith(base.ari.app)),
      'no channel of the app left',
    );
  });
});

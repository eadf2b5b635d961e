import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hotlineKpis } from '../../src/inbound/kpi.js';
import type { Service } from '../../src/service.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { ivrCall } from '../ivr/helpers.js';
import { addAgent, agentApi, HOTLINE_FLOW, hotlineRecord, loginReady } from './helpers.js';

describe('400 hotline on the real PBX', () => {
  let service: Service;
  const far = new FarEnd();

  beforeEach(async () => {
    await far.connect();
  });

  afterEach(async () => {
    await service?.stop();
    await far.close();
  });

  async function start(overrides: Parameters<typeof startTestService>[0] = {}) {
    service = await startTestService({
      agents: { wrapUpSec: 1 },
      hotline: { overflowAfterSec: 0, announceEverySec: 5, maxWaitSec: 60 },
      ...overrides,
    });
    service.catalog.put(HOTLINE_FLOW, 'test');
    return service;
  }

  it('primary ready -> the caller is connected at once on the persistent line; after the call, wrap-up, then ready', async () => {
    await start();
    await addAgent(service, { id: 'p1', inboundRole: 'primary' });
    await loginReady(service, 'p1');
    const call = await ivrCall(far, service, '400');
    const record = await hotlineRecord(service, call.serviceChannelId, (r) => r.answeredAt !== null);
    expect(record.agentId).toBe('p1');
    expect(service.agents.get('p1')).toMatchObject({ state: 'on-call', lineUp: true });
    // Caller and agent line share the agent's bridge.
    const bridge = (await far.rest.listBridges()).find((b) => b.id === `${service.config.ari.app}-agent-p1`);
    expect(bridge?.channels).toContain(call.serviceChannelId);
    expect(bridge?.channels).toHaveLength(2);

    await far.hangup(call.callerId);
    await eventually(() => service.agents.get('p1')?.state === 'wrap-up', 'wrap-up after the call');
    await eventually(() => service.agents.get('p1')?.state === 'ready', 'ready after timed wrap-up', 5_000);
    const ended = await hotlineRecord(service, call.serviceChannelId, (r) => r.outcome !== null);
    expect(ended.outcome).toBe('answered');
    // After-call work is kept with the call: handle time = talk + wrap-up.
    expect(ended.wrapMs).toBeGreaterThanOrEqual(900);
    // The agent's line is still up and alone in its bridge.
    const after = (await far.rest.listBridges()).find((b) => b.id === `${service.config.ari.app}-agent-p1`);
    expect(after?.channels).toHaveLength(1);
  });

  it('primary busy on a call -> the next caller goes to a ready overflow seat', async () => {
    await start();
    await addAgent(service, { id: 'p1', inboundRole: 'primary' });
    await addAgent(service, { id: 'o1', inboundRole: 'overflow' });
    await loginReady(service, 'p1');
    await loginReady(service, 'o1');
    const first = await ivrCall(far, service, '400');
    expect((await hotlineRecord(service, first.serviceChannelId, (r) => r.answeredAt !== null)).agentId).toBe(
      'p1',
    );
    const second = await ivrCall(far, service, '400');
    expect(
      (await hotlineRecord(service, second.serviceChannelId, (r) => r.answeredAt !== null)).agentId,
    ).toBe('o1');
    await far.hangup(first.callerId);
    await far.hangup(second.callerId);
  });

  it('ring-per-call agent: an unanswered ring moves on to the next agent and counts as missed', async () => {
    await start({ hotline: { ringTimeoutSec: 5 } });
    await addAgent(service, {
      id: 'r1',
      inboundRole: 'primary',
      lineMode: 'per-call',
      endpoint: 'Local/busy@sim',
    });
    await addAgent(service, {
      id: 'r2',
      inboundRole: 'overflow',
      lineMode: 'per-call',
      endpoint: 'Local/delay1@sim',
    });
    await loginReady(service, 'r1');
    await loginReady(service, 'r2');
    const call = await ivrCall(far, service, '400');
    const record = await hotlineRecord(service, call.serviceChannelId, (r) => r.answeredAt !== null, 20_000);
    expect(record.agentId).toBe('r2');
    expect(service.agents.get('r1')?.missedOffers).toBe(1);
    await far.hangup(call.callerId);
    await eventually(
      () => service.agents.get('r2')?.state === 'wrap-up' || service.agents.get('r2')?.state === 'ready',
      'r2 freed',
    );
  });

  it('nobody ready -> the caller waits with music, hears position announcements, and gets the max-wait outcome', async () => {
    await start({
      hotline: { announceEverySec: 5, maxWaitSec: 12, maxWait: { flow: 'hot', node: 'sorry' } },
    });
    const heard: string[] = [];
    service.bus?.subscribe((e) => {
      if (e.topic === 'queue') heard.push(e.type);
    });
    const call = await ivrCall(far, service, '400');
    await eventually(() => service.hotline.snapshot().waiting.length === 1, 'caller waiting');
    await eventually(() => heard.includes('caller-announced'), 'position announced', 10_000);
    const record = await hotlineRecord(service, call.serviceChannelId, (r) => r.outcome !== null, 20_000);
    expect(record.outcome).toBe('timeout');
    // The max-wait node (a goodbye) ran and the call ended.
    await eventually(
      async () => (await far.liveChannels([call.callerId, call.serviceChannelId])).length === 0,
      'call ended',
      10_000,
    );
    const trail = service.store.calls.events(record.callId).find((e) => e.event === 'ended')?.detail as {
      trail: string[];
    };
    expect(trail.trail.filter((t) => t === 'PlaybackStarted').length).toBeGreaterThanOrEqual(2);
  });

  it('a caller who hangs up while waiting is counted abandoned and leaves nothing behind', async () => {
    await start();
    const call = await ivrCall(far, service, '400');
    await eventually(() => service.hotline.snapshot().waiting.length === 1, 'caller waiting');
    await far.hangup(call.callerId);
    const record = await hotlineRecord(service, call.serviceChannelId, (r) => r.outcome !== null);
    expect(record.outcome).toBe('abandoned');
    expect(service.hotline.snapshot().waiting).toEqual([]);
    await eventually(() => service.ari.registry.size === 0, 'no session');
    expect(await far.liveChannels([call.callerId, call.serviceChannelId])).toEqual([]);
  });

  it('the persistent agent line drops -> the agent is not ready and the API says why', async () => {
    await start();
    await addAgent(service, { id: 'p1', inboundRole: 'primary' });
    await loginReady(service, 'p1');
    const lineBridge = (await far.rest.listBridges()).find(
      (b) => b.id === `${service.config.ari.app}-agent-p1`,
    );
    const lineChannel = lineBridge?.channels[0];
    expect(lineChannel).toBeDefined();
    await far.hangup(lineChannel as string);
    await eventually(
      () => service.agents.get('p1')?.reason === 'line-dropped',
      'agent not ready (line dropped)',
    );
    const api = agentApi(service, 'p1');
    const res = await api.get('/v1/agents/p1');
    expect(res.json()).toMatchObject({ state: 'not-ready', reason: 'line-dropped', lineUp: false });
    // Ready without a line would take calls nobody can hear: refused until the agent logs in again.
    const ready = await api.post('/v1/agents/p1/state', { event: 'ready' });
    expect(ready.statusCode).toBe(409);
    expect(ready.json().error.message).toMatch(/line is not up/);
    expect((await api.post('/v1/agents/p1/state', { event: 'logout' })).statusCode).toBe(200);
    await loginReady(service, 'p1');
    expect(service.agents.get('p1')).toMatchObject({ state: 'ready', lineUp: true });
  });

  it('an illegal state change is refused with 409 and changes nothing', async () => {
    await start();
    await addAgent(service, { id: 'p1', inboundRole: 'primary' });
    const api = agentApi(service, 'p1');
    const res = await api.post('/v1/agents/p1/state', { event: 'wrap-up-done' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toMatch(/cannot wrap-up-done while logged-out/);
    expect(service.agents.get('p1')?.state).toBe('logged-out');
  });
  it('an agent deactivated while logged in is logged out (line hung up) and takes no call', async () => {
    await start();
    await addAgent(service, { id: 'p1', inboundRole: 'primary' });
    await loginReady(service, 'p1');
    const bridge = `${service.config.ari.app}-agent-p1`;
    const line = (await far.rest.listBridges()).find((b) => b.id === bridge)?.channels[0];
    expect(line).toBeDefined();
    const admin = service.store.apiKeys.create('admin', 'admin').key;
    const res = await service.api.inject({
      method: 'DELETE',
      url: '/v1/agents/p1',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.statusCode).toBe(204);
    await eventually(async () => (await far.liveChannels([line as string])).length === 0, 'line hung up');
    expect(service.agents.available()).toEqual([]);
    const log = service.store.agentLog.forAgent('p1', 0, Date.now() + 1_000);
    expect(log.at(-1)).toMatchObject({ event: 'logout', toState: 'logged-out', by: 'service' });
  });
  it("the agent's line drops mid-call: the caller goes back to the head of the queue and the next agent takes them; counted once, with both agents' talk", async () => {
    await start();
    await addAgent(service, { id: 'p1', inboundRole: 'primary' });
    await loginReady(service, 'p1');
    const call = await ivrCall(far, service, '400');
    await hotlineRecord(service, call.serviceChannelId, (r) => r.agentId === 'p1');
    await addAgent(service, { id: 'o1', inboundRole: 'overflow' });
    await loginReady(service, 'o1');
    await new Promise((r) => setTimeout(r, 1_000)); // p1 talks a while
    await far.hangup(
      agentLine(call.serviceChannelId, await far.rest.listBridges(), `${service.config.ari.app}-agent-p1`),
    );
    const again = await hotlineRecord(service, call.serviceChannelId, (r) => r.nextAgentId === 'o1');
    expect(again.nextAnsweredAt).not.toBeNull();
    expect(await far.liveChannels([call.callerId])).toHaveLength(1); // the caller stayed on the line
    await new Promise((r) => setTimeout(r, 500)); // o1 talks a while
    await far.hangup(call.callerId);
    const ended = await hotlineRecord(service, call.serviceChannelId, (r) => r.outcome !== null);
    // The first agent and their talk stay; the drop and the next agent's leg are recorded beside them.
    expect(ended).toMatchObject({ outcome: 'requeued', agentId: 'p1', nextAgentId: 'o1' });
    expect(ended.talkMs).toBeGreaterThanOrEqual(900);
    expect(ended.talkMs).toBe((ended.droppedAt ?? 0) - (ended.answeredAt ?? 0));
    expect(ended.nextTalkMs).toBeGreaterThanOrEqual(400);
    expect(ended.waitMs).toBeLessThan(ended.talkMs ?? 0); // the talk is not counted as wait
    expect(service.store.hotlineCalls.forDay(0, Date.now() + 1e9)).toHaveLength(1);
    const kpis = hotlineKpis(service.store.hotlineCalls.forDay(0, Date.now() + 1e9));
    expect(kpis).toMatchObject({ offered: 1, answered: 1, abandoned: 0, requeued: 1, dropped: 0 });
    expect(kpis.perAgent.map((a) => [a.agentId, a.answered, a.talkMs])).toEqual([
      ['o1', 1, ended.nextTalkMs],
      ['p1', 1, ended.talkMs],
    ]);
  });

  it("the agent's line drops mid-call and the requeued caller hangs up before anyone answers: the call keeps the agent and talk, outcome dropped, not abandoned", async () => {
    await start();
    await addAgent(service, { id: 'p1', inboundRole: 'primary' });
    await loginReady(service, 'p1');
    const call = await ivrCall(far, service, '400');
    const answered = await hotlineRecord(service, call.serviceChannelId, (r) => r.agentId === 'p1');
    await new Promise((r) => setTimeout(r, 1_000)); // p1 talks a while
    await far.hangup(
      agentLine(call.serviceChannelId, await far.rest.listBridges(), `${service.config.ari.app}-agent-p1`),
    );
    await eventually(() => service.hotline.snapshot().waiting.length === 1, 'caller back in the queue');
    await new Promise((r) => setTimeout(r, 1_000)); // waiting again, nobody ready
    await far.hangup(call.callerId);
    const ended = await hotlineRecord(service, call.serviceChannelId, (r) => r.outcome !== null);
    expect(ended).toMatchObject({ outcome: 'dropped', agentId: 'p1', nextAgentId: null });
    expect(ended.answeredAt).toBe(answered.answeredAt);
    expect(ended.waitMs).toBe(answered.waitMs); // the talk and the second wait are not the first wait
    expect(ended.talkMs).toBeGreaterThanOrEqual(900);
    const kpis = hotlineKpis(service.store.hotlineCalls.forDay(0, Date.now() + 1e9));
    expect(kpis).toMatchObject({ offered: 1, answered: 1, abandoned: 0, dropped: 1, requeued: 0 });
    expect(kpis.perAgent).toEqual([{ agentId: 'p1', answered: 1, talkMs: ended.talkMs, aht: ended.talkMs }]);
  });
});

/** The agent's persistent line: the other channel in their bridge. */
function agentLine(callerChannelId: string, bridges: { id: string; channels: string[] }[], bridgeId: string) {
  const line = bridges.find((b) => b.id === bridgeId)?.channels.find((c) => c !== callerChannelId);
  if (!line) throw new Error(`no agent line in ${bridgeId}`);
  return line;
}

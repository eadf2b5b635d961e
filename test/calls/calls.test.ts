import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/ari/types.js';
import type { DomainEvent } from '../../src/lib/events.js';
import { parseWav, wavDurationSec } from '../../src/lib/wav.js';
import type { Service } from '../../src/service.js';
import { addLeads, customer, settings, supervisorApi } from '../dialer/helpers.js';
import { rms } from '../harness/audio.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { addAgent, agentApi, HOTLINE_FLOW, hotlineRecord, loginReady } from '../inbound/helpers.js';
import { callIdOf, ivrCall } from '../ivr/helpers.js';

/**
 * The agent's call controls on the real PBX: hold and resume (music on hold in a holding bridge), DTMF to
 * the customer, blind and warm transfers of dialer and hotline calls to another agent or the team leader,
 * and the refusals.
 */
describe('call controls on the real PBX', () => {
  let service: Service;
  const far = new FarEnd();
  let events: DomainEvent[] = [];

  beforeEach(async () => {
    events = [];
    await far.connect();
  });

  afterEach(async () => {
    await service?.stop();
    await far.close();
  });

  /** Agents of team t1 (a1 ... ) and a2, in team t2, named t1's leader (and in no campaign). */
  async function start(agents: { id: string; team: 't1' | 't2'; inboundRole?: 'primary' | 'none' }[]) {
    service = await startTestService({
      agents: { wrapUpSec: 30 },
      hotline: { overflowAfterSec: 0, announceEverySec: 60, maxWaitSec: 120 },
      dialer: { trunkChannels: 10 },
    });
    service.bus.subscribe((e) => events.push(e));
    service.catalog.put(HOTLINE_FLOW, 'test');
    service.store.teams.create({ id: 't1', name: 'Team 1' });
    service.store.teams.create({ id: 't2', name: 'Team 2' });
    for (const a of agents)
      await addAgent(service, { id: a.id, inboundRole: a.inboundRole ?? 'none', teamId: a.team });
    service.store.teams.update('t1', { leaderAgentId: 'a2' });
    return service;
  }

  const app = () => service.config.ari.app;
  const agentBridge = (agentId: string) => `${app()}-agent-${agentId}`;
  const bridges = () => far.rest.listBridges();
  const bridgeOf = async (channelId: string): Promise<Bridge | undefined> =>
    (await bridges()).find((b) => b.channels.includes(channelId));
  const lineOf = (agentId: string): string => {
    const line = service.agents.lineOf(agentId);
    if (!line) throw new Error(`agent ${agentId} has no line`);
    return line;
  };

  /** What a far-end caller hears for `sec` seconds (a recording of its channel, made by the far end). */
  async function heard(callerId: string, sec: number): Promise<Float32Array> {
    const name = `heard-${callerId}`;
    await far.rest.recordChannel(callerId, { name, format: 'wav', maxDurationSeconds: sec });
    await far.waitFor(
      (e) =>
        e.type === 'RecordingFinished' && (e as { recording?: { name?: string } }).recording?.name === name,
      (sec + 5) * 1000,
    );
    const wav = await far.rest.downloadStoredRecording(name);
    await far.rest.deleteStoredRecording(name).catch(() => {});
    return parseWav(wav).samples;
  }

  /** A dialer customer who answers and stays, connected to a1. */
  async function dialerCall() {
    const sup = supervisorApi(service);
    expect((await sup.post('/v1/campaigns', { id: 'c1', name: 'C1', settings: settings() })).statusCode).toBe(
      201,
    );
    expect((await sup.post('/v1/campaigns/c1/state', { state: 'active' })).statusCode).toBe(200);
    const [leadId] = addLeads(service.store, 'c1', [customer.answers()]);
    await loginReady(service, 'a1');
    const a1 = agentApi(service, 'a1');
    await eventually(async () => (await a1.get('/v1/agents/a1/preview')).statusCode === 200, 'preview');
    expect((await a1.post('/v1/agents/a1/preview/accept', {})).statusCode).toBe(200);
    await eventually(() => service.agents.get('a1')?.state === 'on-call', 'a1 on the call');
    const attempt = service.store.attempts.forLead(leadId!)[0]!;
    return { a1, attemptId: attempt.id, callId: attempt.callId!, channelId: `${app()}-dial-${attempt.id}` };
  }

  it('dialer call: hold puts the customer in a holding bridge with music, resume brings them back; DTMF reaches the far end; refusals', async () => {
    await start([
      { id: 'a1', team: 't1' },
      { id: 'a2', team: 't2' },
    ]);
    const { a1, attemptId, callId, channelId } = await dialerCall();
    expect((await bridgeOf(channelId))?.id).toBe(agentBridge('a1'));

    const current = await a1.get('/v1/agents/a1/call');
    expect(current.statusCode, current.body).toBe(200);
    expect(current.json()).toMatchObject({
      callId,
      kind: 'dialer',
      state: 'talking',
      campaignId: 'c1',
      attemptId,
      heldSince: null,
      recordingPaused: false,
      consult: null,
    });
    expect(current.json().numberMasked).toMatch(/^\*+\d{4}$/);

    // Hold: the customer leaves the agent's bridge for a holding bridge (music on hold); the agent's line
    // stays in its bridge, alone.
    const held = await a1.post('/v1/agents/a1/call/hold', {});
    expect(held.statusCode, held.body).toBe(200);
    expect(held.json()).toMatchObject({ state: 'held', heldSince: expect.any(Number) });
    const holding = await bridgeOf(channelId);
    expect(holding).toMatchObject({ bridge_type: 'holding' });
    expect(holding?.id.startsWith(`${app()}-hold-`)).toBe(true);
    expect((await bridges()).find((b) => b.id === agentBridge('a1'))?.channels).toEqual([lineOf('a1')]);
    expect(events.some((e) => e.topic === 'call' && e.type === 'held' && e.data.agentId === 'a1')).toBe(true);

    // Refused: hold while held, DTMF while held.
    const again = await a1.post('/v1/agents/a1/call/hold', {});
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('CALL_STATE');
    expect((await a1.post('/v1/agents/a1/call/dtmf', { digits: '1' })).statusCode).toBe(409);

    // Resume: back in the agent's bridge; the holding bridge is gone.
    const resumed = await a1.post('/v1/agents/a1/call/resume', {});
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(resumed.json()).toMatchObject({ state: 'talking', heldSince: null });
    expect((await bridgeOf(channelId))?.id).toBe(agentBridge('a1'));
    await eventually(async () => !(await bridges()).some((b) => b.id === holding?.id), 'holding bridge gone');
    expect((await a1.post('/v1/agents/a1/call/resume', {})).statusCode).toBe(409);

    // DTMF: the keys arrive at the customer's end of the call (the far half of its Local channel).
    await far.rest.request('applications.subscribe', 'POST', `/applications/${far.app}/subscription`, {
      eventSource: `channel:${channelId};2`,
    });
    const bad = await a1.post('/v1/agents/a1/call/dtmf', { digits: '12x' });
    expect(bad.statusCode).toBe(400);
    expect((await a1.post('/v1/agents/a1/call/dtmf', { digits: '12#' })).statusCode).toBe(204);
    const keys = await eventually(() => {
      const got = far.events
        .filter((e) => e.type === 'ChannelDtmfReceived' && e.channel?.id === `${channelId};2`)
        .map((e) => (e as { digit?: string }).digit)
        .join('');
      return got.length >= 3 ? got : undefined;
    }, 'DTMF at the far end');
    expect(keys).toBe('12#');

    // No call, another agent's call, targets that cannot take it.
    const none = await agentApi(service, 'a2').get('/v1/agents/a2/call');
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('NO_CALL');
    expect((await agentApi(service, 'a2').post('/v1/agents/a1/call/hold', {})).statusCode).toBe(403);
    const loggedOut = await a1.post('/v1/agents/a1/call/transfer', { to: { agentId: 'a2' }, mode: 'blind' });
    expect(loggedOut.statusCode).toBe(409);
    expect(loggedOut.json().error.code).toBe('TARGET_UNAVAILABLE');
    const unknown = await a1.post('/v1/agents/a1/call/transfer', { to: { agentId: 'zz' }, mode: 'warm' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('UNKNOWN_TARGET');
    expect((await a1.get('/v1/agents/a1/call')).json().state).toBe('talking');

    // The agent hangs up through the call controls: wrap-up, and no call any more.
    expect((await a1.post('/v1/agents/a1/call/hangup', {})).statusCode).toBe(204);
    await eventually(() => service.agents.get('a1')?.state === 'wrap-up', 'a1 in wrap-up');
    expect((await a1.get('/v1/agents/a1/call')).statusCode).toBe(404);
    expect(service.calls.currentCall('a1')).toBeNull();
  });

  it('dialer call, warm transfer to the team leader: consult, then complete; the leader has the call and gives the disposition', async () => {
    await start([
      { id: 'a1', team: 't1' },
      { id: 'a2', team: 't2' },
    ]);
    await loginReady(service, 'a2');
    const { a1, attemptId, callId, channelId } = await dialerCall();
    await eventually(() => service.recorder.isRecording(callId), 'recording');

    const consulting = await a1.post('/v1/agents/a1/call/transfer', {
      to: { teamLeader: true },
      mode: 'warm',
    });
    expect(consulting.statusCode, consulting.body).toBe(200);
    expect(consulting.json()).toMatchObject({
      state: 'consulting',
      consult: { targetAgentId: 'a2', state: 'talking' },
    });
    // The customer is on hold; the leader's line has joined the agent's bridge; the leader is reserved.
    expect(await bridgeOf(channelId)).toMatchObject({ bridge_type: 'holding' });
    const room = (await bridges()).find((b) => b.id === agentBridge('a1'));
    expect(room?.channels.sort()).toEqual([lineOf('a1'), lineOf('a2')].sort());
    expect(service.agents.get('a2')).toMatchObject({ state: 'reserved', callId: attemptId });
    // Refused while consulting: hold, a second transfer.
    expect((await a1.post('/v1/agents/a1/call/hold', {})).statusCode).toBe(409);

    expect((await a1.post('/v1/agents/a1/call/transfer/complete', {})).statusCode).toBe(204);
    // The customer is in the leader's bridge with the leader's line; the agent is alone in theirs.
    await eventually(async () => (await bridgeOf(channelId))?.id === agentBridge('a2'), 'customer with a2');
    expect((await bridges()).find((b) => b.id === agentBridge('a2'))?.channels.sort()).toEqual(
      [channelId, lineOf('a2')].sort(),
    );
    expect((await bridges()).find((b) => b.id === agentBridge('a1'))?.channels).toEqual([lineOf('a1')]);
    expect(service.agents.get('a1')?.state).toBe('wrap-up');
    expect(service.agents.get('a2')).toMatchObject({ state: 'on-call', callId: attemptId });
    expect((await a1.get('/v1/agents/a1/call')).statusCode).toBe(404);
    const a2 = agentApi(service, 'a2');
    expect((await a2.get('/v1/agents/a2/call')).json()).toMatchObject({ callId, state: 'talking' });
    expect(events.find((e) => e.topic === 'call' && e.type === 'transferred')?.data).toMatchObject({
      callId,
      agentId: 'a1',
      toAgentId: 'a2',
      mode: 'warm',
    });
    // The recording goes on and now names the leader.
    expect(service.recorder.isRecording(callId)).toBe(true);
    expect(service.store.recordings.byCall(callId).map((r) => r.agentId)).toEqual(['a2']);

    // The leader ends the call: their wrap-up, their disposition.
    expect((await a2.post('/v1/agents/a2/call/hangup', {})).statusCode).toBe(204);
    await eventually(() => service.agents.get('a2')?.state === 'wrap-up', 'a2 in wrap-up');
    const disposed = await a2.post('/v1/agents/a2/disposition', {
      code: 'sale',
      sale: { amount: 99, product: 'gold plan' },
    });
    expect(disposed.statusCode, disposed.body).toBe(200);
    expect(service.store.attempts.get(attemptId)).toMatchObject({ state: 'disposed', disposition: 'sale' });
    expect(service.agents.get('a2')?.state).toBe('ready');
  });

  it('hotline caller, blind transfer to a second agent: caller with agent 2, agent 1 in wrap-up, one recording with both parts', async () => {
    await start([
      { id: 'a1', team: 't1', inboundRole: 'primary' },
      { id: 'a2', team: 't2' },
    ]);
    await loginReady(service, 'a1');
    await loginReady(service, 'a2');
    const call = await ivrCall(far, service, '400');
    const record = await hotlineRecord(service, call.serviceChannelId, (r) => r.answeredAt !== null);
    expect(record.agentId).toBe('a1');
    const callId = callIdOf(service, call.serviceChannelId)!;
    await eventually(() => service.recorder.isRecording(callId), 'recording');
    await far.rest.startMoh(call.callerId); // the caller "talks" (audio into the recording)
    const a1 = agentApi(service, 'a1');
    expect((await a1.get('/v1/agents/a1/call')).json()).toMatchObject({
      callId,
      kind: 'hotline',
      state: 'talking',
    });
    await new Promise((r) => setTimeout(r, 1_500)); // the first part

    const blind = await a1.post('/v1/agents/a1/call/transfer', { to: { agentId: 'a2' }, mode: 'blind' });
    expect(blind.statusCode, blind.body).toBe(204);
    expect((await bridgeOf(call.serviceChannelId))?.id).toBe(agentBridge('a2'));
    expect(service.agents.get('a1')?.state).toBe('wrap-up');
    expect(service.agents.get('a2')).toMatchObject({ state: 'on-call', callId });
    expect((await a1.get('/v1/agents/a1/call')).statusCode).toBe(404);
    expect((await agentApi(service, 'a2').get('/v1/agents/a2/call')).json()).toMatchObject({
      callId,
      kind: 'hotline',
    });
    expect(service.recorder.isRecording(callId)).toBe(true);
    expect(service.store.recordings.byCall(callId).map((r) => [r.agentId, r.teamId])).toEqual([['a2', 't2']]);
    await new Promise((r) => setTimeout(r, 1_500)); // the second part

    // The caller hangs up: agent 2's wrap-up; one recording, stored, as long as both parts.
    await far.hangup(call.callerId);
    await eventually(() => service.agents.get('a2')?.state === 'wrap-up', 'a2 in wrap-up');
    const rows = await eventually(
      () => {
        const found = service.store.recordings.byCall(callId);
        return found.length > 0 && found.every((r) => r.status === 'stored') ? found : undefined;
      },
      'recording stored',
      30_000,
    );
    expect(rows).toHaveLength(1);
    const fileSec = wavDurationSec(readFileSync(rows[0]!.filePath ?? ''));
    expect(fileSec).toBeGreaterThan(2.8);
    expect(rows[0]).toMatchObject({ agentId: 'a2', status: 'stored' });
  });

  it('hotline caller with a ring-per-call agent, blind transfer: the agent leg is hung up, the caller goes on with agent 2', async () => {
    await start([{ id: 'a2', team: 't2' }]);
    await addAgent(service, {
      id: 'r1',
      inboundRole: 'primary',
      lineMode: 'per-call',
      endpoint: 'Local/answer@sim',
      teamId: 't1',
    });
    await loginReady(service, 'r1');
    await loginReady(service, 'a2');
    const call = await ivrCall(far, service, '400');
    await hotlineRecord(service, call.serviceChannelId, (r) => r.answeredAt !== null);
    const callId = callIdOf(service, call.serviceChannelId)!;
    const r1 = agentApi(service, 'r1');
    // Held and resumed in the call's own bridge with the agent's leg.
    const room = await bridgeOf(call.serviceChannelId);
    const leg = room?.channels.find((c) => c !== call.serviceChannelId);
    expect(leg).toBeDefined();
    expect((await r1.post('/v1/agents/r1/call/hold', {})).json().state).toBe('held');
    expect((await r1.post('/v1/agents/r1/call/resume', {})).json().state).toBe('talking');
    expect((await bridgeOf(call.serviceChannelId))?.id).toBe(room?.id);

    expect(
      (await r1.post('/v1/agents/r1/call/transfer', { to: { teamLeader: true }, mode: 'blind' })).statusCode,
    ).toBe(204);
    expect((await bridgeOf(call.serviceChannelId))?.id).toBe(agentBridge('a2'));
    await eventually(async () => (await far.liveChannels([leg!])).length === 0, 'the agent leg hung up');
    expect(service.agents.get('r1')?.state).toBe('wrap-up');
    expect(service.agents.get('a2')).toMatchObject({ state: 'on-call', callId });
    // The caller's call goes on without the leg that left.
    await new Promise((r) => setTimeout(r, 500));
    expect(await far.liveChannels([call.callerId])).toHaveLength(1);
    await far.hangup(call.callerId);
    await eventually(() => service.agents.get('a2')?.state === 'wrap-up', 'a2 in wrap-up');
  });

  it('hotline caller, warm transfer cancelled: the colleague goes back to their line and is ready; the caller stays held, then resumes', async () => {
    await start([
      { id: 'a1', team: 't1', inboundRole: 'primary' },
      { id: 'a2', team: 't2' },
    ]);
    await loginReady(service, 'a1');
    await loginReady(service, 'a2');
    const call = await ivrCall(far, service, '400');
    await hotlineRecord(service, call.serviceChannelId, (r) => r.answeredAt !== null);
    const a1 = agentApi(service, 'a1');

    const consulting = await a1.post('/v1/agents/a1/call/transfer', { to: { agentId: 'a2' }, mode: 'warm' });
    expect(consulting.statusCode, consulting.body).toBe(200);
    expect(consulting.json().consult).toEqual({ targetAgentId: 'a2', state: 'talking' });
    expect(await bridgeOf(lineOf('a2'))).toMatchObject({ id: agentBridge('a1') });
    // Completing needs a consult; resuming is refused while consulting.
    expect((await a1.post('/v1/agents/a1/call/resume', {})).statusCode).toBe(409);

    const cancelled = await a1.post('/v1/agents/a1/call/transfer/cancel', {});
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ state: 'held', consult: null });
    expect((await bridgeOf(lineOf('a2')))?.id).toBe(agentBridge('a2'));
    expect(service.agents.get('a2')?.state).toBe('ready');
    expect(service.agents.get('a1')?.state).toBe('on-call');
    expect(await bridgeOf(call.serviceChannelId)).toMatchObject({ bridge_type: 'holding' });
    // What the held caller hears is music, not silence: the far end records its side for 2 s.
    expect(rms(await heard(call.callerId, 2))).toBeGreaterThan(0.01);
    expect((await a1.post('/v1/agents/a1/call/transfer/cancel', {})).statusCode).toBe(409);
    expect((await a1.post('/v1/agents/a1/call/transfer/complete', {})).statusCode).toBe(409);
    expect(events.find((e) => e.topic === 'call' && e.type === 'consult-ended')?.data).toMatchObject({
      agentId: 'a1',
      targetAgentId: 'a2',
      reason: 'cancelled',
    });

    expect((await a1.post('/v1/agents/a1/call/resume', {})).json().state).toBe('talking');
    expect((await bridgeOf(call.serviceChannelId))?.id).toBe(agentBridge('a1'));
    await far.hangup(call.callerId);
    await eventually(() => service.agents.get('a1')?.state === 'wrap-up', 'a1 in wrap-up');
  });
});

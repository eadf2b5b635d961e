import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountService, COMMAND_LINE } from '../../src/accounts/service.js';
import { DialerNotifier } from '../../src/dialer/notifier.js';
import { HotlineNotifier } from '../../src/inbound/notifier.js';
import { IvrNotifier } from '../../src/ivr/notifier.js';
import { EventBus } from '../../src/lib/events.js';
import { RecordingNotifier } from '../../src/recording/notifier.js';
import { SmsNotifier } from '../../src/sms/notifier.js';
import type { Role } from '../../src/store/index.js';
import { partialEvent } from '../harness/events.js';
import { FakeDirectory } from './fake-directory.js';
import { agentServices, bearer, buildTestApi, type TestApi } from './helpers.js';

let api: TestApi;
let bus: EventBus;
let accounts: AccountService;
let base: string;
let directory: FakeDirectory;
beforeEach(async () => {
  bus = new EventBus();
  api = await buildTestApi({
    agents: (store, logger) => {
      directory = new FakeDirectory(store);
      return {
        directory,
        ...agentServices(store, logger, directory),
        queue: () => ({ name: 'hotline', waiting: [], longestWaitMs: 0 }),
        bus,
        today: () => ({ from: 0, to: 1 }),
      };
    },
    accounts: (store, logger, config) => {
      accounts = new AccountService({
        store,
        logger,
        now: Date.now,
        config: config.auth,
        scrypt: FAST_SCRYPT,
      });
      return { accounts };
    },
  });
  // A real server: inject() would wait for the end of a stream that never ends.
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await api.close();
});

/** Cheap hashing for the sign-in of these tests. */
const FAST_SCRYPT = { logN: 10, r: 8, p: 1 };

const keyFor = (role: Role, agentId?: string) =>
  api.store.apiKeys.create(`test ${role}`, role, { agentId }).key;

interface Frame {
  event: string;
  data: { topic: string; type: string; at: number; data: Record<string, unknown> };
}

/**
 * Opens the stream with node:http (fetch opens a spare connection the server then waits on at close).
 * `until` returns the frames received (comments skipped) once the named event is among them.
 */
async function subscribe(key: string | { cookie: string }, query = '') {
  const headers = typeof key === 'string' ? bearer(key) : { ...key, accept: 'text/event-stream' };
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    get(`${base}/v1/events${query}`, { headers }, resolve).on('error', reject);
  });
  const frames: Frame[] = [];
  let buffer = '';
  let ended = false;
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith(':')) continue;
      const field = (name: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}: `))!
          .slice(name.length + 2);
      frames.push({ event: field('event'), data: JSON.parse(field('data')) });
    }
  });
  res.on('end', () => {
    ended = true;
  });

  return {
    res,
    async until(event: string): Promise<Frame[]> {
      await expect.poll(() => frames.some((f) => f.event === event), { timeout: 5_000 }).toBe(true);
      return frames.splice(0);
    },
    /** Resolves once the server has ended the stream. */
    ended: () => expect.poll(() => ended, { timeout: 5_000 }).toBe(true),
    close: () => res.destroy(),
  };
}

describe('GET /v1/events', () => {
  it('streams published events as Server-Sent Events', async () => {
    const stream = await subscribe(keyFor('supervisor'));
    expect(stream.res.statusCode).toBe(200);
    expect(stream.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(bus.size).toBe(1);

    bus.publish(partialEvent('agent', 'state', { id: 'a1', state: 'ready' }));
    bus.publish(partialEvent('queue', 'caller-queued', { callId: 'c1' }));
    const frames = await stream.until('queue.caller-queued');
    expect(frames).toEqual([
      {
        event: 'agent.state',
        data: { topic: 'agent', type: 'state', at: expect.any(Number), data: { id: 'a1', state: 'ready' } },
      },
      { event: 'queue.caller-queued', data: expect.objectContaining({ data: { callId: 'c1' } }) },
    ]);
    stream.close();
  });

  it('gives an agent key queue events and its own events only', async () => {
    api.store.agents.create({
      id: 'a1',
      name: 'Ann',
      teamId: null,
      role: 'agent',
      endpoint: 'PJSIP/1001',
      lineMode: 'per-call',
      inboundRole: 'none',
    });
    const stream = await subscribe(keyFor('agent', 'a1'));
    bus.publish(partialEvent('agent', 'state', { id: 'a2', state: 'ready' }));
    bus.publish(partialEvent('call', 'ended', { callId: 'c0', agentId: 'a2' }));
    bus.publish(partialEvent('agent', 'state', { id: 'a1', state: 'ready' }));
    bus.publish(partialEvent('call', 'ended', { callId: 'c1', agentId: 'a1' }));
    bus.publish(partialEvent('queue', 'caller-queued', { callId: 'c2' }));
    const frames = await stream.until('queue.caller-queued');
    expect(frames.map((f) => [f.event, f.data.data.id ?? f.data.data.callId])).toEqual([
      ['agent.state', 'a1'],
      ['call.ended', 'c1'],
      ['queue.caller-queued', 'c2'],
    ]);
    stream.close();
  });

  it('filters by topic, and refuses an unknown one', async () => {
    const stream = await subscribe(keyFor('team-leader'), '?topics=queue,call');
    bus.publish(partialEvent('agent', 'state', { id: 'a1' }));
    bus.publish(partialEvent('queue', 'caller-queued', { callId: 'c1' }));
    expect((await stream.until('queue.caller-queued')).map((f) => f.event)).toEqual(['queue.caller-queued']);
    stream.close();

    const bad = await api.app.inject({
      url: '/v1/events?topics=agent,weather',
      headers: bearer(api.adminKey),
    });
    expect(bad.statusCode).toBe(400);
    expect((await api.app.inject({ url: '/v1/events' })).statusCode).toBe(401);
  });

  it('streams the dialer, recording and IVR topics; an agent key gets only those about itself', async () => {
    api.store.agents.create({
      id: 'a1',
      name: 'Ann',
      teamId: null,
      role: 'agent',
      endpoint: 'PJSIP/1001',
      lineMode: 'persistent',
      inboundRole: 'primary',
    });
    const board = await subscribe(keyFor('supervisor'), '?topics=recording,ivr');
    const own = await subscribe(keyFor('agent', 'a1'));
    const now = () => 1_767_225_600_000;
    const dialer = new DialerNotifier(bus, now);
    const recording = new RecordingNotifier(bus, now);
    const ivr = new IvrNotifier(bus, now);
    ivr.entered({
      callId: 'c1',
      flow: 'main',
      version: 1,
      node: 'menu',
      callerMasked: '***',
      resumed: false,
    });
    dialer.dialing({ agentId: 'a2', attemptId: 'x2' });
    dialer.dialing({ agentId: 'a1', attemptId: 'x1' });
    recording.started({
      callId: 'c1',
      agentId: 'a2',
      direction: 'inbound',
      teamId: null,
      campaignId: null,
      recordings: 1,
    });
    recording.paused({ callId: 'c3', agentId: 'a1' });
    ivr.left({ callId: 'c1', flow: 'main', outcome: 'queue' });
    const frames = await board.until('ivr.left');
    expect(frames.map((f) => f.event)).toEqual([
      'ivr.entered',
      'recording.started',
      'recording.paused',
      'ivr.left',
    ]);
    expect(frames[0]!.data).toEqual({
      topic: 'ivr',
      type: 'entered',
      at: 1_767_225_600_000,
      data: { callId: 'c1', flow: 'main', version: 1, node: 'menu', callerMasked: '***', resumed: false },
    });
    expect(
      (await own.until('recording.paused')).map((f) => [
        f.event,
        f.data.data.attemptId ?? f.data.data.callId,
      ]),
    ).toEqual([
      ['dialer.dialing', 'x1'],
      ['recording.paused', 'c3'],
    ]);
    board.close();
    own.close();
  });

  it('gives an agent the SMS replies and single messages of its own leads only; the rest to supervisors', async () => {
    for (const id of ['a1', 'a2'])
      api.store.agents.create({
        id,
        name: id,
        teamId: null,
        role: 'agent',
        endpoint: `PJSIP/${id}`,
        lineMode: 'persistent',
        inboundRole: 'primary',
      });
    const board = await subscribe(keyFor('supervisor'), '?topics=sms');
    const own = await subscribe(keyFor('agent', 'a1'), '?topics=sms');
    const sms = new SmsNotifier(bus, Date.now);
    const reply = (text: string, agentIds: string[]) =>
      sms.inbound({ numberMasked: '*******8000', text, optOut: true, leadIds: ['l1'], agentIds });
    reply('a2 customer', ['a2']);
    reply('nobody’s customer', []);
    sms.message({
      id: 'm1',
      leadId: 'l1',
      numberMasked: '*******8000',
      state: 'delivered',
      error: null,
      agentIds: ['a1'],
    });
    reply('a1 customer', ['a1']);
    sms.campaign({ campaignId: 'c1', state: 'running' });
    const texts = (frames: Frame[]) =>
      frames.map((f) => `${f.event} ${f.data.data.text ?? f.data.data.id ?? ''}`);
    expect(texts(await own.until('sms.inbound'))).toEqual(['sms.message m1', 'sms.inbound a1 customer']);
    expect(texts(await board.until('sms.campaign'))).toEqual([
      'sms.inbound a2 customer',
      'sms.inbound nobody’s customer',
      'sms.message m1',
      'sms.inbound a1 customer',
      'sms.campaign ',
    ]);
    board.close();
    own.close();
  });

  it('frames an event exactly as before: `event: <topic>.<type>` and the event as JSON, fields in order', async () => {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      get(`${base}/v1/events?topics=call`, { headers: bearer(keyFor('supervisor')) }, resolve).on(
        'error',
        reject,
      );
    });
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
    });
    new HotlineNotifier(bus, () => 1_767_225_600_000).callEnded('c1', 'a1', 61_000);
    await expect
      .poll(() => text)
      .toBe(
        ': connected\n\n' +
          'event: call.ended\n' +
          'data: {"topic":"call","type":"ended","at":1767225600000,"data":{"callId":"c1","agentId":"a1","talkMs":61000}}\n\n',
      );
    res.destroy();
  });

  it('unsubscribes when the client goes away', async () => {
    const stream = await subscribe(keyFor('qa'));
    expect(bus.size).toBe(1);
    stream.close();
    await expect.poll(() => bus.size).toBe(0);
  });

  it('streams to a person signed in with the session cookie, and ends when the session is ended', async () => {
    api.store.agents.create({
      id: 'a1',
      name: 'Ann',
      teamId: null,
      role: 'agent',
      endpoint: 'PJSIP/1001',
      lineMode: 'per-call',
      inboundRole: 'none',
    });
    const password = 'stream-password-1';
    const account = await accounts.create(
      { username: 'ann', role: 'agent', agentId: 'a1', password, mustChangePassword: false },
      COMMAND_LINE,
    );
    const login = await api.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'ann', password },
    });
    const cookie = `cc_session=${login.cookies.find((c) => c.name === 'cc_session')!.value}`;

    // EventSource sends the cookie and no CSRF token: a GET needs none.
    const stream = await subscribe({ cookie });
    expect(stream.res.statusCode).toBe(200);
    bus.publish(partialEvent('agent', 'state', { id: 'a2', state: 'ready' }));
    bus.publish(partialEvent('agent', 'state', { id: 'a1', state: 'ready' }));
    // The agent person gets what an agent key gets: its own events.
    expect((await stream.until('agent.state')).map((f) => f.data.data.id)).toEqual(['a1']);

    accounts.endSessions(account.id, COMMAND_LINE);
    await stream.ended();
    await expect.poll(() => bus.size).toBe(0);
    const again = await subscribe({ cookie });
    expect(again.res.statusCode).toBe(401);
    again.close();
  });

  it("ends a key's open stream at once when the key is revoked or its agent deactivated", async () => {
    for (const id of ['a1', 'a2']) {
      api.store.agents.create({
        id,
        name: id,
        teamId: null,
        role: 'agent',
        endpoint: `PJSIP/${id}`,
        lineMode: 'per-call',
        inboundRole: 'none',
      });
    }
    const agentKey = keyFor('agent', 'a1');
    const otherKey = keyFor('agent', 'a2');
    const supervisorKey = api.store.apiKeys.create('wall board', 'supervisor');
    const streams = await Promise.all([
      subscribe(agentKey),
      subscribe(otherKey),
      subscribe(supervisorKey.key),
    ]);
    expect(streams.map((s) => s.res.statusCode)).toEqual([200, 200, 200]);

    const off = await api.app.inject({
      method: 'DELETE',
      url: '/v1/agents/a1',
      headers: bearer(api.adminKey),
    });
    expect(off.statusCode).toBe(204);
    await streams[0]!.ended();
    const revoked = await api.app.inject({
      method: 'DELETE',
      url: `/v1/keys/${supervisorKey.id}`,
      headers: bearer(api.adminKey),
    });
    expect(revoked.statusCode).toBe(204);
    await streams[2]!.ended();

    // The other agent's stream is untouched: it still gets its own events.
    bus.publish(partialEvent('agent', 'state', { id: 'a2', state: 'ready' }));
    expect((await streams[1]!.until('agent.state')).map((f) => f.data.data.id)).toEqual(['a2']);
    const again = await subscribe(agentKey);
    expect(again.res.statusCode).toBe(401);
    for (const stream of [again, streams[1]!]) stream.close();
  });

  it("gives a team leader its teams' agents' events only, QA the recordings of every team", async () => {
    const { teams, agents } = api.store;
    teams.create({ id: 'ta', name: 'A' });
    teams.create({ id: 'tb', name: 'B' });
    for (const [id, teamId] of [
      ['lead', 'ta'],
      ['a1', 'ta'],
      ['b1', 'tb'],
    ] as const) {
      agents.create({
        id,
        name: id,
        teamId,
        role: 'agent',
        endpoint: `PJSIP/${id}`,
        lineMode: 'per-call',
        inboundRole: 'primary',
      });
    }
    teams.update('ta', { leaderAgentId: 'lead' });
    await directory.reload();
    const leader = await subscribe(keyFor('team-leader', 'lead'));
    const qa = await subscribe(keyFor('qa'));
    const about = (agentId: string, teamId: string) => {
      bus.publish(partialEvent('agent', 'state', { id: agentId, teamId, state: 'ready' }));
      bus.publish(partialEvent('queue', 'caller-offered', { callId: `q-${agentId}`, agentId }));
      bus.publish(partialEvent('call', 'ended', { callId: `c-${agentId}`, agentId }));
      bus.publish(partialEvent('dialer', 'dialing', { agentId, attemptId: `x-${agentId}` }));
      bus.publish(partialEvent('recording', 'paused', { callId: `r-${agentId}`, agentId }));
    };
    about('b1', 'tb');
    about('a1', 'ta');
    bus.publish(partialEvent('call', 'transferred', { callId: 'c-t', agentId: 'b1', toAgentId: 'a1' }));
    bus.publish(partialEvent('recording', 'started', { callId: 'r-ivr', agentId: null, teamId: null }));
    bus.publish(partialEvent('ivr', 'left', { callId: 'i1' }));
    bus.publish(partialEvent('queue', 'caller-queued', { callId: 'q-end' }));
    const seen = (frames: Frame[]) =>
      frames.map((f) => `${f.event} ${f.data.data.id ?? f.data.data.attemptId ?? f.data.data.callId}`);
    expect(seen(await leader.until('queue.caller-queued'))).toEqual([
      'agent.state a1',
      'queue.caller-offered q-a1',
      'call.ended c-a1',
      'dialer.dialing x-a1',
      'recording.paused r-a1',
      // A transfer to the leader's team concerns it.
      'call.transferred c-t',
      'ivr.left i1',
      'queue.caller-queued q-end',
    ]);
    // QA hears every team's recordings (an IVR transfer's too), and no agent's live state.
    bus.publish(partialEvent('recording', 'ended', { callId: 'r-last', agentId: 'b1' }));
    expect(seen(await qa.until('recording.ended'))).toEqual([
      'recording.paused r-b1',
      'recording.paused r-a1',
      'recording.started r-ivr',
      'recording.ended r-last',
    ]);
    leader.close();
    qa.close();
  });

  it('ends open streams when the server closes', async () => {
    const stream = await subscribe(keyFor('admin'));
    await api.app.close();
    await stream.ended();
    expect(bus.size).toBe(0);
  });
});

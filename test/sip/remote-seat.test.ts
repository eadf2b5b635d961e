/**
 * A remote seat (lineKind remote) on the real PBX: the agent's line is any phone number, called through
 * the trunk (SIPp as the carrier's customer on 127.0.0.2 answers it). The person presses the accept key
 * (RFC 4733 in the RTP stream) to take the line; a phone that answers without it (a voicemail) is not
 * taken; the line dropping later makes the agent not ready, and the team leader's event stream says so.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { openEventStream } from '../harness/events.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { type RtpSegment, rtpPcap } from '../harness/rtp-pcap.js';
import { startTestService } from '../harness/service.js';
import { type Answer, CARRIER_IP, CARRIER_UAS_PORT, calleeScenario, Sipp } from '../harness/sipp.js';
import { agentApi } from '../inbound/helpers.js';
import { requireTestSip, rtpCounts, TEST_CARRIER_DIAL_STRING, takeSipTurn } from './helpers.js';

const REMOTE_NUMBER = '+8613812345678';
const ACCEPT_TIMEOUT_SEC = 4;
/** The person answers, hears the prompt, presses 1 after 2 s and talks (a 440 Hz tone). */
const PRESSES_1: RtpSegment[] = [
  { tone: 440, ms: 2_000 },
  { digit: '1', ms: 200 },
  { tone: 440, ms: 60_000 },
];

describe('a remote seat through the trunk (SIPp) on the real PBX', () => {
  let service: Service | undefined;
  let remotePhone: Sipp | undefined;
  const far = new FarEnd();

  let endTurn: (() => void) | undefined;
  beforeAll(async () => {
    endTurn = await takeSipTurn();
  }, 300_000);
  afterAll(() => endTurn?.());

  beforeEach(async () => {
    await requireTestSip();
    await far.connect();
  });

  afterEach(async () => {
    // The service first: it hangs the remote line up (keepLinesOnStop off), so no line outlives the file.
    await service?.stop();
    service = undefined;
    await remotePhone?.stop();
    remotePhone = undefined;
    // No trunk channel left for the next test's (or file's) carrier to meet: a re-INVITE the phone did not
    // answer keeps its channel up to 32 s.
    await eventually(
      async () => !(await far.rest.listChannels()).some((c) => c.name.startsWith('PJSIP/cc-test-carrier-')),
      'no trunk channel left',
      45_000,
    );
    await far.close();
  });

  /** The remote phone answering as `answer` says; a service with team t1: remote agent r1, leader l1. */
  async function remoteSeat(answer: Answer, segments: RtpSegment[]) {
    remotePhone = await Sipp.start({
      scenario: calleeScenario(answer),
      files: { 'remote.pcap': rtpPcap(segments) },
      localIp: CARRIER_IP,
      localPort: CARRIER_UAS_PORT,
    });
    const s = await startTestService({
      dialer: { dialString: TEST_CARRIER_DIAL_STRING, defaultCountry: 'CN' },
      agents: { remoteAcceptTimeoutSec: ACCEPT_TIMEOUT_SEC, keepLinesOnStop: false },
    });
    service = s;
    s.store.teams.create({ id: 't1', name: 'Team 1' });
    const admin = { authorization: `Bearer ${s.store.apiKeys.create('admin', 'admin').key}` };
    for (const seat of [
      { id: 'l1', name: 'Leader', teamId: 't1', role: 'team-leader', endpoint: 'Local/answer@sim' },
      // Written as a person would: national, with spaces; stored in E.164, always persistent.
      {
        id: 'r1',
        name: 'Remote',
        teamId: 't1',
        inboundRole: 'primary',
        lineKind: 'remote',
        remoteNumber: '138 1234 5678',
      },
    ]) {
      const res = await s.api.inject({ method: 'POST', url: '/v1/agents', headers: admin, payload: seat });
      expect(res.statusCode, res.body).toBe(201);
    }
    expect(s.store.agents.get('r1')).toMatchObject({ remoteNumber: REMOTE_NUMBER, lineMode: 'persistent' });
    return s;
  }

  const login = (s: Service) => agentApi(s, 'r1').post('/v1/agents/r1/state', { event: 'login' });

  it('a number that answers without pressing 1 (a voicemail): not taken, login refused, nothing left on the PBX', async () => {
    const s = await remoteSeat({ kind: 'answer', pcap: 'remote.pcap' }, [{ tone: 440, ms: 30_000 }]);
    const startedAt = Date.now();
    const res = await login(s);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error.code).toBe('REMOTE_NOT_ACCEPTED');
    expect(res.json().error.message).toMatch(/answered but nobody pressed 1 within 4 s/);
    expect(res.body).not.toContain('13812345678');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(ACCEPT_TIMEOUT_SEC * 1000);
    expect(s.agents.get('r1')).toMatchObject({ state: 'logged-out', lineUp: false });
    // The service hung up: the phone got its BYE, and no channel of this service is left.
    expect(await remotePhone!.done(10_000), remotePhone!.diagnostics()).toMatchObject({
      code: 0,
      successful: 1,
    });
    expect(remotePhone!.received('BYE')).toBeDefined();
    await eventually(
      async () =>
        !(await far.rest.listChannels()).some((c) =>
          c.dialplan?.app_data?.startsWith(`${s.config.ari.app},`),
        ),
      "no channel left in the service's application",
    );
  });

  it('the line drops mid-day (the phone hangs up): not ready with reason line-dropped, and the leader sees it', async () => {
    const s = await remoteSeat({ kind: 'answer', pcap: 'remote.pcap', talkMs: 8_000 }, PRESSES_1);
    const leaderKey = s.store.apiKeys.create('leader l1', 'team-leader', { agentId: 'l1' }).key;
    const stream = await openEventStream(s.url, leaderKey, '?topics=agent');
    try {
      expect((await login(s)).statusCode).toBe(200);
      expect((await agentApi(s, 'r1').post('/v1/agents/r1/state', { event: 'ready' })).statusCode).toBe(200);
      // The phone's BYE ends the line.
      expect(await remotePhone!.done(20_000), remotePhone!.diagnostics()).toMatchObject({
        code: 0,
        successful: 1,
      });
      await eventually(
        () => s.agents.get('r1')?.state === 'not-ready' && s.agents.get('r1')?.reason === 'line-dropped',
        'r1 not ready (line-dropped)',
      );
      const dropped = await eventually(
        () =>
          stream.frames.find(
            (f) =>
              f.data.type === 'state' && f.data.data.id === 'r1' && f.data.data.reason === 'line-dropped',
          ),
        "the leader's stream shows the drop",
      );
      expect(dropped.data.data).toMatchObject({
        lineKind: 'remote',
        lineUp: false,
        remoteNumberMasked: '**********5678',
      });
      expect(JSON.stringify(stream.frames)).not.toContain('13812345678');
    } finally {
      stream.close();
    }
  });
  it('the number answers and presses 1: the line is up with audio both ways, the agent logged in, a caller reaches them', async () => {
    const s = await remoteSeat({ kind: 'answer', pcap: 'remote.pcap' }, PRESSES_1);
    const res = await login(s);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      state: 'not-ready',
      lineKind: 'remote',
      lineUp: true,
      endpoint: null,
    });
    expect(res.json().remoteNumberMasked).toBe('**********5678');
    // The trunk dialed the number, E.164 digits as the dialer dials a customer.
    expect(remotePhone!.received('INVITE')?.startLine).toMatch(/^INVITE sip:8613812345678@127\.0\.0\.2/);
    expect((await agentApi(s, 'r1').post('/v1/agents/r1/state', { event: 'ready' })).statusCode).toBe(200);

    // Audio both ways on the remote line: the PBX received the phone's tone and sent it the prompt.
    const remoteLeg = (await far.rest.listChannels()).find((c) =>
      c.name.startsWith('PJSIP/cc-test-carrier-'),
    );
    expect(remoteLeg, "the remote line's trunk channel").toBeDefined();
    const counts = await rtpCounts(remoteLeg!.id);
    expect(counts?.rxcount, 'RTP received from the remote phone').toBeGreaterThan(50);
    expect(counts?.txcount, 'RTP sent to the remote phone').toBeGreaterThan(50);

    // A caller goes straight to the hotline queue and reaches r1 on the remote line at once. The trunk
    // sends the phone no connected-line re-INVITE with the caller's number (send_connected_line = no):
    // SIPp's callee scenario takes none, so one would drop the line (and leak the customer's number).
    const app = s.config.ari.app;
    s.catalog.put(
      {
        name: 'remote-hotline',
        numbers: ['4008001234'],
        start: 'q',
        nodes: { q: { type: 'queue', queue: 'hotline', fallback: 'bye' }, bye: { type: 'hangup' } },
      },
      'test',
    );
    const caller = await far.call('4008001234', app);
    await eventually(() => s.agents.get('r1')?.state === 'on-call', 'r1 on the call', 15_000);
    // The caller talks (a tone), so the PBX has audio to send the remote phone.
    await far.rest.playOnChannel(caller.callerId, ['tone:440'], `talk-${caller.callerId}`);
    // Audio both ways during the connected call: the counts go on rising, for 3 s, on the same channel
    // (the remote phone's own tone one way, the caller's the other).
    const before = await rtpCounts(remoteLeg!.id);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const during = await rtpCounts(remoteLeg!.id);
    expect(before && during, 'the remote line is still up in the call').toBeTruthy();
    expect(during!.rxcount - before!.rxcount, 'RTP from the remote phone in the call').toBeGreaterThan(100);
    expect(during!.txcount - before!.txcount, 'RTP to the remote phone in the call').toBeGreaterThan(100);
    expect(s.agents.get('r1')).toMatchObject({ state: 'on-call', lineUp: true });
    const invites = remotePhone!
      .messages()
      .filter((m) => m.direction === 'received' && m.startLine.startsWith('INVITE '));
    expect(invites, 'one INVITE (no re-INVITE) reached the remote phone').toHaveLength(1);
    await far.hangup(caller.callerId);
    // The line stays up across calls.
    await eventually(() => s.agents.get('r1')?.state === 'wrap-up', 'r1 in wrap-up');
    expect(s.agents.get('r1')?.lineUp).toBe(true);
  });
});

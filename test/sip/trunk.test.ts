/**
 * The carrier trunk in real SIP: SIPp is the carrier on 127.0.0.2, the PBX's trunk is
 * docs/operations.md's template (test/pbx/pjsip_test.conf; test/unit/sip-templates.test.ts checks it).
 * The dialer's calls go out through the documented [to-customers] context; the carrier's calls come in
 * through the documented [from-carrier]. One file: the carrier's UAS port (the trunk's contact) is one.
 * This file owns phone 57 (test/pbx/pjsip_test.conf).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { addLeads, settings, supervisorApi } from '../dialer/helpers.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { rtpPcap } from '../harness/rtp-pcap.js';
import { startTestService } from '../harness/service.js';
import {
  type Answer,
  CARRIER_IP,
  CARRIER_UAS_PORT,
  calleeScenario,
  callerScenario,
  PBX_SIP,
  PHONE_IP,
  phone,
  Sipp,
} from '../harness/sipp.js';
import { addAgent, agentApi, loginReady } from '../inbound/helpers.js';
import { installFlow } from '../ivr/helpers.js';
import { carrierCallInto, requireTestSip, TEST_CARRIER_DIAL_STRING, takeSipTurn } from './helpers.js';

const CAMPAIGN_CALLER_ID = '+493011112222';
const QUICK_DIAL = {
  previewSec: 1,
  onPreviewTimeout: 'dial' as const,
  noAnswerSec: 3,
  maxConcurrent: 5,
  maxPerAgentHour: 100,
  dailyCap: 100,
};
/** A number the test carrier answers for (any digits: SIPp takes every INVITE). */
let serial = 1000 + Math.floor(Math.random() * 8000);
const customerNumber = () => `+49305550${serial++}`;

describe('the carrier trunk (SIPp) on the real PBX', () => {
  let service: Service | undefined;
  let carrier: Sipp | undefined;
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
    await carrier?.stop();
    carrier = undefined;
    await service?.stop();
    service = undefined;
    await far.close();
  });

  /** The carrier answering the dialer's calls as `answer` says, a service with one ready agent. */
  async function dialerWithCarrier(
    answer: Answer,
    campaign: Parameters<typeof settings>[0] = {},
    agentEndpoint?: string,
  ) {
    carrier = await Sipp.start({
      scenario: calleeScenario(answer),
      files: { 'customer.pcap': rtpPcap([{ tone: 600, ms: 15_000 }]) },
      localIp: CARRIER_IP,
      localPort: CARRIER_UAS_PORT,
    });
    service = await startTestService({ dialer: { trunkChannels: 10, dialString: TEST_CARRIER_DIAL_STRING } });
    service.store.teams.create({ id: 't1', name: 'Team 1' });
    await addAgent(service, { id: 'a1', inboundRole: 'none', teamId: 't1', endpoint: agentEndpoint });
    const sup = supervisorApi(service);
    const created = await sup.post('/v1/campaigns', {
      id: 'c1',
      name: 'Campaign',
      settings: settings({ callerId: CAMPAIGN_CALLER_ID, pacing: QUICK_DIAL, ...campaign }),
    });
    expect(created.statusCode, created.body).toBe(201);
    expect((await sup.post('/v1/campaigns/c1/state', { state: 'active' })).statusCode).toBe(200);
    const phone = customerNumber();
    const [leadId] = addLeads(service.store, 'c1', [phone]);
    await loginReady(service, 'a1');
    return { service, phone, leadId: leadId! };
  }

  it("the carrier receives the campaign's caller ID in From and P-Asserted-Identity", async () => {
    const {
      service: s,
      phone,
      leadId,
    } = await dialerWithCarrier({
      kind: 'answer',
      pcap: 'customer.pcap',
      ringMs: 500,
      talkMs: 2_000,
    });
    const result = await carrier!.done(30_000);
    expect(result, carrier!.diagnostics()).toMatchObject({ code: 0, successful: 1 });
    const invite = carrier!.received('INVITE');
    expect(invite, 'the INVITE the carrier received').toBeDefined();
    // The customer's number as dialed (E.164 digits), the campaign's caller ID as the caller.
    expect(invite!.startLine).toMatch(new RegExp(`^INVITE sip:${phone.slice(1)}@${CARRIER_IP}`));
    expect(invite!.header('From')).toMatch(new RegExp(`^<sip:\\${CAMPAIGN_CALLER_ID}@`));
    expect(invite!.header('P-Asserted-Identity')).toMatch(new RegExp(`<sip:\\${CAMPAIGN_CALLER_ID}@`));
    // The call was the dialer's: answered, connected to the agent.
    const attempt = await eventually(
      () => s.store.attempts.forLead(leadId).find((a) => a.answeredAt),
      'attempt answered',
    );
    expect(attempt?.answeredAt).toBeTruthy();
  });

  const refusals: [string, Answer, string, number][] = [
    ['486 Busy Here', { kind: 'busy' }, 'busy', 10],
    ['no answer (rings until the dialer gives up)', { kind: 'no-answer' }, 'no-answer', 60],
    ['503 Service Unavailable', { kind: 'unavailable' }, 'congestion', 5],
  ];
  for (const [what, answer, outcome, retryMin] of refusals) {
    it(`${what}: recorded as ${outcome} and retried after ${retryMin} min`, async () => {
      const startedAt = Date.now();
      const { service: s, leadId } = await dialerWithCarrier(answer, {
        retry: { busy: { afterMin: 10 }, 'no-answer': { afterMin: 60 }, congestion: { afterMin: 5 } },
      });
      const result = await carrier!.done(30_000);
      expect(result, carrier!.diagnostics()).toMatchObject({ code: 0, successful: 1 });
      expect(carrier!.received('INVITE')?.header('From')).toMatch(
        new RegExp(`^<sip:\\${CAMPAIGN_CALLER_ID}@`),
      );
      const lead = await eventually(
        () => {
          const l = s.store.leads.get(leadId);
          return l?.state === 'retry' ? l : undefined;
        },
        'lead scheduled for retry',
        20_000,
      );
      expect(lead).toMatchObject({ lastOutcome: outcome, attempts: 1 });
      expect(Math.round((lead.dueAt! - startedAt) / 60_000)).toBe(retryMin);
      // Nothing is left on the PBX and the agent is free again.
      await eventually(() => s.agents.get('a1')?.state === 'ready', 'agent ready again');
      await eventually(
        async () => !(await far.rest.listChannels()).some((c) => c.name.startsWith('PJSIP/cc-test-carrier')),
        'no trunk channel left',
      );
    });
  }

  it("an agent's SIP phone hangs up mid-call: the customer is hung up, the attempt is kept, the outcome still owed", async () => {
    // a1's phone answers the line at login and hangs it up 10 s later, with the customer on the call.
    const agentPhone = phone(57);
    const phoneParty = await Sipp.start({
      scenario: calleeScenario({ kind: 'answer', pcap: 'agent.pcap', talkMs: 10_000 }),
      files: { 'agent.pcap': rtpPcap([{ tone: 440, ms: 30_000 }]) },
      localIp: PHONE_IP,
      localPort: agentPhone.port,
    });
    try {
      const { service: s, leadId } = await dialerWithCarrier(
        { kind: 'answer', pcap: 'customer.pcap', ringMs: 500 },
        {},
        agentPhone.endpoint,
      );
      const answered = await eventually(
        () => s.store.attempts.forLead(leadId).find((a) => a.answeredAt),
        'the customer answered',
        15_000,
      );
      await eventually(() => s.agents.get('a1')?.state === 'on-call', 'a1 on the call');
      expect(phoneParty.running, 'the phone hung up before the customer was connected').toBe(true);

      // The phone's BYE drops the line; the service hangs the customer up (the carrier gets a BYE).
      expect(await phoneParty.done(20_000), phoneParty.diagnostics()).toMatchObject({
        code: 0,
        successful: 1,
      });
      expect(await carrier!.done(10_000), carrier!.diagnostics()).toMatchObject({ code: 0, successful: 1 });
      expect(carrier!.received('BYE'), 'the BYE the carrier received').toBeDefined();
      // The agent is not ready (line dropped), as docs/hotline.md's agent table says; the attempt is
      // kept as answered and ended, its outcome owed, and the agent can still give it.
      await eventually(
        () => s.agents.get('a1')?.state === 'not-ready' && s.agents.get('a1')?.reason === 'line-dropped',
        'a1 not ready (line-dropped)',
      );
      const ended = await eventually(() => {
        const a = s.store.attempts.get(answered.id);
        return a?.state === 'ended' ? a : undefined;
      }, 'the attempt ended');
      expect(ended.answeredAt).toBeTruthy();
      expect(ended.endedAt).toBeGreaterThanOrEqual(ended.answeredAt!);
      const res = await agentApi(s, 'a1').post('/v1/agents/a1/disposition', {
        code: 'not-interested',
        attemptId: answered.id,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(s.store.attempts.get(answered.id)).toMatchObject({
        state: 'disposed',
        disposition: 'not-interested',
      });
      expect(s.store.leads.get(leadId)).toMatchObject({ state: 'done' });
      await eventually(
        async () =>
          !(await far.rest.listChannels()).some(
            (c) =>
              // (Other tests' carrier calls may be up: this campaign's are told by its caller ID.)
              (c.name.startsWith('PJSIP/cc-test-carrier') && c.caller.number === CAMPAIGN_CALLER_ID) ||
              c.name.startsWith(`${agentPhone.endpoint}-`),
          ),
        'no trunk or phone channel of this call left',
      );
    } finally {
      await phoneParty.stop();
    }
  });

  it("a caller's number reaches the service as the carrier sent it (From, or P-Asserted-Identity)", async () => {
    service = await startTestService();
    installFlow(service, {
      name: 'in',
      numbers: ['4008001234'],
      start: 'wait',
      nodes: { wait: { type: 'play', prompts: ['sound:silence/10'], next: 'bye' }, bye: { type: 'hangup' } },
    });
    const app = service.config.ari.app;
    const callers: { from: string; headers: Record<string, string>; expected: string }[] = [
      { from: '<sip:+8613812345678@carrier.test>', headers: {}, expected: '+8613812345678' },
      // A caller who hides the number: From is anonymous, the carrier asserts the number in PAI.
      {
        from: '"Anonymous" <sip:anonymous@anonymous.invalid>',
        headers: { 'P-Asserted-Identity': '<sip:+8613987654321@carrier.test>', Privacy: 'id' },
        expected: '+8613987654321',
      },
    ];
    for (const caller of callers) {
      const sipp = await Sipp.start({
        scenario: callerScenario({
          dnis: '+4008001234',
          from: caller.from,
          headers: { 'X-CC-App': app, ...caller.headers },
          pcap: 'caller.pcap',
          talkMs: 3_000,
        }),
        files: { 'caller.pcap': rtpPcap([{ tone: 500, ms: 4_000 }]) },
        localIp: CARRIER_IP,
        remote: PBX_SIP,
      });
      try {
        // The service's own view of the call: the channel it answered, as ARI hands it over.
        const channel = await eventually(async () => carrierCallInto(app), 'the carrier call on the PBX');
        expect(channel.caller.number).toBe(caller.expected);
        const result = await sipp.done(20_000);
        expect(result, sipp.diagnostics()).toMatchObject({ code: 0, successful: 1 });
      } finally {
        await sipp.stop();
      }
    }
  });
});

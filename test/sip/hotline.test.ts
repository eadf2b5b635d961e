/**
 * A caller in real SIP from the carrier (SIPp on 127.0.0.2) through the IVR (an RFC 4733 digit) and the
 * hotline queue to an agent's SIP phone (SIPp on 127.0.0.3), with G.711 RTP both ways and the call
 * recorded. This file owns phones 1 to 3 (test/pbx/pjsip_test.conf).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseWav } from '../../src/lib/wav.js';
import type { Service } from '../../src/service.js';
import { rms } from '../harness/audio.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { rtpPcap } from '../harness/rtp-pcap.js';
import { startTestService } from '../harness/service.js';
import {
  CARRIER_IP,
  calleeScenario,
  callerScenario,
  PBX_SIP,
  PHONE_IP,
  phone,
  Sipp,
  withSipp,
} from '../harness/sipp.js';
import { addAgent, hotlineRecord, loginReady } from '../inbound/helpers.js';
import { carrierCallInto, requireTestSip, rtpCounts, takeSipTurn } from './helpers.js';

/** Press 1 for the hotline; nothing else gets anywhere. */
const MENU_FLOW = {
  name: 'sip-hotline',
  numbers: ['4008001234'],
  start: 'menu',
  nodes: {
    menu: {
      type: 'menu',
      prompts: ['sound:silence/10'],
      options: { '1': 'q' },
      timeoutMs: 5_000,
      retries: 0,
      fallback: 'bye',
    },
    q: { type: 'queue', queue: 'hotline', fallback: 'bye' },
    bye: { type: 'hangup' },
  },
};

const TALK_MS = 8_000;

describe('hotline call in real SIP: carrier → IVR → agent phone', () => {
  let service: Service | undefined;
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
    await service?.stop();
    service = undefined;
    await far.close();
  });

  it('a DTMF digit reaches the IVR, the caller is bridged to the SIP phone with audio both ways, the recording is not silent', async () => {
    const agentPhone = phone(1);
    await withSipp(
      [
        {
          // The agent's phone: answers the line at login and talks (a 440 Hz tone) until the service hangs up.
          scenario: calleeScenario({ kind: 'answer', pcap: 'agent.pcap' }),
          files: { 'agent.pcap': rtpPcap([{ tone: 440, ms: 60_000 }]) },
          localIp: PHONE_IP,
          localPort: agentPhone.port,
        },
      ],
      async ([phoneParty]) => {
        service = await startTestService({ recording: { layout: 'split' } });
        service.catalog.put(MENU_FLOW, 'test');
        await addAgent(service, { id: 'a1', inboundRole: 'primary', endpoint: agentPhone.endpoint });
        await loginReady(service, 'a1');
        const app = service.config.ari.app;

        // The caller talks (600 Hz), presses 1 after 1.5 s (RFC 4733 in the same RTP stream), talks on.
        const caller = await Sipp.start({
          scenario: callerScenario({
            dnis: '4008001234',
            from: '<sip:+8613812345678@carrier.test>',
            headers: { 'X-CC-App': app },
            pcap: 'caller.pcap',
            talkMs: TALK_MS,
          }),
          files: {
            'caller.pcap': rtpPcap([
              { tone: 600, ms: 1_500 },
              { digit: '1', ms: 200 },
              { tone: 600, ms: TALK_MS },
            ]),
          },
          localIp: CARRIER_IP,
          remote: PBX_SIP,
        });
        try {
          const callerChannel = await eventually(
            async () => carrierCallInto(app),
            'the carrier call on the PBX',
          );
          const lineChannel = (await far.rest.listChannels()).find((c) =>
            c.name.startsWith(`${agentPhone.endpoint}-`),
          );
          expect(lineChannel, "the agent's line to the SIP phone").toBeDefined();
          // The digit took the caller to the queue and the agent answered: the hotline record says so.
          const record = await hotlineRecord(service, callerChannel.id, (r) => r.answeredAt !== null, 15_000);
          expect(record.agentId).toBe('a1');
          // Audio both ways while they talk: the PBX receives RTP from both and sends RTP to both.
          await new Promise((r) => setTimeout(r, 3_000));
          for (const channel of [callerChannel, lineChannel!]) {
            const counts = await rtpCounts(channel.id);
            expect(counts?.rxcount, `${channel.name} RTP received`).toBeGreaterThan(100);
            expect(counts?.txcount, `${channel.name} RTP sent`).toBeGreaterThan(100);
          }
          const result = await caller.done(30_000);
          expect(result, caller.diagnostics()).toMatchObject({ code: 0, successful: 1 });
        } finally {
          await caller.stop();
        }

        // The recording: mixed, agent's and caller's sides each hold audio, not silence.
        const rows = await eventually(
          () => {
            const all = service!.store.db
              .prepare('SELECT layout, status, file_path AS filePath FROM recordings')
              .all() as { layout: string; status: string; filePath: string | null }[];
            return all.length >= 3 && all.every((r) => r.status === 'stored') ? all : undefined;
          },
          'recordings stored',
          30_000,
        );
        for (const row of rows) {
          const wav = parseWav(readFileSync(resolve(service.config.storage.dir, row.filePath!)));
          expect(rms(wav.samples), `${row.layout} recording level`).toBeGreaterThan(0.02);
        }
        expect(phoneParty!.received('INVITE')?.startLine).toMatch(/^INVITE sip:cc-test-phone-1@127\.0\.0\.3/);
      },
    );
  });

  it("an agent's phone hangs up mid-call: the caller stays up and overflows to a second SIP phone", async () => {
    const [first, second] = [phone(2), phone(3)];
    const tone = { 'agent.pcap': rtpPcap([{ tone: 440, ms: 60_000 }]) };
    await withSipp(
      [
        // a1's phone answers the line at login and hangs it up 6 s later, in the middle of the call.
        {
          scenario: calleeScenario({ kind: 'answer', pcap: 'agent.pcap', talkMs: 6_000 }),
          files: tone,
          localIp: PHONE_IP,
          localPort: first.port,
        },
        {
          scenario: calleeScenario({ kind: 'answer', pcap: 'agent.pcap' }),
          files: tone,
          localIp: PHONE_IP,
          localPort: second.port,
        },
      ],
      async ([firstParty]) => {
        service = await startTestService();
        service.catalog.put({ ...MENU_FLOW, start: 'q' }, 'test');
        await addAgent(service, { id: 'a1', inboundRole: 'primary', endpoint: first.endpoint });
        await addAgent(service, { id: 'a2', inboundRole: 'overflow', endpoint: second.endpoint });
        await loginReady(service, 'a1');
        const caller = await Sipp.start({
          scenario: callerScenario({
            dnis: '4008001234',
            from: '<sip:+8613812345678@carrier.test>',
            headers: { 'X-CC-App': service.config.ari.app },
            pcap: 'caller.pcap',
          }),
          files: { 'caller.pcap': rtpPcap([{ tone: 600, ms: 30_000 }]) },
          localIp: CARRIER_IP,
          remote: PBX_SIP,
        });
        try {
          const callerChannel = await eventually(
            async () => carrierCallInto(service!.config.ari.app),
            'the carrier call on the PBX',
          );
          await hotlineRecord(service, callerChannel.id, (r) => r.agentId === 'a1' && r.answeredAt !== null);
          await loginReady(service, 'a2');
          // a1's phone sends its BYE; the caller is not dropped but put through to a2's phone.
          const result = await firstParty!.done(20_000);
          expect(result, firstParty!.diagnostics()).toMatchObject({ code: 0, successful: 1 });
          await eventually(() => service?.agents.get('a2')?.state === 'on-call', 'a2 on the call', 15_000);
          const secondLine = (await far.rest.listChannels()).find((c) =>
            c.name.startsWith(`${second.endpoint}-`),
          );
          expect(secondLine, "a2's line").toBeDefined();
          expect((await far.rest.getChannel(callerChannel.id)).state).toBe('Up');
          await new Promise((r) => setTimeout(r, 2_000));
          for (const channel of [callerChannel, secondLine!]) {
            const counts = await rtpCounts(channel.id);
            expect(counts?.rxcount, `${channel.name} RTP received`).toBeGreaterThan(50);
            expect(counts?.txcount, `${channel.name} RTP sent`).toBeGreaterThan(50);
          }
        } finally {
          await caller.stop();
        }
      },
    );
  });

  it('9 SIP callers on the 8 IVR lines: 8 in the IVR, the 9th overflows (announcement, then hung up)', async () => {
    service = await startTestService({
      ivr: { lines: 8, overflow: { mode: 'busy', prompts: ['sound:beep'] } },
    });
    service.catalog.put(
      { ...MENU_FLOW, nodes: { ...MENU_FLOW.nodes, menu: { ...MENU_FLOW.nodes.menu, timeoutMs: 20_000 } } },
      'test',
    );
    // Nine calls at once; each waits for the PBX to hang up (only the overflowed one is, within the test).
    const callers = await Sipp.start({
      scenario: callerScenario({
        dnis: '4008001234',
        from: '<sip:+8613812345678@carrier.test>',
        headers: { 'X-CC-App': service.config.ari.app },
        pcap: 'caller.pcap',
      }),
      files: { 'caller.pcap': rtpPcap([{ tone: 600, ms: 20_000 }]) },
      localIp: CARRIER_IP,
      remote: PBX_SIP,
      calls: 9,
      rate: 20,
    });
    try {
      const s = service;
      await eventually(() => callers.stats().successful === 1, 'one caller hung up by the PBX', 20_000);
      await eventually(() => s.ivr.snapshot().lines.inUse === 8, 'eight lines in use');
      expect(s.ivr.snapshot().sessions).toHaveLength(8);
      const overflowed = callers
        .messages()
        .filter((m) => m.direction === 'received' && m.startLine.startsWith('BYE '));
      expect(overflowed).toHaveLength(1);
      const today = s.store.ivrStats.forDay(
        new Intl.DateTimeFormat('en-CA', { timeZone: s.config.ivr.timezone }).format(new Date()),
      );
      expect(today.overflowed).toBe(1);
    } finally {
      await callers.stop();
    }
  });
});

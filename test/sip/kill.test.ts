/**
 * SIGKILL of the service during recorded SIP calls: five callers from the carrier (SIPp on 127.0.0.2)
 * talk to five agents' SIP phones (SIPp on 127.0.0.3) with G.711 RTP both ways when the service is
 * killed and started again. The calls survive, the carrier hangs up, and every recording (the part
 * before the restart and the part after) is stored within 10 s, not silent, nothing left on the PBX.
 * This file owns phones 4 to 8 (test/pbx/pjsip_test.conf).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FlowCatalog } from '../../src/ivr/catalog.js';
import { bestEffort } from '../../src/lib/best-effort.js';
import { parseWav } from '../../src/lib/wav.js';
import type { RecordingRecord } from '../../src/store/recordings.js';
import { rms } from '../harness/audio.js';
import { eventually } from '../harness/infra.js';
import type { ServiceProcess } from '../harness/process.js';
import { httpApi, loginReady, processFixture, seatAgent } from '../harness/process-fixture.js';
import {
  expectNoneFinalizedWhileLive,
  expectRecordingsGoneFromPbx,
  firstParts,
  secondParts as waitForSecondParts,
} from '../harness/reattached-recordings.js';
import { rtpPcap } from '../harness/rtp-pcap.js';
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
import { HOTLINE_FLOW } from '../inbound/helpers.js';
import { requireTestSip, rtpCounts, takeSipTurn } from './helpers.js';

const PHONES = [4, 5, 6, 7, 8].map(phone);
/** From the carrier's answer to its BYE: long enough for the kill, the restart and the checks after it. */
const TALK_MS = 35_000;
const STORED_WITHIN_MS = 10_000;
const log = pino({ level: 'warn' });
/** The callers' numbers tell this test's carrier calls from other tests' on the PBX. */
const callerNumber = (i: number) => `+86138000${process.pid % 1000}${String(i).padStart(3, '0')}`;

describe('SIGKILL of the service during recorded SIP calls', () => {
  const fx = processFixture();
  const { far } = fx;
  let proc: ServiceProcess | undefined;

  let endTurn: (() => void) | undefined;
  beforeAll(async () => {
    endTurn = await takeSipTurn();
  }, 300_000);
  afterAll(() => endTurn?.());

  beforeEach(async () => {
    await requireTestSip();
    proc = undefined;
  });

  it('the calls survive the restart and every recording is stored within 10 s of the hang-up', async () => {
    const tone = (hz: number) => rtpPcap([{ tone: hz, ms: TALK_MS + 30_000 }]);
    // The agents' phones answer their lines at login and talk (440 Hz) until the service hangs up.
    const phoneParties = PHONES.map((p) => ({
      scenario: calleeScenario({ kind: 'answer', pcap: 'agent.pcap' }),
      files: { 'agent.pcap': tone(440) },
      localIp: PHONE_IP,
      localPort: p.port,
      timeoutSec: 180,
    }));
    await withSipp(phoneParties, async (phones) => {
      // A long finalize backoff: a recording whose finalizing waits for a retry instead of running at the
      // hang-up is stored well after the 10 s below (before finding 2's fix, the reconcile at start queued
      // the live second parts, whose jobs backed off while the call was up).
      const config = await fx.config({
        agents: { wrapUpSec: 1 },
        hotline: { overflowAfterSec: 0, maxWaitSec: 600, announceEverySec: 600 },
        recording: { finalize: { attempts: 10, backoffMs: 20_000 } },
      });
      const db = fx.store(config);
      new FlowCatalog(db, { logger: pino({ level: 'silent' }) }).put(HOTLINE_FLOW, 'test');
      const agentIds = PHONES.map((_, i) => `sip-k${i}`);
      agentIds.forEach((id, i) => {
        seatAgent(db, { id, inboundRole: 'primary', endpoint: PHONES[i]!.endpoint });
      });
      proc = await fx.start(config);
      await loginReady(() => proc, db, agentIds).catch((err: Error) => {
        throw new Error(`${err.message}\n${phones.map((p) => p.diagnostics()).join('\n')}`);
      });

      // Five callers at once from the carrier, each talking (600 Hz) and hanging up after TALK_MS.
      const callers = await Promise.all(
        PHONES.map((_, i) =>
          Sipp.start({
            scenario: callerScenario({
              dnis: HOTLINE_FLOW.numbers[0]!,
              from: `<sip:${callerNumber(i)}@carrier.test>`,
              headers: { 'X-CC-App': config.ari.app },
              pcap: 'caller.pcap',
              talkMs: TALK_MS,
            }),
            files: { 'caller.pcap': tone(600) },
            localIp: CARRIER_IP,
            remote: PBX_SIP,
            timeoutSec: 180,
          }),
        ),
      );
      const numbers = PHONES.map((_, i) => callerNumber(i));
      try {
        const callIds = await eventually(
          () => {
            const rows = db.hotlineCalls.forDay(0, Date.now() + 1e9).filter((r) => r.answeredAt !== null);
            return rows.length === PHONES.length ? rows.map((r) => r.callId) : undefined;
          },
          'every caller connected to a SIP phone',
          15_000,
        );
        await eventually(
          () => callIds.every((id) => db.recordings.byCall(id).some((r) => r.status === 'recording')),
          'every call recording',
        );
        await new Promise((r) => setTimeout(r, 2_000));

        const first = firstParts(db, callIds);
        expect(await proc.kill('SIGKILL')).toBe(null);
        proc = await fx.start(config);

        // The SIP dialogs are still up: every SIPp is in its call, every channel on the PBX, with RTP.
        for (const party of [...callers, ...phones])
          expect({ running: party.running, ...party.stats() }, party.diagnostics()).toEqual({
            running: true,
            successful: 0,
            failed: 0,
          });
        const sipChannels = (await far.rest.listChannels()).filter(
          (c) =>
            (c.name.startsWith('PJSIP/cc-test-carrier-') && numbers.includes(c.caller.number)) ||
            PHONES.some((p) => c.name.startsWith(`${p.endpoint}-`)),
        );
        expect(sipChannels.map((c) => c.state)).toEqual(Array(2 * PHONES.length).fill('Up'));
        const before = await Promise.all(sipChannels.map((c) => rtpCounts(c.id)));

        // Re-attached, each call records its rest; none is finalized while it is still being written.
        const secondParts = await waitForSecondParts(db, callIds, first);
        await expectNoneFinalizedWhileLive(db, callIds, secondParts, 3_000);
        // Audio still flows both ways on every SIP leg after the restart.
        const after = await Promise.all(sipChannels.map((c) => rtpCounts(c.id)));
        sipChannels.forEach((c, i) => {
          expect(after[i]!.rxcount - before[i]!.rxcount, `${c.name} RTP received`).toBeGreaterThan(50);
          expect(after[i]!.txcount - before[i]!.txcount, `${c.name} RTP sent`).toBeGreaterThan(50);
        });
        expect(
          callers.every((c) => c.running),
          'the restart and the checks took longer than the talk',
        ).toBe(true);

        // The carrier hangs up (BYE from SIPp). The first caller's SIPp exiting (its BYE answered) is the
        // earliest hang-up: every recording stored within 10 s of it is within 10 s of its own.
        const results = await Promise.all(callers.map((c) => c.done(TALK_MS + 30_000)));
        for (const [i, result] of results.entries())
          expect(result, callers[i]!.diagnostics()).toMatchObject({ code: 0, successful: 1, failed: 0 });
        const firstHangUp = Math.min(...callers.map((c) => c.exitedAt ?? Number.POSITIVE_INFINITY));
        const all = (): RecordingRecord[] => callIds.flatMap((id) => db.recordings.byCall(id));
        const rows = await eventually(
          () => (all().every((r) => r.status === 'stored') ? all() : undefined),
          'every recording stored',
          STORED_WITHIN_MS + 2_000,
        ).catch((err: Error) => {
          throw new Error(`${err.message}: ${JSON.stringify(all().map((r) => [r.name, r.status, r.error]))}`);
        });
        expect(rows).toHaveLength(2 * PHONES.length);
        expect(
          Math.max(...rows.map((r) => r.storedAt ?? Number.POSITIVE_INFINITY)) - firstHangUp,
        ).toBeLessThan(STORED_WITHIN_MS);
        for (const row of rows) {
          const wav = parseWav(readFileSync(resolve(config.storage.dir, row.filePath ?? '')));
          expect(rms(wav.samples), `${row.name} level`).toBeGreaterThan(0.02);
        }

        // The agents log out: their lines end, the phones get their BYE, nothing is left on the PBX.
        for (const id of agentIds) {
          const api = httpApi(() => proc, db.apiKeys.create(id, 'agent', { agentId: id }).key);
          await eventually(
            async () => (await api('POST', `/v1/agents/${id}/state`, { event: 'logout' })).status === 200,
            `${id} logged out`,
          );
        }
        for (const party of phones)
          expect(await party.done(15_000), party.diagnostics()).toMatchObject({ code: 0, successful: 1 });
        // (Other tests may have carrier calls up meanwhile: these calls' channels are known by id.)
        const ours = new Set(sipChannels.map((c) => c.id));
        const left = async () => [
          ...(await far.rest.listChannels())
            .filter((c) => c.id.startsWith(config.ari.app) || ours.has(c.id))
            .map((c) => `channel ${c.name}`),
          ...(await far.rest.listBridges())
            .filter((b) => b.id.startsWith(`${config.ari.app}-`))
            .map((b) => `bridge ${b.name || b.id}`),
        ];
        await eventually(
          async () => (await left()).length === 0,
          'no channel or bridge of the calls left',
        ).catch(async (err: Error) => {
          throw new Error(`${err.message}: ${(await left()).join(', ')}`);
        });
        await expectRecordingsGoneFromPbx(
          far.rest,
          rows.map((r) => r.name),
        );
      } finally {
        await Promise.all(callers.map((c) => c.stop()));
        // A SIPp stopped mid-call sends no BYE: a failed run's carrier legs are hung up here.
        const carrierLegs = (await far.rest.listChannels()).filter(
          (c) => c.name.startsWith('PJSIP/cc-test-carrier-') && numbers.includes(c.caller.number),
        );
        await Promise.all(
          carrierLegs.map((c) => bestEffort(far.rest.hangup(c.id), log, 'hang up a carrier leg')),
        );
      }
    });
  }, 150_000);
});

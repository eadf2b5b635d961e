import { existsSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FlowCatalog } from '../../src/ivr/catalog.js';
import { eventually } from '../harness/infra.js';
import type { ServiceProcess } from '../harness/process.js';
import { loginReady, processFixture, seatAgent } from '../harness/process-fixture.js';
import {
  expectNoneFinalizedWhileLive,
  expectRecordingsGoneFromPbx,
  firstParts,
  secondParts as waitForSecondParts,
} from '../harness/reattached-recordings.js';
import { HOTLINE_FLOW } from '../inbound/helpers.js';

const CALLS = 5;

describe('recordings of hotline calls re-attached after a SIGKILL of the service', () => {
  const fx = processFixture();
  const { far } = fx;
  let proc: ServiceProcess | undefined;

  it('the part recorded after the restart is never finalized while live, and is stored at once at hang-up', async () => {
    // Few, quick retries: a live recording queued at start would be marked failed within about a second.
    const config = await fx.config({
      agents: { wrapUpSec: 1 },
      hotline: { overflowAfterSec: 0, maxWaitSec: 600, announceEverySec: 600 },
      recording: { finalize: { attempts: 3, backoffMs: 300 } },
    });
    const db = fx.store(config);
    new FlowCatalog(db, { logger: pino({ level: 'silent' }) }).put(HOTLINE_FLOW, 'test');
    const agentIds = Array.from({ length: CALLS }, (_, i) => `p${i}`);
    for (const id of agentIds) seatAgent(db, { id, inboundRole: 'primary' });
    proc = await fx.start(config);
    await loginReady(() => proc, db, agentIds);

    const callers: string[] = [];
    for (let i = 0; i < CALLS; i++) callers.push((await far.call('400', config.ari.app)).callerId);
    const callIds = await eventually(() => {
      const rows = db.hotlineCalls.forDay(0, Date.now() + 1e9).filter((r) => r.answeredAt !== null);
      return rows.length === CALLS ? rows.map((r) => r.callId) : undefined;
    }, 'every caller connected');
    await eventually(
      () => callIds.every((id) => db.recordings.byCall(id).some((r) => r.status === 'recording')),
      'every call recording',
    );
    await new Promise((r) => setTimeout(r, 1_000));

    const first = firstParts(db, callIds);
    expect(await proc.kill('SIGKILL')).toBe(null);
    proc = await fx.start(config);

    // Each call is re-attached and records its rest: a second recording per call.
    const secondParts = await waitForSecondParts(db, callIds, first);
    // The calls stay up a while after the restart: no recording may fail (or be stored) meanwhile.
    await expectNoneFinalizedWhileLive(db, callIds, secondParts, 3_000);
    const liveNames = new Set(secondParts.map((r) => r.name));
    // The part before the restart ended with it and is stored without waiting for the hang-up.
    await eventually(
      () =>
        callIds.every((id) =>
          db.recordings.byCall(id).every((r) => liveNames.has(r.name) || r.status === 'stored'),
        ),
      'the parts before the restart stored',
      10_000,
    );

    // Hang-up: every recording stored within a few seconds, its file on disk, nothing left on the PBX.
    const hungUpAt = Date.now();
    await Promise.all(callers.map((id) => far.hangup(id)));
    const rows = await eventually(
      () => {
        const all = callIds.flatMap((id) => db.recordings.byCall(id));
        return all.every((r) => r.status === 'stored') ? all : undefined;
      },
      'every recording stored after the hang-up',
      15_000,
    );
    const storedWithin = Math.max(...rows.map((r) => (r.storedAt ?? 0) - hungUpAt));
    expect(storedWithin).toBeLessThan(5_000);
    for (const row of rows) expect(existsSync(row.filePath ?? '')).toBe(true);
    await expectRecordingsGoneFromPbx(
      far.rest,
      rows.map((r) => r.name),
    );
  });
});

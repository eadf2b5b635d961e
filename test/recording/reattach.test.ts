import { existsSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { isGone } from '../../src/ari/errors.js';
import { FlowCatalog } from '../../src/ivr/catalog.js';
import type { RecordingRecord } from '../../src/store/recordings.js';
import { eventually } from '../harness/infra.js';
import type { ServiceProcess } from '../harness/process.js';
import { httpApi, processFixture, seatAgent } from '../harness/process-fixture.js';
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
    for (const id of agentIds) {
      const api = httpApi(() => proc, db.apiKeys.create(id, 'agent', { agentId: id }).key);
      expect((await api('POST', `/v1/agents/${id}/state`, { event: 'login' })).status).toBe(200);
      expect((await api('POST', `/v1/agents/${id}/state`, { event: 'ready' })).status).toBe(200);
    }

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

    expect(await proc.kill('SIGKILL')).toBe(null);
    proc = await fx.start(config);

    // Each call is re-attached and records its rest: a second recording per call.
    const secondParts = await eventually(() => {
      const parts = callIds.map((id) => db.recordings.byCall(id));
      return parts.every((rows) => rows.length === 2)
        ? parts.map((rows) => rows.reduce((a, b) => (a.startedAt > b.startedAt ? a : b)))
        : undefined;
    }, 'a second recording per re-attached call');
    // The calls stay up a while after the restart: no recording may fail (or be stored) meanwhile.
    const seenWhileUp: RecordingRecord[] = [];
    const watchUntil = Date.now() + 3_000;
    while (Date.now() < watchUntil) {
      for (const id of callIds) seenWhileUp.push(...db.recordings.byCall(id));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([...new Set(seenWhileUp.filter((r) => r.status === 'failed').map((r) => r.name))]).toEqual([]);
    const liveNames = new Set(secondParts.map((r) => r.name));
    expect([
      ...new Set(
        seenWhileUp.filter((r) => liveNames.has(r.name) && r.status !== 'recording').map((r) => r.name),
      ),
    ]).toEqual([]);
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
    for (const row of rows) {
      const live = await far.rest.getLiveRecording(row.name).then(
        (r) => r.state,
        (err: unknown) => (isGone(err) ? 'gone' : Promise.reject(err)),
      );
      expect(live, row.name).toBe('gone');
    }
    const stored = new Set((await far.rest.listStoredRecordings()).map((r) => r.name));
    expect(rows.filter((r) => stored.has(r.name)).map((r) => r.name)).toEqual([]);
  });
});

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wavDurationSec } from '../../src/lib/wav.js';
import type { Service } from '../../src/service.js';
import type { FarEnd as FarEndType } from '../harness/far-end.js';
import { FarEnd } from '../harness/far-end.js';
import { TRANSFER_FLOW } from '../harness/flows.js';
import { eventually } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { addAgent, HOTLINE_FLOW, hotlineRecord, loginReady } from '../inbound/helpers.js';
import { ivrCall } from '../ivr/helpers.js';

/** The customer talks: music plays into the call from the caller's side, so the line carries audio. */
async function talk(far: FarEndType, callerId: string): Promise<void> {
  await far.rest.startMoh(callerId);
}

function storedRecording(service: Service, callId: string, timeoutMs = 30_000) {
  return eventually(
    () => {
      const rows = service.store.recordings.byCall(callId);
      return rows.length > 0 && rows.every((r) => r.status === 'stored') ? rows : undefined;
    },
    'recording stored',
    timeoutMs,
  );
}

describe('full-call recording on the real PBX', () => {
  let service: Service;
  const far = new FarEnd();

  beforeEach(async () => {
    await far.connect();
  });

  afterEach(async () => {
    await service?.stop();
    await far.close();
  });

  it('48 simultaneous calls are all recorded; each file lasts as long as its call (within 1 s)', async () => {
    service = await startTestService({ ivr: { lines: 60 } }); // all 48 pass the IVR at once
    service.catalog.put(TRANSFER_FLOW, 'test');
    const calls = await Promise.all(Array.from({ length: 48 }, () => ivrCall(far, service, '450')));
    await eventually(
      () =>
        calls.every((c) =>
          service.recorder.isRecording(service.ari.registry.byChannelId(c.serviceChannelId)?.id ?? ''),
        ),
      'all 48 recording',
      20_000,
    );
    await Promise.all(calls.map((c) => talk(far, c.callerId)));
    const callIds = calls.map((c) => service.ari.registry.byChannelId(c.serviceChannelId)?.id as string);
    await new Promise((r) => setTimeout(r, 4_000));
    for (const c of calls) await far.hangup(c.callerId);

    for (const callId of callIds) {
      const [row] = await storedRecording(service, callId, 60_000);
      if (!row) throw new Error('no recording');
      expect(existsSync(row.filePath ?? '')).toBe(true);
      // For the service's user only (the service fetched it over ARI: Asterisk never reads it here).
      expect(statSync(row.filePath ?? '').mode & 0o777).toBe(0o600);
      expect(statSync(dirname(row.filePath ?? '')).mode & 0o777).toBe(0o700);
      const fileSec = wavDurationSec(readFileSync(row.filePath ?? ''));
      const callSec = ((row.endedAt ?? 0) - row.startedAt) / 1000;
      expect(Math.abs(fileSec - callSec), `${row.name}: file ${fileSec}s, call ${callSec}s`).toBeLessThan(1);
      expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    // Finalized recordings are removed from the PBX.
    const onPbx = (await far.rest.listStoredRecordings()).filter((r) =>
      callIds.some((id) => r.name.includes(id)),
    );
    expect(onPbx).toEqual([]);
  });

  it('a call moved to another bridge mid-way keeps one complete recording', async () => {
    service = await startTestService();
    service.catalog.put(TRANSFER_FLOW, 'test');
    const call = await ivrCall(far, service, '450');
    const session = await eventually(
      () => service.ari.registry.byChannelId(call.serviceChannelId),
      'session',
    );
    await eventually(() => service.recorder.isRecording(session.id), 'recording');
    await talk(far, call.callerId);
    await new Promise((r) => setTimeout(r, 2_000));
    // Move the caller into a different bridge (as a transfer to another agent would).
    const other = `${service.config.ari.app}-other-${Date.now()}`;
    await far.rest.createBridge(other, 'mixing');
    await far.rest.addToBridge(other, [call.serviceChannelId]);
    await new Promise((r) => setTimeout(r, 2_000));
    await far.hangup(call.callerId);
    await far.rest.destroyBridge(other).catch(() => {});

    const rows = await storedRecording(service, session.id);
    expect(rows).toHaveLength(1);
    const row = rows[0];
    if (!row) throw new Error('no recording');
    const fileSec = wavDurationSec(readFileSync(row.filePath ?? ''));
    expect(fileSec).toBeGreaterThan(3.5);
    expect(Math.abs(fileSec - ((row.endedAt ?? 0) - row.startedAt) / 1000)).toBeLessThan(1);
  });

  it('access is role-checked and audited; a range request returns exactly those bytes', async () => {
    service = await startTestService({ agents: { wrapUpSec: 1 }, hotline: { overflowAfterSec: 0 } });
    service.catalog.put(HOTLINE_FLOW, 'test');
    service.store.teams.create({ id: 'ta', name: 'Team A' });
    service.store.teams.create({ id: 'tb', name: 'Team B' });
    await addAgent(service, { id: 'p1', inboundRole: 'primary', teamId: 'ta' });
    await addAgent(service, { id: 'x1', inboundRole: 'none', teamId: 'tb' });
    await loginReady(service, 'p1');
    const call = await ivrCall(far, service, '400');
    const record = await hotlineRecord(service, call.serviceChannelId, (r) => r.answeredAt !== null);
    await talk(far, call.callerId);
    await eventually(() => service.recorder.isRecording(record.callId), 'recording');
    // The agent pauses the recording while the customer reads a card number, then resumes.
    const agentKey = service.store.apiKeys.create('p1 phone', 'agent', { agentId: 'p1' }).key;
    const control = (action: string) =>
      service.api.inject({
        method: 'POST',
        url: `/v1/calls/${record.callId}/recording/${action}`,
        headers: { authorization: `Bearer ${agentKey}` },
      });
    expect((await control('pause')).statusCode).toBe(200);
    expect((await control('pause')).statusCode).toBe(409);
    await new Promise((r) => setTimeout(r, 800));
    expect((await control('resume')).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 700));
    await far.hangup(call.callerId);
    const [row] = await storedRecording(service, record.callId);
    if (!row) throw new Error('no recording');
    expect(row).toMatchObject({ agentId: 'p1', teamId: 'ta', direction: 'inbound' });
    expect(row.pauses).toHaveLength(1);
    const gap = row.pauses[0];
    expect((gap?.to ?? 0) - (gap?.from ?? 0)).toBeGreaterThan(600);

    const keyOf = (agentId: string) => service.store.apiKeys.create(agentId, 'agent', { agentId }).key;
    const get = (key: string, url: string, headers: Record<string, string> = {}) =>
      service.api.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}`, ...headers } });

    const outsider = await get(keyOf('x1'), `/v1/recordings/${row.id}`);
    expect(outsider.statusCode).toBe(404); // out of scope answers as unknown
    const denied = service.store.audit.list({ targetType: 'recording', targetId: row.id });
    expect(denied.some((a) => a.allowed === false || (a.allowed as unknown) === 0)).toBe(true);

    const own = keyOf('p1');
    expect((await get(own, `/v1/recordings/${row.id}`)).statusCode).toBe(200);
    const ranged = await get(own, `/v1/recordings/${row.id}/audio`, { range: 'bytes=100-199' });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 100-199/${row.sizeBytes}`);
    expect(Buffer.compare(ranged.rawPayload, readFileSync(row.filePath ?? '').subarray(100, 200))).toBe(0);
  });
});

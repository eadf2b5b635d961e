import { existsSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FlowCatalog } from '../../src/ivr/catalog.js';
import { TRANSFER_FLOW } from '../harness/flows.js';
import { eventually } from '../harness/infra.js';
import type { ServiceProcess } from '../harness/process.js';
import { processFixture } from '../harness/process-fixture.js';

describe('recording survives a SIGKILL of the service mid-call', () => {
  const fx = processFixture();
  const { far } = fx;
  let proc: ServiceProcess | undefined;

  it('after restart the call is closed out and its recording finalized, stored and indexed', async () => {
    const config = await fx.config({
      recording: { finalize: { backoffMs: 500 } },
    });
    const db = fx.store(config);
    new FlowCatalog(db, { logger: pino({ level: 'silent' }) }).put(TRANSFER_FLOW, 'test');
    proc = await fx.start(config);

    const call = await far.call('450', config.ari.app);
    const callId = await eventually(() => db.calls.findByChannel(call.serviceChannelId)?.id, 'call recorded');
    await eventually(
      () => db.recordings.byCall(callId).some((r) => r.status === 'recording'),
      'recording started',
    );
    await far.rest.startMoh(call.callerId);
    await new Promise((r) => setTimeout(r, 2_000));

    expect(await proc.kill('SIGKILL')).toBe(null);
    await new Promise((r) => setTimeout(r, 1_000)); // the call goes on on the PBX, recording too
    proc = await fx.start(config);

    const [row] = await eventually(
      () => {
        const rows = db.recordings.byCall(callId);
        return rows.length > 0 && rows.every((r) => r.status === 'stored') ? rows : undefined;
      },
      'recording finalized after restart',
      30_000,
    );
    expect(existsSync(row?.filePath ?? '')).toBe(true);
    expect(row?.durationSec).toBeGreaterThan(2.5);
    expect(db.calls.get(callId)?.endedAt).toBeGreaterThan(0);
    await eventually(
      async () => (await far.liveChannels([call.callerId, call.serviceChannelId])).length === 0,
      'no orphan',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { eventually } from '../harness/infra.js';
import type { ServiceProcess } from '../harness/process.js';
import { processFixture } from '../harness/process-fixture.js';

describe('service killed (SIGKILL) during live calls, then restarted', () => {
  const fx = processFixture();
  const { far } = fx;
  let proc: ServiceProcess | undefined;

  it('closes out every call: the one still up is hung up (no orphan), the one that ended meanwhile is recorded', async () => {
    const config = await fx.config({
      inbound: { greeting: Array.from({ length: 30 }, () => 'sound:silence/10') },
    });
    proc = await fx.start(config);
    const db = fx.store(config);

    const stillUp = await far.callWithDialplan('400', config.ari.app, 'answer');
    const endsWhileDown = await far.callWithDialplan('400', config.ari.app, 'answer');
    await eventually(
      () => [stillUp, endsWhileDown].every((c) => db.calls.findByChannel(c.serviceChannelId)?.answeredAt),
      'both calls answered and recorded',
    );

    expect(await proc.kill('SIGKILL')).toBe(null);
    // The calls outlive the service: Asterisk keeps them in Stasis.
    expect(await far.liveChannels([stillUp.serviceChannelId, endsWhileDown.serviceChannelId])).toHaveLength(
      2,
    );
    await far.hangup(endsWhileDown.callerId);
    await eventually(
      async () => (await far.liveChannels([endsWhileDown.serviceChannelId])).length === 0,
      'second call gone',
    );

    proc = await fx.start(config);

    await eventually(
      async () => (await far.liveChannels([stillUp.callerId, stillUp.serviceChannelId])).length === 0,
      'orphaned call hung up after restart',
    );
    const a = db.calls.findByChannel(stillUp.serviceChannelId);
    const b = db.calls.findByChannel(endsWhileDown.serviceChannelId);
    expect(a?.endReason).toBe('service restarted: orphan hung up');
    expect(b?.endReason).toBe('service restarted: call had ended');
    expect(db.calls.listOpen()).toEqual([]);

    // And a graceful stop exits 0.
    expect(await proc.kill('SIGTERM')).toBe(0);
  });
});

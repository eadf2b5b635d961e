import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually, testConfig } from '../harness/infra.js';
import { freePort, ServiceProcess } from '../harness/process.js';

describe('service killed (SIGKILL) during live calls, then restarted', () => {
  const far = new FarEnd();
  let proc: ServiceProcess | undefined;
  let store: Store | undefined;

  afterEach(async () => {
    await proc?.kill('SIGKILL');
    store?.close();
    await far.close();
  });

  it('closes out every call: the one still up is hung up (no orphan), the one that ended meanwhile is recorded', async () => {
    await far.connect();
    const config = testConfig({
      api: { port: await freePort() },
      inbound: { greeting: Array.from({ length: 30 }, () => 'sound:silence/10') },
    });
    proc = new ServiceProcess(config);
    await proc.start();
    store = openStore(config.store.path);
    const db = store;

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

    proc = new ServiceProcess(config);
    await proc.start();

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

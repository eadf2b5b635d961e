import { afterEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually, infra } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { TcpProxy } from '../harness/tcp-proxy.js';

describe('ARI connection cut while calls are live', () => {
  let service: Service | undefined;
  const far = new FarEnd();
  const proxy = new TcpProxy('127.0.0.1', Number(new URL(infra().ari.url).port));

  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await proxy.stop();
    await far.close();
  });

  it('reconnects, resyncs: calls ended during the cut are closed out, the rest carry on, nothing orphaned', async () => {
    await far.connect();
    await proxy.start();
    // Short prompts back to back: a cut of a few seconds is sure to swallow some PlaybackFinished events.
    service = await startTestService({
      ari: { url: proxy.url, reconnect: { initialDelayMs: 100, maxDelayMs: 500 } },
      inbound: { greeting: Array.from({ length: 30 }, () => 'sound:silence/1') },
    });
    const app = service.config.ari.app;
    const calls = await Promise.all([1, 2, 3].map(() => far.callWithDialplan('400', app, 'answer')));
    await eventually(
      () => calls.every((c) => service?.ari.registry.byChannelId(c.serviceChannelId)?.state === 'up'),
      'three calls answered',
    );
    const [dropped, ...kept] = calls;
    if (!dropped) throw new Error('no call');

    await proxy.cut();
    await eventually(() => service?.ari.connection.state !== 'open', 'service noticed the cut');
    // While the service is blind: one caller hangs up, and at least one prompt finishes unseen.
    await far.hangup(dropped.callerId);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(service.ari.registry.size).toBe(3); // it cannot know yet
    await proxy.restore();

    // Ready again = reconnected and the resync after it has finished (its report is written by then).
    await eventually(() => service?.ari.isReady, 'reconnected and resynced', 20_000);
    expect(service.ari.registry.size).toBe(2);
    const report = service.ari.lastResyncReport;
    expect(report?.closedOut).toBe(1);
    expect(report?.kept).toBe(2);
    expect(await service.metrics.ariReconnects.get()).toMatchObject({ values: [{ value: 1 }] });

    const droppedRecord = service.store.calls.findByChannel(dropped.serviceChannelId);
    expect(droppedRecord?.endReason).toBe('ended while disconnected');

    // The kept calls are not stuck on a playback that finished in the gap: prompts go on.
    for (const call of kept) {
      const session = service.ari.registry.byChannelId(call.serviceChannelId);
      const before = session?.trail.filter((t) => t === 'PlaybackStarted').length ?? 0;
      await eventually(
        () => (session?.trail.filter((t) => t === 'PlaybackStarted').length ?? 0) > before,
        'a new prompt started after resync',
        5_000,
      );
    }

    for (const call of kept) await far.hangup(call.callerId);
    await eventually(() => service?.ari.registry.size === 0, 'all sessions ended');
    const ids = calls.flatMap((c) => [c.callerId, c.serviceChannelId]);
    await eventually(async () => (await far.liveChannels(ids)).length === 0, 'no channel left on the PBX');
    expect(service.ari.router.size).toBe(0);
    for (const call of calls)
      expect(service.store.calls.findByChannel(call.serviceChannelId)?.endedAt).toBeGreaterThan(0);
  });
});

describe('a resync that fails', () => {
  it('is tried again until it succeeds: readiness comes back without another reconnect', async () => {
    const service = await startTestService({ ari: { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } } });
    try {
      const rest = service.ari.rest;
      const listBridges = rest.listBridges.bind(rest);
      let failures = 0;
      // Asterisk too slow to answer, once (the kind of fault a loaded PBX gives).
      rest.listBridges = async () => {
        if (failures === 0) {
          failures += 1;
          throw new Error('bridges.list: timed out (injected)');
        }
        return listBridges();
      };
      service.ari.connection.dropSocket();
      await eventually(() => failures === 1, 'the resync after the reconnect failed', 10_000);
      expect(service.ari.isReady).toBe(false);
      await eventually(() => service.ari.isReady, 'ready again: the failed resync was tried again', 10_000);
      const reconnects = (await service.metrics.ariReconnects.get()).values[0]?.value;
      expect(reconnects).toBe(1); // the one the test made: the retry needed no other
    } finally {
      await service.stop();
    }
  });
});

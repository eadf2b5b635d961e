import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually, infra } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';

interface EndedDetail {
  reason: string;
  trail: string[];
}

function endedDetail(service: Service, callId: string): EndedDetail | undefined {
  return service.store.calls.events(callId).find((e) => e.event === 'ended')?.detail as
    | EndedDetail
    | undefined;
}

/** The call's row once the call has ended (waits for it). */
function closedRecord(service: Service, channelId: string) {
  return eventually(() => {
    const record = service.store.calls.findByChannel(channelId);
    return record?.endedAt ? record : undefined;
  }, 'call record closed');
}

/** Asserts that `expected` appear in `trail` in this order (other events may sit between them). */
function expectInOrder(trail: string[], expected: string[]): void {
  let at = -1;
  for (const type of expected) {
    const next = trail.indexOf(type, at + 1);
    expect(next, `${type} after position ${at} in ${trail.join(' > ')}`).toBeGreaterThan(at);
    at = next;
  }
}

describe(`a call on the real PBX (Asterisk ${infra().asteriskVersion})`, () => {
  let service: Service | undefined;
  const far = new FarEnd();

  beforeEach(async () => {
    await far.connect();
  });

  afterEach(async () => {
    await service?.stop();
    service = undefined;
    await far.close();
  });

  it('is answered, hears the prompt, is hung up; events, store row and PBX agree', async () => {
    service = await startTestService({ inbound: { greeting: ['sound:hello-world'] } });
    const app = service.config.ari.app;
    const { callerId, serviceChannelId } = await far.call('400', app);

    // The caller's half enters the far-end app only once the service has answered.
    await far.waitFor(
      (e) => e.type === 'StasisStart' && (e as { channel: { id: string } }).channel.id === callerId,
    );
    // ...and is hung up by the service after the prompt.
    await far.waitFor(
      (e) => e.type === 'ChannelDestroyed' && (e as { channel: { id: string } }).channel.id === callerId,
      15_000,
      true,
    );

    const record = await closedRecord(service, serviceChannelId);
    expect(record.direction).toBe('inbound');
    expect(record.dnis).toBe('400');
    expect(record.callerMasked).toMatch(/^\*+6789$/); // never the whole number
    expect(record.answeredAt).toBeGreaterThan(0);
    expect(record.endReason).toBe('greeting finished');

    const trail = endedDetail(service, record.id)?.trail ?? [];
    expectInOrder(trail, [
      'StasisStart',
      'ChannelStateChange',
      'PlaybackStarted',
      'PlaybackFinished',
      'StasisEnd',
    ]);

    expect(await far.liveChannels([callerId, serviceChannelId])).toEqual([]);
    expect(service.ari.registry.size).toBe(0);
    expect(service.ari.router.size).toBe(0);
  });

  it('a prompt missing on the PBX is skipped, the call goes on to the next prompt', async () => {
    service = await startTestService({ inbound: { greeting: ['sound:no-such-prompt-here', 'sound:beep'] } });
    const { serviceChannelId } = await far.callWithDialplan('400', service.config.ari.app, 'answer');
    const record = await closedRecord(service, serviceChannelId);
    expect(record.endReason).toBe('greeting finished');
    const trail = endedDetail(service, record.id)?.trail ?? [];
    // Two playbacks finished: the failed one and the beep.
    expect(trail.filter((t) => t === 'PlaybackFinished')).toHaveLength(2);
  });

  it('caller hang-up in the middle of a prompt ends the session cleanly', async () => {
    service = await startTestService({ inbound: { greeting: ['sound:silence/10', 'sound:silence/10'] } });
    const app = service.config.ari.app;
    const { callerId, serviceChannelId } = await far.call('400', app);
    await far.waitFor(
      (e) => e.type === 'StasisStart' && (e as { channel: { id: string } }).channel.id === callerId,
    );
    await eventually(
      () => service?.ari.registry.byChannelId(serviceChannelId)?.trail.includes('PlaybackStarted'),
      'prompt playing',
    );

    await far.hangup(callerId);

    const record = await closedRecord(service, serviceChannelId);
    expect(record.endReason).toMatch(/^hangup/);
    expect(service.ari.registry.size).toBe(0);
    expect(service.ari.router.size).toBe(0);
    expect(await far.liveChannels([callerId, serviceChannelId])).toEqual([]);
  });

  it('a call with no handler (unknown Stasis args) is refused, not left ringing', async () => {
    service = await startTestService();
    const rest = far.rest;
    const id = `odd-${Date.now()}`;
    await rest.originate({
      endpoint: 'Local/answer@sim',
      app: service.config.ari.app,
      appArgs: 'nonsense',
      channelId: id,
    });
    await eventually(async () => (await far.liveChannels([id])).length === 0, 'refused channel gone');
    expect(service.ari.registry.size).toBe(0);
  });
});

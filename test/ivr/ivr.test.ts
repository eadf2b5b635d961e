import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { atNode, installFlow, ivrCall, ivrRecord, pressKeys } from './helpers.js';

/** Two menus deep; the first prompt is long, so reaching `sales` quickly proves barge-in. */
const twoLevel = {
  name: 'two-level',
  numbers: ['500'],
  start: 'main',
  nodes: {
    main: {
      type: 'menu',
      prompts: ['sound:silence/10'],
      options: { '1': 'sales', '2': 'bye' },
      timeoutMs: 1_000,
      retries: 1,
      timeoutPrompts: 'sound:beep',
      invalidPrompts: 'sound:beep',
      fallback: 'bye',
    },
    sales: {
      type: 'menu',
      prompts: 'sound:beep',
      options: { '3': 'done' },
      timeoutMs: 3_000,
      retries: 0,
      fallback: 'bye',
    },
    done: { type: 'hangup', prompts: 'sound:beep' },
    bye: { type: 'hangup' },
  },
};

describe('IVR on the real PBX', () => {
  let service: Service;
  const far = new FarEnd();

  beforeEach(async () => {
    await far.connect();
  });

  afterEach(async () => {
    await service?.stop();
    await far.close();
  });

  it('navigates a two-level menu by digits, with barge-in; path, digits and outcome are recorded', async () => {
    service = await startTestService();
    installFlow(service, twoLevel);
    const call = await ivrCall(far, service, '500');
    await atNode(service, call.serviceChannelId, 'main');
    const started = Date.now();
    await pressKeys(far, call.callerId, '1');
    await atNode(service, call.serviceChannelId, 'sales');
    expect(Date.now() - started).toBeLessThan(3_000); // the 10 s prompt was cut short
    await pressKeys(far, call.callerId, '3');
    const record = await ivrRecord(service, call.serviceChannelId);
    expect(record.outcome).toBe('hangup');
    expect(record.flow).toBe('two-level');
    expect(record.path.map((s) => s.node)).toEqual(['main', 'sales', 'done']);
    expect(record.path[0]).toMatchObject({ digits: '1', result: 'key 1' });
    expect(record.path[1]).toMatchObject({ digits: '3' });
    await eventually(
      async () => (await far.liveChannels([call.callerId, call.serviceChannelId])).length === 0,
      'hung up',
    );
  });

  it('timeouts and invalid keys are retried, counted, then fall back', async () => {
    service = await startTestService();
    installFlow(service, {
      ...twoLevel,
      nodes: { ...twoLevel.nodes, main: { ...twoLevel.nodes.main, prompts: ['sound:beep'] } },
    });
    // Caller 1 presses nothing: timeout, re-prompt, timeout, fallback.
    const silent = await ivrCall(far, service, '500');
    const silentRecord = await ivrRecord(service, silent.serviceChannelId);
    expect(silentRecord.path.map((s) => s.node)).toEqual(['main', 'bye']);
    expect(silentRecord.path[0]?.result).toBe('retries exhausted');

    // Caller 2 presses a wrong key twice.
    const wrong = await ivrCall(far, service, '500');
    await atNode(service, wrong.serviceChannelId, 'main');
    await pressKeys(far, wrong.callerId, '9');
    await new Promise((r) => setTimeout(r, 600));
    await pressKeys(far, wrong.callerId, '8');
    const wrongRecord = await ivrRecord(service, wrong.serviceChannelId);
    expect(wrongRecord.path.map((s) => s.node)).toEqual(['main', 'bye']);
    expect(wrongRecord.path[0]?.digits).toBe('98');

    const stats = service.store.ivrStats.forDay(localToday(service));
    const main = stats.nodes.find((n) => n.flow === 'two-level' && n.node === 'main');
    expect(main).toMatchObject({ entries: 2, timeouts: 2, invalid: 2 });
  });

  it('caller hang-up in the middle of a prompt ends the IVR session cleanly', async () => {
    service = await startTestService();
    installFlow(service, twoLevel);
    const call = await ivrCall(far, service, '500');
    await atNode(service, call.serviceChannelId, 'main');
    await far.hangup(call.callerId);
    const record = await ivrRecord(service, call.serviceChannelId);
    expect(record.outcome).toBe('caller-hangup');
    await eventually(() => service.ari.registry.size === 0, 'session gone');
    expect(service.ari.router.size).toBe(0);
    expect(service.ivr.snapshot()).toMatchObject({ lines: { inUse: 0, waiting: 0 }, sessions: [] });
    expect(await far.liveChannels([call.callerId, call.serviceChannelId])).toEqual([]);
    const main = service.store.ivrStats.forDay(localToday(service)).nodes.find((n) => n.node === 'main');
    expect(main?.hangups).toBe(1);
  });

  it('9 simultaneous callers on 8 lines: exactly 8 in the IVR, 1 overflowed (announcement, then hung up)', async () => {
    service = await startTestService({
      ivr: { lines: 8, overflow: { mode: 'busy', prompts: ['sound:beep'] } },
    });
    installFlow(service, {
      ...twoLevel,
      nodes: { ...twoLevel.nodes, main: { ...twoLevel.nodes.main, timeoutMs: 20_000 } },
    });
    const calls = await Promise.all(Array.from({ length: 9 }, () => far.call('500', service.config.ari.app)));
    const overflowed = await eventually(
      () =>
        calls.find((c) => {
          const id = service.store.calls.findByChannel(c.serviceChannelId)?.id;
          return id && service.store.ivrSessions.get(id)?.end?.outcome === 'overflow';
        }),
      'one caller overflowed',
      20_000,
    );
    await eventually(() => service.ivr.snapshot().lines.inUse === 8, 'eight lines in use');
    expect(service.ivr.snapshot().sessions).toHaveLength(8);
    await eventually(
      async () => (await far.liveChannels([overflowed.serviceChannelId])).length === 0,
      'overflowed caller hung up',
    );
    expect(service.store.ivrStats.forDay(localToday(service)).overflowed).toBe(1);
    expect(await service.metrics.ivrOverflows.get()).toMatchObject({ values: [{ value: 1 }] });
    for (const c of calls) await far.hangup(c.callerId);
    await eventually(() => service.ivr.snapshot().lines.inUse === 0, 'lines freed');
  });

  it("overflow mode 'wait': the next caller waits on hold and gets the line when one frees", async () => {
    service = await startTestService({
      ivr: { lines: 1, overflow: { mode: 'wait', prompts: ['sound:beep'], maxWaitSec: 30 } },
    });
    installFlow(service, {
      ...twoLevel,
      nodes: { ...twoLevel.nodes, main: { ...twoLevel.nodes.main, timeoutMs: 20_000 } },
    });
    const first = await ivrCall(far, service, '500');
    await atNode(service, first.serviceChannelId, 'main');
    const second = await ivrCall(far, service, '500');
    await eventually(() => service.ivr.snapshot().lines.waiting === 1, 'second caller waiting');
    await far.hangup(first.callerId);
    await atNode(service, second.serviceChannelId, 'main');
    expect(service.ivr.snapshot().lines).toMatchObject({ inUse: 1, waiting: 0 });
    await far.hangup(second.callerId);
  });

  it('business hours branch under a fixed clock', async () => {
    let clock = new Date('2026-11-23T02:00:00Z'); // Monday 10:00 in Shanghai
    service = await startTestService({}, { now: () => clock });
    installFlow(service, {
      name: 'hours',
      numbers: ['600'],
      start: 'when',
      nodes: {
        when: {
          type: 'schedule',
          timezone: 'Asia/Shanghai',
          hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' }],
          holidays: ['2026-12-25'],
          open: 'open',
          closed: 'closed',
          holiday: 'holiday',
        },
        open: { type: 'hangup', prompts: 'sound:beep' },
        closed: { type: 'hangup', prompts: 'sound:beep' },
        holiday: { type: 'hangup', prompts: 'sound:beep' },
      },
    });
    const branchAt = async (at: string) => {
      clock = new Date(at);
      const call = await far.callWithDialplan('600', service.config.ari.app, 'answer');
      const record = await ivrRecord(service, call.serviceChannelId);
      return record.path.map((s) => s.node).join('>');
    };
    expect(await branchAt('2026-11-23T02:00:00Z')).toBe('when>open'); // Mon 10:00 local
    expect(await branchAt('2026-11-23T11:00:00Z')).toBe('when>closed'); // Mon 19:00 local
    expect(await branchAt('2026-11-28T02:00:00Z')).toBe('when>closed'); // Saturday
    expect(await branchAt('2026-12-25T02:00:00Z')).toBe('when>holiday'); // a Friday, but a holiday
  });

  it('a voice message is recorded, fetched over ARI, stored on disk, indexed, and removed from the PBX', async () => {
    service = await startTestService();
    installFlow(service, {
      name: 'vm',
      numbers: ['700'],
      start: 'msg',
      nodes: {
        msg: { type: 'voicemail', prompts: 'sound:beep', beep: false, maxDurationSec: 30, maxSilenceSec: 0 },
      },
    });
    const call = await ivrCall(far, service, '700');
    await atNode(service, call.serviceChannelId, 'msg');
    await eventually(
      () => service.ari.registry.byChannelId(call.serviceChannelId)?.trail.includes('RecordingStarted'),
      'recording started',
    );
    // The caller speaks (a prompt played into the line), then hangs up to end the message.
    await far.rest.playOnChannel(call.callerId, ['sound:hello-world'], `speak-${Date.now()}`);
    await new Promise((r) => setTimeout(r, 2_500));
    await far.hangup(call.callerId);

    const record = await ivrRecord(service, call.serviceChannelId);
    expect(record.outcome).toBe('message');
    const message = await eventually(
      () => service.store.voiceMessages.list({})[0],
      'message indexed',
      20_000,
    );
    expect(message.callId).toBe(record.callId);
    expect(message.durationSec).toBeGreaterThan(1); // hello-world is 1.3 s
    expect(message.durationSec).toBeLessThan(6);
    expect(existsSync(message.filePath)).toBe(true);
    expect(readFileSync(message.filePath).subarray(0, 4).toString()).toBe('RIFF');
    const err = await far.rest.downloadStoredRecording(message.recordingName).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'not-found' });
  });

  it('a callback request on the caller ID is registered for agents (number stored, masked in lists)', async () => {
    service = await startTestService();
    installFlow(service, {
      name: 'cb',
      numbers: ['800'],
      start: 'ask',
      nodes: {
        ask: { type: 'callback', prompts: 'sound:beep', confirmedPrompts: 'sound:beep', failed: 'bye' },
        bye: { type: 'hangup' },
      },
    });
    const call = await ivrCall(far, service, '800');
    await atNode(service, call.serviceChannelId, 'ask');
    await pressKeys(far, call.callerId, '1');
    const record = await ivrRecord(service, call.serviceChannelId);
    expect(record.outcome).toBe('callback');
    const pending = service.store.callbacks.listPending();
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({
      callId: record.callId,
      source: 'caller-id',
      numberMasked: '**********6789',
    });
    expect(JSON.stringify(pending)).not.toContain('4930123456789');
    const withNumbers = service.store.callbacks.listPending(10, { withNumbers: true });
    expect(withNumbers[0]?.number).toBe('+4930123456789');
  });

  it('transfer to an endpoint: the caller is bridged with it; all of it is released at hang-up', async () => {
    service = await startTestService();
    installFlow(service, {
      name: 'xfer',
      numbers: ['900'],
      start: 'go',
      nodes: {
        go: { type: 'transfer', endpoint: 'Local/delay1@sim', timeoutSec: 10, failed: 'bye' },
        bye: { type: 'hangup' },
      },
    });
    const call = await ivrCall(far, service, '900');
    const record = await ivrRecord(service, call.serviceChannelId);
    expect(record.path[0]?.result).toBe('connected');
    expect(record.outcome).toBe('agent');
    const bridges = await far.rest.listBridges();
    const ours = bridges.filter((b) => b.id.startsWith(`${service.config.ari.app}-`));
    expect(ours).toHaveLength(1);
    expect(ours[0]?.channels).toContain(call.serviceChannelId);
    expect(service.ivr.snapshot().lines.inUse).toBe(0); // the IVR line is free once transferred
    await far.hangup(call.callerId);
    await eventually(() => service.ari.registry.size === 0, 'session ended');
    await eventually(
      async () => (await far.rest.listBridges()).every((b) => !b.id.startsWith(`${service.config.ari.app}-`)),
      'bridge destroyed',
    );
  });

  it('a transfer target that is busy sends the caller to the failure branch', async () => {
    service = await startTestService();
    installFlow(service, {
      name: 'xfer-busy',
      numbers: ['901'],
      start: 'go',
      nodes: {
        go: { type: 'transfer', endpoint: 'Local/busy@sim', timeoutSec: 10, failed: 'sorry' },
        sorry: { type: 'hangup', prompts: 'sound:beep' },
      },
    });
    const call = await far.callWithDialplan('901', service.config.ari.app, 'answer');
    const record = await ivrRecord(service, call.serviceChannelId);
    expect(record.path.map((s) => s.node)).toEqual(['go', 'sorry']);
    expect(record.path[0]?.result).toMatch(/not connected/);
  });
});

function localToday(service: Service): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: service.config.ivr.timezone }).format(new Date());
}

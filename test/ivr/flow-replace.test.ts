import { afterEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { FarEnd } from '../harness/far-end.js';
import { startTestService } from '../harness/service.js';
import { atNode, ivrCall, ivrRecord, pressKeys } from './helpers.js';

function flow(endNode: string) {
  return {
    name: 'live-edit',
    numbers: ['510'],
    start: 'main',
    nodes: {
      main: {
        type: 'menu',
        prompts: 'sound:silence/10',
        options: { '1': endNode },
        timeoutMs: 10_000,
        fallback: endNode,
      },
      [endNode]: { type: 'hangup', prompts: 'sound:beep' },
    },
  };
}

describe('IVR flow replaced over REST while a call is in the old version', () => {
  let service: Service;
  const far = new FarEnd();

  afterEach(async () => {
    await service?.stop();
    await far.close();
  });

  it('the call in progress keeps version 1; the next call gets version 2, with no restart', async () => {
    await far.connect();
    service = await startTestService();
    const admin = service.store.apiKeys.create('test admin', 'admin').key;
    const put = (body: unknown, query = '') =>
      service.api.inject({
        method: 'PUT',
        url: `/v1/ivr/flows/live-edit${query}`,
        headers: { authorization: `Bearer ${admin}` },
        payload: body as object,
      });

    expect((await put(flow('v1end'))).json()).toMatchObject({ name: 'live-edit', version: 1 });
    const early = await ivrCall(far, service, '510');
    await atNode(service, early.serviceChannelId, 'main');

    // A broken edit is refused, pointing at the node; validate-only saves nothing.
    const broken = await put({ ...flow('v2end'), start: 'nowhere' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.message).toContain("start: unknown node 'nowhere'");
    expect((await put(flow('v2end'), '?dryRun=true')).json()).toMatchObject({ valid: true });
    expect((await put(flow('v2end'))).json()).toMatchObject({ version: 2 });

    const late = await ivrCall(far, service, '510');
    await atNode(service, late.serviceChannelId, 'main');
    await pressKeys(far, early.callerId, '1');
    await pressKeys(far, late.callerId, '1');

    const earlyRecord = await ivrRecord(service, early.serviceChannelId);
    const lateRecord = await ivrRecord(service, late.serviceChannelId);
    expect(earlyRecord).toMatchObject({ version: 1 });
    expect(earlyRecord.path.map((s) => s.node)).toEqual(['main', 'v1end']);
    expect(lateRecord).toMatchObject({ version: 2 });
    expect(lateRecord.path.map((s) => s.node)).toEqual(['main', 'v2end']);
  });
});

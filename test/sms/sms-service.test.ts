import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/lib/events.js';
import type { Service } from '../../src/service.js';
import { eventually } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { LocalSmsc } from '../harness/smsc.js';

/** The whole service with SMS enabled against a local SMSC: the demo's path, config to REST to receipt. */
let smsc: LocalSmsc;
let service: Service;
const events: DomainEvent[] = [];

beforeAll(async () => {
  smsc = new LocalSmsc();
  await smsc.listen();
  process.env.TEST_SMSC_PASSWORD = 'not-logged';
  service = await startTestService({
    dialer: { defaultCountry: 'CN' },
    sms: {
      enabled: true,
      defaultProvider: 'smsc',
      providers: {
        smsc: {
          kind: 'smpp',
          url: smsc.url,
          systemId: 'cc',
          passwordEnv: 'TEST_SMSC_PASSWORD',
          sourceAddr: '10690000',
          ratePerSecond: 200,
          reconnectMs: 200,
        },
      },
    },
  });
  service.bus.subscribe((e) => events.push(e));
});

afterAll(async () => {
  await service?.stop();
  await smsc?.close();
  delete process.env.TEST_SMSC_PASSWORD;
});

describe('SMS in the running service', () => {
  it('sends a campaign made over REST, reconnects after the SMSC drops the session, reads a TD reply', async () => {
    const key = service.store.apiKeys.create('sup', 'supervisor').key;
    const headers = { authorization: `Bearer ${key}` };
    const created = await service.api.inject({
      method: 'POST',
      url: '/v1/sms/campaigns',
      headers,
      payload: {
        name: 'demo',
        template: '{{name}}您好 回TD退订',
        recipients: {
          kind: 'numbers',
          recipients: Array.from({ length: 50 }, (_, i) => ({
            phone: `1380013${String(8100 + i)}`,
            name: '客户',
          })),
        },
      },
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json().campaign;
    expect(
      (await service.api.inject({ method: 'POST', url: `/v1/sms/campaigns/${id}/start`, headers }))
        .statusCode,
    ).toBe(200);
    const counts = async () =>
      (await service.api.inject({ method: 'GET', url: `/v1/sms/campaigns/${id}`, headers })).json().counts;
    await eventually(async () => (await counts()).delivered === 50, 'campaign delivered', 20_000);

    const binds = smsc.binds;
    smsc.dropSessions();
    await eventually(() => smsc.binds > binds && smsc.boundSessions === 1, 'bound again', 10_000);
    smsc.reply('+8613800138100', '退订');
    await eventually(
      () => events.some((e) => e.topic === 'sms' && e.type === 'inbound' && e.data.optOut),
      'opt-out event',
    );
    const optOuts = await service.api.inject({ method: 'GET', url: '/v1/sms/opt-outs', headers });
    expect(optOuts.json().optOuts.map((o: { phone: string }) => o.phone)).toEqual(['+8613800138100']);
  });
});

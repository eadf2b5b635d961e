import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/lib/events.js';
import { SmsNotifier } from '../../src/sms/notifier.js';
import type { OutboundSms, SmsProvider } from '../../src/sms/provider.js';
import { SmsService } from '../../src/sms/service.js';
import { bearer, buildTestApi, type TestApi } from './helpers.js';

/** The routes over a service that is not started: messages stay queued (the SMSC tests send them). */
const idleProvider: SmsProvider = {
  name: 'smsc',
  start: async () => {},
  stop: async () => {},
  sendBatch: async (messages: readonly OutboundSms[]) =>
    messages.map(() => ({ outcome: 'temporary', code: 'x' })),
};

let api: TestApi;
let agentKey: string;
let supervisorKey: string;

beforeAll(async () => {
  api = await buildTestApi({
    sms: (store, logger) => ({
      sms: new SmsService({
        store,
        logger,
        notifier: new SmsNotifier(new EventBus(), Date.now),
        redisUrl: 'redis://127.0.0.1:1',
        prefix: 'unused:',
        providers: [idleProvider],
        ratePerSecond: { smsc: 10 },
        defaultProvider: 'smsc',
        dailyCapPerNumber: 3,
        maxAttempts: 3,
        retryDelayMs: 1_000,
        concurrency: 4,
        timezone: 'Asia/Shanghai',
        defaultCountry: 'CN',
        now: Date.now,
      }),
    }),
  });
  supervisorKey = api.store.apiKeys.create('sup', 'supervisor').key;
  agentKey = api.store.apiKeys.create('agent', 'agent').key;
});
afterAll(async () => {
  await api?.close();
});

const call = (method: 'GET' | 'POST' | 'DELETE', url: string, key: string, payload?: unknown) =>
  api.app.inject({ method, url, headers: bearer(key), payload: payload as object });

describe('SMS routes', () => {
  it('creates a campaign with recipients, reports bad rows, counts, starts and pauses it', async () => {
    const created = await call('POST', '/v1/sms/campaigns', supervisorKey, {
      name: 'spring',
      template: '{{name}}您好,{{fields.plan}}已开通。回TD退订',
      recipients: {
        kind: 'numbers',
        recipients: [
          { phone: '13800138000', name: '王', fields: { plan: '金卡' } },
          { phone: '12345', fields: { plan: 'x' } },
          { phone: '13800138001', fields: {} },
        ],
      },
    });
    expect(created.statusCode).toBe(201);
    const { campaign, recipients } = created.json();
    expect(campaign.state).toBe('draft');
    expect(recipients).toMatchObject({ added: 1, rejected: 2 });
    expect(recipients.errors.map((e: { row: number }) => e.row)).toEqual([2, 3]);

    const shown = (await call('GET', `/v1/sms/campaigns/${campaign.id}`, supervisorKey)).json();
    expect(shown.counts).toMatchObject({ queued: 1, delivered: 0 });
    const messages = (await call('GET', `/v1/sms/campaigns/${campaign.id}/messages`, supervisorKey)).json();
    expect(messages.messages[0]).toMatchObject({ text: '王您好,金卡已开通。回TD退订', state: 'queued' });
    expect(messages.messages[0].numberMasked).not.toContain('13800138000');

    expect((await call('POST', `/v1/sms/campaigns/${campaign.id}/pause`, supervisorKey)).statusCode).toBe(
      409,
    );
    expect((await call('POST', `/v1/sms/campaigns/${campaign.id}/start`, supervisorKey)).json().state).toBe(
      'running',
    );
    expect((await call('POST', `/v1/sms/campaigns/${campaign.id}/pause`, supervisorKey)).json().state).toBe(
      'paused',
    );
  });

  it('refuses an unknown placeholder and an unknown provider with 400', async () => {
    const bad = await call('POST', '/v1/sms/campaigns', supervisorKey, {
      name: 'x',
      template: 'hi {{password}}',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('{{password}}');
    const noProvider = await call('POST', '/v1/sms/campaigns', supervisorKey, {
      name: 'x',
      template: 'hi',
      provider: 'nope',
    });
    expect(noProvider.statusCode).toBe(400);
  });

  it('lets an agent send one message to a number, never a campaign', async () => {
    const sent = await call('POST', '/v1/sms/messages', agentKey, {
      template: '订单 {{fields.order}} 已确认',
      phone: '+8613800138002',
      fields: { order: 'A-1' },
    });
    expect(sent.statusCode).toBe(202);
    expect(sent.json()).toMatchObject({ text: '订单 A-1 已确认', state: 'queued', campaignId: null });
    expect((await call('GET', `/v1/sms/messages/${sent.json().id}`, agentKey)).statusCode).toBe(200);
    expect((await call('POST', '/v1/sms/campaigns', agentKey, { name: 'x', template: 'y' })).statusCode).toBe(
      403,
    );
    const missing = await call('POST', '/v1/sms/messages', agentKey, {
      template: '{{fields.order}}',
      phone: '+8613800138002',
    });
    expect(missing.statusCode).toBe(400);
    const resolve = await call('POST', `/v1/sms/messages/${sent.json().id}/resolve`, supervisorKey, {
      action: 'resend',
    });
    expect(resolve.statusCode).toBe(409);
  });

  it('keeps SMS opt-outs by hand', async () => {
    const added = await call('POST', '/v1/sms/opt-outs', supervisorKey, { phone: '138 0013 8003' });
    expect(added.json()).toEqual({ phone: '+8613800138003', added: true });
    const list = (await call('GET', '/v1/sms/opt-outs', supervisorKey)).json();
    expect(list.optOuts.map((o: { phone: string }) => o.phone)).toContain('+8613800138003');
    const removed = await call(
      'DELETE',
      `/v1/sms/opt-outs/${encodeURIComponent('+8613800138003')}`,
      supervisorKey,
    );
    expect(removed.json()).toEqual({ removed: true });
  });
});

describe('SMS recipients from a CSV', () => {
  it('streams a CSV: phone column by name, other columns as fields, bad rows reported', async () => {
    const campaign = (
      await call('POST', '/v1/sms/campaigns', supervisorKey, {
        name: 'csv',
        template: '{{name}} {{fields.city}}',
      })
    ).json().campaign;
    const res = await api.app.inject({
      method: 'POST',
      url: `/v1/sms/campaigns/${campaign.id}/recipients/csv?phone=mobile`,
      headers: { ...bearer(supervisorKey), 'content-type': 'text/csv' },
      payload: 'mobile,name,city\n13800138010,李,上海\nnot-a-number,x,y\n13800138011,张,\n',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ added: 1, rejected: 2 });
    const messages = (await call('GET', `/v1/sms/campaigns/${campaign.id}/messages`, supervisorKey)).json();
    expect(messages.messages.map((m: { text: string }) => m.text)).toEqual(['李 上海']);
    const noColumn = await api.app.inject({
      method: 'POST',
      url: `/v1/sms/campaigns/${campaign.id}/recipients/csv`,
      headers: { ...bearer(supervisorKey), 'content-type': 'text/csv' },
      payload: 'mobile\n13800138010\n',
    });
    expect(noColumn.statusCode).toBe(400);
  });
});

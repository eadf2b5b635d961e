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
let otherAgentKey: string;
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
        agentTemplates: [
          {
            id: 'sale-confirmation',
            label: '成交确认',
            text: '{{name}}您好，您订购的{{fields.saleProduct}}（{{fields.saleAmount}}元）已确认。回TD退订',
          },
        ],
      }),
    }),
  });
  for (const id of ['a1', 'a2'])
    api.store.agents.create({
      id,
      name: id,
      teamId: null,
      role: 'agent',
      endpoint: `PJSIP/${id}`,
      lineMode: 'persistent',
      inboundRole: 'primary',
    });
  supervisorKey = api.store.apiKeys.create('sup', 'supervisor').key;
  agentKey = api.store.apiKeys.create('agent', 'agent', { agentId: 'a1' }).key;
  otherAgentKey = api.store.apiKeys.create('other agent', 'agent', { agentId: 'a2' }).key;
  // Lead l1 was called last by a1 (a sale), after a2 had called it; l2 only by a2.
  const { store } = api;
  store.campaigns.create({
    id: 'c1',
    name: 'c1',
    state: 'active',
    settings: '{}',
    createdAt: 1,
    updatedAt: 1,
  });
  store.leads.insertMany([
    {
      id: 'l1',
      campaignId: 'c1',
      importId: null,
      phone: '+8613800138010',
      name: '王先生',
      fields: {},
      createdAt: 1,
    },
    {
      id: 'l2',
      campaignId: 'c1',
      importId: null,
      phone: '+8613800138011',
      name: null,
      fields: {},
      createdAt: 1,
    },
  ]);
  const attempt = (id: string, leadId: string, agentId: string, at: number) =>
    store.attempts.open({
      id,
      leadId,
      campaignId: 'c1',
      agentId,
      teamId: null,
      phone: `p-${id}`,
      numberMasked: '*',
      attemptNo: 1,
      at,
    });
  attempt('t1', 'l1', 'a2', 1_000);
  attempt('t2', 'l1', 'a1', 2_000);
  attempt('t3', 'l2', 'a2', 3_000);
  store.attempts.update('t2', { saleAmountCents: 19_900, saleProduct: '金卡', releasePhone: true });
  for (const id of ['t1', 't3']) store.attempts.update(id, { releasePhone: true });
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

  it('lets a supervisor send any template to a number; an agent neither free text nor a campaign', async () => {
    const body = {
      template: '订单 {{fields.order}} 已确认',
      phone: '+8613800138002',
      fields: { order: 'A-1' },
    };
    expect((await call('POST', '/v1/sms/messages', agentKey, body)).statusCode).toBe(403);
    const sent = await call('POST', '/v1/sms/messages', supervisorKey, body);
    expect(sent.statusCode).toBe(202);
    expect(sent.json()).toMatchObject({ text: '订单 A-1 已确认', state: 'queued', campaignId: null });
    expect((await call('GET', `/v1/sms/messages/${sent.json().id}`, supervisorKey)).statusCode).toBe(200);
    // Not a message to a lead of the agent's.
    expect((await call('GET', `/v1/sms/messages/${sent.json().id}`, agentKey)).statusCode).toBe(403);
    expect((await call('POST', '/v1/sms/campaigns', agentKey, { name: 'x', template: 'y' })).statusCode).toBe(
      403,
    );
    const missing = await call('POST', '/v1/sms/messages', supervisorKey, {
      template: '{{fields.order}}',
      phone: '+8613800138002',
    });
    expect(missing.statusCode).toBe(400);
    const resolve = await call('POST', `/v1/sms/messages/${sent.json().id}/resolve`, supervisorKey, {
      action: 'resend',
    });
    expect(resolve.statusCode).toBe(409);
  });

  it("lets an agent send a set template to the lead of its last call, filled with the lead's name and the sale", async () => {
    const templates = await call('GET', '/v1/sms/agent-templates', agentKey);
    expect(templates.json().templates.map((t: { id: string }) => t.id)).toEqual(['sale-confirmation']);
    const sent = await call('POST', '/v1/sms/agent-messages', agentKey, {
      templateId: 'sale-confirmation',
      leadId: 'l1',
    });
    expect(sent.statusCode).toBe(202);
    expect(sent.json()).toMatchObject({
      leadId: 'l1',
      text: '王先生您好，您订购的金卡（199.00元）已确认。回TD退订',
      state: 'queued',
    });
    expect(sent.json().numberMasked).not.toContain('13800138010');
    expect((await call('GET', `/v1/sms/messages/${sent.json().id}`, agentKey)).statusCode).toBe(200);
    // a2 called l1 before a1: not its customer any more.
    expect((await call('GET', `/v1/sms/messages/${sent.json().id}`, otherAgentKey)).statusCode).toBe(403);
  });

  it("refuses an agent another agent's lead, an unknown template, and a sale-less call's sale fields", async () => {
    const send = (key: string, templateId: string, leadId: string) =>
      call('POST', '/v1/sms/agent-messages', key, { templateId, leadId });
    expect((await send(agentKey, 'sale-confirmation', 'l2')).statusCode).toBe(403);
    expect((await send(otherAgentKey, 'sale-confirmation', 'l1')).statusCode).toBe(403);
    expect((await send(agentKey, 'sale-confirmation', 'nope')).statusCode).toBe(403);
    expect((await send(agentKey, 'free text', 'l1')).statusCode).toBe(400);
    // l2's call had no sale: the template's sale fields have no value.
    const noSale = await send(otherAgentKey, 'sale-confirmation', 'l2');
    expect(noSale.statusCode).toBe(400);
    expect(noSale.json().error.message).toContain('fields.saleProduct');
    // A supervisor has no agent to act as here (it has POST /v1/sms/messages).
    expect((await send(supervisorKey, 'sale-confirmation', 'l1')).statusCode).toBe(403);
    // Bodies with a text or a number are not this route's.
    const freeText = await call('POST', '/v1/sms/agent-messages', agentKey, {
      templateId: 'sale-confirmation',
      leadId: 'l1',
      text: 'hello',
      phone: '+8613800138002',
    });
    expect(freeText.json().text ?? '').not.toBe('hello');
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

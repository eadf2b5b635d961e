import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DomainEvent, EventBus } from '../../src/lib/events.js';
import { SmsNotifier } from '../../src/sms/notifier.js';
import type { OutboundSms, ProviderSink, SmsProvider } from '../../src/sms/provider.js';
import { SmsService } from '../../src/sms/service.js';
import { openStore, type Store } from '../../src/store/index.js';
import { eventually, infra } from '../harness/infra.js';
import { tempDir } from '../harness/tmp.js';

/**
 * The agent's side of SMS in the service: a set template to the lead of the agent's call, its states as
 * `sms.message` events naming that agent, and a reply matched to its leads and the agents who called them
 * last. A provider in the test: it accepts every message and hands its sink to the test.
 */
let dir: string;
let store: Store;
let service: SmsService;
let sink: ProviderSink;
const sent: OutboundSms[] = [];
const events: DomainEvent[] = [];

const provider: SmsProvider = {
  name: 'smsc',
  start: async (s) => {
    sink = s;
  },
  stop: async () => {},
  sendBatch: async (messages) => {
    sent.push(...messages);
    return messages.map((m) => ({ outcome: 'accepted' as const, providerId: `p-${m.id}` }));
  },
};

beforeAll(async () => {
  dir = tempDir('cc-sms-agent-');
  store = openStore(join(dir, 'store.db'));
  store.campaigns.create({
    id: 'c1',
    name: 'c1',
    state: 'active',
    settings: '{}',
    createdAt: 1,
    updatedAt: 1,
  });
  store.campaigns.create({
    id: 'c2',
    name: 'c2',
    state: 'active',
    settings: '{}',
    createdAt: 1,
    updatedAt: 1,
  });
  for (const id of ['a1', 'a2'])
    store.agents.create({
      id,
      name: id,
      teamId: null,
      role: 'agent',
      endpoint: `PJSIP/${id}`,
      lineMode: 'persistent',
      inboundRole: 'primary',
    });
  // One customer in two campaigns (called last by a1 in c1, by a2 in c2); another nobody called.
  store.leads.insertMany([
    {
      id: 'l1',
      campaignId: 'c1',
      importId: null,
      phone: '+8613800138020',
      name: '李',
      fields: {},
      createdAt: 1,
    },
    {
      id: 'l2',
      campaignId: 'c2',
      importId: null,
      phone: '+8613800138020',
      name: '李',
      fields: {},
      createdAt: 1,
    },
    {
      id: 'l3',
      campaignId: 'c1',
      importId: null,
      phone: '+8613800138021',
      name: null,
      fields: {},
      createdAt: 1,
    },
  ]);
  const attempt = (id: string, leadId: string, campaignId: string, agentId: string, at: number) => {
    store.attempts.open({
      id,
      leadId,
      campaignId,
      agentId,
      teamId: null,
      phone: `p-${id}`,
      numberMasked: '*',
      attemptNo: 1,
      at,
    });
    store.attempts.update(id, { releasePhone: true });
  };
  attempt('t1', 'l1', 'c1', 'a2', 1_000);
  attempt('t2', 'l1', 'c1', 'a1', 2_000);
  attempt('t3', 'l2', 'c2', 'a2', 3_000);
  store.attempts.update('t2', { saleAmountCents: 5_000, saleProduct: '流量包' });
  const bus = new EventBus();
  bus.subscribe((event) => events.push(event));
  service = new SmsService({
    store,
    logger: pino({ level: 'silent' }),
    notifier: new SmsNotifier(bus, Date.now),
    redisUrl: infra().redisUrl,
    prefix: `smsagent-${randomUUID().slice(0, 8)}:`,
    providers: [provider],
    ratePerSecond: { smsc: 50 },
    defaultProvider: 'smsc',
    dailyCapPerNumber: 5,
    maxAttempts: 3,
    retryDelayMs: 100,
    concurrency: 4,
    timezone: 'Asia/Shanghai',
    defaultCountry: 'CN',
    now: Date.now,
    agentTemplates: [
      { id: 'thanks', label: '感谢', text: '{{name}}：{{fields.saleProduct}} {{fields.saleAmount}}元' },
    ],
  });
  await service.start();
});

afterAll(async () => {
  await service?.stop();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const smsEvents = (type: string) =>
  events.filter((e) => e.topic === 'sms' && e.type === type).map((e) => e.data as Record<string, unknown>);

describe("SMS on the agent's screen", () => {
  it("sends the template to the agent's lead, its states named for that agent, delivered by receipt", async () => {
    const message = await service.sendForAgent({
      agentId: 'a1',
      leadId: 'l1',
      templateId: 'thanks',
      by: 'a1',
    });
    await eventually(() => sent.some((m) => m.id === message.id), 'submitted');
    const out = sent.find((m) => m.id === message.id)!;
    expect(out).toMatchObject({ to: '+8613800138020', text: '李：流量包 50.00元' });
    sink.receipt({ providerId: `p-${message.id}`, status: 'delivered', code: 'DELIVRD' });
    await eventually(() => service.message(message.id).state === 'delivered', 'delivered');
    const states = smsEvents('message').filter((d) => d.id === message.id);
    expect(states.map((d) => d.state)).toEqual(['queued', 'submitting', 'submitted', 'delivered']);
    for (const d of states) {
      expect(d.agentIds).toEqual(['a1']);
      expect(JSON.stringify(d)).not.toContain('13800138020');
    }
  });

  it("refuses a lead whose last call is another agent's", async () => {
    await expect(
      service.sendForAgent({ agentId: 'a2', leadId: 'l1', templateId: 'thanks', by: 'a2' }),
    ).rejects.toMatchObject({ code: 'refused' });
  });

  it('matches a 退订 reply to the leads with the number and the agents who called them last', async () => {
    sink.inbound({ from: '+8613800138020', text: '退订' });
    sink.inbound({ from: '+8613800138021', text: 'TD' });
    sink.inbound({ from: '+8613800138099', text: '你好' });
    const replies = smsEvents('inbound');
    expect(replies).toEqual([
      {
        numberMasked: expect.any(String),
        text: '退订',
        optOut: true,
        leadIds: ['l1', 'l2'],
        agentIds: ['a1', 'a2'],
      },
      // A lead nobody called yet: its reply is the supervisors'.
      { numberMasked: expect.any(String), text: 'TD', optOut: true, leadIds: ['l3'], agentIds: [] },
      { numberMasked: expect.any(String), text: '你好', optOut: false, leadIds: [], agentIds: [] },
    ]);
    expect(store.sms.isOptedOut('+8613800138020')).toBe(true);
  });

  it('publishes no message events for a campaign’s messages', async () => {
    const before = smsEvents('message').length;
    const campaign = service.createCampaign({ name: 'bulk', template: 'hi', by: 'sup' });
    service.addRecipients(campaign.id, { kind: 'numbers', recipients: [{ phone: '+8613800138030' }] }, 'sup');
    await service.startCampaign(campaign.id);
    await eventually(() => service.counts(campaign.id).submitted === 1, 'campaign submitted');
    expect(smsEvents('message').length).toBe(before);
  });
});

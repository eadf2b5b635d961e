import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DomainEvent, EventBus } from '../../src/lib/events.js';
import { SmsNotifier } from '../../src/sms/notifier.js';
import { SmsService, type SmsServiceOptions } from '../../src/sms/service.js';
import { SmppProvider } from '../../src/sms/smpp.js';
import { openStore, type Store } from '../../src/store/index.js';
import { eventually, infra } from '../harness/infra.js';
import { LocalSmsc } from '../harness/smsc.js';
import { tempDir } from '../harness/tmp.js';

const logger = pino({ level: 'silent' });
/** Chinese mobile numbers, one per recipient: the SMSC counts submits per destination. */
const number = (i: number) => `+86138${String(i).padStart(8, '0')}`;
const recipients = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ phone: number(from + i), fields: { n: String(from + i) } }));

let smsc: LocalSmsc;
let dir: string;
let store: Store;
const bus = new EventBus();
const events: DomainEvent[] = [];
const running: SmsService[] = [];

function makeService(overrides: Partial<SmsServiceOptions> = {}, rate = 500): SmsService {
  const provider = new SmppProvider(
    {
      name: 'smsc',
      url: smsc.url,
      systemId: 'cc',
      password: 'secret',
      sourceAddr: '10690000',
      enquireLinkMs: 10_000,
      reconnectMs: 200,
      submitTimeoutMs: 5_000,
    },
    logger,
  );
  const service = new SmsService({
    store,
    logger,
    notifier: new SmsNotifier(bus, Date.now),
    redisUrl: infra().redisUrl,
    prefix: `smstest-${randomUUID().slice(0, 8)}:`,
    providers: [provider],
    ratePerSecond: { smsc: rate },
    defaultProvider: 'smsc',
    dailyCapPerNumber: 5,
    maxAttempts: 3,
    retryDelayMs: 100,
    concurrency: 64,
    timezone: 'Asia/Shanghai',
    defaultCountry: 'CN',
    now: Date.now,
    ...overrides,
  });
  running.push(service);
  return service;
}

/** Stops a service (the graceful stop: running jobs finish), as the service's stop does. */
async function stopService(service: SmsService): Promise<void> {
  await service.stop();
  running.splice(running.indexOf(service), 1);
}

beforeAll(async () => {
  smsc = new LocalSmsc();
  await smsc.listen();
  dir = tempDir('cc-sms-');
  store = openStore(join(dir, 'store.db'));
  bus.subscribe((event) => events.push(event));
});

afterEach(async () => {
  for (const service of [...running]) await stopService(service);
  smsc.answer = () => ({ status: 0, receipt: 'DELIVRD' });
});

afterAll(async () => {
  await smsc.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const duplicates = () => [...smsc.submits.values()].filter((n) => n > 1).length;

describe('SMS campaigns over SMPP against a local SMSC', () => {
  it('sends 10,000 messages at the set rate, each submitted once and delivered', async () => {
    const rate = 1_000;
    const service = makeService({}, rate);
    await service.start();
    const campaign = service.createCampaign({
      name: 'big',
      template: '您好 {{fields.n}} 回TD退订',
      by: 'test',
    });
    const report = service.addRecipients(
      campaign.id,
      { kind: 'numbers', recipients: recipients(0, 10_000) },
      'test',
    );
    expect(report).toMatchObject({ added: 10_000, rejected: 0 });
    const before = smsc.submitTotal;
    const started = Date.now();
    await service.startCampaign(campaign.id);
    await eventually(() => service.counts(campaign.id).delivered === 10_000, 'all delivered', 55_000);
    const seconds = (Date.now() - started) / 1_000;
    expect(service.counts(campaign.id)).toMatchObject({
      delivered: 10_000,
      queued: 0,
      submitting: 0,
      failed: 0,
    });
    expect(smsc.submitTotal - before).toBe(10_000);
    expect(duplicates()).toBe(0);
    // The limiter holds the rate: 10,000 at 1,000/s cannot take less than about 9 s.
    expect(seconds).toBeGreaterThan(10_000 / rate - 1.5);
    const sample = service.messages({ campaignId: campaign.id, limit: 1, offset: 0 })[0]!;
    expect(sample.providerId).toMatch(/^M\d+$/);
    expect(sample.text).toMatch(/^您好 \d+ 回TD退订$/);
  }, 60_000);

  it('opts a number out on a "TD" reply (full width, spaces): later messages to it are skipped', async () => {
    const service = makeService();
    await service.start();
    const phone = number(20_000);
    const first = await service.sendSingle({ template: '订单已确认', phone, by: 'agent-1' });
    await eventually(() => service.message(first.id).state === 'delivered', 'first delivered');
    events.length = 0;
    smsc.reply(phone, ' ＴＤ ');
    await eventually(() => store.sms.isOptedOut(phone), 'opted out');
    expect(events).toContainEqual(
      expect.objectContaining({
        topic: 'sms',
        type: 'inbound',
        data: expect.objectContaining({ optOut: true }),
      }),
    );
    const campaign = service.createCampaign({
      name: 'after opt-out',
      template: 'hi {{fields.n}}',
      by: 'test',
    });
    service.addRecipients(
      campaign.id,
      { kind: 'numbers', recipients: [{ phone, fields: { n: '1' } }, ...recipients(20_001, 2)] },
      'test',
    );
    await service.startCampaign(campaign.id);
    await eventually(() => service.counts(campaign.id).delivered === 2, 'others delivered');
    await eventually(() => service.counts(campaign.id).skipped === 1, 'opted-out skipped');
    const skipped = service.messages({ campaignId: campaign.id, state: 'skipped', limit: 5, offset: 0 });
    expect(skipped.map((m) => [m.phone, m.error])).toEqual([[phone, 'opted-out']]);
    expect(smsc.submits.get(phone.slice(1))).toBe(1);
    // A reply that is a sentence is shown, not an opt-out.
    const other = number(20_001);
    smsc.reply(other, 'stop calling me at 5');
    await eventually(
      () => events.some((e) => e.topic === 'sms' && e.type === 'inbound' && !e.data.optOut),
      'reply',
    );
    expect(store.sms.isOptedOut(other)).toBe(false);
  });

  it('after a stop mid-campaign, a new service sends the rest: none twice, none lost', async () => {
    const count = 2_000;
    const first = makeService({}, 400);
    await first.start();
    const campaign = first.createCampaign({ name: 'restart', template: 'r {{fields.n}}', by: 'test' });
    first.addRecipients(campaign.id, { kind: 'numbers', recipients: recipients(30_000, count) }, 'test');
    await first.startCampaign(campaign.id);
    await eventually(() => (first.counts(campaign.id).delivered ?? 0) > 300, 'some sent', 20_000);
    await stopService(first);
    const halfway = first.counts(campaign.id);
    expect(halfway.queued).toBeGreaterThan(0);
    expect(halfway.submitting).toBe(0);

    const second = makeService({}, 2_000);
    await second.start();
    await eventually(() => second.counts(campaign.id).delivered === count, 'all delivered', 30_000);
    const sent = [...smsc.submits.entries()].filter(([to]) => to >= '8613800030000' && to < '8613800032000');
    expect(sent).toHaveLength(count);
    expect(sent.every(([, n]) => n === 1)).toBe(true);
  }, 60_000);

  it('retries a temporary error (throttled) and never a permanent one (bad number)', async () => {
    const throttled = number(40_000);
    const bad = number(40_001);
    smsc.answer = (to, n) =>
      to === throttled.slice(1) && n === 1
        ? { status: 0x58 }
        : to === bad.slice(1)
          ? { status: 0x0b }
          : { status: 0, receipt: 'DELIVRD' };
    const service = makeService();
    await service.start();
    const a = await service.sendSingle({ template: 'a', phone: throttled, by: 'test' });
    const b = await service.sendSingle({ template: 'b', phone: bad, by: 'test' });
    await eventually(() => service.message(a.id).state === 'delivered', 'retried and delivered');
    await eventually(() => service.message(b.id).state === 'failed', 'failed');
    expect(service.message(a.id).attempts).toBe(2);
    expect(service.message(b.id)).toMatchObject({ attempts: 1, error: 'smpp-0x0b' });
    await new Promise((r) => setTimeout(r, 500));
    expect(smsc.submits.get(throttled.slice(1))).toBe(2);
    expect(smsc.submits.get(bad.slice(1))).toBe(1);
  });

  it('gives up after the attempts and skips numbers on the do-not-call list', async () => {
    const busy = number(50_000);
    const listed = number(50_001);
    smsc.answer = (to) => (to === busy.slice(1) ? { status: 0x14 } : { status: 0, receipt: 'DELIVRD' });
    store.dnc.addMany([{ scope: 'global', phone: listed, reason: null, by: 'test' }], Date.now());
    const service = makeService();
    await service.start();
    const a = await service.sendSingle({ template: 'a', phone: busy, by: 'test' });
    const b = await service.sendSingle({ template: 'b', phone: listed, by: 'test' });
    await eventually(() => service.message(a.id).state === 'failed', 'given up', 15_000);
    await eventually(() => service.message(b.id).state === 'skipped', 'skipped');
    expect(service.message(a.id)).toMatchObject({ attempts: 3, error: 'smpp-0x14' });
    expect(service.message(b.id).error).toBe('dnc');
    expect(smsc.submits.get(busy.slice(1))).toBe(3);
    expect(smsc.submits.get(listed.slice(1))).toBeUndefined();
  });

  it('marks a message cut off in submitting by a crash unconfirmed, and never sends it again', async () => {
    const service = makeService();
    const message = await service.sendSingle({ template: 'x', phone: number(60_000), by: 'test' });
    // As a crash between the submitting write and the answer leaves it (the service was never started).
    store.sms.moveMessage(message.id, ['queued'], 'submitting', { addAttempt: true }, Date.now());
    await service.start();
    expect(service.message(message.id).state).toBe('unconfirmed');
    await new Promise((r) => setTimeout(r, 300));
    expect(smsc.submits.get(number(60_000).slice(1))).toBeUndefined();
    await service.resolveUnconfirmed(message.id, 'resend');
    await eventually(() => service.message(message.id).state === 'delivered', 'resent by the operator');
  });
});

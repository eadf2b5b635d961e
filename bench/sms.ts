import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { EventBus } from '../src/lib/events.js';
import { SmsNotifier } from '../src/sms/notifier.js';
import { LIMITER_WINDOW_MS, SmsService } from '../src/sms/service.js';
import { SmppProvider } from '../src/sms/smpp.js';
import { openStore } from '../src/store/index.js';
import { PrivateRedis } from '../test/harness/private-redis.js';
import { LocalSmsc } from '../test/harness/smsc.js';
import { tempDir } from '../test/harness/tmp.js';
import { printBench, round } from './lib.js';

/**
 * `npm run bench -- sms [--messages 100000] [--rate 1000]`: one campaign of `messages` (SMS_BENCH_MESSAGES
 * also sets it) through the SMPP adapter to a local SMSC (test/harness/smsc.ts) at the configured rate,
 * with receipts. Prints the rate the SMSC saw (its submit_sm over the limiter's windows from the first to the last), duplicates (numbers submitted more
 * than once), lost (messages not delivered at the end) and the process's RSS. Target: the rate within 5 %
 * of the configured one, no duplicates, none lost. Redis: REDIS_URL, else a private redis-server.
 */
export async function run(args: Record<string, string>): Promise<void> {
  const messages = Number(args.messages ?? process.env.SMS_BENCH_MESSAGES ?? 100_000);
  const rate = Number(args.rate ?? 1_000);
  const logger = pino({ level: 'silent' });
  let redis: PrivateRedis | undefined;
  if (!process.env.REDIS_URL) {
    redis = new PrivateRedis();
    await redis.start();
  }
  const smsc = new LocalSmsc();
  await smsc.listen();
  const dir = tempDir('cc-bench-sms-');
  const store = openStore(join(dir, 'store.db'));
  const service = new SmsService({
    store,
    logger,
    notifier: new SmsNotifier(new EventBus(), Date.now),
    redisUrl: process.env.REDIS_URL ?? redis!.url,
    prefix: `bench-sms-${process.pid}:`,
    providers: [
      new SmppProvider(
        {
          name: 'smsc',
          url: smsc.url,
          systemId: 'bench',
          password: 'bench',
          sourceAddr: '10690000',
          enquireLinkMs: 30_000,
          reconnectMs: 500,
          submitTimeoutMs: 10_000,
        },
        logger,
      ),
    ],
    ratePerSecond: { smsc: rate },
    defaultProvider: 'smsc',
    dailyCapPerNumber: 3,
    maxAttempts: 3,
    retryDelayMs: 1_000,
    concurrency: Math.min(500, Math.max(16, Math.ceil(rate / 20))),
    timezone: 'Asia/Shanghai',
    defaultCountry: 'CN',
    now: Date.now,
  });
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 500);
  try {
    await service.start();
    const campaign = service.createCampaign({
      name: 'bench',
      template: '您好 {{fields.n}},回TD退订',
      by: 'bench',
    });
    const chunk = 10_000;
    for (let from = 0; from < messages; from += chunk) {
      const recipients = Array.from({ length: Math.min(chunk, messages - from) }, (_, i) => ({
        phone: `+86138${String(from + i).padStart(8, '0')}`,
        fields: { n: String(from + i) },
      }));
      service.addRecipients(campaign.id, { kind: 'numbers', recipients }, 'bench');
    }
    await service.startCampaign(campaign.id);
    // Done when every message is settled (delivered or otherwise) or nothing moved for 30 s.
    let last = -1;
    let stillSince = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const counts = service.counts(campaign.id);
      const settled = counts.delivered + counts.failed + counts.expired + counts.skipped + counts.unconfirmed;
      if (settled >= messages) break;
      if (settled !== last) {
        last = settled;
        stillSince = Date.now();
      } else if (Date.now() - stillSince > 30_000) break;
    }
    const counts = service.counts(campaign.id);
    // The limiter's windows: n windows of submits span n - 1 window lengths from the first to the last.
    const seconds = (smsc.lastSubmitAt - smsc.firstSubmitAt + LIMITER_WINDOW_MS) / 1_000;
    printBench({
      name: 'sms',
      messages,
      rate_per_s: round(smsc.submitTotal / seconds, 1),
      duplicates: [...smsc.submits.values()].filter((n) => n > 1).length,
      lost: messages - counts.delivered,
      rss_mb: round(peakRss / 1024 / 1024, 1),
      target_per_s: rate,
    });
  } finally {
    clearInterval(sampler);
    await service.stop();
    await smsc.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
    await redis?.stop();
  }
}

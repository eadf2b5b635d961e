import type { SmsApiDeps } from '../api/server.js';
import type { SmsProviderConfig } from '../config/schema.js';
import type { Logger } from '../lib/logger.js';
import { AliyunSmsProvider } from '../sms/aliyun.js';
import { SmsNotifier } from '../sms/notifier.js';
import type { SmsProvider } from '../sms/provider.js';
import { SmsService } from '../sms/service.js';
import { SmppProvider } from '../sms/smpp.js';
import type { Store } from '../store/index.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';

/** A provider's secret from the environment variable its config names; the value is never logged. */
function secretFrom(variable: string, provider: string): string {
  const value = process.env[variable];
  if (!value) throw new Error(`sms provider ${provider}: environment variable ${variable} is not set`);
  return value;
}

function buildProvider(name: string, config: SmsProviderConfig, logger: Logger): SmsProvider {
  if (config.kind === 'smpp')
    return new SmppProvider({ ...config, name, password: secretFrom(config.passwordEnv, name) }, logger);
  return new AliyunSmsProvider(
    { ...config, name, accessKeySecret: secretFrom(config.accessKeySecretEnv, name) },
    logger,
  );
}

/**
 * Bulk and single SMS (docs/sms.md). Disabled (sms.enabled false), the routes answer but no provider is
 * configured: campaigns cannot be made. Enabled, the providers connect and the queues run from the
 * schedule phase (after ARI: SMS needs no PBX, and nothing before waits for it); the workers close in the
 * finish phase, after their running submits got their answers.
 */
export function wireSms(deps: { core: Core; store: Store }) {
  const { config, logger, bus, nowMs } = deps.core;
  const settings = config.sms;
  const providers = settings.enabled
    ? Object.entries(settings.providers).map(([name, p]) => buildProvider(name, p, logger))
    : [];
  const sms = new SmsService({
    store: deps.store,
    logger,
    notifier: new SmsNotifier(bus, nowMs),
    redisUrl: config.redis.url,
    prefix: config.redis.keyPrefix,
    providers,
    ratePerSecond: Object.fromEntries(
      Object.entries(settings.providers).map(([name, p]) => [name, p.ratePerSecond]),
    ),
    defaultProvider: settings.defaultProvider,
    dailyCapPerNumber: settings.dailyCapPerNumber,
    maxAttempts: settings.maxAttempts,
    retryDelayMs: settings.retryDelayMs,
    concurrency: settings.concurrency,
    timezone: settings.timezone,
    defaultCountry: config.dialer.defaultCountry,
    now: nowMs,
    agentTemplates: settings.agentTemplates,
  });
  const routes: SmsApiDeps = { sms };
  return {
    domain: 'sms',
    sms,
    routes,
    steps: {
      start: settings.enabled ? { schedule: () => sms.start() } : {},
      stop: { finish: () => sms.stop() },
    } satisfies DomainSteps,
  };
}

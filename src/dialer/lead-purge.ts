import { randomUUID } from 'node:crypto';
import type { Logger } from '../lib/logger.js';

/** Any pino-like logger (a request's, the service's). */
type LogSink = Pick<Logger, 'info' | 'warn'>;

import type { CampaignRow, LeadPurgeRecord, Store } from '../store/index.js';
import { campaignSettingsSchema } from './campaign.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface LeadPurgeRequest {
  /** Only this campaign's leads (all campaigns when absent). */
  campaignId?: string;
  /** Only the leads of this import. */
  importId?: string;
  /** Only leads untouched (updated_at) for this many days. */
  olderThanDays?: number;
  /** Every lead not in a call, used or not; without it only used leads (done, dnc, failed). */
  all?: boolean;
  /** Who purges (an API key's name, or 'schedule'). */
  by: string;
  reason: string;
}

export interface LeadPurgeOptions {
  now?: number;
  logger?: LogSink;
  /** Keep a log entry even when nothing was deleted (on-demand purges: yes; the schedule: no). */
  logEmpty?: boolean;
}

/**
 * Deletes leads and keeps only anonymized counts: which leads is decided by LeadRepository.purge (used
 * leads, or with `all` every lead not in a call; narrowed by campaign, import and age). The error reports
 * of the imports concerned go too, as they hold customer rows: the import's with `importId`; with `all`
 * every finished import's in scope; with `olderThanDays` those of imports started before the cut-off.
 * Each purge is written to the lead purge log (counts by state and by last disposition, no numbers or
 * names) and to the service log. Returns the log entry, or null when nothing was deleted and `logEmpty`
 * is false.
 */
export function purgeLeads(
  store: Store,
  request: LeadPurgeRequest,
  options: LeadPurgeOptions = {},
): LeadPurgeRecord | null {
  const now = options.now ?? Date.now();
  const cutoff = request.olderThanDays === undefined ? undefined : now - request.olderThanDays * DAY_MS;
  const campaignId =
    request.campaignId ??
    (request.importId ? store.leadImports.get(request.importId)?.campaignId : undefined);
  const filter: { campaignId?: string; importId?: string; olderThan?: number; all?: boolean } = {};
  if (campaignId) filter.campaignId = campaignId;
  if (request.importId) filter.importId = request.importId;
  if (cutoff !== undefined) filter.olderThan = cutoff;
  if (request.all) filter.all = true;

  const { record, reports } = store.db.transaction(() => {
    const purged = store.leads.purge(filter);
    const reports = dropReports(store, { campaignId, importId: request.importId, cutoff, all: request.all });
    if (purged.leads === 0 && reports === 0 && !options.logEmpty) return { record: null, reports };
    const scope: Record<string, unknown> = { usedOnly: !request.all };
    if (request.importId) scope.importId = request.importId;
    if (request.olderThanDays !== undefined) scope.olderThanDays = request.olderThanDays;
    const record: LeadPurgeRecord = {
      id: randomUUID(),
      at: now,
      campaignId: campaignId ?? null,
      by: request.by,
      reason: request.reason,
      leads: purged.leads,
      stats: {
        byState: purged.byState,
        byDisposition: purged.byDisposition,
        importReportsDropped: reports,
        scope,
      },
    };
    store.leadPurges.add(record);
    return { record, reports };
  })();

  if (record) {
    options.logger?.info(
      {
        purgeId: record.id,
        campaignId: record.campaignId ?? undefined,
        importId: request.importId,
        by: record.by,
        reason: record.reason,
        leads: record.leads,
        byState: record.stats.byState,
        importReportsDropped: reports,
      },
      'leads purged',
    );
  }
  return record;
}

/** Drops the error reports of the finished imports a purge covers; returns how many imports'. */
function dropReports(
  store: Store,
  scope: { campaignId?: string; importId?: string; cutoff?: number; all?: boolean },
): number {
  if (scope.importId) {
    const record = store.leadImports.get(scope.importId);
    if (!record || record.status === 'running') return 0;
    store.leadImports.dropErrors({ importId: scope.importId });
    return 1;
  }
  if (!scope.all && scope.cutoff === undefined) return 0;
  const campaigns = scope.campaignId ? [scope.campaignId] : store.campaigns.list().map((c) => c.id);
  let dropped = 0;
  for (const campaignId of campaigns) {
    for (const i of store.leadImports.list(campaignId)) {
      if (i.status === 'running') continue;
      if (scope.cutoff !== undefined && i.startedAt >= scope.cutoff) continue;
      if (!hasReport(store, i.id)) continue;
      store.leadImports.dropErrors({ importId: i.id });
      dropped += 1;
    }
  }
  return dropped;
}

const hasReport = (store: Store, importId: string) =>
  store.db.prepare('SELECT 1 FROM lead_import_errors WHERE import_id = ? LIMIT 1').get(importId) !==
  undefined;

/** A campaign's lead time-to-live in days, from its stored settings (the schema's default if unreadable). */
function ttlDays(campaign: CampaignRow, logger?: LogSink): number {
  let raw: unknown;
  try {
    raw = JSON.parse(campaign.settings);
  } catch {
    raw = undefined;
  }
  const parsed = campaignSettingsSchema.safeParse(raw);
  if (parsed.success) return parsed.data.leadTtlDays;
  const ttl = (raw as { leadTtlDays?: unknown } | undefined)?.leadTtlDays;
  if (typeof ttl === 'number' && Number.isInteger(ttl) && ttl >= 1) return ttl;
  logger?.warn({ campaignId: campaign.id }, 'campaign settings unreadable; lead purge uses 30 days');
  return 30;
}

/**
 * The scheduled purge, per campaign: a finished campaign loses every lead not in a call; any other its
 * used leads (done, dnc, failed), and leads untouched for longer than its settings' leadTtlDays. Each
 * purge that deleted something is logged. Returns the log entries.
 */
export function purgeExpired(
  store: Store,
  now: number,
  campaigns: readonly CampaignRow[] = store.campaigns.list(),
  logger?: LogSink,
): LeadPurgeRecord[] {
  const records: LeadPurgeRecord[] = [];
  const keep = (r: LeadPurgeRecord | null) => {
    if (r) records.push(r);
  };
  const options = { now, logger, logEmpty: false };
  for (const campaign of campaigns) {
    const campaignId = campaign.id;
    if (campaign.state === 'finished') {
      keep(
        purgeLeads(store, { campaignId, all: true, by: 'schedule', reason: 'campaign finished' }, options),
      );
      continue;
    }
    keep(purgeLeads(store, { campaignId, by: 'schedule', reason: 'used leads' }, options));
    const days = ttlDays(campaign, logger);
    keep(
      purgeLeads(
        store,
        {
          campaignId,
          all: true,
          olderThanDays: days,
          by: 'schedule',
          reason: `not used within ${days} days`,
        },
        options,
      ),
    );
  }
  return records;
}

/**
 * Runs purgeExpired every `everyMs` (and once at start unless `runAtStart` is false). A failing run is
 * logged and the schedule goes on.
 */
export function scheduleLeadPurge(options: {
  store: Store;
  logger: Logger;
  everyMs: number;
  now?: () => number;
  runAtStart?: boolean;
}): { stop(): void; runNow(): LeadPurgeRecord[] } {
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: 'lead-purge' });
  const runNow = () => purgeExpired(options.store, now(), options.store.campaigns.list(), logger);
  const tick = () => {
    try {
      runNow();
    } catch (err) {
      logger.error({ err }, 'scheduled lead purge failed');
    }
  };
  const timer = setInterval(tick, options.everyMs);
  timer.unref();
  const first = options.runAtStart === false ? undefined : setImmediate(tick);
  return {
    stop() {
      clearInterval(timer);
      if (first) clearImmediate(first);
    },
    runNow,
  };
}

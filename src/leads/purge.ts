import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from '../lib/logger.js';

/** Any pino-like logger (a request's, the service's). */
type LogSink = Pick<Logger, 'info' | 'warn'>;

import { campaignSettingsSchema } from '../dialer/campaign.js';
import type { CampaignRow, LeadPurgeRecord, Store } from '../store/index.js';

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
  /** Stops the purge between two steps (the service stopping); what was deleted stays logged. */
  signal?: AbortSignal;
}

/** Leads (and error report rows) deleted per step: each step is one short transaction. */
export const PURGE_STEP_ROWS = 2_000;

/**
 * Deletes leads and keeps only anonymized counts: which leads is decided by LeadRepository.purge (used
 * leads, or with `all` every lead not in a call and without a live attempt; narrowed by campaign,
 * import and age). The error reports of the imports concerned go too, as they hold customer rows: the
 * import's with `importId`; with `all` every finished import's in scope; with `olderThanDays` those of
 * imports started before the cut-off. Each purge is written to the lead purge log (counts by state and by
 * last disposition, no numbers or names) and to the service log. Returns the log entry, or null when
 * nothing was deleted and `logEmpty` is false.
 *
 * A large purge goes in steps of PURGE_STEP_ROWS rows, each its own transaction that also brings the
 * log entry up to date (so the log always matches what is gone), with a turn of the event loop between
 * steps: calls and requests go on meanwhile.
 */
export async function purgeLeads(
  store: Store,
  request: LeadPurgeRequest,
  options: LeadPurgeOptions = {},
): Promise<LeadPurgeRecord | null> {
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

  const scope: Record<string, unknown> = { usedOnly: !request.all };
  if (request.importId) scope.importId = request.importId;
  if (request.olderThanDays !== undefined) scope.olderThanDays = request.olderThanDays;
  const record: LeadPurgeRecord = {
    id: randomUUID(),
    at: now,
    campaignId: campaignId ?? null,
    by: request.by,
    reason: request.reason,
    leads: 0,
    stats: { byState: {}, byDisposition: {}, importReportsDropped: 0, scope },
  };
  const byState = record.stats.byState as Record<string, number>;
  const byDisposition = record.stats.byDisposition as Record<string, number>;
  let logged = false;
  const updateLog = store.db.prepare('UPDATE lead_purges SET leads = @leads, stats = @stats WHERE id = @id');
  /** Runs one step and, in the same transaction, writes the log entry as it now stands. */
  const step = <T>(work: () => T, changed: (result: T) => boolean): T =>
    store.db.transaction(() => {
      const result = work();
      if (!changed(result)) return result;
      if (logged) updateLog.run({ id: record.id, leads: record.leads, stats: JSON.stringify(record.stats) });
      else store.leadPurges.add(record);
      logged = true;
      return result;
    })();
  const stopped = () => options.signal?.aborted === true;

  for (;;) {
    const part = step(
      () => store.leads.purge({ ...filter, limit: PURGE_STEP_ROWS }),
      (p) => {
        if (p.leads === 0) return false;
        record.leads += p.leads;
        add(byState, p.byState);
        add(byDisposition, p.byDisposition);
        return true;
      },
    );
    if (part.leads < PURGE_STEP_ROWS) break;
    await nextTurn();
    if (stopped()) break;
  }
  if (!stopped()) {
    for (const importId of reportsToDrop(store, {
      campaignId,
      importId: request.importId,
      cutoff,
      all: request.all,
    })) {
      for (let first = true; ; first = false) {
        const dropped = step(
          () => store.leadImports.dropErrors({ importId }, PURGE_STEP_ROWS),
          (n) => {
            if (n === 0 || !first) return n > 0;
            (record.stats as { importReportsDropped: number }).importReportsDropped += 1;
            return true;
          },
        );
        if (dropped < PURGE_STEP_ROWS) break;
        await nextTurn();
        if (stopped()) break;
      }
      if (stopped()) break;
    }
  }
  if (!logged && options.logEmpty) {
    store.leadPurges.add(record);
    logged = true;
  }
  if (!logged) return null;

  options.logger?.info(
    {
      purgeId: record.id,
      campaignId: record.campaignId ?? undefined,
      importId: request.importId,
      by: record.by,
      reason: record.reason,
      leads: record.leads,
      byState,
      importReportsDropped: record.stats.importReportsDropped,
      stopped: stopped() || undefined,
    },
    'leads purged',
  );
  return record;
}

const add = (into: Record<string, number>, counts: Record<string, number>) => {
  for (const [k, n] of Object.entries(counts)) into[k] = (into[k] ?? 0) + n;
};

/** The finished imports whose error reports a purge covers (and that have one). */
function reportsToDrop(
  store: Store,
  scope: { campaignId?: string; importId?: string; cutoff?: number; all?: boolean },
): string[] {
  if (scope.importId) {
    const record = store.leadImports.get(scope.importId);
    if (!record || record.status === 'running' || !hasReport(store, record.id)) return [];
    return [record.id];
  }
  if (!scope.all && scope.cutoff === undefined) return [];
  const campaigns = scope.campaignId ? [scope.campaignId] : store.campaigns.list().map((c) => c.id);
  const ids: string[] = [];
  for (const campaignId of campaigns) {
    for (const i of store.leadImports.list(campaignId)) {
      if (i.status === 'running') continue;
      if (scope.cutoff !== undefined && i.startedAt >= scope.cutoff) continue;
      if (hasReport(store, i.id)) ids.push(i.id);
    }
  }
  return ids;
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
 * used leads (done, dnc, failed), and leads untouched for longer than its settings' leadTtlDays (a
 * callback counts as touched when it is due). Each purge that deleted something is logged. Resolves
 * with the log entries.
 */
export async function purgeExpired(
  store: Store,
  now: number,
  campaigns: readonly CampaignRow[] = store.campaigns.list(),
  logger?: LogSink,
  signal?: AbortSignal,
): Promise<LeadPurgeRecord[]> {
  const records: LeadPurgeRecord[] = [];
  const keep = (r: LeadPurgeRecord | null) => {
    if (r) records.push(r);
  };
  const options = { now, logger, logEmpty: false, signal };
  for (const campaign of campaigns) {
    if (signal?.aborted) break;
    const campaignId = campaign.id;
    if (campaign.state === 'finished') {
      keep(
        await purgeLeads(
          store,
          { campaignId, all: true, by: 'schedule', reason: 'campaign finished' },
          options,
        ),
      );
      continue;
    }
    keep(await purgeLeads(store, { campaignId, by: 'schedule', reason: 'used leads' }, options));
    if (signal?.aborted) break;
    const days = ttlDays(campaign, logger);
    keep(
      await purgeLeads(
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
 * Runs purgeExpired every `everyMs` (and once at start); a run still going when the next is due is not
 * doubled. A failing run is logged and the schedule goes on. stop() ends the schedule and a run going
 * on after its current step.
 */
export function scheduleLeadPurge(options: {
  store: Store;
  logger: Logger;
  everyMs: number;
  now?: () => number;
}): { stop(): void; runNow(): Promise<LeadPurgeRecord[]> } {
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: 'lead-purge' });
  const abort = new AbortController();
  const runNow = () =>
    purgeExpired(options.store, now(), options.store.campaigns.list(), logger, abort.signal);
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running || abort.signal.aborted) return;
    running = runNow()
      .catch((err: unknown) => logger.error({ err }, 'scheduled lead purge failed'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.everyMs);
  timer.unref();
  const first = setImmediate(tick);
  return {
    stop() {
      abort.abort();
      clearInterval(timer);
      clearImmediate(first);
    },
    runNow,
  };
}

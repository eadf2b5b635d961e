import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CampaignSettingsInput } from '../../src/dialer/campaign.js';
import { purgeExpired, purgeLeads, scheduleLeadPurge } from '../../src/leads/purge.js';
import { type LeadState, openStore, type Store } from '../../src/store/index.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 12);

let dir: string;
let store: Store;
let logs: string[];
const logger = () => pino({ level: 'info' }, { write: (line: string) => logs.push(line) });

const settings = (leadTtlDays: number): CampaignSettingsInput => ({
  callerId: '+493012345678',
  window: {
    timezone: 'Europe/Berlin',
    hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '20:00' }],
  },
  leadTtlDays,
});

function campaign(id: string, state = 'active', ttl = 10) {
  store.campaigns.create({
    id,
    name: id,
    state,
    settings: JSON.stringify(settings(ttl)),
    createdAt: NOW - 100 * DAY,
    updatedAt: NOW - 100 * DAY,
  });
}

let seq = 0;
/** A lead in `state`, last touched `ageDays` ago. */
function lead(
  campaignId: string,
  state: LeadState,
  ageDays: number,
  importId: string | null = null,
  disposition?: string,
) {
  seq += 1;
  const id = `lead-${seq}`;
  const at = NOW - ageDays * DAY;
  store.leads.insertMany([
    {
      id,
      campaignId,
      importId,
      phone: `+49301000${String(seq).padStart(4, '0')}`,
      name: `Kunde ${seq}`,
      fields: {},
      createdAt: at,
    },
  ]);
  if (state !== 'new') store.leads.setState(id, 'new', { state, disposition }, at);
  return id;
}

function importWithReport(id: string, campaignId: string, startedAt: number) {
  store.leadImports.start({ id, campaignId, listName: id, by: 'sup', at: startedAt });
  store.leadImports.progress(id, { rowsRead: 1, imported: 0, rejected: 1, duplicates: 0, dnc: 0 }, [
    { line: 2, kind: 'invalid', reason: 'phone: too short', raw: 'Kunde,12' },
  ]);
  store.leadImports.finish(id, 'done', startedAt);
}

const remaining = (campaignId: string) =>
  store.leads
    .list({ campaignId, limit: 1000, offset: 0 })
    .map((l) => l.id)
    .sort();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cc-lead-purge-'));
  store = openStore(join(dir, 'db.sqlite'));
  logs = [];
  seq = 0;
  campaign('spring');
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('purgeLeads', () => {
  it('deletes used leads only, keeping anonymized counts in the purge log', async () => {
    const waiting = [lead('spring', 'new', 1), lead('spring', 'retry', 1), lead('spring', 'callback', 1)];
    lead('spring', 'done', 1, null, 'sale');
    lead('spring', 'done', 2, null, 'not-interested');
    lead('spring', 'dnc', 1, null, 'refused');
    lead('spring', 'failed', 3);
    const inCall = lead('spring', 'reserved', 1);

    const record = await purgeLeads(
      store,
      { campaignId: 'spring', by: 'sup', reason: 'weekly clean-up' },
      { now: NOW, logger: logger() },
    );

    expect(remaining('spring')).toEqual([...waiting, inCall].sort());
    expect(record).toMatchObject({
      at: NOW,
      campaignId: 'spring',
      by: 'sup',
      reason: 'weekly clean-up',
      leads: 4,
      stats: {
        byState: { done: 2, dnc: 1, failed: 1 },
        byDisposition: { sale: 1, 'not-interested': 1, refused: 1, none: 1 },
        importReportsDropped: 0,
        scope: { usedOnly: true },
      },
    });
    expect(store.leadPurges.list('spring')).toEqual([record]);
    const text = JSON.stringify(store.leadPurges.list()) + logs.join('');
    expect(text).not.toMatch(/\+4930|Kunde/);
    expect(logs.some((l) => l.includes('"msg":"leads purged"') && l.includes('"leads":4'))).toBe(true);
  });

  it('with all and an import: that import’s leads, waiting or used but not in a call, and its error report', async () => {
    importWithReport('imp-1', 'spring', NOW - 5 * DAY);
    importWithReport('imp-2', 'spring', NOW - 5 * DAY);
    lead('spring', 'new', 1, 'imp-1');
    lead('spring', 'done', 1, 'imp-1');
    const inCall = lead('spring', 'in-progress', 1, 'imp-1');
    const other = lead('spring', 'new', 1, 'imp-2');

    const record = (await purgeLeads(
      store,
      { importId: 'imp-1', all: true, by: 'sup', reason: 'list withdrawn' },
      { now: NOW },
    ))!;
    expect(record.campaignId).toBe('spring');
    expect(record.leads).toBe(2);
    expect(record.stats).toMatchObject({
      importReportsDropped: 1,
      scope: { importId: 'imp-1', usedOnly: false },
    });
    expect(remaining('spring')).toEqual([inCall, other].sort());
    expect(store.leadImports.errors('imp-1')).toEqual([]);
    expect(store.leadImports.errors('imp-2')).toHaveLength(1);
  });

  it('with olderThanDays: leads untouched that long, and the reports of imports started before', async () => {
    importWithReport('old', 'spring', NOW - 40 * DAY);
    importWithReport('recent', 'spring', NOW - 2 * DAY);
    lead('spring', 'new', 40);
    const fresh = lead('spring', 'new', 2);
    lead('spring', 'done', 31);
    const recentlyDone = lead('spring', 'done', 1);

    const record = (await purgeLeads(
      store,
      { campaignId: 'spring', all: true, olderThanDays: 30, by: 'sup', reason: 'old' },
      { now: NOW },
    ))!;
    expect(record.leads).toBe(2);
    expect(remaining('spring')).toEqual([fresh, recentlyDone].sort());
    expect(store.leadImports.errors('old')).toEqual([]);
    expect(store.leadImports.errors('recent')).toHaveLength(1);
  });

  it('logs an empty on-demand purge, not an empty scheduled one', async () => {
    expect(
      await purgeLeads(store, { campaignId: 'spring', by: 'sup', reason: 'x' }, { now: NOW, logEmpty: true }),
    ).toMatchObject({ leads: 0 });
    expect(
      await purgeLeads(store, { campaignId: 'spring', by: 'schedule', reason: 'x' }, { now: NOW }),
    ).toBeNull();
    expect(store.leadPurges.list()).toHaveLength(1);
  });
});

describe('purgeLeads: what it keeps, and large purges', () => {
  const attempt = (id: string, leadId: string, live: boolean, notes: string) => {
    const lead = store.leads.get(leadId)!;
    store.attempts.open({
      id,
      leadId,
      campaignId: lead.campaignId,
      agentId: 'a1',
      teamId: null,
      phone: lead.phone,
      numberMasked: '****',
      attemptNo: 1,
      at: NOW - DAY,
    });
    store.attempts.update(id, { notes, releasePhone: !live });
  };

  it('keeps a lead whose number a live attempt holds, and clears the notes of every purged attempt', async () => {
    const live = lead('spring', 'done', 1);
    const used = lead('spring', 'done', 1);
    attempt('att-live', live, true, 'on the phone now');
    attempt('att-old', used, false, 'asked for the manager, lives at Hauptstr. 1');
    const record = await purgeLeads(
      store,
      { campaignId: 'spring', all: true, by: 'sup', reason: 'x' },
      { now: NOW },
    );
    expect(record).toMatchObject({ leads: 1 });
    expect(remaining('spring')).toEqual([live]);
    expect(store.attempts.get('att-old')!.notes).toBeNull();
    expect(store.attempts.get('att-live')!.notes).toBe('on the phone now');
  });

  it('keeps a promised callback due in the future from the expiry purge, however old the lead', async () => {
    const promised = lead('spring', 'new', 40);
    store.leads.setState(promised, 'new', { state: 'callback', dueAt: NOW + 2 * DAY }, NOW - 40 * DAY);
    const missed = lead('spring', 'new', 40);
    store.leads.setState(missed, 'new', { state: 'callback', dueAt: NOW - 20 * DAY }, NOW - 40 * DAY);
    const records = await purgeExpired(store, NOW, store.campaigns.list()); // spring: 10 days
    expect(records.map((r) => r.leads)).toEqual([1]);
    expect(remaining('spring')).toEqual([promised]);
  });

  it('deletes a large number of leads in steps, letting the event loop run, the log kept up to date', async () => {
    const many = Array.from({ length: 5_000 }, (_, i) => ({
      id: `bulk-${i}`,
      campaignId: 'spring',
      importId: null,
      phone: `+4930${20_000_000 + i}`,
      name: null,
      fields: {},
      createdAt: NOW - DAY,
    }));
    store.leads.insertMany(many);
    store.db.prepare("UPDATE leads SET state = 'done'").run();
    let turns = 0;
    const ticker = setInterval(() => {
      turns += 1;
    }, 0);
    const abort = new AbortController();
    try {
      // Stopped (the service shutting down) after the first step: what was deleted is logged.
      setImmediate(() => abort.abort());
      const first = await purgeLeads(
        store,
        { campaignId: 'spring', by: 'sup', reason: 'x' },
        { now: NOW, signal: abort.signal },
      );
      expect(first).toMatchObject({ leads: 2_000 });
      expect(store.leadPurges.list()).toEqual([first]);
      const rest = await purgeLeads(store, { campaignId: 'spring', by: 'sup', reason: 'x' }, { now: NOW });
      expect(rest).toMatchObject({ leads: 3_000, stats: { byState: { done: 3_000 } } });
      expect(store.leadPurges.list().map((r) => r.leads)).toEqual([2_000, 3_000]);
    } finally {
      clearInterval(ticker);
    }
    expect(turns).toBeGreaterThan(0);
    expect(remaining('spring')).toEqual([]);
  });
});

describe('purgeExpired', () => {
  it("purges used leads and leads older than the campaign's leadTtlDays, and all of a finished campaign", async () => {
    campaign('summer', 'paused', 30);
    campaign('done-campaign', 'finished');
    const keep = [lead('spring', 'new', 9), lead('spring', 'callback', 5), lead('spring', 'reserved', 50)];
    lead('spring', 'new', 11);
    lead('spring', 'retry', 20);
    lead('spring', 'done', 1, null, 'sale');
    const summerKeep = lead('summer', 'new', 20); // its TTL is 30 days
    lead('summer', 'dnc', 0);
    lead('done-campaign', 'new', 0);
    lead('done-campaign', 'callback', 0);

    const records = await purgeExpired(store, NOW, store.campaigns.list(), logger());

    expect(remaining('spring')).toEqual(keep.sort());
    expect(remaining('summer')).toEqual([summerKeep]);
    expect(remaining('done-campaign')).toEqual([]);
    // Campaigns in store order (created, then id).
    expect(records.map((r) => [r.campaignId, r.reason, r.leads, r.by])).toEqual([
      ['done-campaign', 'campaign finished', 2, 'schedule'],
      ['spring', 'used leads', 1, 'schedule'],
      ['spring', 'not used within 10 days', 2, 'schedule'],
      ['summer', 'used leads', 1, 'schedule'],
    ]);
    expect(store.leadPurges.list()).toHaveLength(4);
    // Nothing left to purge: nothing logged.
    expect(await purgeExpired(store, NOW)).toEqual([]);
    expect(store.leadPurges.list()).toHaveLength(4);
  });

  it('falls back to the stored leadTtlDays (or 30 days) when the settings are not complete', async () => {
    store.campaigns.create({
      id: 'raw',
      name: 'raw',
      state: 'active',
      settings: '{"leadTtlDays":5}',
      createdAt: NOW,
      updatedAt: NOW,
    });
    store.campaigns.create({
      id: 'bare',
      name: 'bare',
      state: 'active',
      settings: '{}',
      createdAt: NOW,
      updatedAt: NOW,
    });
    lead('raw', 'new', 6);
    lead('bare', 'new', 29);
    lead('bare', 'new', 31);
    await purgeExpired(
      store,
      NOW,
      store.campaigns.list().filter((c) => c.id !== 'spring'),
      logger(),
    );
    expect(remaining('raw')).toEqual([]);
    expect(remaining('bare')).toHaveLength(1);
  });
});

describe('scheduleLeadPurge', () => {
  it('runs now and on its interval until stopped', async () => {
    lead('spring', 'done', 1);
    const schedule = scheduleLeadPurge({ store, logger: logger(), everyMs: 10, now: () => NOW });
    await new Promise((r) => setTimeout(r, 40));
    expect(remaining('spring')).toEqual([]);
    lead('spring', 'failed', 1);
    expect(await schedule.runNow()).toHaveLength(1);
    schedule.stop();
    lead('spring', 'failed', 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(remaining('spring')).toHaveLength(1);
  });
});

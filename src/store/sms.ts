import type { Statement } from 'better-sqlite3';
import type { SmsState } from '../sms/state.js';
import type { Database } from './db.js';

export const SMS_CAMPAIGN_STATES = ['draft', 'running', 'paused', 'finished'] as const;
export type SmsCampaignState = (typeof SMS_CAMPAIGN_STATES)[number];

export interface SmsCampaignRecord {
  id: string;
  name: string;
  provider: string;
  template: string;
  state: SmsCampaignState;
  /** JSON of lib/calendar.ts Hours, or null: any time. */
  sendWindow: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export interface SmsMessageRecord {
  id: string;
  campaignId: string | null;
  leadId: string | null;
  phone: string;
  text: string;
  provider: string;
  state: SmsState;
  attempts: number;
  providerId: string | null;
  error: string | null;
  day: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  submittedAt: number | null;
  doneAt: number | null;
}

export type NewSmsMessage = Pick<
  SmsMessageRecord,
  'id' | 'campaignId' | 'leadId' | 'phone' | 'text' | 'provider' | 'createdBy'
>;

/** What a move writes besides the state (absent: unchanged). */
export interface SmsMovePatch {
  providerId?: string;
  error?: string | null;
  day?: string;
  submittedAt?: number;
  doneAt?: number;
  addAttempt?: boolean;
}

export interface SmsInboundRecord {
  id: string;
  phone: string;
  text: string;
  optOut: boolean;
  at: number;
}

const MESSAGE_COLUMNS = `id, campaign_id AS campaignId, lead_id AS leadId, phone, text, provider, state, attempts,
  provider_id AS providerId, error, day, created_by AS createdBy, created_at AS createdAt,
  updated_at AS updatedAt, submitted_at AS submittedAt, done_at AS doneAt`;
const CAMPAIGN_COLUMNS = `id, name, provider, template, state, send_window AS sendWindow,
  created_by AS createdBy, created_at AS createdAt, updated_at AS updatedAt`;

/** SMS campaigns, their messages, opt-outs and inbound messages. Stores; the SMS service decides. */
export class SmsRepository {
  readonly #insertMessage;
  readonly #getMessage;
  readonly #byProviderId;
  readonly #sentOnDay;
  readonly #isOptedOut;
  readonly #moves = new Map<string, Statement>();

  constructor(private readonly db: Database) {
    this.#insertMessage = db.prepare(
      `INSERT INTO sms_messages (id, campaign_id, lead_id, phone, text, provider, state, created_by, created_at,
         updated_at) VALUES (@id, @campaignId, @leadId, @phone, @text, @provider, 'queued', @createdBy, @at, @at)`,
    );
    this.#getMessage = db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM sms_messages WHERE id = ?`);
    this.#byProviderId = db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM sms_messages WHERE provider = ? AND provider_id = ? LIMIT 1`,
    );
    this.#sentOnDay = db.prepare('SELECT count(*) FROM sms_messages WHERE phone = ? AND day = ?').pluck();
    this.#isOptedOut = db.prepare('SELECT 1 FROM sms_opt_outs WHERE phone = ?').pluck();
  }

  createCampaign(c: Omit<SmsCampaignRecord, 'updatedAt'>): void {
    this.db
      .prepare(
        `INSERT INTO sms_campaigns (id, name, provider, template, state, send_window, created_by, created_at,
           updated_at) VALUES (@id, @name, @provider, @template, @state, @sendWindow, @createdBy, @createdAt,
           @createdAt)`,
      )
      .run(c);
  }

  campaign(id: string): SmsCampaignRecord | undefined {
    return this.db.prepare(`SELECT ${CAMPAIGN_COLUMNS} FROM sms_campaigns WHERE id = ?`).get(id) as
      | SmsCampaignRecord
      | undefined;
  }

  campaigns(limit: number, offset: number): SmsCampaignRecord[] {
    return this.db
      .prepare(`SELECT ${CAMPAIGN_COLUMNS} FROM sms_campaigns ORDER BY created_at DESC, id LIMIT ? OFFSET ?`)
      .all(limit, offset) as SmsCampaignRecord[];
  }

  /** Compare-and-set of a campaign's state; false when it was not in one of `from`. */
  setCampaignState(id: string, from: readonly SmsCampaignState[], to: SmsCampaignState, at: number): boolean {
    const marks = from.map(() => '?').join(', ');
    return (
      this.db
        .prepare(`UPDATE sms_campaigns SET state = ?, updated_at = ? WHERE id = ? AND state IN (${marks})`)
        .run(to, at, id, ...from).changes === 1
    );
  }

  insertMessages(messages: readonly NewSmsMessage[], at: number): void {
    this.db.transaction(() => {
      for (const m of messages) this.#insertMessage.run({ ...m, at });
    })();
  }

  message(id: string): SmsMessageRecord | undefined {
    return this.#getMessage.get(id) as SmsMessageRecord | undefined;
  }

  byProviderId(provider: string, providerId: string): SmsMessageRecord | undefined {
    return this.#byProviderId.get(provider, providerId) as SmsMessageRecord | undefined;
  }

  /** Compare-and-set of a message's state: false (nothing written) when it was not in one of `from`. */
  moveMessage(id: string, from: readonly SmsState[], to: SmsState, patch: SmsMovePatch, at: number): boolean {
    const sets = ['state = @to', 'updated_at = @at'];
    if (patch.providerId !== undefined) sets.push('provider_id = @providerId');
    if (patch.error !== undefined) sets.push('error = @error');
    if (patch.day !== undefined) sets.push('day = @day');
    if (patch.submittedAt !== undefined) sets.push('submitted_at = @submittedAt');
    if (patch.doneAt !== undefined) sets.push('done_at = @doneAt');
    if (patch.addAttempt) sets.push('attempts = attempts + 1');
    const states = Object.fromEntries(from.map((s, i) => [`s${i}`, s]));
    const sql = `UPDATE sms_messages SET ${sets.join(', ')} WHERE id = @id AND state IN (${from.map((_, i) => `@s${i}`).join(', ')})`;
    // A handful of shapes (one per move kind), each prepared once: moves run thousands of times a second.
    let statement = this.#moves.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#moves.set(sql, statement);
    }
    return (
      statement.run({
        providerId: null,
        error: null,
        day: null,
        submittedAt: null,
        doneAt: null,
        ...patch,
        ...states,
        to,
        at,
        id,
      }).changes === 1
    );
  }

  /** Queued messages to put on the queue: a running campaign's (or, with null, the single messages). */
  queuedIds(campaignId: string | null, limit: number, afterId: string): string[] {
    const where = campaignId === null ? 'campaign_id IS NULL' : 'campaign_id = @campaignId';
    return this.db
      .prepare(
        `SELECT id FROM sms_messages WHERE state = 'queued' AND ${where} AND id > @afterId ORDER BY id LIMIT @limit`,
      )
      .pluck()
      .all({ campaignId, limit, afterId }) as string[];
  }

  /** Messages left in a state (after a crash: `submitting`). */
  idsInState(state: SmsState): string[] {
    return this.db.prepare('SELECT id FROM sms_messages WHERE state = ?').pluck().all(state) as string[];
  }

  counts(campaignId: string): Partial<Record<SmsState, number>> {
    const rows = this.db
      .prepare('SELECT state, count(*) AS n FROM sms_messages WHERE campaign_id = ? GROUP BY state')
      .all(campaignId) as { state: SmsState; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  messages(filter: {
    campaignId: string;
    state?: SmsState;
    limit: number;
    offset: number;
  }): SmsMessageRecord[] {
    return this.db
      .prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM sms_messages WHERE campaign_id = @campaignId
           AND (@state IS NULL OR state = @state) ORDER BY id LIMIT @limit OFFSET @offset`,
      )
      .all({ state: null, ...filter }) as SmsMessageRecord[];
  }

  /** Messages submitted to a number on a local day (the daily cap). */
  sentOnDay(phone: string, day: string): number {
    return this.#sentOnDay.get(phone, day) as number;
  }

  optOut(phone: string, source: string, at: number): boolean {
    return (
      this.db
        .prepare(
          'INSERT INTO sms_opt_outs (phone, source, at) VALUES (?, ?, ?) ON CONFLICT (phone) DO NOTHING',
        )
        .run(phone, source, at).changes === 1
    );
  }

  isOptedOut(phone: string): boolean {
    return this.#isOptedOut.get(phone) === 1;
  }

  removeOptOut(phone: string): boolean {
    return this.db.prepare('DELETE FROM sms_opt_outs WHERE phone = ?').run(phone).changes === 1;
  }

  optOuts(limit: number, offset: number): { phone: string; source: string; at: number }[] {
    return this.db
      .prepare('SELECT phone, source, at FROM sms_opt_outs ORDER BY at DESC, phone LIMIT ? OFFSET ?')
      .all(limit, offset) as { phone: string; source: string; at: number }[];
  }

  addInbound(r: SmsInboundRecord): void {
    this.db
      .prepare(
        'INSERT INTO sms_inbound (id, phone, text, opt_out, at) VALUES (@id, @phone, @text, @optOut, @at)',
      )
      .run({ ...r, optOut: r.optOut ? 1 : 0 });
  }
}

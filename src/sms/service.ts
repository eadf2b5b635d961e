import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { normalizePhone } from '../leads/phone.js';
import { bestEffort } from '../lib/best-effort.js';
import { type Hours, hoursSchema, scheduleBranch } from '../lib/calendar.js';
import { type CsvInput, CsvInputError, CsvSource, CsvTooLargeError } from '../lib/csv-source.js';
import { uuidv7 } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { maskNumber } from '../lib/mask.js';
import { localDay } from '../lib/time.js';
import type { NewSmsMessage, SmsCampaignRecord, SmsMessageRecord, Store } from '../store/index.js';
import type { SmsNotifier } from './notifier.js';
import { isOptOut } from './opt-out.js';
import type { InboundSms, SmsProvider, SmsReceipt, SubmitResult } from './provider.js';
import { movableFrom, type SmsEvent, type SmsState, smsTransition } from './state.js';
import { fieldsNamed, renderTemplate, type TemplateValues, unknownPlaceholders } from './template.js';

export type SmsErrorCode = 'not-found' | 'invalid' | 'conflict' | 'refused' | 'too-large';

export class SmsError extends Error {
  override readonly name = 'SmsError';
  constructor(
    readonly code: SmsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SmsServiceOptions {
  store: Store;
  logger: Logger;
  notifier: SmsNotifier;
  redisUrl: string;
  /** Key prefix of the queues (an instance's, or a test's). */
  prefix: string;
  providers: readonly SmsProvider[];
  /** Messages per second, per provider name (the queue's limiter). */
  ratePerSecond: Readonly<Record<string, number>>;
  /** The provider a campaign or a single message uses when it names none. */
  defaultProvider: string;
  /** Messages submitted to one number per local day, across campaigns and single messages. */
  dailyCapPerNumber: number;
  /** Submits per message before temporary errors make it failed. */
  maxAttempts: number;
  /** The first retry's delay; each next one doubles. */
  retryDelayMs: number;
  /** Jobs a provider's worker runs at once (answers awaited in parallel, within the rate). */
  concurrency: number;
  timezone: string;
  defaultCountry: string;
  now: () => number;
  /** The templates an agent may send to the lead of their call (config `sms.agentTemplates`). */
  agentTemplates?: readonly AgentSmsTemplate[];
}

/** A template an agent sends from the screen: picked by id, never edited there. */
export interface AgentSmsTemplate {
  id: string;
  label: string;
  text: string;
}

/** The sale of the agent's call, as fields an agent's template may name (`{{fields.saleProduct}}`). */
export const SALE_FIELDS = { product: 'saleProduct', amount: 'saleAmount' } as const;

/** Who recipients come from: leads of a dialer campaign (optionally one import), or listed numbers. */
export type RecipientSource =
  | { kind: 'leads'; campaignId: string; importId?: string }
  | { kind: 'numbers'; recipients: { phone: string; name?: string; fields?: Record<string, string> }[] };

export interface NewCampaign {
  name: string;
  template: string;
  provider?: string;
  sendWindow?: Hours;
  by: string;
}

export interface RecipientReport {
  added: number;
  rejected: number;
  /** The first rejected rows (number masked), up to 100. */
  errors: { row: number; reason: string }[];
}

interface SendJob {
  provider: string;
  messageIds: string[];
}

/** Until a receipt for an id not yet written is matched by its submit's answer (arrived in the same read). */
const EARLY_RECEIPT_MS = 60_000;
/** Outside the send window, a message is looked at again this much later. */
const WINDOW_RECHECK_MS = 60_000;
const ENQUEUE_CHUNK = 1_000;
/** Jobs a provider's queue runs a second at most, and messages per job at most (see batchSize). */
const JOBS_PER_SECOND = 10;
const MAX_BATCH = 100;
export const LIMITER_WINDOW_MS = 1_000;
const MAX_REPORTED_ERRORS = 100;
/** Not a campaign's: the consent check's scope passed to the DNC list (the global list only). */
const GLOBAL_ONLY = '';

/**
 * Bulk and single SMS: campaigns of messages rendered from a template, sent through a provider's
 * rate-limited BullMQ queue, with consent checked at send time and receipts and replies read back.
 *
 * Idempotency (docs/sms.md): a message's state lives in SQLite and moves only by compare-and-set. A job
 * is a hint ("look at message X"); the worker moves the message queued → submitting in one transaction with
 * the consent and daily-cap checks BEFORE calling the provider, and writes the provider's answer after.
 * A job run twice, or a message queued twice, finds it no longer queued and does nothing. The one window
 * left is a crash between the submitting write and the answer's write: such a message is found in
 * `submitting` at the next start and moved to `unconfirmed` (it may have gone out; SMPP has no
 * idempotency key to ask), never sent again by itself. A graceful stop closes the workers after their
 * running jobs, so it leaves none.
 */
export class SmsService {
  private readonly log: Logger;
  private readonly providers = new Map<string, SmsProvider>();
  private readonly queues = new Map<string, Queue<SendJob>>();
  private readonly workers: Worker<SendJob>[] = [];
  private connection: Redis | undefined;
  private readonly earlyReceipts = new Map<string, { receipt: SmsReceipt; at: number }>();
  private started = false;

  constructor(private readonly options: SmsServiceOptions) {
    this.log = options.logger.child({ component: 'sms' });
    for (const provider of options.providers) this.providers.set(provider.name, provider);
    if (!this.providers.has(options.defaultProvider) && options.providers.length > 0)
      throw new Error(`sms: the default provider ${options.defaultProvider} is not configured`);
    for (const template of options.agentTemplates ?? []) {
      const unknown = unknownPlaceholders(template.text);
      if (unknown.length > 0)
        throw new Error(
          `sms: agent template ${template.id} names unknown placeholders: ${unknown.join(', ')}`,
        );
    }
  }

  get providerNames(): string[] {
    return [...this.providers.keys()];
  }

  async start(): Promise<void> {
    const { store } = this.options;
    // Set first: a start failing half-way still has stop() close what it opened.
    this.started = true;
    // A crash between the submitting write and the provider's answer: unknown whether it went out.
    for (const id of store.sms.idsInState('submitting')) this.move(id, 'crash-found', { error: 'restart' });
    this.connection = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null });
    this.connection.on('error', (err) => this.log.warn({ err: err.message }, 'redis error (sms)'));
    const common = { connection: this.connection, prefix: `${this.options.prefix}bull` };
    for (const provider of this.providers.values()) {
      await provider.start({
        receipt: (receipt) => this.onReceipt(provider.name, receipt),
        inbound: (message) => this.onInbound(provider.name, message),
      });
      const name = `sms-${provider.name}`;
      this.queues.set(provider.name, new Queue<SendJob>(name, common));
      const worker = new Worker<SendJob>(name, (job) => this.process(job), {
        ...common,
        concurrency: this.options.concurrency,
        limiter: this.limiter(provider.name),
      });
      worker.on('error', (err) => this.log.error({ err }, 'sms worker error'));
      // Its messages stay queued (the next start or resume enqueues them again, under the same job id).
      worker.on('failed', (job, err) =>
        this.log.error({ err: err.message, messages: job?.data.messageIds.length }, 'sms job failed'),
      );
      this.workers.push(worker);
    }
    // What was queued before the stop: running campaigns' messages and single messages.
    for (const campaign of store.sms.campaigns(10_000, 0))
      if (campaign.state === 'running') await this.enqueueQueued(campaign.id);
    await this.enqueueQueued(null);
  }

  /** Stops taking jobs, lets running ones get their answer, then disconnects. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await Promise.all(this.workers.map((w) => bestEffort(w.close(), this.log, 'sms worker close')));
    await Promise.all(
      [...this.queues.values()].map((q) => bestEffort(q.close(), this.log, 'sms queue close')),
    );
    for (const provider of this.providers.values())
      await bestEffort(provider.stop(), this.log, 'sms provider stop');
    await bestEffort(this.connection?.quit(), this.log, 'sms redis quit');
    this.workers.length = 0;
    this.queues.clear();
  }

  // ---- campaigns --------------------------------------------------------------------------------------

  createCampaign(input: NewCampaign): SmsCampaignRecord {
    this.checkTemplate(input.template);
    const provider = input.provider ?? this.options.defaultProvider;
    if (!this.providers.has(provider)) throw new SmsError('invalid', `no SMS provider named ${provider}`);
    const sendWindow = input.sendWindow ? hoursSchema.parse(input.sendWindow) : null;
    const record: SmsCampaignRecord = {
      id: uuidv7(this.options.now()),
      name: input.name,
      provider,
      template: input.template,
      state: 'draft',
      sendWindow: sendWindow ? JSON.stringify(sendWindow) : null,
      createdBy: input.by,
      createdAt: this.options.now(),
      updatedAt: this.options.now(),
    };
    this.options.store.sms.createCampaign(record);
    return record;
  }

  campaign(id: string): SmsCampaignRecord {
    const campaign = this.options.store.sms.campaign(id);
    if (!campaign) throw new SmsError('not-found', `no SMS campaign ${id}`);
    return campaign;
  }

  campaigns(limit: number, offset: number): SmsCampaignRecord[] {
    return this.options.store.sms.campaigns(limit, offset);
  }

  counts(campaignId: string): Record<SmsState, number> {
    this.campaign(campaignId);
    const counts = this.options.store.sms.counts(campaignId);
    return {
      queued: 0,
      submitting: 0,
      submitted: 0,
      delivered: 0,
      failed: 0,
      expired: 0,
      skipped: 0,
      unconfirmed: 0,
      ...counts,
    };
  }

  messages(filter: {
    campaignId: string;
    state?: SmsState;
    limit: number;
    offset: number;
  }): SmsMessageRecord[] {
    this.campaign(filter.campaignId);
    return this.options.store.sms.messages(filter);
  }

  /** Adds recipients to a draft or paused campaign: each a message with its text rendered now. */
  addRecipients(campaignId: string, source: RecipientSource, by: string): RecipientReport {
    const campaign = this.editable(campaignId);
    const report: RecipientReport = { added: 0, rejected: 0, errors: [] };
    const add = this.recipientAdder(campaign, by, report);
    if (source.kind === 'numbers') {
      for (const [i, r] of source.recipients.entries())
        add(i + 1, r.phone, r.name ?? null, r.fields ?? {}, null);
    } else {
      const { leads } = this.options.store;
      for (let offset = 0; ; offset += ENQUEUE_CHUNK) {
        const page = leads.list({ campaignId: source.campaignId, limit: ENQUEUE_CHUNK, offset });
        for (const [i, lead] of page.entries())
          if (!source.importId || lead.importId === source.importId)
            add(offset + i + 1, lead.phone, lead.name, lead.fields, lead.id);
        if (page.length < ENQUEUE_CHUNK) break;
      }
    }
    add.flush();
    return report;
  }

  /**
   * Recipients from a CSV, streamed (lib/csv-source.ts): a header row; the number in the column named
   * `phoneColumn`, the name in `name` if present, every other column a field the template may name.
   */
  async addRecipientsCsv(
    campaignId: string,
    input: CsvInput,
    options: { by: string; phoneColumn: string; maxBytes: number },
  ): Promise<RecipientReport> {
    const campaign = this.editable(campaignId);
    const report: RecipientReport = { added: 0, rejected: 0, errors: [] };
    const add = this.recipientAdder(campaign, options.by, report);
    const source = new CsvSource(input, { maxBytes: options.maxBytes, maxRecordChars: 16_384 });
    let header: string[] | null = null;
    for (let records = await this.csvNext(source); records !== null; records = await this.csvNext(source)) {
      for (const record of records) {
        if (record.error) {
          report.rejected += 1;
          if (report.errors.length < MAX_REPORTED_ERRORS)
            report.errors.push({ row: record.line, reason: record.error });
          continue;
        }
        if (header === null) {
          header = record.cells.map((c) => c.trim());
          if (!header.includes(options.phoneColumn))
            throw new SmsError('invalid', `the CSV has no column named ${options.phoneColumn}`);
          continue;
        }
        const fields: Record<string, string> = {};
        let phone = '';
        let name: string | null = null;
        header.forEach((column, i) => {
          const value = record.cells[i] ?? '';
          if (column === options.phoneColumn) phone = value;
          else if (column === 'name') name = value;
          else if (column) fields[column] = value;
        });
        add(record.line, phone, name, fields, null);
      }
      add.flush();
    }
    add.flush();
    return report;
  }

  /** The next records; the input's own failures as SmsErrors (the recipients before them stay added). */
  private async csvNext(source: CsvSource) {
    try {
      return await source.next();
    } catch (err) {
      if (err instanceof CsvTooLargeError)
        throw new SmsError('too-large', `${err.message}; the rows before it were added`);
      if (err instanceof CsvInputError) throw new SmsError('invalid', err.message);
      throw err;
    }
  }

  async startCampaign(id: string): Promise<SmsCampaignRecord> {
    this.campaign(id);
    if (!this.options.store.sms.setCampaignState(id, ['draft', 'paused'], 'running', this.options.now()))
      throw new SmsError('conflict', 'only a draft or paused campaign can start');
    this.options.notifier.campaign({ campaignId: id, state: 'running' });
    this.log.info({ campaignId: id }, 'sms campaign running');
    await this.enqueueQueued(id);
    return this.campaign(id);
  }

  /** Paused: its queued messages stay queued (their jobs find it paused and leave them) until it starts again. */
  pauseCampaign(id: string): SmsCampaignRecord {
    this.campaign(id);
    if (!this.options.store.sms.setCampaignState(id, ['running'], 'paused', this.options.now()))
      throw new SmsError('conflict', 'only a running campaign can pause');
    this.options.notifier.campaign({ campaignId: id, state: 'paused' });
    this.log.info({ campaignId: id }, 'sms campaign paused');
    return this.campaign(id);
  }

  // ---- single messages --------------------------------------------------------------------------------

  /**
   * One message now (an agent's confirmation after a sale): the template rendered with the lead's values,
   * or with a number and given fields. Consent and the daily cap are checked when it is sent.
   */
  async sendSingle(input: {
    template: string;
    leadId?: string;
    phone?: string;
    name?: string;
    fields?: Record<string, string>;
    provider?: string;
    by: string;
  }): Promise<SmsMessageRecord> {
    this.checkTemplate(input.template);
    const provider = input.provider ?? this.options.defaultProvider;
    let values: TemplateValues;
    let leadId: string | null = null;
    if (input.leadId) {
      const lead = this.options.store.leads.get(input.leadId);
      if (!lead) throw new SmsError('not-found', `no lead ${input.leadId}`);
      values = { name: lead.name, phone: lead.phone, fields: { ...lead.fields, ...input.fields } };
      leadId = lead.id;
    } else {
      const normalized = normalizePhone(input.phone ?? '', this.options.defaultCountry);
      if (!normalized.ok) throw new SmsError('invalid', `not a phone number: ${normalized.reason}`);
      values = { name: input.name ?? null, phone: normalized.e164, fields: input.fields ?? {} };
    }
    return this.queueSingle(input.template, values, leadId, provider, input.by);
  }

  /** None while SMS is off (no provider): the agent's screen then offers nothing to send. */
  get agentTemplates(): readonly AgentSmsTemplate[] {
    return this.providers.size > 0 ? (this.options.agentTemplates ?? []) : [];
  }

  /**
   * An agent's message to the lead of their current or last call: one of the agent templates, filled
   * with the lead's name and fields and the call's sale (SALE_FIELDS). The agent never gives the text
   * nor the number; a lead whose latest call is another agent's is refused.
   */
  async sendForAgent(input: {
    agentId: string;
    leadId: string;
    templateId: string;
    by: string;
  }): Promise<SmsMessageRecord> {
    const template = this.agentTemplates.find((t) => t.id === input.templateId);
    if (!template) throw new SmsError('invalid', `no agent SMS template ${input.templateId}`);
    const { store } = this.options;
    const lead = store.leads.get(input.leadId);
    const latest = lead && store.attempts.latestForLead(lead.id);
    if (!lead || latest?.agentId !== input.agentId)
      throw new SmsError('refused', 'an agent texts only the lead of their current or last call');
    const sale: Record<string, string> = {};
    if (latest.saleProduct !== null) sale[SALE_FIELDS.product] = latest.saleProduct;
    if (latest.saleAmountCents !== null) sale[SALE_FIELDS.amount] = (latest.saleAmountCents / 100).toFixed(2);
    const values = { name: lead.name, phone: lead.phone, fields: { ...lead.fields, ...sale } };
    return this.queueSingle(template.text, values, lead.id, this.options.defaultProvider, input.by);
  }

  private async queueSingle(
    template: string,
    values: TemplateValues,
    leadId: string | null,
    provider: string,
    by: string,
  ): Promise<SmsMessageRecord> {
    const missing = fieldsNamed(template).filter((f) => !values.fields[f]);
    if (missing.length > 0)
      throw new SmsError('invalid', `no value for ${missing.map((f) => `fields.${f}`).join(', ')}`);
    if (!this.providers.has(provider)) throw new SmsError('invalid', `no SMS provider named ${provider}`);
    const message: NewSmsMessage = {
      id: uuidv7(this.options.now()),
      campaignId: null,
      leadId,
      phone: values.phone,
      text: renderTemplate(template, values),
      provider,
      createdBy: by,
    };
    this.options.store.sms.insertMessages([message], this.options.now());
    this.publishMessage(this.options.store.sms.message(message.id)!);
    await this.enqueue(provider, [message.id]);
    return this.options.store.sms.message(message.id)!;
  }

  /** The agents a lead's messages and replies concern: the agent of its latest call. */
  agentsOfLead(leadId: string | null): string[] {
    const agentId = leadId ? this.options.store.attempts.latestForLead(leadId)?.agentId : undefined;
    return agentId ? [agentId] : [];
  }

  /**
   * A single message's state for the agent screens (`sms.message`). Campaign messages publish none:
   * ten thousand receipts are the campaign page's counts, not events.
   */
  private publishMessage(message: SmsMessageRecord): void {
    if (message.campaignId !== null) return;
    this.options.notifier.message({
      id: message.id,
      leadId: message.leadId,
      numberMasked: maskNumber(message.phone),
      state: message.state,
      error: message.error,
      agentIds: this.agentsOfLead(message.leadId),
    });
  }

  message(id: string): SmsMessageRecord {
    const message = this.options.store.sms.message(id);
    if (!message) throw new SmsError('not-found', `no SMS message ${id}`);
    return message;
  }

  /** An operator's decision on an `unconfirmed` message: sent again (checked it never went out) or failed. */
  async resolveUnconfirmed(id: string, action: 'resend' | 'give-up'): Promise<SmsMessageRecord> {
    const message = this.message(id);
    if (!this.move(id, action, { error: action === 'give-up' ? 'given-up' : null }))
      throw new SmsError('conflict', `message is ${message.state}, not unconfirmed`);
    if (action === 'resend') await this.enqueue(message.provider, [id]);
    return this.message(id);
  }

  // ---- opt-outs ---------------------------------------------------------------------------------------

  optOut(phone: string, source: string): { phone: string; added: boolean } {
    const normalized = normalizePhone(phone, this.options.defaultCountry);
    if (!normalized.ok) throw new SmsError('invalid', `not a phone number: ${normalized.reason}`);
    return {
      phone: normalized.e164,
      added: this.options.store.sms.optOut(normalized.e164, source, this.options.now()),
    };
  }

  removeOptOut(phone: string): boolean {
    return this.options.store.sms.removeOptOut(phone);
  }

  optOuts(limit: number, offset: number) {
    return this.options.store.sms.optOuts(limit, offset);
  }

  // ---- sending ----------------------------------------------------------------------------------------

  /** One job: a batch of messages of one provider, submitted together (one slot of the rate limit). */
  private async process(job: Job<SendJob>): Promise<void> {
    const { store } = this.options;
    const due: SmsMessageRecord[] = [];
    const later: string[] = [];
    for (const id of job.data.messageIds) {
      const message = store.sms.message(id);
      // Sent, skipped or settled already: a repeated job is a no-op (the idempotency rule).
      if (message?.state !== 'queued') continue;
      const campaign = message.campaignId ? store.sms.campaign(message.campaignId) : undefined;
      // Paused or finished: left queued; a start puts it back on the queue.
      if (campaign && campaign.state !== 'running') continue;
      if (campaign?.sendWindow && !this.windowOpen(campaign.sendWindow)) later.push(id);
      else if (this.claim(message)) due.push(message);
    }
    if (later.length > 0)
      await this.enqueue(job.data.provider, later, WINDOW_RECHECK_MS, `w${this.options.now()}`);
    if (due.length === 0) return;
    const provider = this.providers.get(job.data.provider);
    const results: SubmitResult[] = provider
      ? await provider.sendBatch(due.map((m) => ({ id: m.id, to: m.phone, text: m.text })))
      : due.map(() => ({ outcome: 'permanent', code: 'no-provider' }));
    for (const [i, message] of due.entries())
      await this.settleSubmit(message, results[i] ?? { outcome: 'unknown', code: 'no-result' });
  }

  private windowOpen(sendWindow: string): boolean {
    const hours = hoursSchema.parse(JSON.parse(sendWindow));
    return scheduleBranch(hours, new Date(this.options.now())) === 'open';
  }

  /**
   * Consent, the daily cap and the submitting write in one transaction: the check and the count it reads
   * cannot be overtaken by another job. False when the message was skipped or taken by another job.
   */
  private claim(message: SmsMessageRecord): boolean {
    const { store } = this.options;
    const day = localDay(this.options.timezone, new Date(this.options.now()));
    return store.db.transaction(() => {
      const reason = store.dnc.blocked(message.phone, message.campaignId ?? GLOBAL_ONLY)
        ? 'dnc'
        : store.sms.isOptedOut(message.phone)
          ? 'opted-out'
          : store.sms.sentOnDay(message.phone, day) >= this.options.dailyCapPerNumber
            ? 'daily-cap'
            : null;
      if (reason) {
        this.move(message.id, 'skip', { error: reason, doneAt: this.options.now() });
        return false;
      }
      return this.move(message.id, 'submit', { day, addAttempt: true });
    })();
  }

  private async settleSubmit(message: SmsMessageRecord, result: SubmitResult): Promise<void> {
    const now = this.options.now();
    switch (result.outcome) {
      case 'accepted': {
        this.move(message.id, 'accepted', { providerId: result.providerId, submittedAt: now, error: null });
        const early = this.earlyReceipts.get(`${message.provider}:${result.providerId}`);
        if (early) {
          this.earlyReceipts.delete(`${message.provider}:${result.providerId}`);
          this.applyReceipt(message.id, early.receipt);
        }
        return;
      }
      case 'permanent':
        this.move(message.id, 'permanent-error', { error: result.code, doneAt: now });
        return;
      case 'unknown':
        this.move(message.id, 'no-answer', { error: result.code });
        this.log.warn({ messageId: message.id, code: result.code }, 'sms submit unanswered: unconfirmed');
        return;
      case 'temporary': {
        // The attempt just made is counted: message.attempts + 1.
        const attempts = message.attempts + 1;
        this.move(message.id, 'temporary-error', { error: result.code });
        if (attempts >= this.options.maxAttempts) {
          this.move(message.id, 'give-up', { error: result.code, doneAt: now });
          return;
        }
        const delay = this.options.retryDelayMs * 2 ** (attempts - 1);
        await this.enqueue(message.provider, [message.id], delay, `r${attempts}`);
      }
    }
  }

  private onReceipt(provider: string, receipt: SmsReceipt): void {
    const message = this.options.store.sms.byProviderId(provider, receipt.providerId);
    if (!message) {
      // Its submit's answer came in the same read and is not written yet; matched when it is.
      this.pruneEarlyReceipts();
      this.earlyReceipts.set(`${provider}:${receipt.providerId}`, { receipt, at: this.options.now() });
      return;
    }
    this.applyReceipt(message.id, receipt);
  }

  private applyReceipt(id: string, receipt: SmsReceipt): void {
    const event: SmsEvent = receipt.status;
    this.move(id, event, {
      doneAt: this.options.now(),
      error: receipt.status === 'delivered' ? null : receipt.code,
    });
  }

  private pruneEarlyReceipts(): void {
    const oldest = this.options.now() - EARLY_RECEIPT_MS;
    for (const [key, { at }] of this.earlyReceipts) {
      if (at >= oldest) break;
      this.earlyReceipts.delete(key);
    }
  }

  private onInbound(provider: string, inbound: InboundSms): void {
    const { store } = this.options;
    const normalized = normalizePhone(inbound.from, this.options.defaultCountry);
    const phone = normalized.ok ? normalized.e164 : inbound.from;
    const optOut = isOptOut(inbound.text);
    const at = this.options.now();
    store.sms.addInbound({ id: uuidv7(at), phone, text: inbound.text.slice(0, 1_000), optOut, at });
    if (optOut && store.sms.optOut(phone, 'reply', at))
      this.log.info({ provider, number: maskNumber(phone) }, 'sms opt-out by reply');
    // The customers this number is (its leads) and the agents who called them last: the event reaches
    // those agents' screens (and their team leaders), no one else's.
    const leadIds = normalized.ok ? store.leads.byPhone(phone).map((lead) => lead.id) : [];
    const agentIds = [...new Set(leadIds.flatMap((id) => this.agentsOfLead(id)))];
    this.options.notifier.inbound({
      numberMasked: maskNumber(phone),
      text: inbound.text.slice(0, 1_000),
      optOut,
      leadIds,
      agentIds,
    });
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  /** Moves a message by the table, as a compare-and-set in the store; logs `from -event-> to`. */
  private move(id: string, event: SmsEvent, patch: Parameters<Store['sms']['moveMessage']>[3]): boolean {
    const { store } = this.options;
    const message = store.sms.message(id);
    if (!message) return false;
    const result = smsTransition(message.state, event);
    if (!result.ok) {
      // A late receipt for a settled message, a job for a message already sent: expected races.
      this.log.debug({ messageId: id, from: message.state, event }, `refused sms move: ${result.error}`);
      return false;
    }
    const moved = store.sms.moveMessage(id, movableFrom(event), result.next, patch, this.options.now());
    if (moved) {
      this.log.debug(
        { messageId: id, from: message.state, event, to: result.next },
        `sms ${message.state} -${event}-> ${result.next}`,
      );
      if (message.campaignId === null) this.publishMessage(store.sms.message(id)!);
    }
    return moved;
  }

  private checkTemplate(template: string): void {
    const unknown = unknownPlaceholders(template);
    if (unknown.length > 0)
      throw new SmsError('invalid', `unknown placeholders: ${unknown.map((n) => `{{${n}}}`).join(', ')}`);
  }

  private editable(campaignId: string): SmsCampaignRecord {
    const campaign = this.campaign(campaignId);
    if (campaign.state !== 'draft' && campaign.state !== 'paused')
      throw new SmsError('conflict', 'recipients are added to a draft or paused campaign');
    return campaign;
  }

  /** Validates and renders recipients, written in batches; `flush` writes the rest. */
  private recipientAdder(campaign: SmsCampaignRecord, by: string, report: RecipientReport) {
    const named = fieldsNamed(campaign.template);
    let batch: NewSmsMessage[] = [];
    const reject = (row: number, reason: string) => {
      report.rejected += 1;
      if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ row, reason });
    };
    const add = (
      row: number,
      rawPhone: string,
      name: string | null,
      fields: Record<string, string>,
      leadId: string | null,
    ) => {
      const normalized = normalizePhone(rawPhone, this.options.defaultCountry);
      if (!normalized.ok) return reject(row, `not a phone number: ${normalized.reason}`);
      const missing = named.filter((f) => !Object.hasOwn(fields, f) || !fields[f]);
      if (missing.length > 0)
        return reject(row, `no value for ${missing.map((f) => `fields.${f}`).join(', ')}`);
      batch.push({
        id: uuidv7(this.options.now()),
        campaignId: campaign.id,
        leadId,
        phone: normalized.e164,
        text: renderTemplate(campaign.template, { name, phone: normalized.e164, fields }),
        provider: campaign.provider,
        createdBy: by,
      });
      report.added += 1;
      if (batch.length >= ENQUEUE_CHUNK) add.flush();
    };
    add.flush = () => {
      if (batch.length === 0) return;
      this.options.store.sms.insertMessages(batch, this.options.now());
      batch = [];
    };
    return add;
  }

  /** Puts a campaign's (or, with null, the single messages') queued messages on their queue. */
  private async enqueueQueued(campaignId: string | null): Promise<void> {
    const { store } = this.options;
    let afterId = '';
    for (;;) {
      const ids = store.sms.queuedIds(campaignId, ENQUEUE_CHUNK, afterId);
      if (ids.length === 0) return;
      const byProvider = new Map<string, string[]>();
      for (const id of ids) {
        const provider = store.sms.message(id)?.provider ?? this.options.defaultProvider;
        byProvider.set(provider, [...(byProvider.get(provider) ?? []), id]);
      }
      for (const [provider, providerIds] of byProvider) await this.enqueue(provider, providerIds);
      afterId = ids[ids.length - 1]!;
    }
  }

  /**
   * Jobs for messages: batches of `batchSize(provider)` (one rate-limit slot each). A job's id names its
   * first and last message (plus the retry's or the window's mark): BullMQ keeps one job per id, and the
   * compare-and-set makes a message met twice a no-op anyway.
   */
  private async enqueue(provider: string, ids: readonly string[], delay = 0, mark = ''): Promise<void> {
    const queue = this.queues.get(provider);
    // Not started (or stopping): the next start enqueues every queued message.
    if (!queue) return;
    const size = this.batchSize(provider);
    const jobs = [];
    for (let at = 0; at < ids.length; at += size) {
      const messageIds = ids.slice(at, at + size);
      const key = `${messageIds[0]}_${messageIds.length}${mark ? `_${mark}` : ''}`;
      jobs.push({
        name: 'send',
        data: { provider, messageIds },
        opts: { jobId: key, delay, removeOnComplete: true, removeOnFail: true },
      });
    }
    await queue.addBulk(jobs);
  }

  /**
   * Messages per job: at most JOBS_PER_SECOND jobs a second whatever the rate (a queue's jobs cost Redis
   * round trips; a provider's batch costs one submit window). The limiter (see limiter) holds the rate.
   */
  private batchSize(provider: string): number {
    return Math.min(MAX_BATCH, Math.max(1, Math.ceil(this.rateOf(provider) / JOBS_PER_SECOND)));
  }

  /**
   * Windows of one second, as providers count their limits: BullMQ starts a window at the first job after
   * the last one expired, so each window costs a Redis round trip more than its length; at one second
   * that is well under 1 % (at 100 ms it was 10 %). A rate below one job a second gets longer windows.
   */
  private limiter(provider: string): { max: number; duration: number } {
    const perSecond = this.rateOf(provider) / this.batchSize(provider);
    const duration = Math.max(LIMITER_WINDOW_MS, Math.ceil(1_000 / perSecond));
    return { max: Math.max(1, Math.round((perSecond * duration) / 1_000)), duration };
  }

  private rateOf(provider: string): number {
    return Math.max(1, this.options.ratePerSecond[provider] ?? 10);
  }
}

import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { normalizePhone } from '../leads/phone.js';
import { bestEffort } from '../lib/best-effort.js';
import type { Logger } from '../lib/logger.js';
import { maskNumber } from '../lib/mask.js';
import type { FaxRecord, FaxSearch, Store } from '../store/index.js';
import type { FaxChannel, FaxInbox, FaxReceipt } from './channel.js';
import { FaxInputError, inspectPdf, pdfToFaxTiff, sniffDocument, tiffToPdf } from './convert.js';
import type { FaxLines } from './lines.js';
import type { FaxNotifier, FaxSummary } from './notifier.js';
import { describeOutcome, type FaxOutcome, type FaxRetryRules, retryDecision } from './policy.js';
import { type FaxEvent, type FaxState, faxMove } from './state.js';

/** A move the table does not allow (409 at the API), or a fax that moved meanwhile. */
export class FaxMoveRefused extends Error {
  override readonly name = 'FaxMoveRefused';
}

export interface FaxServiceOptions {
  store: Store;
  channel: FaxChannel;
  lines: FaxLines;
  events: FaxNotifier;
  log: Logger;
  nowMs: () => number;
  /** Where PDFs are kept (fax.dir), and the spool shared with the PBX as the service sees it. */
  dir: string;
  spoolDir: string;
  maxPages: number;
  defaultCountry: string;
  retry: () => FaxRetryRules;
}

/** The fax domain: faxes to send (convert, queue for a line, send, retry by rule) and faxes received. */
export class FaxService implements FaxInbox {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly o: FaxServiceOptions) {
    o.channel.receiveInto(this);
  }

  /**
   * Takes a document to send to `number`: refuses (FaxInputError) what is not a PDF or TIFF, an
   * encrypted PDF and one over the page limit, before anything is stored; then keeps it as a PDF, queues
   * it and returns its record while conversion and sending go on.
   */
  async send(input: {
    body: Buffer;
    number: string;
    fileName?: string;
    createdBy?: string;
  }): Promise<FaxRecord> {
    const phone = normalizePhone(input.number, this.o.defaultCountry);
    if (!phone.ok) throw new FaxInputError('FAX_BAD_NUMBER', `Fax number refused: ${phone.reason}`);
    const kind = sniffDocument(input.body);
    if (!kind)
      throw new FaxInputError(
        'FAX_NOT_A_DOCUMENT',
        'Not a PDF or TIFF: send the document as PDF (or a TIFF scan)',
      );
    const id = randomUUID();
    const pdfPath = this.pdfPathFor(id);
    const pdf = this.abs(pdfPath);
    await mkdir(join(pdf, '..'), { recursive: true });
    const upload = join(this.o.spoolDir, `${id}-upload.${kind}`);
    await mkdir(this.o.spoolDir, { recursive: true });
    try {
      await writeFile(upload, input.body);
      if (kind === 'tiff') {
        await tiffToPdf(upload, pdf).catch(() => {
          throw new FaxInputError('FAX_UNREADABLE', 'The TIFF cannot be read');
        });
      } else await copyFile(upload, pdf);
      const pages = await inspectPdf(pdf, this.o.maxPages);
      const at = this.o.nowMs();
      this.o.store.faxes.insert({
        id,
        direction: 'out',
        state: 'queued',
        number: phone.e164,
        numberMasked: maskNumber(phone.e164),
        remoteStation: null,
        pages,
        error: null,
        pdfPath,
        fileName: input.fileName ?? null,
        createdBy: input.createdBy ?? null,
        createdAt: at,
      });
    } catch (err) {
      await bestEffort(() => rm(pdf, { force: true }), this.o.log, 'remove a refused fax');
      throw err;
    } finally {
      await bestEffort(() => rm(upload, { force: true }), this.o.log, 'remove an upload');
    }
    this.o.log.info({ faxId: id }, 'fax queued');
    const queued = this.mustGet(id);
    this.track(this.convertAndSend(id));
    return queued;
  }

  /** Fax calls on the lines now. */
  get linesInUse(): number {
    return this.o.lines.inUse;
  }

  get(id: string): FaxRecord | undefined {
    return this.o.store.faxes.get(id);
  }

  search(q: FaxSearch): { items: FaxRecord[]; total: number } {
    return this.o.store.faxes.search(q);
  }

  /** The stored PDF's path on disk, when there is one. */
  async pdfFile(fax: FaxRecord): Promise<string | undefined> {
    if (!fax.pdfPath) return undefined;
    const path = this.abs(fax.pdfPath);
    return (await stat(path).catch(() => undefined))?.isFile() ? path : undefined;
  }

  /** A failed fax to send goes to the line queue again, with a fresh count of attempts. */
  retry(id: string): FaxRecord {
    const fax = this.mustGet(id);
    if (fax.direction !== 'out') throw new FaxMoveRefused('Only a fax to send can be sent again');
    this.move(fax, 'resend', { attempts: 0, error: null });
    // A failed fax's TIFF was removed: made again from the kept PDF.
    this.track(this.convertAgainAndSend(id));
    return this.mustGet(id);
  }

  /** At start: faxes a stop left half done go on (a call cut by the stop counts as failed, by rule). */
  resume(): void {
    for (const fax of this.o.store.faxes.inStates([
      'queued',
      'converting',
      'waiting',
      'sending',
      'retrying',
    ])) {
      if (fax.state === 'queued') this.track(this.convertAndSend(fax.id));
      else if (fax.state === 'converting') {
        this.move(fax, 'fail', { error: 'conversion cut by a restart' });
      } else if (fax.state === 'waiting') this.track(this.sendOnALine(fax.id));
      else if (fax.state === 'retrying') this.scheduleDue(fax.id, fax.dueAt);
      else this.settle(fax.id, { kind: 'failed', pages: 0, error: 'the service stopped during the call' });
    }
  }

  /** Stops timers and lets work in progress finish (calls in progress end with the drain). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  // FaxInbox: the channel's calls to a fax number.
  begin(caller: string): { faxId: string; tiffName: string } {
    const faxId = randomUUID();
    this.o.store.faxes.insert({
      id: faxId,
      direction: 'in',
      state: 'received',
      number: caller,
      numberMasked: maskNumber(caller),
      remoteStation: null,
      pages: null,
      error: null,
      pdfPath: null,
      fileName: null,
      createdBy: null,
      createdAt: this.o.nowMs(),
    });
    this.o.log.info({ faxId }, 'fax coming in');
    return { faxId, tiffName: `${faxId}-in.tiff` };
  }

  finish(faxId: string, receipt: FaxReceipt): void {
    this.track(this.storeReceived(faxId, receipt));
  }

  /** The received TIFF as PDF (whatever arrived, also of a failed fax: nothing lost), then the state. */
  private async storeReceived(faxId: string, receipt: FaxReceipt): Promise<void> {
    const fax = this.o.store.faxes.get(faxId);
    if (fax?.state !== 'received') return;
    const tiff = join(this.o.spoolDir, `${faxId}-in.tiff`);
    const pdfPath = this.pdfPathFor(faxId);
    let pdfError: string | undefined;
    let pages = receipt.pages;
    try {
      await mkdir(join(this.abs(pdfPath), '..'), { recursive: true });
      await tiffToPdf(tiff, this.abs(pdfPath));
      pages = await inspectPdf(this.abs(pdfPath), Number.MAX_SAFE_INTEGER);
      await bestEffort(() => rm(tiff, { force: true }), this.o.log, 'remove a received TIFF');
    } catch (err) {
      pdfError = receipt.success ? `could not store the fax as PDF: ${(err as Error).message}` : undefined;
    }
    const stored = pdfError === undefined && (receipt.success || pages > 0);
    const fields = {
      pages,
      pagesDone: receipt.pages,
      remoteStation: receipt.station || null,
      pdfPath: pdfError === undefined && pages > 0 ? pdfPath : null,
      error: receipt.success ? (pdfError ?? null) : receipt.error || 'the fax failed',
    };
    const moved = this.move(fax, receipt.success && stored ? 'store' : 'fail', fields);
    this.o.events.received(summary(moved));
  }

  private async convertAndSend(id: string): Promise<void> {
    this.move(this.mustGet(id), 'convert');
    if (!(await this.makeTiff(id))) return;
    this.move(this.mustGet(id), 'converted');
    await this.sendOnALine(id);
  }

  /** A failed fax sent again: its TIFF was removed when it failed, so it is made again from the PDF. */
  private async convertAgainAndSend(id: string): Promise<void> {
    if (await this.makeTiff(id)) await this.sendOnALine(id);
  }

  /** The fax's TIFF from its kept PDF; a failed conversion fails the fax (false). */
  private async makeTiff(id: string): Promise<boolean> {
    try {
      await pdfToFaxTiff(this.abs(this.mustGet(id).pdfPath ?? ''), this.tiffFile(id));
      return true;
    } catch (err) {
      this.o.log.warn({ err, faxId: id }, 'fax conversion failed');
      this.finished(this.move(this.mustGet(id), 'fail', { error: 'conversion to fax format failed' }));
      this.removeTiff(id);
      return false;
    }
  }

  /** Waits for a free line, sends, and settles the outcome; the line is freed whatever happens. */
  private async sendOnALine(id: string): Promise<void> {
    const release = await this.o.lines.acquire();
    try {
      const fax = this.mustGet(id);
      if (fax.state !== 'waiting' || this.stopped) return;
      const sending = this.move(fax, 'dial', { attempts: fax.attempts + 1, pagesDone: 0 });
      const outcome = await this.o.channel.send({
        faxId: id,
        e164: sending.number,
        tiffName: `${id}.tiff`,
        pages: sending.pages ?? 1,
      });
      this.settle(id, outcome);
    } catch (err) {
      this.o.log.error({ err, faxId: id }, 'fax send failed');
      this.settle(id, { kind: 'failed', pages: 0, error: 'internal error while sending' });
    } finally {
      release();
    }
  }

  private settle(id: string, outcome: FaxOutcome): void {
    const fax = this.mustGet(id);
    if (outcome.kind === 'sent') {
      this.finished(this.move(fax, 'sent', { pagesDone: outcome.pages, error: null }));
      this.removeTiff(id);
      return;
    }
    const pagesDone = outcome.kind === 'failed' ? outcome.pages : 0;
    const decision = retryDecision(outcome, fax.attempts, this.o.retry());
    if (decision.retry) {
      const dueAt = this.o.nowMs() + decision.delayMs;
      this.move(fax, 'retry', { pagesDone, dueAt, error: describeOutcome(outcome) });
      this.scheduleDue(id, dueAt);
    } else {
      this.finished(this.move(fax, 'fail', { pagesDone, error: decision.reason }));
      this.removeTiff(id);
    }
  }

  /** A settled fax's TIFF leaves the spool (the PDF is what is kept). */
  private removeTiff(id: string): void {
    this.track(bestEffort(() => rm(this.tiffFile(id), { force: true }), this.o.log, 'remove a fax TIFF'));
  }

  private scheduleDue(id: string, dueAt: number): void {
    if (this.stopped) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        const fax = this.o.store.faxes.get(id);
        if (fax?.state !== 'retrying') return;
        this.move(fax, 'due');
        this.track(this.sendOnALine(id));
      },
      Math.max(0, dueAt - this.o.nowMs()),
    );
    timer.unref();
    this.timers.set(id, timer);
  }

  /** The one way a fax moves: checked against the table, a compare-and-set in the store, logged. */
  private move(
    fax: FaxRecord,
    event: FaxEvent,
    fields: Parameters<Store['faxes']['move']>[4] = {},
  ): FaxRecord {
    const to = faxMove(fax.state as FaxState, event);
    if (!to) throw new FaxMoveRefused(`A fax that is ${fax.state} cannot ${event}`);
    if (!this.o.store.faxes.move(fax.id, fax.state, to, this.o.nowMs(), fields))
      throw new FaxMoveRefused(`The fax moved meanwhile (it was ${fax.state})`);
    this.o.log.info(
      { faxId: fax.id, error: fields.error ?? undefined },
      `fax ${fax.state} -${event}-> ${to}`,
    );
    const moved = this.mustGet(fax.id);
    this.o.events.moved({ ...summary(moved), from: fax.state, event });
    return moved;
  }

  private finished(fax: FaxRecord): void {
    this.o.events.finished(summary(fax));
  }

  private track(work: Promise<void>): void {
    const p = work.catch((err: unknown) => this.o.log.error({ err }, 'fax work failed'));
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private mustGet(id: string): FaxRecord {
    const fax = this.o.store.faxes.get(id);
    if (!fax) throw new FaxMoveRefused(`No fax ${id}`);
    return fax;
  }

  private pdfPathFor(id: string): string {
    return join(new Date(this.o.nowMs()).toISOString().slice(0, 10), `${id}.pdf`);
  }

  private tiffFile(id: string): string {
    return join(this.o.spoolDir, `${id}.tiff`);
  }

  private abs(path: string): string {
    return isAbsolute(path) ? path : join(this.o.dir, path);
  }
}

function summary(f: FaxRecord): FaxSummary {
  return {
    id: f.id,
    direction: f.direction,
    numberMasked: f.numberMasked,
    state: f.state,
    pages: f.pages,
    pagesDone: f.pagesDone,
    leadId: f.leadId,
    error: f.error,
  };
}

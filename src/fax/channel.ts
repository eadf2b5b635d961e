import type { AriApp, CallRoute } from '../ari/app.js';
import type { CallSession } from '../ari/session.js';
import type { Logger } from '../lib/logger.js';
import { type FaxOutcome, parseFaxResult, unansweredOutcome } from './policy.js';

/** A fax to send: the TIFF (G4, fax resolution) in the spool, by its file name there. */
export interface FaxJob {
  faxId: string;
  e164: string;
  tiffName: string;
  pages: number;
}

/** The received fax's report: the TIFF (what of it arrived) is in the spool under the name given. */
export interface FaxReceipt {
  success: boolean;
  pages: number;
  station: string;
  error: string;
}

/** What a channel tells the fax service about faxes coming in. */
export interface FaxInbox {
  /** A fax call began from `caller`: the id of its record, and the spool file name to write to. */
  begin(caller: string): { faxId: string; tiffName: string };
  finish(faxId: string, receipt: FaxReceipt): void;
}

/**
 * How faxes go out and come in. The PBX channel below is the one this project has; a site may give the
 * service another (e.g. a provider's email-to-fax) without touching the rest.
 */
export interface FaxChannel {
  /** Sends one fax; resolves with how the call went (never rejects for a call outcome). */
  send(job: FaxJob): Promise<FaxOutcome>;
  /** Faxes coming in are handed to `inbox`. */
  receiveInto(inbox: FaxInbox): void;
}

/** Dialplan contexts that do the fax (config/asterisk/extensions.conf). */
const SEND_CONTEXT = 'cc-fax-send';
const RECEIVE_CONTEXT = 'cc-fax-receive';

/**
 * Faxes through Asterisk: the service holds the call in Stasis, continues it into a fax context with
 * CC_FAX_ID and CC_FAX_FILE set, the dialplan runs SendFAX / ReceiveFAX, and `Stasis(<app>,fax-result,
 * <id>,<status>,<pages>,<station>,<error>)` brings the result back, also after a hang-up (h extension).
 */
export class PbxFaxChannel implements FaxChannel {
  private readonly results = new Map<string, (receipt: FaxReceipt) => void>();
  private inbox: FaxInbox | undefined;

  constructor(
    private readonly deps: {
      ari: AriApp;
      appName: string;
      dialString: string;
      ringTimeoutSec: number;
      /** The spool as Asterisk sees it. */
      pbxSpoolDir: string;
      log: Logger;
      /** Longest a fax of `pages` may take once answered before it counts as failed. */
      resultTimeoutMs: (pages: number) => number;
    },
  ) {}

  receiveInto(inbox: FaxInbox): void {
    this.inbox = inbox;
  }

  /** The route of a call to a fax number (the inbound call's StasisStart). */
  readonly receiveRoute: CallRoute = {
    direction: 'inbound',
    handler: async (session) => {
      const inbox = this.inbox;
      if (!inbox) throw new Error('no fax inbox: the fax service is not running');
      const { faxId, tiffName } = inbox.begin(session.channel.caller?.number ?? '');
      await this.continueInto(session, RECEIVE_CONTEXT, faxId, tiffName);
    },
  };

  /** The route of the dialplan's report (`fax-result,...`): hands it on, then the call ends. */
  readonly resultRoute: CallRoute = {
    direction: 'internal',
    handler: async (_session, start) => {
      const report = parseFaxResult(start?.args ?? []);
      if (!report) return;
      const { faxId, ...receipt } = report;
      const waiting = this.results.get(faxId);
      if (waiting) waiting(receipt);
      else this.inbox?.finish(faxId, receipt);
    },
  };

  async send(job: FaxJob): Promise<FaxOutcome> {
    const { ari, log } = this.deps;
    const digits = job.e164.replace(/^\+/, '');
    const endpoint = this.deps.dialString.replaceAll('{digits}', digits).replaceAll('{e164}', job.e164);
    const reported = new Promise<FaxReceipt>((resolve) => this.results.set(job.faxId, resolve));
    let answered = false;
    try {
      const session = await ari.originateSession(
        {
          endpoint,
          appArgs: `fax-send,${job.faxId}`,
          timeoutSec: this.deps.ringTimeoutSec,
          // Inherited (__) so a fax to one of the center's own numbers over a Local channel reaches this
          // application too (the loop the tests and the demo use).
          variables: { __CC_APP: this.deps.appName },
        },
        {
          direction: 'outbound',
          handler: async (s) => {
            answered = true;
            await this.continueInto(s, SEND_CONTEXT, job.faxId, job.tiffName);
          },
        },
      );
      await session.done;
      if (!answered) return unansweredOutcome(session.channelGoneCause);
      let timer: NodeJS.Timeout | undefined;
      const receipt = await Promise.race([
        reported,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), this.deps.resultTimeoutMs(job.pages));
        }),
      ]);
      clearTimeout(timer);
      if (!receipt) return { kind: 'failed', pages: 0, error: 'no result from the PBX in time' };
      return receipt.success
        ? { kind: 'sent', pages: receipt.pages }
        : { kind: 'failed', pages: receipt.pages, error: receipt.error };
    } catch (err) {
      log.warn({ err, faxId: job.faxId }, 'fax call could not be placed');
      return { kind: 'failed', pages: 0, error: `the call could not be placed: ${(err as Error).message}` };
    } finally {
      this.results.delete(job.faxId);
    }
  }

  /**
   * Hands a call in Stasis to a fax context. The session ends with the StasisEnd that follows (the
   * channel lives on in the dialplan: it is not hung up).
   */
  private async continueInto(session: CallSession, context: string, faxId: string, tiffName: string) {
    const vars = {
      CC_APP: this.deps.appName,
      CC_FAX_ID: faxId,
      CC_FAX_FILE: `${this.deps.pbxSpoolDir}/${tiffName}`,
    };
    for (const [name, value] of Object.entries(vars))
      await session.ari.setVariable(session.channelId, name, value);
    await session.ari.continueInDialplan(session.channelId, { context, extension: 's', priority: 1 });
    await session.done;
  }
}

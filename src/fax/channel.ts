import type { AriApp, CallRoute } from '../ari/app.js';
import type { CallSession } from '../ari/session.js';
import type { ChannelWatch } from '../ari/watch.js';
import { bestEffort } from '../lib/best-effort.js';
import { fillDialString } from '../lib/dial-string.js';
import type { Logger } from '../lib/logger.js';
import { FAX_RESULT_VARIABLES, type FaxOutcome, faxResultFrom, unansweredOutcome } from './policy.js';

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
 * Faxes through Asterisk: the service holds the call in Stasis, subscribes its application to the
 * channel, continues it into a fax context with CC_FAX_FILE set, and the dialplan runs SendFAX /
 * ReceiveFAX. The result is what res_fax sets on the channel (FAXSTATUS, FAXPAGES, ...), heard as
 * ChannelVarset events until the channel is destroyed: that also works when the far end hangs up first
 * (a channel already hung up can no longer enter Stasis to report).
 */
export class PbxFaxChannel implements FaxChannel {
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
      /** Longest a fax coming in may take (its pages are not known beforehand). */
      receiveTimeoutMs: number;
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
      let watch: ChannelWatch | undefined;
      try {
        watch = await this.handToDialplan(session, RECEIVE_CONTEXT, tiffName);
      } finally {
        // Also a call that could not be handed over is reported (failed, nothing received).
        const receipt = watch ? await this.result(watch, this.deps.receiveTimeoutMs) : undefined;
        inbox.finish(faxId, receipt ?? NOT_HANDED_OVER);
      }
    },
  };

  async send(job: FaxJob): Promise<FaxOutcome> {
    const { ari, log } = this.deps;
    const endpoint = fillDialString(this.deps.dialString, job.e164);
    // Set when the far end answers (the handler starts): the session may end before the handler resumes.
    let handedOver: Promise<ChannelWatch> | undefined;
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
            handedOver = this.handToDialplan(s, SEND_CONTEXT, job.tiffName);
            await handedOver;
          },
        },
      );
      await session.done;
      if (!handedOver) return unansweredOutcome(session.channelGoneCause);
      const watch = await handedOver.catch(() => undefined);
      if (!watch) return { kind: 'failed', pages: 0, error: NOT_HANDED_OVER.error };
      const receipt = await this.result(watch, this.deps.resultTimeoutMs(job.pages));
      if (!receipt) return { kind: 'failed', pages: 0, error: 'no result from the PBX in time' };
      return receipt.success
        ? { kind: 'sent', pages: receipt.pages }
        : { kind: 'failed', pages: receipt.pages, error: receipt.error };
    } catch (err) {
      log.warn({ err, faxId: job.faxId }, 'fax call could not be placed');
      return { kind: 'failed', pages: 0, error: `the call could not be placed: ${(err as Error).message}` };
    }
  }

  /**
   * Hands a call in Stasis to a fax context, still hearing its channel; resolves once it left Stasis
   * (the session ends with that StasisEnd: the channel lives on in the dialplan, it is not hung up).
   */
  private async handToDialplan(
    session: CallSession,
    context: string,
    tiffName: string,
  ): Promise<ChannelWatch> {
    const watch = await this.deps.ari.followAfterStasis(session, FAX_RESULT_VARIABLES);
    try {
      await session.ari.setVariable(session.channelId, 'CC_FAX_FILE', `${this.deps.pbxSpoolDir}/${tiffName}`);
      await session.ari.continueInDialplan(session.channelId, { context, extension: 's', priority: 1 });
    } catch (err) {
      await watch.stop();
      throw err;
    }
    await session.done;
    return watch;
  }

  /** The fax's result once its channel is gone; after `timeoutMs` the call is ended and undefined. */
  private async result(watch: ChannelWatch, timeoutMs: number): Promise<FaxReceipt | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const end = await Promise.race([
      watch.ended,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (end) return faxResultFrom(end.variables);
    await watch.stop();
    // A fax stuck past its time holds a line: end the call.
    await bestEffort(() => this.deps.ari.rest.hangup(watch.channelId), this.deps.log, 'end a stuck fax call');
    return undefined;
  }
}

/** The report of a fax call that never reached the fax dialplan. */
const NOT_HANDED_OVER: FaxReceipt = {
  success: false,
  pages: 0,
  station: '',
  error: 'the call could not be handed to the fax dialplan',
};

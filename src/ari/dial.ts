import { randomUUID } from 'node:crypto';
import { bestEffort, observed } from '../lib/best-effort.js';
import type { CallSession, Task } from './session.js';
import type { DialEvent, RawAriEvent } from './types.js';

/** How a dial attempt ended, from the PBX's own call progress (not the channel's hangup cause). */
export type DialOutcome = 'answered' | 'busy' | 'no-answer' | 'congestion' | 'failed' | 'cancelled';

export interface DialResult {
  outcome: DialOutcome;
  /** The leg's channel id (still up, in Stasis and owned by the session, when answered). */
  channelId: string;
  /** The dial status Asterisk reported, when it reported one. */
  dialStatus?: string;
}

export interface DialOptions {
  /** Dial string: PJSIP/1001, Local/123@context, PJSIP/trunk/+49... */
  endpoint: string;
  /** Stasis app the answered leg enters (the service's own). */
  app: string;
  appArgs: string;
  timeoutSec: number;
  callerId?: string;
  /** Codecs offered when the leg has no originator; G.711 avoids transcoding and resampling. */
  formats?: string;
  variables?: Record<string, string>;
  channelId?: string;
}

const STATUS_OUTCOME: Record<string, Exclude<DialOutcome, 'answered'>> = {
  BUSY: 'busy',
  NOANSWER: 'no-answer',
  CONGESTION: 'congestion',
  CHANUNAVAIL: 'failed',
  CANCEL: 'cancelled',
  DONTCALL: 'failed',
  TORTURE: 'failed',
  INVALIDARGS: 'failed',
};

/** Q.850 causes of a leg destroyed without a Dial status (19: the originate timeout ran out). */
const CAUSE_OUTCOME: Record<number, Exclude<DialOutcome, 'answered'>> = {
  17: 'busy',
  18: 'no-answer',
  19: 'no-answer',
  34: 'congestion',
  38: 'congestion',
};

/**
 * An unanswered (or not joined) attempt's outcome from the last Dial status seen, else from the cause of
 * the channel's end. An ANSWER status maps to 'failed': answered is never decided here.
 */
export function dialOutcome(
  status: string | undefined,
  cause: number | undefined,
): Exclude<DialOutcome, 'answered'> {
  return status ? (STATUS_OUTCOME[status] ?? 'failed') : (CAUSE_OUTCOME[cause ?? -1] ?? 'failed');
}

/**
 * Dials one leg for a call (an agent's phone, a transfer target, a customer) and resolves with how the
 * attempt ended. The leg belongs to the session from before the originate, so its events route there and
 * the session's teardown hangs it up. Answered legs are left up for the caller to bridge; every other
 * outcome leaves nothing behind. kill() cancels a ringing attempt.
 */
export class DialTask implements Task<DialResult> {
  readonly name = 'dial';
  readonly channelId: string;
  private readonly abort = new AbortController();
  private session: CallSession | undefined;
  private settled = false;

  constructor(private readonly options: DialOptions) {
    this.channelId = options.channelId ?? `${options.app}-leg-${randomUUID()}`;
  }

  async exec(session: CallSession): Promise<DialResult> {
    this.session = session;
    const id = this.channelId;
    session.own('channel', id);
    let status: string | undefined;
    const ended = observed(
      session.waitFor(
        (e: RawAriEvent) => {
          if (e.type === 'Dial' && (e as DialEvent).peer?.id === id && (e as DialEvent).dialstatus) {
            status = (e as DialEvent).dialstatus;
            return status !== 'ANSWER' && status !== 'PROGRESS' && status !== 'RINGING';
          }
          return (e.type === 'StasisStart' || e.type === 'ChannelDestroyed') && e.channel?.id === id;
        },
        { signal: this.abort.signal },
      ),
    );
    const { endpoint, app, appArgs, timeoutSec, callerId, formats, variables } = this.options;
    try {
      await session.ari.originate({
        endpoint,
        app,
        appArgs,
        channelId: id,
        timeout: timeoutSec,
        callerId,
        formats: formats ?? 'ulaw,alaw',
        variables,
      });
    } catch (err) {
      const kind = (err as { kind?: string }).kind;
      if (kind === undefined || kind === 'timeout' || kind === 'unreachable') throw err;
      // The PBX refused the dial string (unregistered endpoint: 500 "Allocation failed").
      session.log.warn({ err: (err as Error).message }, 'dial refused by the PBX');
      return this.finish({ outcome: 'failed', channelId: id });
    }
    let event: RawAriEvent;
    try {
      event = await ended;
    } catch (err) {
      if (this.abort.signal.aborted) return this.finish({ outcome: 'cancelled', channelId: id });
      throw err;
    }
    if (event.type === 'StasisStart') {
      this.settled = true;
      return { outcome: 'answered', channelId: id, dialStatus: 'ANSWER' };
    }
    // A failed Dial leaves the channel to die on its own; make sure it does.
    const cause = (event as { cause?: number }).cause;
    const outcome = dialOutcome(status, cause);
    return this.finish({ outcome, channelId: id, dialStatus: status });
  }

  private async finish(result: DialResult): Promise<DialResult> {
    this.settled = true;
    const session = this.session;
    if (session && !session.isEnded) {
      await bestEffort(() => session.ari.hangup(result.channelId), session.log, 'hang up the unanswered leg');
      session.disown('channel', result.channelId);
    }
    return result;
  }

  kill(): void {
    if (this.settled) return;
    this.abort.abort();
  }
}

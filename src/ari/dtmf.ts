import { z } from 'zod';
import { type CallSession, type Task, WaitTimeoutError } from './session.js';
import type { ChannelDtmfReceivedEvent, RawAriEvent } from './types.js';

export const dtmfSpecSchema = z.strictObject({
  /** Keys to send: digits, * and #, and the A-D keys of a full keypad. */
  digits: z.string().regex(/^[0-9*#A-D]{1,20}$/, 'digits: 1 to 20 of 0-9 * # A-D'),
  /** Each key's length and the pause between keys, in ms (100 ms is what phones and IVRs expect). */
  durationMs: z.number().int().min(40).max(1_000).default(100),
  betweenMs: z.number().int().min(40).max(1_000).default(100),
});

export type DtmfSpec = z.input<typeof dtmfSpecSchema>;

/**
 * Sends DTMF keys to the call's caller (an agent keying a customer's extension or IVR choice). Resolves
 * once Asterisk has taken the keys; they play out on the channel after that. Throws (ZodError) on keys
 * that cannot be sent.
 */
export function dtmfTask(spec: DtmfSpec): Task<void> {
  return new DtmfTask(dtmfSpecSchema.parse(spec));
}

class DtmfTask implements Task<void> {
  readonly name = 'dtmf';

  constructor(private readonly spec: z.output<typeof dtmfSpecSchema>) {}

  async exec(session: CallSession): Promise<void> {
    const { digits, betweenMs, durationMs } = this.spec;
    // The keys are not logged: an agent may key in what the customer tells them.
    await session.ari.sendDtmf(session.channelId, digits, betweenMs, durationMs);
  }

  /** One short command: nothing to stop. */
  kill(): void {}
}

/**
 * Waits for the call's caller to press one of `keys` (e.g. the key that accepts a remote agent line):
 * resolves with the key, or undefined after `timeoutMs`. Other keys are ignored. Start it before the
 * prompt that asks for the key, so a key pressed during the prompt counts.
 */
export function keyTask(spec: { keys: string; timeoutMs: number }): Task<string | undefined> {
  return new KeyTask(spec.keys, spec.timeoutMs);
}

class KeyTask implements Task<string | undefined> {
  readonly name = 'key';
  private readonly abort = new AbortController();

  constructor(
    private readonly keys: string,
    private readonly timeoutMs: number,
  ) {}

  async exec(session: CallSession): Promise<string | undefined> {
    try {
      const event = await session.waitFor(
        (e: RawAriEvent): e is ChannelDtmfReceivedEvent =>
          e.type === 'ChannelDtmfReceived' &&
          e.channel?.id === session.channelId &&
          this.keys.includes((e as ChannelDtmfReceivedEvent).digit),
        { timeoutMs: this.timeoutMs, signal: this.abort.signal },
      );
      return event.digit;
    } catch (err) {
      if (err instanceof WaitTimeoutError || this.abort.signal.aborted) return undefined;
      throw err;
    }
  }

  kill(): void {
    this.abort.abort(new Error('key wait stopped'));
  }
}

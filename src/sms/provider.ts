/**
 * What the SMS service needs from a provider (an SMSC over SMPP, an HTTP API), so a site can swap the
 * channel without touching the rest. A provider sends batches and reports, through its sink, delivery
 * receipts and inbound messages (replies). Credentials live in the adapter's options, read from the
 * config's secrets; they are never logged.
 */

export interface OutboundSms {
  /** The service's stable message id (for the adapter's correlation; providers do not dedupe on it). */
  id: string;
  /** E.164, with its '+'. */
  to: string;
  text: string;
}

/**
 * The answer for one message of a batch:
 * - `accepted`: the provider took it and gave its id (receipts name that id);
 * - `temporary`: refused for now and surely not sent (throttled, queue full, not connected): retry later;
 * - `permanent`: refused for good (bad number, content refused): never retried;
 * - `unknown`: the request went out and no answer came (timeout, connection lost): it may have been sent.
 *   Never retried automatically: the message becomes `unconfirmed` (a receipt may still settle it).
 */
export type SubmitResult =
  | { outcome: 'accepted'; providerId: string }
  | { outcome: 'temporary' | 'permanent' | 'unknown'; code: string };

export type ReceiptStatus = 'delivered' | 'undeliverable' | 'expired';

export interface SmsReceipt {
  providerId: string;
  status: ReceiptStatus;
  /** The provider's own status word or error code, for the record. */
  code: string;
}

export interface InboundSms {
  /** The sender, E.164 with '+' when the provider gives a full number. */
  from: string;
  text: string;
}

export interface ProviderSink {
  receipt(receipt: SmsReceipt): void;
  inbound(message: InboundSms): void;
}

export interface SmsProvider {
  /** The name the config gives it: a queue and a rate limit each. */
  readonly name: string;
  /** Connects (and keeps reconnecting, for a session-based provider). Resolves once usable or failing over. */
  start(sink: ProviderSink): Promise<void>;
  stop(): Promise<void>;
  /** One result per message, in order. Never rejects: a failure is a result. */
  sendBatch(messages: readonly OutboundSms[]): Promise<SubmitResult[]>;
}

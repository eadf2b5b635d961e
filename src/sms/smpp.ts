import smpp, { type Pdu, type Session } from 'smpp';
import { bestEffort } from '../lib/best-effort.js';
import type { Logger } from '../lib/logger.js';
import type {
  InboundSms,
  OutboundSms,
  ProviderSink,
  ReceiptStatus,
  SmsProvider,
  SmsReceipt,
  SubmitResult,
} from './provider.js';

export interface SmppOptions {
  name: string;
  /** smpp://host:port or ssmpp://host:port */
  url: string;
  systemId: string;
  password: string;
  /** The sender id or number messages come from. */
  sourceAddr: string;
  enquireLinkMs: number;
  reconnectMs: number;
  /** How long a submit_sm waits for its response before the message counts as `unknown`. */
  submitTimeoutMs: number;
}

/** SMPP command_status values that mean "not now, surely not sent": retried. Anything else: permanent. */
const TEMPORARY_STATUSES = new Set([
  0x08, // ESME_RSYSERR
  0x14, // ESME_RMSGQFUL
  0x58, // ESME_RTHROTTLED
  0x64, // ESME_RX_T_APPN
]);

/** esm_class bits 2-5: the message type; 0x04 is an MC delivery receipt (SMPP 3.4 §5.2.12). */
const MESSAGE_TYPE_MASK = 0x3c;
const DELIVERY_RECEIPT = 0x04;
/** message_state TLV values (SMPP 3.4 §5.2.28). */
const MESSAGE_STATES: Record<number, { status: ReceiptStatus; code: string } | undefined> = {
  2: { status: 'delivered', code: 'DELIVRD' },
  3: { status: 'expired', code: 'EXPIRED' },
  4: { status: 'undeliverable', code: 'DELETED' },
  5: { status: 'undeliverable', code: 'UNDELIV' },
  8: { status: 'undeliverable', code: 'REJECTD' },
};
const STAT_WORDS: Record<string, ReceiptStatus | undefined> = {
  DELIVRD: 'delivered',
  EXPIRED: 'expired',
  DELETED: 'undeliverable',
  UNDELIV: 'undeliverable',
  REJECTD: 'undeliverable',
};
/** The receipt text's id and stat words (SMPP 3.4 appendix B); bounded pieces, linear. */
const RECEIPT_ID = /(?:^|\s)id:([^\s]{1,65})/i;
const RECEIPT_STAT = /(?:^|\s)stat:([A-Z]{1,8})/i;

/** A deliver_sm's text, whatever shape the package decoded it to. */
export function pduText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (value && typeof value === 'object' && 'message' in value) return pduText(value.message);
  return '';
}

/** A delivery receipt from a deliver_sm (TLVs first, else the text), or null when it is not one. Pure. */
export function parseReceipt(pdu: Record<string, unknown>): SmsReceipt | null {
  const esmClass = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
  if ((esmClass & MESSAGE_TYPE_MASK) !== DELIVERY_RECEIPT) return null;
  const text = pduText(pdu.short_message) || pduText(pdu.message_payload);
  const tlvId = typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id : undefined;
  const providerId = tlvId ?? RECEIPT_ID.exec(text)?.[1];
  if (!providerId) return null;
  const state = typeof pdu.message_state === 'number' ? MESSAGE_STATES[pdu.message_state] : undefined;
  if (state) return { providerId, ...state };
  const word = (RECEIPT_STAT.exec(text)?.[1] ?? '').toUpperCase();
  const status = STAT_WORDS[word];
  // ENROUTE, ACCEPTD, UNKNOWN: not final, nothing to record.
  return status ? { providerId, status, code: word } : null;
}

/** A mobile-originated message (a reply) from a deliver_sm that is not a receipt. Pure. */
export function parseInbound(pdu: Record<string, unknown>): InboundSms | null {
  const source = typeof pdu.source_addr === 'string' ? pdu.source_addr : '';
  if (!source) return null;
  // International numbers (TON 1) come without their '+'.
  const from = pdu.source_addr_ton === 1 && !source.startsWith('+') ? `+${source}` : source;
  return { from, text: pduText(pdu.short_message) || pduText(pdu.message_payload) };
}

/**
 * An SMSC over SMPP 3.4: one transceiver session, bound at start and re-bound after any loss (every
 * `reconnectMs`), kept alive by enquire_link. submit_sm asks for a delivery receipt (registered_delivery 1);
 * deliver_sm is answered at once and is either a receipt (esm_class) or a reply.
 */
export class SmppProvider implements SmsProvider {
  readonly name: string;
  private session: Session | undefined;
  private bound = false;
  private stopping = false;
  private sink: ProviderSink | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: SmppOptions,
    private readonly log: Logger,
  ) {
    this.name = options.name;
  }

  get isBound(): boolean {
    return this.bound;
  }

  async start(sink: ProviderSink): Promise<void> {
    this.sink = sink;
    this.stopping = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    const session = this.session;
    this.session = undefined;
    this.bound = false;
    if (!session) return;
    await bestEffort(
      () =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => session.destroy(() => resolve()), 1_000);
          session.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          if (!session.unbind({}, () => session.close())) session.destroy();
        }),
      this.log,
      'SMPP unbind',
    );
  }

  sendBatch(messages: readonly OutboundSms[]): Promise<SubmitResult[]> {
    return Promise.all(messages.map((message) => this.submit(message)));
  }

  private submit(message: OutboundSms): Promise<SubmitResult> {
    const session = this.session;
    if (!session || !this.bound) return Promise.resolve({ outcome: 'temporary', code: 'not-bound' });
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => resolve({ outcome: 'unknown', code: 'no-response' }),
        this.options.submitTimeoutMs,
      );
      const written = session.submit_sm(
        {
          source_addr: this.options.sourceAddr,
          source_addr_ton: /^\+?\d+$/.test(this.options.sourceAddr) ? 1 : 5,
          destination_addr: message.to.replace(/^\+/, ''),
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          short_message: message.text,
          registered_delivery: 1,
        },
        (pdu) => {
          clearTimeout(timer);
          resolve(submitResult(pdu));
        },
      );
      // Nothing was written: surely not sent.
      if (!written) {
        clearTimeout(timer);
        resolve({ outcome: 'temporary', code: 'not-writable' });
      }
    });
  }

  private connect(): Promise<void> {
    return new Promise((resolve) => {
      const session = smpp.connect({
        url: this.options.url,
        auto_enquire_link_period: this.options.enquireLinkMs,
      });
      this.session = session;
      let settled = false;
      const settle = () => {
        if (!settled) resolve();
        settled = true;
      };
      session.on('connect', () => {
        session.bind_transceiver(
          { system_id: this.options.systemId, password: this.options.password },
          (pdu) => {
            if (pdu.command_status === 0) {
              this.bound = true;
              this.log.info({ provider: this.name }, 'SMPP bound (transceiver)');
            } else {
              this.log.warn({ provider: this.name, status: pdu.command_status }, 'SMPP bind refused');
              session.destroy();
            }
            settle();
          },
        );
      });
      session.on('deliver_sm', (pdu: Pdu) => this.onDeliver(session, pdu));
      session.on('enquire_link', (pdu: Pdu) => session.send(pdu.response()));
      session.on('unbind', (pdu: Pdu) => {
        session.send(pdu.response());
        session.close();
      });
      session.on('error', (err: Error) =>
        this.log.warn({ provider: this.name, err: err.message }, 'SMPP session error'),
      );
      session.on('close', () => {
        this.bound = false;
        settle();
        if (this.session !== session || this.stopping) return;
        this.log.warn(
          { provider: this.name, inMs: this.options.reconnectMs },
          'SMPP session closed: reconnecting',
        );
        this.reconnectTimer = setTimeout(() => {
          if (!this.stopping) void this.connect();
        }, this.options.reconnectMs);
      });
    });
  }

  private onDeliver(session: Session, pdu: Pdu): void {
    session.send(pdu.response());
    const receipt = parseReceipt(pdu);
    if (receipt) {
      this.sink?.receipt(receipt);
      return;
    }
    const inbound = parseInbound(pdu);
    if (inbound) this.sink?.inbound(inbound);
  }
}

function submitResult(pdu: Pdu): SubmitResult {
  if (pdu.command_status === 0 && typeof pdu.message_id === 'string' && pdu.message_id !== '')
    return { outcome: 'accepted', providerId: pdu.message_id };
  const code = `smpp-0x${pdu.command_status.toString(16).padStart(2, '0')}`;
  return { outcome: TEMPORARY_STATUSES.has(pdu.command_status) ? 'temporary' : 'permanent', code };
}

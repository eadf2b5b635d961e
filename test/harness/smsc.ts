import type { AddressInfo } from 'node:net';
import smpp, { type Pdu, type Session } from 'smpp';

/** What the SMSC answers one submit_sm: a status (0 = accepted) and whether to send a receipt. */
export type SmscAnswer = { status: number; receipt?: 'DELIVRD' | 'UNDELIV' | 'EXPIRED' | null };

/**
 * A local SMSC for the SMS tests and the bench: the `smpp` package's server. It binds any transceiver,
 * counts every submit_sm per destination number (duplicates are what the tests look for), answers with
 * its own message id and, a moment later, a delivery receipt (esm_class 0x04, SMPP 3.4 appendix B text).
 * `answer` decides per submit (errors); `reply` sends a mobile-originated message to the bound sessions.
 */
export class LocalSmsc {
  readonly submits = new Map<string, number>();
  submitTotal = 0;
  /** Transceiver binds so far (a reconnect adds one). */
  binds = 0;
  /** When the first and the last submit_sm arrived (epoch ms): the rate the SMSC saw. */
  firstSubmitAt = 0;
  lastSubmitAt = 0;
  answer: (destination: string, count: number) => SmscAnswer = () => ({ status: 0, receipt: 'DELIVRD' });
  private readonly server = smpp.createServer((session) => this.onSession(session));
  private readonly sessions = new Set<Session>();
  private nextId = 1;
  url = '';

  /** Listens on 127.0.0.1 (a free port unless one is given: the demo's is fixed). */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `smpp://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** A reply from a phone to the service (mobile originated). */
  reply(from: string, text: string): void {
    for (const session of this.sessions)
      session.deliver_sm({
        source_addr: from.replace(/^\+/, ''),
        source_addr_ton: 1,
        destination_addr: 'CC',
        short_message: text,
      });
  }

  /** Drops every session (the service reconnects). */
  dropSessions(): void {
    for (const session of this.sessions) session.destroy();
  }

  get boundSessions(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    this.dropSessions();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onSession(session: Session): void {
    session.on('error', () => {});
    session.on('close', () => this.sessions.delete(session));
    session.on('bind_transceiver', (pdu: Pdu) => {
      session.send(pdu.response());
      this.sessions.add(session);
      this.binds += 1;
    });
    session.on('enquire_link', (pdu: Pdu) => session.send(pdu.response()));
    session.on('unbind', (pdu: Pdu) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('submit_sm', (pdu: Pdu) => {
      const destination = String(pdu.destination_addr);
      const count = (this.submits.get(destination) ?? 0) + 1;
      this.submits.set(destination, count);
      this.submitTotal += 1;
      this.lastSubmitAt = Date.now();
      this.firstSubmitAt ||= this.lastSubmitAt;
      const { status, receipt = 'DELIVRD' } = this.answer(destination, count);
      if (status !== 0) {
        session.send(pdu.response({ command_status: status }));
        return;
      }
      const id = `M${this.nextId++}`;
      session.send(pdu.response({ message_id: id }));
      if (receipt)
        setImmediate(() =>
          session.deliver_sm({
            source_addr: destination,
            destination_addr: 'CC',
            esm_class: 0x04,
            short_message: `id:${id} sub:001 dlvrd:001 submit date:2601011200 done date:2601011200 stat:${receipt} err:000 text:`,
          }),
        );
    });
  }
}

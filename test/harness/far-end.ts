import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { AriRest } from '../../src/ari/rest.js';
import type { Channel, RawAriEvent } from '../../src/ari/types.js';
import type { Infra } from './bring-up.js';
import { uniqueApp } from './ids.js';

/**
 * The far end of test calls: a second ARI application on the same real PBX that places callers into the
 * service (Local channels into the from-callers context) and drives them: hang up, send DTMF, observe.
 * It has its own plain WebSocket, independent of the service's ARI code under test.
 */
/**
 * Simulated phones speak G.711 like real ones. Left unset, a Local channel offers every audio format and
 * Asterisk resamples 8 kHz prompts to its best one, which costs far more CPU than any real call.
 */
export const SIM_FORMATS = 'ulaw';

export class FarEnd {
  /**
   * A fresh application name on every connect: reusing one right after closing its socket races on
   * Asterisk (the old session's teardown can unregister the name under the new socket; see
   * docs/asterisk-notes.md), and the far end would wait for events that never come.
   */
  private appName = uniqueApp('far');
  readonly rest: AriRest;
  readonly events: RawAriEvent[] = [];
  private ws: WebSocket | undefined;
  private waiters = new Set<{ match: (e: RawAriEvent) => boolean; resolve: (e: RawAriEvent) => void }>();

  private readonly ari: Infra['ari'];

  /** `ari` defaults to the test PBX (from the vitest global setup). */
  constructor(ari?: Infra['ari']) {
    this.ari = ari ?? defaultAri();
    this.rest = new AriRest({ ...this.ari, timeoutMs: 10_000 });
  }

  get app(): string {
    return this.appName;
  }

  async connect(): Promise<void> {
    const ari = this.ari;
    this.appName = uniqueApp('far');
    const url = `${ari.url.replace(/^http/, 'ws')}/ari/events?app=${this.app}&api_key=${encodeURIComponent(`${ari.username}:${ari.password}`)}`;
    const ws = new WebSocket(url);
    ws.on('message', (data) => {
      const event = JSON.parse(String(data)) as RawAriEvent;
      this.events.push(event);
      for (const w of [...this.waiters]) {
        if (w.match(event)) {
          this.waiters.delete(w);
          w.resolve(event);
        }
      }
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.ws = ws;
  }

  /** Waits for an event; one already seen counts unless `past` is false (the answer can beat the REST reply). */
  waitFor(match: (e: RawAriEvent) => boolean, timeoutMs = 15_000, past = true): Promise<RawAriEvent> {
    if (past) {
      const seen = this.events.find(match);
      if (seen) return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve };
      this.waiters.add(waiter);
      setTimeout(() => {
        if (this.waiters.delete(waiter))
          reject(new Error(`far end: no matching event within ${timeoutMs} ms`));
      }, timeoutMs).unref();
    });
  }

  /**
   * Places a caller to `dnis` into the service's application `serviceApp`. Returns the caller's channel
   * id (the far end's half, in this app once the service answers) and the service side's channel id.
   */
  async call(
    dnis: string,
    serviceApp: string,
    callerNumber = '+4930123456789',
  ): Promise<{ callerId: string; serviceChannelId: string }> {
    const callerId = `caller-${randomUUID()}`;
    const serviceChannelId = `svc-${randomUUID()}`;
    await this.rest.originate({
      endpoint: `Local/${dnis}@from-callers`,
      app: this.app,
      appArgs: 'caller',
      channelId: callerId,
      otherChannelId: serviceChannelId,
      callerId: `Test Caller <${callerNumber}>`,
      timeout: 30,
      formats: SIM_FORMATS,
      variables: { CC_APP: serviceApp },
    });
    return { callerId, serviceChannelId };
  }

  /** Places a caller whose far end runs a [sim] dialplan behaviour instead of this app. */
  async callWithDialplan(
    dnis: string,
    serviceApp: string,
    behaviour = 'answer',
  ): Promise<{ serviceChannelId: string; callerId: string }> {
    const callerId = `caller-${randomUUID()}`;
    const serviceChannelId = `svc-${randomUUID()}`;
    await this.rest.originate({
      endpoint: `Local/${dnis}@from-callers`,
      context: 'sim',
      extension: behaviour,
      priority: 1,
      channelId: callerId,
      otherChannelId: serviceChannelId,
      callerId: 'Test Caller <+4930123456789>',
      timeout: 30,
      formats: SIM_FORMATS,
      variables: { CC_APP: serviceApp },
    });
    return { callerId, serviceChannelId };
  }

  async hangup(channelId: string): Promise<void> {
    await this.rest.hangup(channelId).catch(() => {});
  }

  /** Channels on the PBX whose id is one of these. */
  async liveChannels(ids: string[]): Promise<Channel[]> {
    const all = await this.rest.listChannels();
    return all.filter((c) => ids.includes(c.id));
  }

  async close(): Promise<void> {
    const ws = this.ws;
    this.ws = undefined;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      setTimeout(resolve, 2_000).unref();
    });
    ws.close();
    await closed;
  }
}

function defaultAri(): Infra['ari'] {
  return {
    url: process.env.ARI_URL ?? 'http://127.0.0.1:8088',
    username: process.env.ARI_USERNAME ?? 'callcenter',
    password: process.env.ARI_PASSWORD ?? 'callcenter-dev-secret',
  };
}

import type { EventEmitter } from 'node:events';
import ariClient from 'ari-client';
import type { Logger } from 'pino';
import { redactUrl } from '../lib/logger.js';
import type { RawAriEvent } from './types.js';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'replaced' | 'closed';

export interface AriConnectionOptions {
  url: string;
  username: string;
  password: string;
  app: string;
  initialDelayMs: number;
  maxDelayMs: number;
  /** A ping unanswered this long means the socket is dead even if TCP has not noticed. */
  heartbeatMs?: number;
  /**
   * Asks Asterisk whether the application is registered: true, false (it is not), or undefined (could
   * not tell). Checked on every heartbeat; see `startHeartbeat`.
   */
  isRegistered?: () => Promise<boolean | undefined>;
  logger: Logger;
}

export interface ConnectionHandlers {
  /** Every event off the socket, raw; exceptions are caught and logged here. */
  onEvent(event: RawAriEvent): void;
  /** The socket is open (first time and after every reconnect): resync now. */
  onOpen(info: { reconnect: boolean }): void | Promise<void>;
  /** The socket is gone; calls keep running on Asterisk meanwhile. */
  onDown(reason: string): void;
}

/**
 * The part of ari-client's Client used here, typed loosely on purpose: its event methods are typed per
 * event name and know neither '*' nor the private socket we guard.
 */
type Client = EventEmitter & {
  start(app: string): Promise<void>;
  ping(): void;
  _ws?: EventEmitter & { terminate(): void; close(): void };
  _wsClosed?: boolean;
};

/**
 * Keeps one WebSocket to Asterisk's ARI open for the application, forever.
 *
 * ari-client reconnects a lost socket by itself but gives up after 10 tries (about 43 s) and never again;
 * this supervisor then throws that client away and builds a new one, with its own backoff, for as long as
 * it takes (Asterisk restarts, network cuts). It also guards ari-client's message handler, which throws
 * on a malformed or unknown event, so a bad event is logged instead of crashing the process, and keeps
 * the password (which ari-client puts in the socket URL) out of every message it logs.
 */
export class AriConnection {
  private client: Client | undefined;
  private stateValue: ConnectionState = 'idle';
  private attempt = 0;
  private opens = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastPong = 0;
  private checkingRegistration = false;
  private stopping = false;
  private handlers: ConnectionHandlers | undefined;
  private readonly log: Logger;

  constructor(private readonly options: AriConnectionOptions) {
    this.log = options.logger.child({ component: 'ari-connection' });
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  get isOpen(): boolean {
    return this.stateValue === 'open';
  }

  /** Starts connecting; resolves once the first socket is open (keeps retrying until then). */
  start(handlers: ConnectionHandlers): Promise<void> {
    this.handlers = handlers;
    this.stopping = false;
    const firstOpen = new Promise<void>((resolve) => {
      this.firstOpenResolve = resolve;
    });
    void this.connect();
    return firstOpen;
  }

  private firstOpenResolve: (() => void) | undefined;

  /** Closes the socket for good (shutdown). The application stays registered on Asterisk until then. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeatTimer);
    this.disposeClient();
    this.setState('closed');
  }

  /**
   * Drops the socket as a network fault would (for tests and the standby hand-over); the supervisor
   * reconnects as it would after any loss.
   */
  dropSocket(): void {
    this.client?._ws?.terminate();
  }

  /** Reconnects after ApplicationReplaced, when the caller has decided this instance should own the app. */
  reclaim(): void {
    if (this.stateValue !== 'replaced') return;
    this.attempt = 0;
    void this.connect();
  }

  private setState(next: ConnectionState, why?: string): void {
    if (next === this.stateValue) return;
    this.log.info({ from: this.stateValue, to: next, why }, `ari connection ${this.stateValue} -> ${next}`);
    this.stateValue = next;
  }

  private async connect(): Promise<void> {
    if (this.stopping) return;
    this.disposeClient();
    this.setState(this.opens === 0 ? 'connecting' : 'reconnecting');
    const { url, username, password, app } = this.options;
    let client: Client;
    try {
      client = (await quietly(() => ariClient.connect(url, username, password))) as unknown as Client;
    } catch (err) {
      this.scheduleRetry(`cannot load ARI from ${url}: ${describe(err)}`);
      return;
    }
    if (this.stopping) return;
    this.client = client;
    client.on('WebSocketConnected', () => this.opened(client));
    client.on('WebSocketReconnecting', (err?: Error) =>
      this.lost(client, `socket lost (${describe(err)}), ari-client retrying`),
    );
    client.on('WebSocketMaxRetries', (err?: Error) => {
      if (client !== this.client) return;
      this.lost(client, `ari-client gave up (${describe(err)})`);
      this.scheduleRetry('rebuilding the ARI client');
    });
    client.on('pong', () => {
      this.lastPong = Date.now();
    });
    client.on('*', (event: RawAriEvent) => {
      if (client !== this.client) return;
      if (event.type === 'ApplicationReplaced') {
        this.replaced(client);
        return;
      }
      try {
        this.handlers?.onEvent(event);
      } catch (err) {
        this.log.error({ err, eventType: event.type }, 'event handler threw');
      }
    });
    try {
      await client.start(app);
    } catch (err) {
      // start() rejects only when the very first socket never opened after ari-client's own retries.
      if (client === this.client) this.scheduleRetry(`socket did not open: ${describe(err)}`);
    }
  }

  private opened(client: Client): void {
    if (client !== this.client || this.stopping) return;
    guardMessageHandler(client, this.log);
    const reconnect = this.opens > 0;
    this.opens += 1;
    this.attempt = 0;
    this.setState('open');
    this.startHeartbeat(client);
    // Right after a (re)connect an old socket's teardown can still unregister the app: look early too.
    setTimeout(() => void this.checkRegistration(client), 1_000).unref();
    this.firstOpenResolve?.();
    this.firstOpenResolve = undefined;
    Promise.resolve(this.handlers?.onOpen({ reconnect })).catch((err) =>
      this.log.error({ err }, 'resync after connect failed'),
    );
  }

  private lost(client: Client, reason: string): void {
    if (client !== this.client || this.stopping) return;
    clearInterval(this.heartbeatTimer);
    if (this.stateValue === 'open') {
      this.log.warn({ reason: redactUrl(reason) }, 'ARI socket lost');
      this.handlers?.onDown(reason);
    }
    this.setState('reconnecting', redactUrl(reason));
  }

  private replaced(client: Client): void {
    // Another process took our application name. Fighting back would make both flap; stay down and say
    // so (readiness fails) until reclaim() is called by whoever arbitrates (the standby lease).
    this.log.error(
      { app: this.options.app },
      'ApplicationReplaced: another connection took this ARI application',
    );
    this.lost(client, 'application replaced');
    this.disposeClient();
    this.setState('replaced');
  }

  private scheduleRetry(reason: string): void {
    if (this.stopping) return;
    this.disposeClient();
    const { initialDelayMs, maxDelayMs } = this.options;
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(this.attempt, 16));
    const jittered = Math.round(delay * (0.8 + Math.random() * 0.4));
    this.attempt += 1;
    this.log.warn(
      { reason: redactUrl(reason), attempt: this.attempt, retryInMs: jittered },
      'ARI not connected',
    );
    this.setState(this.opens === 0 ? 'connecting' : 'reconnecting');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), jittered);
  }

  /**
   * Pings the socket and checks that Asterisk still has the application. The second matters after a quick
   * reconnect: Asterisk tears the old socket's session down asynchronously, and when that teardown runs
   * after the new socket registered, it unregisters the application under the new socket (seen on
   * Asterisk 22.10: "Stasis app ... doesn't exist" while the socket stays open). The service would stay
   * connected but deaf: no StasisStart, calls into the app failing. Reconnecting registers it again.
   */
  private startHeartbeat(client: Client): void {
    const every = this.options.heartbeatMs ?? 5_000;
    clearInterval(this.heartbeatTimer);
    // Socket liveness is measured in real time (Date.now), never on the business clock.
    this.lastPong = Date.now();
    this.heartbeatTimer = setInterval(() => {
      if (client !== this.client) return;
      if (Date.now() - this.lastPong > every * 3) {
        this.log.warn('ARI socket silent (no pong): dropping it');
        client._ws?.terminate();
        return;
      }
      try {
        client.ping();
      } catch {
        // socket already closing; the close path reconnects
      }
      void this.checkRegistration(client);
    }, every);
    this.heartbeatTimer.unref();
  }

  private async checkRegistration(client: Client): Promise<void> {
    const check = this.options.isRegistered;
    const current = () => client === this.client && this.stateValue === 'open';
    if (!check || this.checkingRegistration || !current()) return; // e.g. the early check after a stop
    this.checkingRegistration = true;
    try {
      // A failed check says nothing either way (undefined): only a definite "not registered" reconnects.
      const registered = await check().catch(() => undefined);
      if (registered !== false || !current()) return;
      this.log.warn(
        { app: this.options.app },
        'ARI application not registered on Asterisk while the socket is open: reconnecting',
      );
      client._ws?.terminate();
    } finally {
      this.checkingRegistration = false;
    }
  }

  private disposeClient(): void {
    const client = this.client;
    this.client = undefined;
    clearInterval(this.heartbeatTimer);
    if (!client) return;
    client.removeAllListeners();
    // Keep error events from an abandoned socket from becoming uncaught exceptions.
    client.on('error', () => {});
    try {
      if (client._ws) {
        client._wsClosed = true;
        client._ws.removeAllListeners('message');
        client._ws.on('error', () => {});
        client._ws.terminate();
      }
    } catch {
      // already closed
    }
  }
}

/**
 * ari-client parses every message in its socket 'message' listener and throws on invalid JSON or an
 * event type its API description lacks; wrap that listener so such a message is logged and skipped.
 */
function guardMessageHandler(client: Client, log: Logger): void {
  const ws = client._ws;
  if (!ws) return;
  const listeners = ws.listeners('message') as ((...args: unknown[]) => void)[];
  ws.removeAllListeners('message');
  for (const listener of listeners) {
    ws.on('message', (...args: unknown[]) => {
      try {
        listener(...args);
      } catch (err) {
        const text = String(args[0] ?? '').slice(0, 200);
        log.warn({ err: describe(err), message: text }, 'malformed or unknown ARI event skipped');
      }
    });
  }
}

/** ari-client's swagger loader prints a deprecation notice on stdout, which would corrupt JSON logs. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const original = console.log;
  console.log = () => {};
  try {
    return await fn();
  } finally {
    console.log = original;
  }
}

function describe(err: unknown): string {
  if (!err) return 'unknown';
  const message = err instanceof Error ? err.message : String(err);
  return redactUrl(message);
}

import http from 'node:http';
import https from 'node:https';
import { trimEnd } from '../lib/text.js';
import { AriError, kindForStatus } from './errors.js';
import type {
  Application,
  AsteriskInfo,
  Bridge,
  Channel,
  Endpoint,
  LiveRecording,
  Playback,
  StoredRecording,
} from './types.js';

type Query = Record<string, string | number | boolean | undefined>;

export interface AriRestOptions {
  /** Base URL of Asterisk's HTTP server, without /ari. */
  url: string;
  username: string;
  password: string;
  /** Every command is aborted after this long: a hung HTTP session must not hang a call. */
  timeoutMs: number;
  /** How long a refused connection is retried before the command fails (default 5 s). */
  refusedRetryMs?: number;
  /** Connections kept to Asterisk at most; further commands queue (default 64, well under sessionlimit). */
  maxSockets?: number;
  /** Told of every failed command (metrics). */
  onError?: (err: AriError) => void;
}

export interface OriginateParams {
  endpoint: string;
  channelId?: string;
  otherChannelId?: string;
  app?: string;
  appArgs?: string;
  context?: string;
  extension?: string;
  priority?: number;
  callerId?: string;
  timeout?: number;
  originator?: string;
  formats?: string;
  variables?: Record<string, string>;
}

export interface RecordParams {
  name: string;
  format?: string;
  maxDurationSeconds?: number;
  maxSilenceSeconds?: number;
  ifExists?: 'fail' | 'overwrite' | 'append';
  beep?: boolean;
  terminateOn?: 'none' | 'any' | '*' | '#';
}

const enc = encodeURIComponent;

interface RawResponse {
  status: number;
  contentType: string;
  data: Buffer;
}

/**
 * Typed ARI REST commands. ari-client's own REST layer (an old swagger client) drops the HTTP status and
 * cannot cancel a request, so a hung HTTP session would hang the call that issued it; these commands use
 * a keep-alive HTTP pool with a hard timeout and report failures as AriError with a kind callers can act
 * on. The event WebSocket stays with ari-client (see connection.ts).
 */
export class AriRest {
  private readonly base: string;
  private readonly auth: string;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(private readonly options: AriRestOptions) {
    const secure = options.url.startsWith('https:');
    this.transport = secure ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.base = `${trimEnd(options.url, '/')}/ari`;
    this.auth = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }

  /** One REST call. `command` names it in errors and metrics (never the URL: it may carry ids only). */
  async request<T>(
    command: string,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    query?: Query,
    body?: unknown,
  ): Promise<T> {
    const url = new URL(this.base + path);
    if (query) {
      for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    // A refused connection never reached Asterisk, so retrying is safe; it rides out a short network
    // cut or an ARI reconnect instead of failing the call. Anything else is not retried. (A command's
    // retry window and timeout are real time, never the business clock.)
    const retryUntil = Date.now() + (this.options.refusedRetryMs ?? 5_000);
    let response: RawResponse | undefined;
    for (let delay = 100; !response; delay = Math.min(delay * 2, 1_000)) {
      try {
        response = await this.send(method, url, payload);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ECONNREFUSED' && Date.now() + delay < retryUntil) {
          await new Promise((r) => setTimeout(r, delay));
          continue;
        }
        const timedOut = code === 'ETIMEDOUT';
        throw this.fail(
          new AriError(
            command,
            timedOut ? 'timeout' : 'unreachable',
            undefined,
            timedOut
              ? `no answer within ${this.options.timeoutMs} ms`
              : `Asterisk unreachable (${code ?? (err as Error).message})`,
          ),
        );
      }
    }
    const { status, contentType, data } = response;
    if (status >= 400) {
      const text = data.toString('utf8');
      let message = text || `HTTP ${status}`;
      try {
        const parsed = JSON.parse(text) as { message?: string; error?: string };
        message = parsed.message ?? parsed.error ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw this.fail(new AriError(command, kindForStatus(status), status, message));
    }
    if (status === 204 || data.length === 0) return undefined as T;
    if (contentType.includes('application/json')) return JSON.parse(data.toString('utf8')) as T;
    return data as T;
  }

  /**
   * One HTTP exchange on the keep-alive pool, abandoned (socket destroyed) after the command timeout.
   * node:http rather than fetch: a bounded pool (Asterisk refuses sessions past http.conf's limit) and
   * less work per request on the event path.
   */
  private send(method: string, url: URL, payload: string | undefined): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: this.auth,
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              data: Buffer.concat(chunks),
            });
          });
          res.on('error', (err) => {
            clearTimeout(timer);
            reject(err);
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error('ARI command timed out'), { code: 'ETIMEDOUT' }));
      }, this.options.timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(payload);
    });
  }

  /** Closes pooled connections (shutdown). */
  close(): void {
    this.agent.destroy();
  }

  private fail(err: AriError): AriError {
    this.options.onError?.(err);
    return err;
  }

  // --- asterisk and application
  info(): Promise<AsteriskInfo> {
    return this.request('asterisk.info', 'GET', '/asterisk/info', { only: 'system' });
  }
  getApplication(app: string): Promise<Application> {
    return this.request('applications.get', 'GET', `/applications/${enc(app)}`);
  }
  /** The app hears `eventSource` (e.g. `channel:<id>`) also outside Stasis, until its object is gone. */
  subscribeApplication(app: string, eventSource: string): Promise<Application> {
    return this.request('applications.subscribe', 'POST', `/applications/${enc(app)}/subscription`, {
      eventSource,
    });
  }
  unsubscribeApplication(app: string, eventSource: string): Promise<Application> {
    return this.request('applications.unsubscribe', 'DELETE', `/applications/${enc(app)}/subscription`, {
      eventSource,
    });
  }

  // --- channels
  listChannels(): Promise<Channel[]> {
    return this.request('channels.list', 'GET', '/channels');
  }
  getChannel(channelId: string): Promise<Channel> {
    return this.request('channels.get', 'GET', `/channels/${enc(channelId)}`);
  }
  answer(channelId: string): Promise<void> {
    return this.request('channels.answer', 'POST', `/channels/${enc(channelId)}/answer`);
  }
  ring(channelId: string): Promise<void> {
    return this.request('channels.ring', 'POST', `/channels/${enc(channelId)}/ring`);
  }
  hangup(
    channelId: string,
    reason: 'normal' | 'busy' | 'congestion' | 'no_answer' = 'normal',
  ): Promise<void> {
    return this.request('channels.hangup', 'DELETE', `/channels/${enc(channelId)}`, { reason });
  }
  originate(params: OriginateParams): Promise<Channel> {
    const { variables, ...query } = params;
    return this.request(
      'channels.originate',
      'POST',
      '/channels',
      query,
      variables ? { variables } : undefined,
    );
  }
  /** Plays media on a channel; pass playbackId so events can be routed before this call returns. */
  playOnChannel(channelId: string, media: string[], playbackId: string, lang?: string): Promise<Playback> {
    return this.request('channels.play', 'POST', `/channels/${enc(channelId)}/play/${enc(playbackId)}`, {
      media: media.join(','),
      lang,
    });
  }
  recordChannel(channelId: string, params: RecordParams): Promise<LiveRecording> {
    return this.request('channels.record', 'POST', `/channels/${enc(channelId)}/record`, recordQuery(params));
  }
  sendDtmf(channelId: string, dtmf: string, between = 100, duration = 100): Promise<void> {
    return this.request('channels.dtmf', 'POST', `/channels/${enc(channelId)}/dtmf`, {
      dtmf,
      between,
      duration,
    });
  }
  startMoh(channelId: string, mohClass?: string): Promise<void> {
    return this.request('channels.moh', 'POST', `/channels/${enc(channelId)}/moh`, { mohClass });
  }
  stopMoh(channelId: string): Promise<void> {
    return this.request('channels.moh.stop', 'DELETE', `/channels/${enc(channelId)}/moh`);
  }
  async getVariable(channelId: string, variable: string): Promise<string> {
    const r = await this.request<{ value: string }>(
      'channels.getvar',
      'GET',
      `/channels/${enc(channelId)}/variable`,
      {
        variable,
      },
    );
    return r.value;
  }
  setVariable(channelId: string, variable: string, value: string): Promise<void> {
    return this.request('channels.setvar', 'POST', `/channels/${enc(channelId)}/variable`, {
      variable,
      value,
    });
  }
  continueInDialplan(
    channelId: string,
    target: { context?: string; extension?: string; priority?: number; label?: string } = {},
  ): Promise<void> {
    return this.request('channels.continue', 'POST', `/channels/${enc(channelId)}/continue`, target);
  }
  moveToApp(channelId: string, app: string, appArgs?: string): Promise<void> {
    return this.request('channels.move', 'POST', `/channels/${enc(channelId)}/move`, { app, appArgs });
  }
  snoop(
    channelId: string,
    params: {
      app: string;
      snoopId: string;
      spy?: 'none' | 'both' | 'out' | 'in';
      whisper?: 'none' | 'both' | 'out' | 'in';
      appArgs?: string;
    },
  ): Promise<Channel> {
    const { snoopId, ...query } = params;
    return this.request('channels.snoop', 'POST', `/channels/${enc(channelId)}/snoop/${enc(snoopId)}`, query);
  }

  // --- push configuration (sorcery's memory store: config/asterisk/sorcery.conf)
  /** Creates or replaces a PJSIP object (endpoint, aor, auth) in Asterisk's memory, given all its fields. */
  putPjsipObject(
    kind: 'endpoint' | 'aor' | 'auth',
    id: string,
    fields: Record<string, string>,
  ): Promise<void> {
    const body = { fields: Object.entries(fields).map(([attribute, value]) => ({ attribute, value })) };
    // The answer echoes every field, the password included: it is dropped here, never returned or logged.
    return this.request<unknown>(
      'asterisk.config.put',
      'PUT',
      `/asterisk/config/dynamic/res_pjsip/${kind}/${enc(id)}`,
      undefined,
      body,
    ).then(() => undefined);
  }
  deletePjsipObject(kind: 'endpoint' | 'aor' | 'auth', id: string): Promise<void> {
    return this.request(
      'asterisk.config.delete',
      'DELETE',
      `/asterisk/config/dynamic/res_pjsip/${kind}/${enc(id)}`,
    );
  }
  getEndpoint(technology: string, resource: string): Promise<Endpoint> {
    return this.request('endpoints.get', 'GET', `/endpoints/${enc(technology)}/${enc(resource)}`);
  }

  // --- bridges
  listBridges(): Promise<Bridge[]> {
    return this.request('bridges.list', 'GET', '/bridges');
  }
  createBridge(bridgeId: string, type = 'mixing', name?: string): Promise<Bridge> {
    return this.request('bridges.create', 'POST', `/bridges/${enc(bridgeId)}`, { type, name });
  }
  addToBridge(bridgeId: string, channelIds: string[], role?: string): Promise<void> {
    return this.request('bridges.add', 'POST', `/bridges/${enc(bridgeId)}/addChannel`, {
      channel: channelIds.join(','),
      role,
    });
  }
  removeFromBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    return this.request('bridges.remove', 'POST', `/bridges/${enc(bridgeId)}/removeChannel`, {
      channel: channelIds.join(','),
    });
  }
  destroyBridge(bridgeId: string): Promise<void> {
    return this.request('bridges.destroy', 'DELETE', `/bridges/${enc(bridgeId)}`);
  }
  /** Music on hold to everyone in the bridge (a holding bridge: the held caller), through an announcer. */
  startBridgeMoh(bridgeId: string, mohClass?: string): Promise<void> {
    return this.request('bridges.moh', 'POST', `/bridges/${enc(bridgeId)}/moh`, { mohClass });
  }
  playOnBridge(bridgeId: string, media: string[], playbackId: string): Promise<Playback> {
    return this.request('bridges.play', 'POST', `/bridges/${enc(bridgeId)}/play/${enc(playbackId)}`, {
      media: media.join(','),
    });
  }
  recordBridge(bridgeId: string, params: RecordParams): Promise<LiveRecording> {
    return this.request('bridges.record', 'POST', `/bridges/${enc(bridgeId)}/record`, recordQuery(params));
  }

  // --- playbacks
  getPlayback(playbackId: string): Promise<Playback> {
    return this.request('playbacks.get', 'GET', `/playbacks/${enc(playbackId)}`);
  }
  stopPlayback(playbackId: string): Promise<void> {
    return this.request('playbacks.stop', 'DELETE', `/playbacks/${enc(playbackId)}`);
  }

  // --- recordings
  getLiveRecording(name: string): Promise<LiveRecording> {
    return this.request('recordings.live.get', 'GET', `/recordings/live/${enc(name)}`);
  }
  stopRecording(name: string): Promise<void> {
    return this.request('recordings.live.stop', 'POST', `/recordings/live/${enc(name)}/stop`);
  }
  pauseRecording(name: string): Promise<void> {
    return this.request('recordings.live.pause', 'POST', `/recordings/live/${enc(name)}/pause`);
  }
  unpauseRecording(name: string): Promise<void> {
    return this.request('recordings.live.unpause', 'DELETE', `/recordings/live/${enc(name)}/pause`);
  }
  listStoredRecordings(): Promise<StoredRecording[]> {
    return this.request('recordings.stored.list', 'GET', '/recordings/stored');
  }
  downloadStoredRecording(name: string): Promise<Buffer> {
    return this.request('recordings.stored.file', 'GET', `/recordings/stored/${enc(name)}/file`);
  }
  deleteStoredRecording(name: string): Promise<void> {
    return this.request('recordings.stored.delete', 'DELETE', `/recordings/stored/${enc(name)}`);
  }
}

function recordQuery(p: RecordParams): Query {
  return {
    name: p.name,
    format: p.format ?? 'wav',
    maxDurationSeconds: p.maxDurationSeconds,
    maxSilenceSeconds: p.maxSilenceSeconds,
    ifExists: p.ifExists ?? 'fail',
    beep: p.beep,
    terminateOn: p.terminateOn ?? 'none',
  };
}

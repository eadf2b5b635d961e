/**
 * The agents' screens of the console benchmark (bench/console.ts): 48 pages in Node, each built from the
 * web app's own code, run in a worker thread of their own (as browsers on the agents' PCs: their work
 * does not share the service's event loop) or, with `--screens inline`, in the service's thread.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { watch } from 'vue';
import { type AgentActions, createActions } from '../web/src/agent/actions.js';
import type { Refusal } from '../web/src/agent/refusals.js';
import { type AgentWorkspace, createWorkspace } from '../web/src/agent/workspace.js';
import * as agentApi from '../web/src/api/agent.js';
import { api } from '../web/src/api/client.js';
import * as contract from '../web/src/api/workspace.js';
import { LiveClient, type LiveEvent } from '../web/src/live/client.js';
import { fetchSse, type SseConnect } from '../web/src/live/transport.js';
import { percentile, round } from './lib.js';

/** As the page's live stream (web/src/live/live.ts): two missed 15 s heartbeats and a little more. */
const STALE_AFTER_MS = 35_000;
const SESSION_COOKIE = 'cc_session';
const CSRF_HEADER = 'x-csrf-token';
export const PASSWORD = 'console-bench-password';
export const usernameOf = (agentId: string) => `agent.${agentId}`;
/** The "none now" answers the screen's reads expect while the agent is idle. */
const NONE_NOW = new Set(['NO_PREVIEW', 'NO_CALL', 'NO_OFFER']);

/** A time both threads read alike (performance.now() counts from the process's time origin). */
export const stamp = () => performance.now();

/** The event as the SSE route frames it and as the client's JSON.parse gives it back: a sample's key. */
export const eventKey = (e: { topic: string; type: string; at: number; data: unknown }) =>
  JSON.stringify({ topic: e.topic, type: e.type, at: e.at, data: e.data });

/** The service's clock: stands at `at` until `startedAt`, then runs `scale` times faster than real time. */
export interface ClockSpec {
  at: number;
  scale: number;
  startedAt: number | null;
}

export const clockNow = (c: ClockSpec) =>
  new Date(c.startedAt === null ? c.at : c.at + (Date.now() - c.startedAt) * c.scale);

/** What the screens tell the benchmark as they go. */
export interface ScreenLink {
  /** A working screen's stream opened or closed: events published meanwhile are (not) expected. */
  connected(agentId: string, on: boolean): void;
  /** A working screen applied an event: its key, and when it was shown and its chunk read. */
  shown(agentId: string, key: string, shownAt: number, chunkAt: number): void;
}

export interface FirstScreens {
  /** Sign-in request to the first screen loaded with the stream open, per agent (ms). */
  ms: number[];
  /** Where that time goes (p50s, ms): the sign-in answered, the screen loaded, the stream open. */
  phasesP50: { login: number; screen: number; stream: number };
}

export interface ShiftReport {
  first: FirstScreens;
  /** Requests the screens' API client made, by method and route. */
  requests: Record<string, number>;
  /** HTTP answers that are errors: by status, code, method and route. */
  httpErrors: Record<string, number>;
  /** 409s: an action on something that moved on meanwhile (the screen explains it and reloads). */
  conflicts: number;
  /** The screen's refusal notices, by error code. */
  refusals: Record<string, number>;
  /** Routes of the workspace contract this service lacks (404 NOT_FOUND; the page hides their parts). */
  missingRoutes: string[];
  /** Stream attempts that failed (the client reconnects). */
  streamFailures: number;
}

/** The screens as the benchmark drives them, in this thread or in the worker. */
export interface Shift {
  /** Each person signs in `gapMs` after the one before, loads the screen, logs in the line, goes ready. */
  signInAll(ids: string[], gapMs: number): Promise<void>;
  startClock(startedAt: number): Promise<void>;
  /** A working screen still owes a disposition. */
  owes(): Promise<boolean>;
  /** Closes the working screens; what they saw. */
  close(): Promise<ShiftReport>;
  /** Everyone signs in again at once (the working screens closed) and loads the screen: the first screens. */
  burst(ids: string[]): Promise<ShiftReport>;
  terminate(): Promise<void>;
}

/** What went wrong, by kind, so a miss can be traced to its route; and what is expected. */
class Tally {
  /** Requests made, by method and route. */
  readonly requests = new Map<string, number>();
  readonly errors = new Map<string, number>();
  conflicts = 0;
  readonly missingRoutes = new Set<string>();

  add(kind: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  /** What was counted; counting starts afresh. */
  take(): Pick<ShiftReport, 'requests' | 'httpErrors' | 'conflicts' | 'missingRoutes'> {
    const taken = {
      requests: Object.fromEntries(this.requests),
      httpErrors: Object.fromEntries(this.errors),
      conflicts: this.conflicts,
      missingRoutes: [...this.missingRoutes].sort(),
    };
    this.requests.clear();
    this.errors.clear();
    this.conflicts = 0;
    this.missingRoutes.clear();
    return taken;
  }
}

/** The route's shape, ids left out: errors group by route. */
const routeOf = (url: string) =>
  new URL(url).pathname
    .replace(/\/agents\/[^/]+/, '/agents/{id}')
    .replace(/^\/v1\/calls\/[^/]+/, '/v1/calls/{id}');

function errorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = (body as { error: unknown }).error;
  if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code);
  return undefined;
}

/** A person's session: the cookie the browser keeps and the CSRF token the page sends on writes. */
interface Credentials {
  cookie: string;
  csrf: string;
}

/**
 * The page's API client (web/src/api/client.ts) in Node, for many people at once: its paths are relative
 * (baseUrl ''), so fetch gets the service as its origin (undici's global origin, what a browser's page
 * address is); each request carries the session of the agent in its path (the cookie and, on writes,
 * the CSRF token), as each person's browser would; answers other than success are tallied.
 */
function serveThePageClient(base: string, sessions: Map<string, Credentials>, tally: Tally): void {
  (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalOrigin.1')] = new URL(base);
  api.use({
    onRequest({ request }) {
      const agentId = /\/v1\/agents\/([^/]+)/.exec(new URL(request.url).pathname)?.[1];
      const session = agentId ? sessions.get(agentId) : undefined;
      if (!session) throw new Error(`no session for ${request.method} ${request.url}`);
      const route = `${request.method} ${routeOf(request.url)}`;
      tally.requests.set(route, (tally.requests.get(route) ?? 0) + 1);
      request.headers.set('cookie', session.cookie);
      if (request.method !== 'GET') request.headers.set(CSRF_HEADER, session.csrf);
      return request;
    },
    async onResponse({ request, response }) {
      if (response.ok) return response;
      const code = errorCode(
        await response
          .clone()
          .json()
          .catch(() => null),
      );
      const route = routeOf(request.url);
      if (response.status === 409) tally.conflicts += 1;
      else if (response.status === 404 && code === 'NOT_FOUND') tally.missingRoutes.add(route);
      else if (!(response.status === 404 && code && NONE_NOW.has(code)))
        tally.add(`${response.status} ${code ?? ''} ${request.method} ${route}`);
      return response;
    },
  });
}

let dispositionTurn = 0;

/** The outcomes agents give, in the proportions of a preview campaign's day (as dialer-day). */
function nextDisposition(): string {
  dispositionTurn += 1;
  const roll = dispositionTurn % 20;
  if (roll < 2) return 'sale';
  if (roll < 3) return 'refused';
  if (roll < 5) return 'callback';
  if (roll < 11) return 'answering-machine';
  return 'not-interested';
}

interface Page {
  base: string;
  tally: Tally;
  sessions: Map<string, Credentials>;
  clock: ClockSpec;
  link: ScreenLink;
}

/**
 * One person at the agent's screen, built as web/src/components/agent/AgentScreen.vue builds it: the
 * workspace store and the actions (web/src/agent) over the page's API client, the page's live-event
 * client (web/src/live: LiveClient over fetchSse, the session cookie sent as the browser sends it), each
 * event handed to the store, a full load at the start and after each reconnect. The person presses what
 * the screen offers at once: Accept on a preview, the disposition form's Submit when a call has ended.
 */
class AgentScreen {
  readonly ws: AgentWorkspace;
  readonly actions: AgentActions;
  private live: LiveClient | null = null;
  streamFailures = 0;
  readonly refusals = new Map<string, number>();
  firstScreenMs = Number.NaN;
  readonly phases = { login: Number.NaN, screen: Number.NaN, stream: Number.NaN };
  /** When the chunk that carries the current event was read off the stream. */
  private chunkAt = 0;
  private readonly stopWatching: (() => void)[] = [];

  constructor(
    readonly agentId: string,
    private readonly page: Page,
    /** A working screen: measured, and its person acts on it (the burst's screens only load). */
    private readonly working: boolean,
  ) {
    this.ws = createWorkspace(agentId, { ...agentApi, ...contract });
    this.actions = createActions(this.ws, (refusal) => this.refused(refusal));
  }

  /** Sign-in to the first screen: the session, the screen's data loaded and the live stream open. */
  async signIn(): Promise<void> {
    const t0 = performance.now();
    const res = await fetch(`${this.page.base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: usernameOf(this.agentId), password: PASSWORD }),
    });
    const body = (await res.json()) as { csrfToken?: string };
    const cookie = res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`))
      ?.split(';')[0];
    if (res.status !== 200 || !cookie || !body.csrfToken) {
      this.page.tally.add(`${res.status} POST /v1/auth/login`);
      throw new Error(`sign-in of ${usernameOf(this.agentId)} answered ${res.status}`);
    }
    this.page.sessions.set(this.agentId, { cookie, csrf: body.csrfToken });
    this.phases.login = performance.now() - t0;
    // The page mounts: the store loads, the live stream opens (and loads again once open).
    await Promise.all([
      this.ws.reload().then(() => {
        this.phases.screen = performance.now() - t0;
      }),
      this.openStream().then(() => {
        this.phases.stream = performance.now() - t0;
      }),
    ]);
    this.firstScreenMs = performance.now() - t0;
    if (this.working) this.pressWhatTheScreenOffers();
  }

  private openStream(): Promise<void> {
    // The page's transport with the cookie; `alive` (a chunk read) is noted on the way through, to tell
    // the time an event took to reach the client from the time to parse and apply it.
    const transport = fetchSse({
      fetch: (url, init) => fetch(url, init),
      headers: () => ({ cookie: this.page.sessions.get(this.agentId)?.cookie ?? '' }),
    });
    const connect: SseConnect = (url, handlers) =>
      transport(url, {
        ...handlers,
        alive: () => {
          this.chunkAt = stamp();
          handlers.alive();
        },
      });
    return new Promise((resolve) => {
      const live = new LiveClient({
        url: `${this.page.base}/v1/events`,
        connect,
        staleAfterMs: STALE_AFTER_MS,
        log: (line) => {
          if (line.startsWith('live attempt failed')) this.streamFailures += 1;
        },
      });
      this.live = live;
      let lost = false;
      live.onState((state) => {
        if (this.working) this.page.link.connected(this.agentId, state === 'connected');
        if (state === 'retrying') lost = true;
        if (state !== 'connected') return;
        // As the page: a load once open, everything again after a loss (missed events are not replayed).
        void (lost ? this.ws.reloadAfterLoss() : this.ws.reload());
        resolve();
      });
      live.onEvent((event) => this.onEvent(event));
      live.start();
    });
  }

  private onEvent(event: LiveEvent): void {
    this.ws.onEvent(event);
    const shownAt = stamp();
    if (this.working) this.page.link.shown(this.agentId, eventKey(event), shownAt, this.chunkAt);
  }

  /** The buttons the person presses as soon as the screen shows them. */
  private pressWhatTheScreenOffers(): void {
    const { state } = this.ws;
    // The preview card's Accept (PreviewCard.vue: while the phase is preview).
    this.stopWatching.push(
      watch(
        () => (state.preview?.phase === 'preview' ? state.preview.attemptId : null),
        (attemptId) => {
          if (attemptId) void this.actions.accept(attemptId);
        },
      ),
    );
    // The disposition form (AgentScreen.vue: the call ended and its outcome not given yet).
    this.stopWatching.push(
      watch(
        () => (this.owes ? (state.preview?.attemptId ?? null) : null),
        (attemptId) => {
          if (attemptId) void this.dispose(attemptId);
        },
      ),
    );
  }

  private dispose(attemptId: string): Promise<boolean> {
    const code = nextDisposition();
    const chosen = this.ws.state.preview?.dispositions.find((d) => d.code === code);
    const callbackAt = clockNow(this.page.clock).getTime() + 45 * 60_000;
    return this.actions.dispose(attemptId, {
      code,
      ...(code === 'callback' ? { callbackAt: new Date(callbackAt).toISOString() } : {}),
      // DispositionForm.vue: amount and product for a disposition the campaign marks as a sale.
      ...(chosen?.sale ? { sale: { amount: 129.9, product: 'Bench plan' } } : {}),
    });
  }

  /** The line's login and ready, as the state bar's buttons. */
  async goReady(): Promise<void> {
    if (!(await this.actions.login()) || !(await this.actions.ready()))
      throw new Error(`${this.agentId} could not log in the line and go ready`);
  }

  /** The call ended and its disposition is not given yet. */
  get owes(): boolean {
    const { preview, disposed } = this.ws.state;
    return preview?.phase === 'ended' && !disposed.includes(preview.attemptId);
  }

  private refused(refusal: Refusal): void {
    const code = String(refusal.values?.code ?? refusal.key);
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }

  close(): void {
    for (const stop of this.stopWatching) stop();
    this.live?.stop();
    if (this.working) this.page.link.connected(this.agentId, false);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function firstScreens(screens: AgentScreen[]): FirstScreens {
  const p50 = (key: keyof AgentScreen['phases']) =>
    round(
      percentile(
        screens.map((s) => s.phases[key]).sort((a, b) => a - b),
        50,
      ),
      1,
    );
  return {
    ms: screens.map((s) => s.firstScreenMs),
    phasesP50: { login: p50('login'), screen: p50('screen'), stream: p50('stream') },
  };
}

/** The screens in this thread. */
export function localShift(base: string, clock: ClockSpec, link: ScreenLink): Shift {
  const page: Page = { base, tally: new Tally(), sessions: new Map(), clock: { ...clock }, link };
  serveThePageClient(base, page.sessions, page.tally);
  let screens: AgentScreen[] = [];

  const report = (of: AgentScreen[]): ShiftReport => {
    const refusals: Record<string, number> = {};
    for (const s of of) for (const [code, n] of s.refusals) refusals[code] = (refusals[code] ?? 0) + n;
    return {
      first: firstScreens(of),
      ...page.tally.take(),
      refusals,
      streamFailures: of.reduce((n, s) => n + s.streamFailures, 0),
    };
  };

  return {
    async signInAll(ids, gapMs) {
      await Promise.all(
        ids.map(async (id, i) => {
          await sleep(i * gapMs);
          const screen = new AgentScreen(id, page, true);
          screens.push(screen);
          await screen.signIn();
          await screen.goReady();
        }),
      );
    },
    async startClock(startedAt) {
      page.clock.startedAt = startedAt;
    },
    async owes() {
      return screens.some((s) => s.owes);
    },
    async close() {
      for (const screen of screens) screen.close();
      const out = report(screens);
      screens = [];
      return out;
    },
    async burst(ids) {
      const burst = ids.map((id) => new AgentScreen(id, page, false));
      await Promise.all(burst.map((s) => s.signIn()));
      for (const screen of burst) screen.close();
      return report(burst);
    },
    async terminate() {
      for (const screen of screens) screen.close();
    },
  };
}

type Call = { id: number; method: keyof Shift; args: unknown[] };
type FromWorker =
  | { kind: 'answer'; id: number; value?: unknown; error?: string }
  | { kind: 'connected'; agentId: string; on: boolean }
  | { kind: 'shown'; batch: [string, string, number, number][] };

/** The screens in a worker thread: the same shift, driven by messages. */
export function workerShift(base: string, clock: ClockSpec, link: ScreenLink): Shift {
  // A worker does not take the TypeScript loader from --import (Node 20): it registers tsx, then loads.
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { consoleScreens: { base, clock } } });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 0;
  worker.on('message', (message: FromWorker) => {
    if (message.kind === 'connected') link.connected(message.agentId, message.on);
    else if (message.kind === 'shown') for (const s of message.batch) link.shown(...s);
    else {
      const call = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error !== undefined) call?.reject(new Error(message.error));
      else call?.resolve(message.value);
    }
  });
  // A worker that failed or ended answers nothing more: what waits, or asks later, fails with it.
  let gone: Error | null = null;
  const fail = (err: Error) => {
    gone ??= err;
    for (const call of waiting.values()) call.reject(gone);
    waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the screens' worker ended (exit code ${code})`)));
  const ask =
    <M extends keyof Shift>(method: M) =>
    (...args: Parameters<Shift[M]>) =>
      new Promise((resolve, reject) => {
        if (gone) return reject(gone);
        const id = next++;
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, method, args } satisfies Call);
      }) as ReturnType<Shift[M]>;
  return {
    signInAll: ask('signInAll'),
    startClock: ask('startClock'),
    owes: ask('owes'),
    close: ask('close'),
    burst: ask('burst'),
    async terminate() {
      await worker.terminate();
    },
  };
}

/** The worker's side: a local shift whose link is the message port (shown events go in batches). */
function serveInWorker(port: NonNullable<typeof parentPort>, base: string, clock: ClockSpec): void {
  let batch: [string, string, number, number][] = [];
  const flush = () => {
    if (batch.length > 0) port.postMessage({ kind: 'shown', batch } satisfies FromWorker);
    batch = [];
  };
  setInterval(flush, 50).unref();
  const shift = localShift(base, clock, {
    connected: (agentId, on) => port.postMessage({ kind: 'connected', agentId, on } satisfies FromWorker),
    shown: (...s) => {
      batch.push(s);
    },
  });
  port.on('message', ({ id, method, args }: Call) => {
    const work = (shift[method] as (...a: unknown[]) => Promise<unknown>)(...args);
    work.then(
      (value) => {
        flush();
        port.postMessage({ kind: 'answer', id, value } satisfies FromWorker);
      },
      (err: unknown) => port.postMessage({ kind: 'answer', id, error: String(err) } satisfies FromWorker),
    );
  });
}

const started = workerData as { consoleScreens?: { base: string; clock: ClockSpec } } | null;
if (!isMainThread && parentPort && started?.consoleScreens) {
  serveInWorker(parentPort, started.consoleScreens.base, started.consoleScreens.clock);
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from '../../../web/src/live/backoff.js';
import { LiveClient, type LiveEvent } from '../../../web/src/live/client.js';
import { type SseMessage, SseParser } from '../../../web/src/live/sse-parser.js';
import { liveStatus, nextLiveState } from '../../../web/src/live/state.js';
import {
  type EventSourceLike,
  eventSourceSse,
  type SseConnect,
  type SseHandlers,
} from '../../../web/src/live/transport.js';

describe('live state machine', () => {
  it('moves through connecting, connected, retrying and reconnecting', () => {
    expect(nextLiveState('idle', 'start')).toBe('connecting');
    expect(nextLiveState('connecting', 'open')).toBe('connected');
    expect(nextLiveState('connected', 'fail')).toBe('retrying');
    expect(nextLiveState('retrying', 'retry')).toBe('reconnecting');
    expect(nextLiveState('reconnecting', 'fail')).toBe('retrying');
    expect(nextLiveState('reconnecting', 'open')).toBe('connected');
    expect(nextLiveState('connected', 'refuse')).toBe('refused');
    expect(nextLiveState('connected', 'stop')).toBe('stopped');
  });

  it('ignores what means nothing in a state (a late event of a closed attempt)', () => {
    expect(nextLiveState('stopped', 'open')).toBeNull();
    expect(nextLiveState('retrying', 'fail')).toBeNull();
    expect(nextLiveState('connected', 'start')).toBeNull();
    expect(nextLiveState('refused', 'retry')).toBeNull();
  });

  it('shows four statuses', () => {
    expect(
      ['idle', 'connecting', 'connected', 'retrying', 'reconnecting', 'refused', 'stopped'].map((s) =>
        liveStatus(s as Parameters<typeof liveStatus>[0]),
      ),
    ).toEqual(['offline', 'connecting', 'connected', 'reconnecting', 'reconnecting', 'offline', 'offline']);
  });
});

describe('backoff', () => {
  const backoff = { initialMs: 500, maxMs: 5_000 };
  it('doubles per attempt up to the maximum, drawing the upper half at random', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, backoff, () => 1))).toEqual([
      500, 1000, 2000, 4000, 5000, 5000,
    ]);
    expect(backoffDelay(1, backoff, () => 0)).toBe(250);
    expect(backoffDelay(3, backoff, () => 0.5)).toBe(1500);
  });
});

describe('SSE parser', () => {
  const parse = (chunks: string[]) => {
    const messages: SseMessage[] = [];
    const parser = new SseParser((m) => messages.push(m));
    for (const chunk of chunks) parser.push(chunk);
    return messages;
  };

  it('reads named events split anywhere, and skips comments', () => {
    expect(
      parse([
        ': connected\n\nevent: agent.st',
        'ate\ndata: {"a":',
        '1}\n',
        '\n: heartbeat\n\nevent: queue.changed\ndata: 2\n\n',
      ]),
    ).toEqual([
      { event: 'agent.state', data: '{"a":1}' },
      { event: 'queue.changed', data: '2' },
    ]);
  });

  it('takes CRLF and CR line ends (also split between chunks), and joins data lines', () => {
    expect(parse(['data: a\r', '\ndata: b\r\n\r\n', 'data:c\r\r'])).toEqual([
      { event: 'message', data: 'a\nb' },
      { event: 'message', data: 'c' },
    ]);
  });

  it('dispatches nothing for an unfinished message or one without data', () => {
    expect(parse(['event: x\n\n', 'data: half'])).toEqual([]);
  });
});

/** A transport the test drives: each attempt's handlers, and whether the client closed it. */
class FakeTransport {
  readonly attempts: { url: string; handlers: SseHandlers; closed: boolean; at: number }[] = [];
  readonly connect: SseConnect = (url, handlers) => {
    const attempt = { url, handlers, closed: false, at: Date.now() };
    this.attempts.push(attempt);
    return {
      close: () => {
        attempt.closed = true;
      },
    };
  };
  get last() {
    return this.attempts.at(-1)!;
  }
}

const event = (type: string): LiveEvent => ({ topic: 'agent', type, at: 1, data: { id: 'a1' } });

describe('LiveClient', () => {
  let transport: FakeTransport;
  let client: LiveClient;
  let states: string[];
  let events: LiveEvent[];
  let log: string[];

  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
    transport = new FakeTransport();
    log = [];
    client = new LiveClient({
      url: '/v1/events',
      connect: transport.connect,
      backoff: { initialMs: 100, maxMs: 1_000 },
      random: () => 1,
      staleAfterMs: 35_000,
      log: (line) => log.push(line),
    });
    states = [];
    events = [];
    client.onState((s) => states.push(s));
    client.onEvent((e) => events.push(e));
  });
  afterEach(() => {
    client.stop();
    vi.useRealTimers();
  });

  it('connects, passes events on and logs each move', () => {
    client.start();
    transport.last.handlers.open();
    transport.last.handlers.message('agent.state', JSON.stringify(event('state')));
    transport.last.handlers.message('agent.state', 'not json');
    expect(client.state).toBe('connected');
    expect(states).toEqual(['connecting', 'connected']);
    expect(events).toEqual([event('state')]);
    expect(log).toContain('live idle -start-> connecting');
    expect(log).toContain('live connecting -open-> connected');
  });

  it('reconnects after a loss with a growing backoff, reset once connected', () => {
    client.start();
    transport.last.handlers.open();
    transport.last.handlers.fail(new Error('gone'));
    expect(transport.attempts[0]!.closed).toBe(true);
    expect(client.state).toBe('retrying');
    expect(client.retryAt).toBe(100);

    vi.advanceTimersByTime(99);
    expect(transport.attempts).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(client.state).toBe('reconnecting');
    expect(transport.attempts).toHaveLength(2);

    transport.last.handlers.fail(new Error('refused connection'));
    vi.advanceTimersByTime(200);
    transport.last.handlers.fail(new Error('refused connection'));
    vi.advanceTimersByTime(400);
    expect(transport.attempts.map((a) => a.at)).toEqual([0, 100, 300, 700]);

    transport.last.handlers.open();
    expect(client.state).toBe('connected');
    transport.last.handlers.fail(new Error('gone again'));
    vi.advanceTimersByTime(100);
    expect(transport.attempts).toHaveLength(5);
    expect(states).toEqual([
      'connecting',
      'connected',
      'retrying',
      'reconnecting',
      'retrying',
      'reconnecting',
      'retrying',
      'reconnecting',
      'connected',
      'retrying',
      'reconnecting',
    ]);
  });

  it('replaces a connection that goes silent (no heartbeat) and keeps one that beats', () => {
    client.start();
    transport.last.handlers.open();
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(15_000);
      transport.last.handlers.alive();
    }
    expect(client.state).toBe('connected');
    vi.advanceTimersByTime(35_000);
    expect(client.state).toBe('retrying');
    expect(transport.attempts[0]!.closed).toBe(true);
    expect(log).toContain('live attempt failed: nothing received for 35000 ms');
  });

  it('stops retrying when the server refuses the credentials', () => {
    client.start();
    transport.last.handlers.fail(new Error('HTTP 401'), 401);
    vi.advanceTimersByTime(10_000);
    expect(client.state).toBe('refused');
    expect(transport.attempts).toHaveLength(1);
  });

  it('retries other HTTP errors (a restarting service answers 503)', () => {
    client.start();
    transport.last.handlers.fail(new Error('HTTP 503'), 503);
    vi.advanceTimersByTime(100);
    expect(transport.attempts).toHaveLength(2);
  });

  it('once stopped, ignores the old attempt and schedules nothing', () => {
    client.start();
    const first = transport.last;
    first.handlers.open();
    first.handlers.fail(new Error('gone'));
    client.stop();
    expect(client.state).toBe('stopped');
    first.handlers.open();
    first.handlers.message('agent.state', JSON.stringify(event('late')));
    vi.advanceTimersByTime(60_000);
    expect(transport.attempts).toHaveLength(1);
    expect(events).toEqual([]);
    expect(client.state).toBe('stopped');
  });

  it('takes a transport that reports at once, from within connect', () => {
    const eager = new LiveClient({
      url: '/v1/events',
      connect: (_url, handlers) => {
        handlers.open();
        return { close() {} };
      },
    });
    eager.start();
    expect(eager.state).toBe('connected');
    eager.stop();
  });
});

describe('eventSourceSse', () => {
  class FakeEventSource implements EventSourceLike {
    static last: FakeEventSource;
    onopen: ((event: unknown) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    readonly listeners = new Map<string, (event: { data: string }) => void>();
    closed = false;
    constructor(
      readonly url: string,
      readonly init?: { withCredentials?: boolean },
    ) {
      FakeEventSource.last = this;
    }
    addEventListener(type: string, listener: (event: { data: string }) => void) {
      this.listeners.set(type, listener);
    }
    close() {
      this.closed = true;
    }
  }

  it('drives the client with an injected EventSource, and leaves the retrying to the client', () => {
    vi.useFakeTimers({ now: 0 });
    const client = new LiveClient({
      url: '/v1/events',
      connect: eventSourceSse(FakeEventSource, ['agent.state']),
      backoff: { initialMs: 100, maxMs: 100 },
      random: () => 1,
    });
    const events: LiveEvent[] = [];
    client.onEvent((e) => events.push(e));
    client.start();
    const source = FakeEventSource.last;
    expect(source.init).toEqual({ withCredentials: true });
    source.onopen?.({});
    source.listeners.get('agent.state')?.({ data: JSON.stringify(event('state')) });
    expect(events).toEqual([event('state')]);
    source.onerror?.({});
    expect(source.closed).toBe(true);
    expect(client.state).toBe('retrying');
    vi.advanceTimersByTime(100);
    expect(FakeEventSource.last).not.toBe(source);
    client.stop();
    vi.useRealTimers();
  });
});

import { SseParser } from './sse-parser.js';

/** What a transport reports about one connection attempt. */
export interface SseHandlers {
  /** The server accepted the stream. */
  open(): void;
  /** A message: its event name (e.g. agent.state) and raw data. */
  message(event: string, data: string): void;
  /** Bytes arrived (a message or the server's heartbeat comment): the connection is alive. */
  alive(): void;
  /** The attempt failed or the stream ended; `status` when the server answered with an HTTP error. */
  fail(reason: Error, status?: number): void;
}

/** Opens one connection attempt; the client calls close() when it gives the attempt up. */
export type SseConnect = (url: string, handlers: SseHandlers) => { close(): void };

/** The part of fetch a transport needs: the browser's, Node's, or a test's. */
export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  body: ReadableStream<Uint8Array> | null;
}>;

/**
 * The stream read with fetch: works in browsers and in Node (a benchmark's 48 clients), sends the
 * headers it is given (an API key: EventSource cannot), and sees the heartbeat comments, so a silent
 * dead connection is noticed.
 */
export function fetchSse(options: { fetch: FetchLike; headers?: () => Record<string, string> }): SseConnect {
  return (url, handlers) => {
    const abort = new AbortController();
    let closed = false;
    const read = async () => {
      const res = await options.fetch(url, {
        headers: { accept: 'text/event-stream', ...options.headers?.() },
        signal: abort.signal,
      });
      if (!res.ok || !res.body) {
        handlers.fail(new Error(`event stream answered HTTP ${res.status}`), res.status);
        return;
      }
      handlers.open();
      const parser = new SseParser((m) => handlers.message(m.event, m.data));
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        handlers.alive();
        parser.push(decoder.decode(value, { stream: true }));
      }
      handlers.fail(new Error('event stream ended'));
    };
    read().catch((err: unknown) => {
      if (!closed) handlers.fail(err instanceof Error ? err : new Error(String(err)));
    });
    return {
      close() {
        closed = true;
        abort.abort();
      },
    };
  };
}

/** The part of the EventSource interface a transport needs (the browser's, or a Node package's). */
export interface EventSourceLike {
  onopen: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  addEventListener(type: string, listener: (event: { data: string }) => void): void;
  close(): void;
}

export type EventSourceConstructor = new (
  url: string,
  init?: { withCredentials?: boolean },
) => EventSourceLike;

/**
 * The stream read with an EventSource, for when the credentials travel in a cookie (EventSource sends no
 * other header). EventSource needs the event names up front and hides the heartbeat comments, so use it
 * without the client's staleAfterMs; it would retry on its own, so the first error closes it and the
 * client's backoff decides.
 */
export function eventSourceSse(
  EventSource: EventSourceConstructor,
  eventNames: readonly string[],
): SseConnect {
  return (url, handlers) => {
    const source = new EventSource(url, { withCredentials: true });
    let closed = false;
    source.onopen = () => handlers.open();
    source.onerror = () => {
      if (closed) return;
      closed = true;
      source.close();
      handlers.fail(new Error('event stream error'));
    };
    for (const name of eventNames) {
      source.addEventListener(name, (event) => {
        handlers.alive();
        handlers.message(name, event.data);
      });
    }
    return {
      close() {
        closed = true;
        source.close();
      },
    };
  };
}

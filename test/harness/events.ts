import { get, type IncomingMessage } from 'node:http';
import type { DomainEvent } from '../../src/lib/events.js';

/**
 * An event as a notifier publishes it, with only the data a test looks at: for tests of what carries
 * events on (the SSE route, its clients), which pass `data` through without reading it.
 */
export const partialEvent = (topic: DomainEvent['topic'], type: string, data: Record<string, unknown>) =>
  ({ topic, type, at: Date.now(), data }) as unknown as DomainEvent;

/** An event as the SSE stream (GET /v1/events) sends it. */
export interface StreamedFrame {
  event: string;
  data: { topic: string; type: string; at: number; data: Record<string, unknown> };
}

/**
 * Reads a running service's live events as `key` sees them (node:http: fetch would keep a spare
 * connection the server waits on at close). `frames` fills as events arrive; close() ends the stream.
 */
export async function openEventStream(baseUrl: string, key: string, query = '') {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    get(`${baseUrl}/v1/events${query}`, { headers: { authorization: `Bearer ${key}` } }, resolve).on(
      'error',
      reject,
    );
  });
  if (res.statusCode !== 200) throw new Error(`GET /v1/events: ${res.statusCode}`);
  const frames: StreamedFrame[] = [];
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith(':')) continue;
      const field = (name: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}: `))
          ?.slice(name.length + 2) ?? '';
      frames.push({ event: field('event'), data: JSON.parse(field('data')) });
    }
  });
  return { frames, close: () => res.destroy() };
}

import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AgentDomainEvent } from '../../agents/notifier.js';
import type { CallControlDomainEvent } from '../../calls/notifier.js';
import type { DialerDomainEvent } from '../../dialer/notifier.js';
import type { HotlineDomainEvent } from '../../inbound/notifier.js';
import type { IvrDomainEvent } from '../../ivr/notifier.js';
import type { RecordingDomainEvent } from '../../recording/notifier.js';
import type { AgentApiDeps, Principal } from '../types.js';

/**
 * What the stream carries: every domain's events, as their notifiers publish them on the bus. Named here
 * (not only through the bus's DomainEvent) so that a domain whose events are not listed fails to compile
 * where the bus hands them over, wherever this route is compiled.
 */
type StreamedEvent =
  | AgentDomainEvent
  | HotlineDomainEvent
  | DialerDomainEvent
  | RecordingDomainEvent
  | IvrDomainEvent
  | CallControlDomainEvent;

/** Every topic once: the record makes the compiler hold the list to the events' union. */
const EVERY_TOPIC: Record<StreamedEvent['topic'], true> = {
  agent: true,
  queue: true,
  call: true,
  dialer: true,
  recording: true,
  ivr: true,
};
const TOPICS = Object.keys(EVERY_TOPIC);

/** Keeps proxies and browsers from timing out an idle stream. */
const HEARTBEAT_MS = 15_000;
/** A client this far behind is cut off (it reconnects and reads afresh) rather than buffered for. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

const topicList = `(${TOPICS.join('|')})`;

/** The agent an event is about, if any: an agent event's view, or the agent the call or offer is with. */
function agentOf(event: StreamedEvent): string | null | undefined {
  switch (event.topic) {
    case 'agent':
      return event.data.id;
    case 'queue':
      return event.type === 'caller-connected' ? event.data.agentId : undefined;
    case 'call':
    case 'dialer':
    case 'recording':
      return event.data.agentId;
    case 'ivr':
      return undefined;
  }
}

/** Which events a caller gets: the topics asked for; an agent key only queue events and its own. */
function eventFilter({ role, agentId }: Principal, topics: string | undefined) {
  const chosen = new Set(topics?.split(',') ?? TOPICS);
  return (event: StreamedEvent): boolean => {
    if (!chosen.has(event.topic)) return false;
    if (role !== 'agent') return true;
    return event.topic === 'queue' || (agentId !== null && agentOf(event) === agentId);
  };
}

/** One event as an SSE frame: `event: <topic>.<type>`, and the event as JSON in this field order. */
function frame({ topic, type, at, data }: StreamedEvent): string {
  return `event: ${topic}.${type}\ndata: ${JSON.stringify({ topic, type, at, data })}\n\n`;
}

/** GET /v1/events: live changes as Server-Sent Events. Mounted under /v1. */
export const eventRoutes: FastifyPluginAsyncZod<AgentApiDeps> = async (app, { bus }) => {
  const streams = new Set<PassThrough>();
  // An open stream never ends on its own, so without this app.close() would wait for every client.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Live events (Server-Sent Events)',
        description:
          'A text/event-stream of agent, queue, call, dialer, recording and IVR changes: each event is ' +
          '`event: <topic>.<type>` and `data: {"topic","type","at","data"}`; a comment line every 15 s ' +
          'keeps the stream open. An agent key gets queue events and events about itself only. Any role. ' +
          'Errors (400, 401) have the usual shape.',
        querystring: z.object({
          topics: z
            .string()
            .max(200, { abort: true })
            .regex(new RegExp(`^${topicList}(,${topicList})*$`), `comma-separated: ${TOPICS.join(', ')}`)
            .optional()
            .describe('Only these topics, e.g. agent,queue; default all'),
        }),
      },
    },
    async (request, reply) => {
      const wanted = eventFilter(request.principal!, request.query.topics);
      const stream = new PassThrough();
      const send = (text: string) => {
        // Ended at shutdown or destroyed: events may still arrive until the close handler unsubscribes.
        if (!stream.writable) return;
        if (stream.writableLength > MAX_BUFFERED_BYTES) {
          stream.destroy(new Error('event stream client too slow: disconnected'));
        } else {
          stream.write(text);
        }
      };
      const unsubscribe = bus.subscribe((event) => {
        if (wanted(event)) send(frame(event));
      });
      const heartbeat = setInterval(() => send(': heartbeat\n\n'), HEARTBEAT_MS);
      streams.add(stream);
      // Fastify destroys the stream when the client goes away.
      stream.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(stream);
      });
      // A first comment sends the headers now, so the client knows it is subscribed.
      send(': connected\n\n');
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('x-accel-buffering', 'no')
        .send(stream);
    },
  );
};

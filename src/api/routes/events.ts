import { PassThrough } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AgentDomainEvent } from '../../agents/notifier.js';
import type { CallControlDomainEvent } from '../../calls/notifier.js';
import type { DialerDomainEvent } from '../../dialer/notifier.js';
import type { FaxDomainEvent } from '../../fax/notifier.js';
import type { HotlineDomainEvent } from '../../inbound/notifier.js';
import type { IvrDomainEvent } from '../../ivr/notifier.js';
import type { RecordingDomainEvent } from '../../recording/notifier.js';
import type { SmsDomainEvent } from '../../sms/notifier.js';
import type { Role } from '../../store/index.js';
import { type AgentLookup, agentIdScope } from '../agent-scope.js';
import { recordingScope } from '../recording-access.js';
import { routeRoles } from '../route-access.js';
import type { AgentApiDeps } from '../types.js';

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
  | CallControlDomainEvent
  | SmsDomainEvent
  | FaxDomainEvent;

/** Every topic once: the record makes the compiler hold the list to the events' union. */
const EVERY_TOPIC: Record<StreamedEvent['topic'], true> = {
  agent: true,
  queue: true,
  call: true,
  dialer: true,
  recording: true,
  ivr: true,
  sms: true,
  fax: true,
};
const TOPICS = Object.keys(EVERY_TOPIC);

/** Keeps proxies and browsers from timing out an idle stream. */
const HEARTBEAT_MS = 15_000;
/** A client this far behind is cut off (it reconnects and reads afresh) rather than buffered for. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

const topicList = `(${TOPICS.join('|')})`;

/**
 * The agents an event names (its agent, and the other agent of a transfer or consult) and, when the event
 * carries it, the team it was made with; none for an event about callers only (IVR, a caller waiting).
 */
function agentsOf(event: StreamedEvent): { ids: string[]; teamId?: string | null } {
  switch (event.topic) {
    case 'agent':
      return { ids: [event.data.id], teamId: event.data.teamId };
    case 'queue':
      return { ids: 'agentId' in event.data ? [event.data.agentId] : [] };
    case 'call': {
      const { data } = event;
      const other =
        'targetAgentId' in data ? data.targetAgentId : 'toAgentId' in data ? data.toAgentId : null;
      return { ids: other === null ? [data.agentId] : [data.agentId, other] };
    }
    case 'dialer':
      return { ids: [event.data.agentId] };
    case 'recording': {
      const { data } = event;
      return {
        ids: data.agentId === null ? [] : [data.agentId],
        teamId: 'teamId' in data ? data.teamId : undefined,
      };
    }
    case 'sms':
      // A reply or a single message names the agents of its leads; a campaign's state names none.
      return { ids: 'agentIds' in event.data ? event.data.agentIds : [] };
    case 'ivr':
    case 'fax':
      return { ids: [] };
  }
}

/**
 * Which events a reader gets: the topics asked for, then the reader's scope (agentIdScope, the rule of
 * every per-agent figure). An event naming agents goes to those who may see one of them (for recording
 * events, the recording scope: QA sees every team's); a recording made with a team but no agent to those
 * who see that team. An event naming no agent is about callers (queue, IVR, a recording of an IVR
 * transfer) and goes to the roles that may read the same live view (see AGENTLESS_READERS).
 */
function eventFilter(request: FastifyRequest, directory: AgentLookup, topics: string | undefined) {
  const chosen = new Set(topics?.split(',') ?? TOPICS);
  const { role } = request.principal!;
  const agentVisible = agentIdScope(request.agentScope, directory);
  const recordingVisible = agentIdScope(recordingScope(request), directory);
  return (event: StreamedEvent): boolean => {
    if (!chosen.has(event.topic)) return false;
    const visible = event.topic === 'recording' ? recordingVisible : agentVisible;
    const { ids, teamId } = agentsOf(event);
    if (ids.length > 0) return ids.some((id) => visible(id, teamId));
    if (event.topic === 'recording') return visible(null, teamId ?? null);
    return role === 'admin' || AGENTLESS_READERS[event.topic].includes(role);
  };
}

/**
 * Who gets an event that names no agent, per topic: the roles of the route that shows the same thing
 * (GET /v1/hotline/queue, GET /v1/ivr/sessions/live). Events of the other topics always name an agent.
 */
const AGENTLESS_READERS: Record<Exclude<StreamedEvent['topic'], 'recording'>, readonly Role[]> = {
  queue: routeRoles('GET /v1/hotline/queue'),
  ivr: routeRoles('GET /v1/ivr/sessions/live'),
  // A reply from no agent's customer, a campaign's state: for those who run campaigns. An agent gets
  // only the replies and messages of the leads they called last (agentsOf).
  sms: routeRoles('GET /v1/sms/campaigns'),
  fax: routeRoles('GET /v1/faxes'),
  agent: [],
  call: [],
  dialer: [],
};

/** One event as an SSE frame: `event: <topic>.<type>`, and the event as JSON in this field order. */
function frame({ topic, type, at, data }: StreamedEvent): string {
  return `event: ${topic}.${type}\ndata: ${JSON.stringify({ topic, type, at, data })}\n\n`;
}

/** GET /v1/events: live changes as Server-Sent Events. Mounted under /v1. */
export const eventRoutes: FastifyPluginAsyncZod<AgentApiDeps> = async (app, { bus, directory }) => {
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
          'A text/event-stream of agent, queue, call, dialer, recording, IVR, SMS and fax changes: each event is ' +
          '`event: <topic>.<type>` and `data: {"topic","type","at","data"}`; a comment line every 15 s ' +
          'keeps the stream open. Each reader gets the events of its scope: an event naming agents only if ' +
          'the reader may see one of them (an agent: itself; a team leader: its teams; recording events: ' +
          'as the recordings, QA every team), an event naming no agent (callers waiting, the IVR) only ' +
          'for the roles of the matching live view. Any role. ' +
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
      const wanted = eventFilter(request, directory, request.query.topics);
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

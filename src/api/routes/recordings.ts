import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RECORDING_STATUSES } from '../../store/index.js';
import { parseRange } from '../http-range.js';
import { errorResponses, HttpError } from '../plugins/errors.js';
import { auditActor, recordingScope, visibleRecording } from '../recording-access.js';
import type { RecordingApiDeps } from '../types.js';
import {
  directionSchema,
  instantSchema,
  isWindow,
  numberFilterSchema,
  recordingBody,
  recordingSchema,
} from './recording-schemas.js';

/** Everyone with a key may ask; what they get is limited by recordingScope. */
const READERS = { roles: ['supervisor', 'team-leader', 'agent', 'qa'] } as const;
const HOLDERS = { roles: ['supervisor'] } as const;

const idParams = z.object({ id: z.string().min(1) });

const searchQuery = z.object({
  from: instantSchema.optional().describe('Call start, inclusive (ISO 8601 or epoch ms)'),
  to: instantSchema.optional().describe('Call start, exclusive (ISO 8601 or epoch ms)'),
  agentId: z.string().min(1).optional(),
  teamId: z.string().min(1).optional(),
  campaignId: z.string().min(1).optional(),
  number: numberFilterSchema.optional(),
  direction: directionSchema.optional(),
  disposition: z.string().min(1).optional(),
  minDuration: z.coerce.number().min(0).optional().describe('Seconds'),
  maxDuration: z.coerce.number().min(0).optional().describe('Seconds'),
  status: z.enum(RECORDING_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Shown in the OpenAPI document only: streams and buffers are sent as they are. */
const audioSchema = z.unknown().meta({ type: 'string', format: 'binary' });

/** Content types by recording format; others are sent as bytes. */
const CONTENT_TYPES: Record<string, string> = {
  wav: 'audio/wav',
  wav16: 'audio/wav',
  gsm: 'audio/x-gsm',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  mp3: 'audio/mpeg',
};

/** Search, metadata, audio and legal hold of call recordings; every access audited. Under /v1. */
export const recordingRoutes: FastifyPluginAsyncZod<RecordingApiDeps> = async (
  app,
  { dir, rules, library },
) => {
  app.get(
    '/recordings',
    {
      config: { ...READERS, rateLimit: 'search' },
      schema: {
        tags: ['recordings'],
        summary: 'Search recordings',
        description:
          'Newest first. An agent sees only its own calls, a team leader its own and its teams’ (as they ' +
          'were when recorded); QA, supervisors and admins all. Every search is written to the audit log, ' +
          'once per search session (the same filters by the same caller within 10 minutes: paging counts once).',
        querystring: searchQuery,
        response: {
          200: z.object({
            recordings: z.array(recordingSchema),
            total: z.number().int().describe('Matches in all, ignoring limit and offset'),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { limit, offset, ...criteria } = request.query;
      if (!isWindow(criteria.from, criteria.to)) {
        throw new HttpError(400, 'VALIDATION_FAILED', 'from must be before to');
      }
      const { recordings, total } = library.search(
        { ...criteria, limit, offset },
        recordingScope(request),
        auditActor(request),
      );
      return { recordings: recordings.map((r) => recordingBody(r, rules())), total };
    },
  );

  app.get(
    '/recordings/:id',
    {
      config: READERS,
      schema: {
        tags: ['recordings'],
        summary: 'One recording',
        description: 'Its metadata. Out of scope answers 403 and is audited as refused.',
        params: idParams,
        response: { 200: recordingSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const recording = visibleRecording(request, library, id, 'metadata');
      library.audit(auditActor(request), { action: 'metadata', targetId: id, allowed: true });
      return recordingBody(recording, rules());
    },
  );

  app.get(
    '/recordings/:id/audio',
    {
      config: READERS,
      schema: {
        tags: ['recordings'],
        summary: 'Play or download a recording',
        description:
          'The audio file (audio/wav for WAV), with HTTP range requests so a player can seek: one ' +
          '`Range: bytes=a-b` answers 206 with Content-Range, an unsatisfiable one 416. `download=true` ' +
          'adds Content-Disposition: attachment. 404 RECORDING_NOT_AVAILABLE until the recording is stored ' +
          'and after it is purged. Audited as listen or download, once per playback (the range requests of ' +
          'the same recording by the same caller within 10 minutes).',
        params: idParams,
        querystring: z.object({ download: z.stringbool().default(false) }),
        response: {
          200: audioSchema.describe('The whole file'),
          206: audioSchema.describe('The range asked for'),
          ...errorResponses(401, 403, 404, 416),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const action = request.query.download ? 'download' : 'listen';
      const recording = visibleRecording(request, library, id, action);
      if (recording.status !== 'stored' || recording.filePath === null) {
        const why = recording.status === 'purged' ? 'was purged' : `is ${recording.status}, not stored yet`;
        throw new HttpError(404, 'RECORDING_NOT_AVAILABLE', `Recording ${id} ${why}`);
      }
      const path = resolve(dir, recording.filePath);
      const size = await stat(path).then(
        (s) => s.size,
        (err: NodeJS.ErrnoException) => {
          request.log.error({ recordingId: id, err }, 'stored recording file is missing');
          throw new HttpError(404, 'RECORDING_NOT_AVAILABLE', `The file of recording ${id} is missing`);
        },
      );
      const range = parseRange(request.headers.range, size);
      library.auditPlayback(auditActor(request), id, action, request.headers.range);

      reply
        .header('accept-ranges', 'bytes')
        .header('cache-control', 'private, no-store')
        .header('content-type', CONTENT_TYPES[recording.format] ?? 'application/octet-stream');
      if (request.query.download) {
        reply.header('content-disposition', `attachment; filename="${id}.${recording.format}"`);
      }
      if (range === 'unsatisfiable') {
        reply.header('content-range', `bytes */${size}`);
        throw new HttpError(416, 'RANGE_NOT_SATISFIABLE', `The file has ${size} bytes`);
      }
      if (size === 0) return reply.header('content-length', 0).send(Buffer.alloc(0));
      const { start, end } = range ?? { start: 0, end: size - 1 };
      reply.header('content-length', end - start + 1);
      if (range) reply.status(206).header('content-range', `bytes ${start}-${end}/${size}`);
      return reply.send(createReadStream(path, { start, end }));
    },
  );

  app.put(
    '/recordings/:id/legal-hold',
    {
      config: HOLDERS,
      schema: {
        tags: ['recordings'],
        summary: 'Set or lift the legal hold',
        description: 'A recording on legal hold is never purged. Audited.',
        params: idParams,
        body: z.strictObject({ hold: z.boolean() }),
        response: { 200: recordingSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { hold } = request.body;
      visibleRecording(request, library, id, 'legal-hold');
      const recording = library.setLegalHold(id, hold, auditActor(request))!;
      return recordingBody(recording, rules());
    },
  );
};

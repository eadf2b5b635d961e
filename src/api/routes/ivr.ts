import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { StoredFlow } from '../../ivr/catalog.js';
import { FlowConflictError, FlowValidationError } from '../../ivr/catalog.js';
import { flowNameSchema, flowSchema } from '../../ivr/flow.js';
import {
  type PromptLibrary,
  PromptNameError,
  promptLanguageSchema,
  promptNameSchema,
} from '../../ivr/prompts.js';
import { MAX_WAV_BYTES, WavError } from '../../lib/wav.js';
import { errorResponses, HttpError } from '../plugins/errors.js';
import type { IvrApiDeps } from '../types.js';

// Admin may always; these are the other roles of each group of routes.
const VIEWERS = { roles: ['supervisor', 'team-leader'] } as const;
const EDITORS = { roles: ['supervisor'] } as const;
const LISTENERS = { roles: ['supervisor', 'qa'] } as const;

const iso = (ms: number) => new Date(ms).toISOString();
const parseTime = (value: string | undefined) => (value === undefined ? undefined : Date.parse(value));

const nameParams = z.object({ name: flowNameSchema });

const flowDocumentSchema = z
  .record(z.string(), z.unknown())
  .describe('The flow document as saved (defaults filled in); see src/ivr/flow.ts');

/**
 * The flow document's JSON schema, shown in the OpenAPI document only: the body itself is validated by
 * the handler, so that problems come back by node (FLOW_INVALID) rather than as a request error.
 */
const { $schema: _, ...flowJsonSchema } = z.toJSONSchema(flowSchema, { io: 'input', unrepresentable: 'any' });
const flowBodySchema = z
  .unknown()
  .meta({ ...flowJsonSchema, description: 'The flow document; its name must be the one in the path' });

const storedFlowSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  createdBy: z.string().describe('The API key (name and id) or seed file that saved this version'),
  flow: flowDocumentSchema,
});

const windowQuery = z.object({
  from: z.iso.datetime().optional().describe('Inclusive'),
  to: z.iso.datetime().optional().describe('Exclusive'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const storedFlowBody = ({ flow, version, createdAt, createdBy }: StoredFlow) => ({
  name: flow.name,
  version,
  createdAt: iso(createdAt),
  createdBy,
  flow,
});

/** IVR flows (read and edit), live sessions, today's counters, voice messages, callbacks. Under /v1/ivr. */
export const ivrRoutes: FastifyPluginAsyncZod<IvrApiDeps> = async (
  app,
  { catalog, live, today, prompts, records },
) => {
  // Its own context: the audio body parser applies to the prompt routes only.
  if (prompts) await app.register(promptRoutes, { prompts });

  app.get(
    '/flows',
    {
      config: VIEWERS,
      schema: {
        tags: ['ivr'],
        summary: 'List IVR flows',
        description: 'The current version of each flow, by name.',
        response: {
          200: z.object({
            flows: z.array(
              z.object({
                name: z.string(),
                version: z.number().int(),
                numbers: z.array(z.string()),
                description: z.string().optional(),
                createdAt: z.iso.datetime(),
              }),
            ),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ flows: catalog.list().map((f) => ({ ...f, createdAt: iso(f.createdAt) })) }),
  );

  app.get(
    '/flows/:name',
    {
      config: VIEWERS,
      schema: {
        tags: ['ivr'],
        summary: 'Current version of an IVR flow',
        params: nameParams,
        response: { 200: storedFlowSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const stored = catalog.get(name);
      if (!stored) throw new HttpError(404, 'FLOW_NOT_FOUND', `No IVR flow '${name}'`);
      return storedFlowBody(stored);
    },
  );

  app.get(
    '/flows/:name/versions/:version',
    {
      config: VIEWERS,
      schema: {
        tags: ['ivr'],
        summary: 'One version of an IVR flow',
        description: 'Every saved version is kept, so calls and reports can be traced to what they ran.',
        params: nameParams.extend({ version: z.coerce.number().int().min(1) }),
        response: { 200: storedFlowSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { name, version } = request.params;
      const stored = catalog.version(name, version);
      if (!stored) throw new HttpError(404, 'FLOW_NOT_FOUND', `No version ${version} of IVR flow '${name}'`);
      return storedFlowBody(stored);
    },
  );

  app.put(
    '/flows/:name',
    {
      config: EDITORS,
      schema: {
        tags: ['ivr'],
        summary: 'Save an IVR flow',
        description:
          'Saves the document as the next version; new calls use it at once, calls in progress keep ' +
          'theirs. A document that does not validate answers 400 FLOW_INVALID with one detail per ' +
          'problem, each naming its node and field; a number another flow answers, 409 FLOW_CONFLICT. ' +
          'With dryRun=true nothing is saved.',
        params: nameParams,
        querystring: z.object({
          dryRun: z.stringbool().default(false).describe('true: validate, save nothing'),
        }),
        body: flowBodySchema,
        response: {
          200: z.union([
            z.object({ name: z.string(), version: z.number().int() }).describe('Saved'),
            z.object({ name: z.string(), valid: z.literal(true) }).describe('Dry run: valid'),
          ]),
          ...errorResponses(400, 401, 403, 409),
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      const { body } = request;
      const bodyName = typeof body === 'object' && body !== null && 'name' in body ? body.name : undefined;
      if (bodyName !== undefined && bodyName !== name) {
        throw new HttpError(
          400,
          'FLOW_NAME_MISMATCH',
          `The flow is named ${JSON.stringify(bodyName)} but the path names "${name}"`,
        );
      }
      const { name: keyName, keyId } = request.principal!;
      try {
        const result = catalog.put(body, `${keyName} (${keyId})`, { dryRun: request.query.dryRun });
        if ('version' in result) request.log.info({ flow: name, version: result.version }, 'ivr flow saved');
        return result;
      } catch (err) {
        if (err instanceof FlowValidationError) {
          throw new HttpError(400, 'FLOW_INVALID', err.message, err.problems);
        }
        if (err instanceof FlowConflictError) throw new HttpError(409, 'FLOW_CONFLICT', err.message);
        throw err;
      }
    },
  );

  app.get(
    '/sessions/live',
    {
      config: VIEWERS,
      schema: {
        tags: ['ivr'],
        summary: 'Callers in the IVR now',
        response: {
          200: z.object({
            count: z.number().int(),
            lines: z.object({
              capacity: z.number().int(),
              inUse: z.number().int(),
              waiting: z.number().int().describe('Callers waiting for a free IVR line'),
            }),
            byNode: z.record(z.string(), z.number().int()).describe('Callers per node, keyed "flow/node"'),
            sessions: z.array(
              z.object({
                callId: z.string(),
                flow: z.string(),
                version: z.number().int(),
                node: z.string(),
                since: z.iso.datetime().describe('When the caller entered the node'),
              }),
            ),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => {
      const { lines, sessions } = live();
      const byNode: Record<string, number> = {};
      for (const { flow, node } of sessions) {
        const key = `${flow}/${node}`;
        byNode[key] = (byNode[key] ?? 0) + 1;
      }
      return {
        count: sessions.length,
        lines,
        byNode,
        sessions: sessions.map((s) => ({ ...s, since: iso(s.since) })),
      };
    },
  );

  app.get(
    '/stats/today',
    {
      config: VIEWERS,
      schema: {
        tags: ['ivr'],
        summary: "Today's IVR counters",
        description:
          "Per node since midnight in the center's time zone, and calls that found every line busy.",
        response: {
          200: z.object({
            day: z.string().describe('YYYY-MM-DD'),
            nodes: z.array(
              z.object({
                flow: z.string(),
                node: z.string(),
                entries: z.number().int(),
                timeouts: z.number().int(),
                invalid: z.number().int(),
                hangups: z.number().int(),
              }),
            ),
            overflowed: z.number().int(),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => {
      const day = today();
      return { day, ...records.dayStats(day) };
    },
  );

  app.get(
    '/messages',
    {
      config: LISTENERS,
      schema: {
        tags: ['ivr'],
        summary: 'Voice messages',
        description: 'Newest first. Caller numbers are masked.',
        querystring: windowQuery,
        response: {
          200: z.object({
            messages: z.array(
              z.object({
                id: z.string(),
                callId: z.string(),
                flow: z.string(),
                node: z.string(),
                callerMasked: z.string().nullable(),
                dnis: z.string().nullable(),
                recordingName: z.string(),
                durationSec: z.number().nullable(),
                sizeBytes: z.number().int().nullable(),
                createdAt: z.iso.datetime(),
              }),
            ),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { from, to, limit } = request.query;
      const messages = records.voiceMessages({ from: parseTime(from), to: parseTime(to), limit });
      // The file path is the server's business: spelled out so it stays out of the answer.
      return {
        messages: messages.map(({ filePath: _filePath, createdAt, ...m }) => ({
          ...m,
          createdAt: iso(createdAt),
        })),
      };
    },
  );

  app.get(
    '/callbacks',
    {
      config: VIEWERS,
      schema: {
        tags: ['ivr'],
        summary: 'Pending callback requests',
        description: 'The earliest due first. Numbers are masked; only the dialer reads them whole.',
        querystring: windowQuery.pick({ limit: true }),
        response: {
          200: z.object({
            callbacks: z.array(
              z.object({
                id: z.string(),
                callId: z.string(),
                numberMasked: z.string(),
                source: z.enum(['caller-id', 'entered']),
                requestedAt: z.iso.datetime(),
                dueAt: z.iso.datetime(),
                status: z.enum(['pending', 'done', 'cancelled']),
              }),
            ),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => ({
      callbacks: records
        .pendingCallbacks(request.query.limit)
        .map((c) => ({ ...c, requestedAt: iso(c.requestedAt), dueAt: iso(c.dueAt) })),
    }),
  );
};

/** Content types a prompt upload may use; the body is the WAV file itself. */
const AUDIO_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave', 'application/octet-stream'];

const promptParams = z.object({ name: promptNameSchema });
const promptQuery = z.object({
  language: promptLanguageSchema
    .optional()
    .describe(
      'A language variant, e.g. zh: played instead of the default to calls in a flow of that language',
    ),
});

const savedPromptSchema = z.object({
  name: z.string(),
  language: z.string().optional(),
  media: z.string().describe("What a flow plays, e.g. in a play node's prompts"),
  durationSec: z.number(),
  bytes: z.number().int().describe('Size of the stored file (8 kHz mono 16-bit PCM WAV)'),
});

/** The center's own prompts: upload (converted for Asterisk), list, delete. Under /v1/ivr. */
const promptRoutes: FastifyPluginAsyncZod<{ prompts: PromptLibrary }> = async (app, { prompts }) => {
  app.addContentTypeParser(AUDIO_TYPES, { parseAs: 'buffer', bodyLimit: MAX_WAV_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  app.put(
    '/prompts/:name',
    {
      config: EDITORS,
      bodyLimit: MAX_WAV_BYTES,
      schema: {
        tags: ['ivr'],
        summary: 'Upload a prompt',
        description:
          'The body is a WAV file (content-type audio/wav, audio/x-wav or application/octet-stream): PCM ' +
          'of 8, 16, 24 or 32 bits, 32-bit float, A-law or µ-law, any sample rate, mono or stereo, at most ' +
          '10 minutes and 50 MB. It is converted to 8 kHz mono 16-bit PCM and replaces any prompt of that ' +
          'name (201 when new, 200 when replaced); flows play it with the `media` answered. A file that ' +
          'cannot be used answers 400 PROMPT_INVALID saying why (e.g. an MP3 in a WAV wrapper).',
        params: promptParams,
        querystring: promptQuery,
        consumes: AUDIO_TYPES,
        body: z.unknown().meta({ type: 'string', format: 'binary', description: 'The WAV file' }),
        response: {
          200: savedPromptSchema.describe('Replaced'),
          201: savedPromptSchema.describe('Created'),
          ...errorResponses(400, 401, 403, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { language } = request.query;
      const { body } = request;
      if (body !== undefined && !Buffer.isBuffer(body)) {
        throw new HttpError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          `Send the WAV file itself as the body, with content-type ${AUDIO_TYPES.slice(0, 2).join(' or ')}`,
        );
      }
      if (!body?.length)
        throw new HttpError(400, 'PROMPT_INVALID', 'Empty body: send the WAV file as the body');
      const existed = await prompts.has(name, language);
      try {
        const saved = await prompts.save(name, body, { language });
        request.log.info(
          {
            prompt: name,
            language,
            durationSec: saved.durationSec,
            bytes: saved.bytes,
            received: body.length,
          },
          'ivr prompt saved',
        );
        return reply.status(existed ? 200 : 201).send(saved);
      } catch (err) {
        if (err instanceof WavError || err instanceof PromptNameError) {
          throw new HttpError(400, 'PROMPT_INVALID', err.message);
        }
        throw err;
      }
    },
  );

  app.get(
    '/prompts',
    {
      config: VIEWERS,
      schema: {
        tags: ['ivr'],
        summary: 'List prompts',
        description:
          'Every prompt in the prompt folder, uploaded or copied there, with its language variants. ' +
          '`playable` is false for a file Asterisk will not play (not 8 kHz mono 16-bit PCM WAV): upload ' +
          'it again through PUT to have it converted.',
        response: {
          200: z.object({
            prompts: z.array(
              savedPromptSchema.extend({
                durationSec: z.number().nullable().describe('Null when the file is not a readable WAV'),
                playable: z.boolean(),
                modifiedAt: z.iso.datetime(),
              }),
            ),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({
      prompts: (await prompts.list()).map((p) => ({ ...p, modifiedAt: p.modifiedAt.toISOString() })),
    }),
  );

  app.delete(
    '/prompts/:name',
    {
      config: EDITORS,
      schema: {
        tags: ['ivr'],
        summary: 'Delete a prompt',
        description:
          'Deletes the prompt file (with ?language=, only that variant). Flows that still play it will ' +
          'skip it: check them first.',
        params: promptParams,
        querystring: promptQuery,
        response: { 204: z.null().describe('Deleted'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { language } = request.query;
      if (!(await prompts.remove(name, language))) {
        const which = language ? `${name} (${language})` : name;
        throw new HttpError(404, 'PROMPT_NOT_FOUND', `No prompt ${which}`);
      }
      request.log.info({ prompt: name, language }, 'ivr prompt deleted');
      return reply.status(204).send(null);
    },
  );
};

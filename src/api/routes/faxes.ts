import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FaxInputError } from '../../fax/convert.js';
import { FaxMoveRefused } from '../../fax/service.js';
import { FAX_STATES } from '../../fax/state.js';
import type { FaxRecord } from '../../store/index.js';
import { errorResponses, HttpError } from '../plugins/errors.js';
import type { FaxApiDeps } from '../types.js';

/** Faxes are the center's: whoever works the phones sends and reads them (scope `center`). */
const FAX_USERS = { roles: ['supervisor', 'team-leader', 'agent'] } as const;
const DOCUMENT_TYPES = ['application/pdf', 'image/tiff', 'application/octet-stream'];

const idParams = z.object({ id: z.string().min(1) });

const faxSchema = z
  .object({
    id: z.string(),
    direction: z.enum(['in', 'out']),
    state: z.enum(FAX_STATES),
    numberMasked: z.string().describe('The far end, masked'),
    remoteStation: z.string().nullable().describe("The far machine's station id (T.30)"),
    leadId: z.string().nullable().describe('The customer with this number (the latest lead)'),
    pages: z.number().int().nullable().describe('Pages of the document, or received'),
    pagesDone: z.number().int().describe('Pages that went through on the last call'),
    attempts: z.number().int(),
    nextAttemptAt: z.number().int().nullable().describe('When retrying: the next call (epoch ms)'),
    error: z.string().nullable(),
    fileName: z.string().nullable(),
    hasPdf: z.boolean(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .meta({ id: 'Fax' });

function faxBody(f: FaxRecord): z.infer<typeof faxSchema> {
  return {
    id: f.id,
    direction: f.direction,
    state: f.state as z.infer<typeof faxSchema>['state'],
    numberMasked: f.numberMasked,
    remoteStation: f.remoteStation,
    leadId: f.leadId,
    pages: f.pages,
    pagesDone: f.pagesDone,
    attempts: f.attempts,
    nextAttemptAt: f.state === 'retrying' ? f.dueAt : null,
    error: f.error,
    fileName: f.fileName,
    hasPdf: f.pdfPath !== null,
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
  };
}

/** Faxes: send a document, list and read them, download the PDF, send a failed one again. */
export const faxRoutes: FastifyPluginAsyncZod<FaxApiDeps> = async (app, { faxes, maxUploadBytes }) => {
  app.addContentTypeParser(
    DOCUMENT_TYPES,
    { parseAs: 'buffer', bodyLimit: maxUploadBytes },
    (_req, body, done) => done(null, body),
  );

  const found = (id: string): FaxRecord => {
    const fax = faxes.get(id);
    if (!fax) throw new HttpError(404, 'FAX_NOT_FOUND', `No fax ${id}`);
    return fax;
  };

  app.post(
    '/faxes',
    {
      config: FAX_USERS,
      bodyLimit: maxUploadBytes,
      schema: {
        tags: ['faxes'],
        summary: 'Send a fax',
        description:
          'The body is the document itself (application/pdf, image/tiff or application/octet-stream), ' +
          '`number` the fax number. It is checked at once: not a PDF or TIFF (by its first bytes) answers ' +
          '400 FAX_NOT_A_DOCUMENT, an encrypted PDF 400 FAX_ENCRYPTED, one over fax.maxPages 400 ' +
          'FAX_TOO_MANY_PAGES, an unreadable one 400 FAX_UNREADABLE, a bad number 400 FAX_BAD_NUMBER; ' +
          'nothing is kept then. Otherwise 202 with the fax, queued: it is converted, waits for a free ' +
          'line and is sent, retried by rule; GET it (or read the `fax` events) to follow it.',
        querystring: z.object({
          number: z.string().min(1).max(40),
          fileName: z.string().min(1).max(200).optional(),
        }),
        consumes: DOCUMENT_TYPES,
        body: z.unknown().meta({ type: 'string', format: 'binary', description: 'The PDF or TIFF' }),
        response: { 202: faxSchema, ...errorResponses(400, 401, 403, 413, 415) },
      },
    },
    async (request, reply) => {
      const { body } = request;
      if (body !== undefined && !Buffer.isBuffer(body))
        throw new HttpError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          'Send the document itself as the body (application/pdf)',
        );
      if (!body?.length)
        throw new HttpError(400, 'FAX_NOT_A_DOCUMENT', 'Empty body: send the document as the body');
      try {
        const fax = await faxes.send({
          body,
          number: request.query.number,
          fileName: request.query.fileName,
          createdBy: request.principal?.name,
        });
        return reply.status(202).send(faxBody(fax));
      } catch (err) {
        if (err instanceof FaxInputError) throw new HttpError(400, err.code, err.message);
        throw err;
      }
    },
  );

  app.get(
    '/faxes',
    {
      config: FAX_USERS,
      schema: {
        tags: ['faxes'],
        summary: 'List faxes',
        description: 'Newest first, sent and received, filtered by direction, state, customer or time.',
        querystring: z.object({
          direction: z.enum(['in', 'out']).optional(),
          state: z.enum(FAX_STATES).optional(),
          leadId: z.string().min(1).optional(),
          from: z.coerce.number().int().optional().describe('Created at or after (epoch ms)'),
          to: z.coerce.number().int().optional().describe('Created before (epoch ms)'),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: {
          200: z.object({ items: z.array(faxSchema), total: z.number().int() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { items, total } = faxes.search(request.query);
      return { items: items.map(faxBody), total };
    },
  );

  app.get(
    '/faxes/:id',
    {
      config: FAX_USERS,
      schema: {
        tags: ['faxes'],
        summary: 'One fax',
        params: idParams,
        response: { 200: faxSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => faxBody(found(request.params.id)),
  );

  app.get(
    '/faxes/:id/pdf',
    {
      config: FAX_USERS,
      schema: {
        tags: ['faxes'],
        summary: 'Download the fax as PDF',
        description: 'The document sent, or the pages received. 404 FAX_NO_PDF when there is none (yet).',
        params: idParams,
        response: {
          200: z.unknown().meta({ type: 'string', format: 'binary' }).describe('application/pdf'),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const fax = found(request.params.id);
      const path = await faxes.pdfFile(fax);
      if (!path)
        throw new HttpError(404, 'FAX_NO_PDF', 'This fax has no PDF (nothing was received, or not yet)');
      const { size } = await stat(path);
      request.log.info({ faxId: fax.id }, 'fax pdf downloaded');
      return reply
        .header('content-type', 'application/pdf')
        .header('content-length', size)
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `attachment; filename="fax-${fax.id}.pdf"`)
        .send(createReadStream(path));
    },
  );

  app.post(
    '/faxes/:id/retry',
    {
      config: FAX_USERS,
      schema: {
        tags: ['faxes'],
        summary: 'Send a failed fax again',
        description:
          'A failed fax to send goes back to the line queue with a fresh count of attempts; 409 otherwise.',
        params: idParams,
        response: { 202: faxSchema, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      found(request.params.id);
      try {
        return reply.status(202).send(faxBody(faxes.retry(request.params.id)));
      } catch (err) {
        if (err instanceof FaxMoveRefused) throw new HttpError(409, 'FAX_STATE', err.message);
        throw err;
      }
    },
  );
};

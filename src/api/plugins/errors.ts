import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { StoreError, type StoreErrorCode } from '../../store/index.js';

/** A failure a route reports on purpose: sent as is, with its status, code and message. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const errorDetailSchema = z.object({
  path: z.string().describe('Where the problem is, e.g. body.role'),
  message: z.string(),
});

export type ErrorDetail = z.infer<typeof errorDetailSchema>;

/** The one shape of every error response. */
const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable machine-readable code, e.g. VALIDATION_FAILED'),
    message: z.string().describe('Readable explanation'),
    details: z.array(errorDetailSchema).optional(),
  }),
});

type ErrorBody = z.infer<typeof errorSchema>;

/** A reference in the request names nothing (400); anything else the store refuses is a conflict (409). */
const STORE_ERROR_STATUS: Record<StoreErrorCode, number> = {
  UNKNOWN_AGENT: 400,
  UNKNOWN_TEAM: 400,
  INVALID_LINE: 400,
  AGENT_EXISTS: 409,
  TEAM_EXISTS: 409,
  CAMPAIGN_EXISTS: 409,
  TEAM_NOT_EMPTY: 409,
};

/**
 * A runner for a route's work that answers a domain error of `type` with the status its code maps to
 * (the code and message going out as they are); anything else goes on to the one error handler.
 */
export function domainErrors<C extends string>(
  type: abstract new (...args: never[]) => Error & { readonly code: C },
  statuses: Record<C, number>,
): <T>(work: () => T | Promise<T>) => Promise<T> {
  return async (work) => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof type) throw new HttpError(statuses[err.code], err.code, err.message);
      throw err;
    }
  };
}

/** Response schemas for the error statuses a route can answer, for its OpenAPI entry. */
export function errorResponses<const S extends number>(...statuses: S[]): Record<S, typeof errorSchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorSchema])) as Record<S, typeof errorSchema>;
}

function body(code: string, message: string, details?: ErrorDetail[]): ErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

function validationDetails(validation: FastifySchemaValidationError[], context = 'request'): ErrorDetail[] {
  return validation.map(
    (issue): ErrorDetail => ({
      // instancePath is '/field/0/sub'; the root of the part itself is '/'.
      path: [context, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
      message: issue.message ?? 'is invalid',
    }),
  );
}

/** The answer to an unknown route, and to an operator's route hidden from this client (api.metrics, api.docs). */
export function routeNotFound(request: FastifyRequest): HttpError {
  return new HttpError(404, 'NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
}

/** Turns every error, including unknown routes, into the one error shape. */
async function errorsPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = validationDetails(error.validation, error.validationContext);
      const message = details.map((d) => `${d.path}: ${d.message}`).join('; ');
      return reply.status(400).send(body('VALIDATION_FAILED', message, details));
    }
    if (error instanceof HttpError) {
      return reply.status(error.statusCode).send(body(error.code, error.message, error.details));
    }
    if (error instanceof StoreError) {
      // The field at fault goes out as a detail, as for a validation failure, so a form can mark it.
      const details = error.field ? [{ path: `body.${error.field}`, message: error.message }] : undefined;
      return reply.status(STORE_ERROR_STATUS[error.code]).send(body(error.code, error.message, details));
    }
    // Fastify's own client errors (malformed JSON, unsupported media type, body too large) are safe to show.
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = (STATUS_CODES[status] ?? 'Bad Request').toUpperCase().replace(/[^A-Z]+/g, '_');
      return reply.status(status).send(body(code, error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(body('INTERNAL', 'Internal server error'));
  });

  app.setNotFoundHandler(async (request) => {
    throw routeNotFound(request);
  });
}

export default fp(errorsPlugin, { name: 'errors', fastify: '5.x' });

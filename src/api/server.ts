import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { teamsLedBy } from '../agents/roster.js';
import { ApiKeyService } from '../auth/api-keys.js';
import type { Config } from '../config/schema.js';
import { redactUrl } from '../lib/logger.js';
import { maskUrl } from '../lib/mask.js';
import { MemoryRateCounter } from '../lib/rate-counter.js';
import auth from './plugins/auth.js';
import browserPolicy from './plugins/browser-policy.js';
import docs from './plugins/docs.js';
import errors from './plugins/errors.js';
import rateLimit from './plugins/rate-limit.js';
import slowUpload from './plugins/slow-upload.js';
import { accountRoutes } from './routes/accounts.js';
import { agentRoutes } from './routes/agents.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { callRoutes } from './routes/calls.js';
import { dialerRoutes } from './routes/dialer.js';
import { eventRoutes } from './routes/events.js';
import { faxRoutes } from './routes/faxes.js';
import { healthRoutes } from './routes/health.js';
import { hotlineRoutes } from './routes/hotline.js';
import { ivrRoutes } from './routes/ivr.js';
import { keyRoutes } from './routes/keys.js';
import { leadRoutes } from './routes/leads.js';
import { qaRoutes } from './routes/qa.js';
import { recordingControlRoutes } from './routes/recording-control.js';
import { recordingRoutes } from './routes/recordings.js';
import { smsRoutes } from './routes/sms.js';
import { softphoneRoutes } from './routes/softphone.js';
import { teamRoutes } from './routes/teams.js';
import { workspaceRoutes } from './routes/workspace.js';
import type { ApiDeps } from './types.js';

export { HttpError } from './plugins/errors.js';
export type {
  AccountApiDeps,
  AgentApiDeps,
  ApiDeps,
  CallApiDeps,
  FaxApiDeps,
  IvrApiDeps,
  LeadApiDeps,
  Principal,
  ReadinessProbe,
  RecordingApiDeps,
  SmsApiDeps,
  SoftphoneApiDeps,
} from './types.js';

/**
 * Request log fields, spelled out so that headers (Authorization, X-API-Key) are never logged whatever
 * serializers the injected logger brings. The URL is logged decoded, with every phone-like run in its
 * path or query masked but for its last 4 digits (e.g. DELETE /v1/dnc/global/%2B4930…, encoded once or
 * more) and credentials removed.
 */
function serializeRequest(request: FastifyRequest) {
  return { method: request.method, url: redactUrl(maskUrl(request.url)), remoteAddress: request.ip };
}

/**
 * Node's own cuts, so that no client holds a connection or a request open at will: headers not all in
 * within headersSec, a request (headers and body: a slow upload) not all in within requestSec (both 408),
 * a connection with nothing read or written for idleSec. A request that is in is no longer timed: the
 * event stream runs as long as it is read (its heartbeat keeps the connection from being idle).
 */
function serverTimeouts(timeouts: Config['api']['timeouts']) {
  const requestTimeout = timeouts.requestSec * 1000;
  return {
    requestTimeout,
    connectionTimeout: timeouts.idleSec * 1000,
    http: {
      headersTimeout: timeouts.headersSec * 1000,
      // How often Node looks for requests past those times (30 s by default: too coarse for short ones).
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, requestTimeout / 4)),
    },
  };
}

/** Builds the HTTP API; the caller listens (or injects, in tests) and closes it. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  // Typed as Fastify's base logger so the instance has the plain FastifyInstance type callers expect.
  const logger: FastifyBaseLogger = deps.logger.child(
    { component: 'api' },
    { serializers: { req: serializeRequest } },
  );
  const { api: http } = deps.config;
  const app = Fastify({
    loggerInstance: logger,
    trustProxy: http.trustProxy.length > 0 ? http.trustProxy : false,
    bodyLimit: http.bodyLimitKb * 1024,
    ...serverTimeouts(http.timeouts),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.decorate('config', deps.config);
  app.decorate('metrics', deps.metrics);
  app.decorate('readiness', deps.readiness);

  // Who is calling, and which agents they cover: the only reads of the store by the API itself.
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const keys = new ApiKeyService(store, deps.logger, now, deps.config.auth.lockout);
  await app.register(errors);
  await app.register(browserPolicy); // before auth: a refused origin or a preflight needs no key
  await app.register(slowUpload, http.timeouts.minUpload);
  await app.register(docs);
  await app.register(auth, {
    bootstrapKey: deps.adminApiKey ?? process.env.ADMIN_API_KEY,
    keys,
    teamsLedBy: (agentId) => teamsLedBy(store, agentId),
    sessions: deps.accounts?.accounts,
    credentialsChanged: (listener) => {
      const stops = [keys.onRevoked(listener), deps.agents?.roster?.onChange(listener)];
      return () => {
        for (const stop of stops) stop?.();
      };
    },
  });
  await app.register(rateLimit, { counter: deps.rateCounter ?? new MemoryRateCounter(now) });
  await app.register(healthRoutes);
  await app.register(keyRoutes, { prefix: '/v1', keys });
  if (deps.accounts) {
    await app.register(authRoutes, { prefix: '/v1/auth', ...deps.accounts });
    await app.register(accountRoutes, { prefix: '/v1', ...deps.accounts });
  }
  if (deps.ivr) await app.register(ivrRoutes, { prefix: '/v1/ivr', ...deps.ivr });
  if (deps.agents) {
    await app.register(teamRoutes, { prefix: '/v1', ...deps.agents });
    await app.register(agentRoutes, { prefix: '/v1', ...deps.agents });
    await app.register(hotlineRoutes, { prefix: '/v1/hotline', ...deps.agents });
    await app.register(eventRoutes, { prefix: '/v1', ...deps.agents });
  }
  if (deps.recordings) {
    await app.register(recordingRoutes, { prefix: '/v1', ...deps.recordings });
    await app.register(recordingControlRoutes, { prefix: '/v1', ...deps.recordings });
    await app.register(auditRoutes, { prefix: '/v1', ...deps.recordings });
    await app.register(qaRoutes, { prefix: '/v1/qa', ...deps.recordings });
  }
  if (deps.leads) await app.register(leadRoutes, { prefix: '/v1', ...deps.leads });
  if (deps.sms) await app.register(smsRoutes, { prefix: '/v1', ...deps.sms });
  if (deps.dialer) {
    await app.register(dialerRoutes, { prefix: '/v1', ...deps.dialer });
    await app.register(workspaceRoutes, { prefix: '/v1', ...deps.dialer });
  }
  if (deps.calls) await app.register(callRoutes, { prefix: '/v1', ...deps.calls });
  if (deps.softphone) await app.register(softphoneRoutes, { prefix: '/v1', ...deps.softphone });
  if (deps.faxes) await app.register(faxRoutes, { prefix: '/v1', ...deps.faxes });
  await app.register(import('../web/static.js')); // the web app at / (web.dir), after the API
  return app;
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses, HttpError } from '../plugins/errors.js';
import { auditActor } from '../recording-access.js';
import type { RecordingApiDeps } from '../types.js';

const params = z.object({ callId: z.string().min(1), action: z.enum(['pause', 'resume']) });

/**
 * Pausing and resuming a live call's recording (while the customer gives a card number): the agent on
 * the call, or a supervisor. The gap is kept in the recording's metadata. Someone else's call answers 404
 * like an unknown one (audited as refused).
 */
export const recordingControlRoutes: FastifyPluginAsyncZod<RecordingApiDeps> = async (app, { library }) => {
  app.post(
    '/calls/:callId/recording/:action',
    {
      config: { roles: ['supervisor', 'agent', 'team-leader'] },
      schema: {
        tags: ['recordings'],
        summary: 'Pause or resume the recording of a live call',
        params,
        response: {
          200: z.object({ callId: z.string(), paused: z.boolean() }),
          ...errorResponses(401, 403, 404, 409),
        },
      },
    },
    async (request) => {
      const { callId, action } = request.params;
      const { role } = request.principal!;
      // Agents and team leaders only on their own calls; supervisors (and admins) on any.
      const mayAlways = role !== 'agent' && role !== 'team-leader';
      const pause = action === 'pause';
      const result = await library.setPaused(callId, pause, auditActor(request), mayAlways);
      // A call the caller may not act on answers as one that does not exist: no probing for call ids.
      if (result === 'not-recording' || result === 'refused')
        throw new HttpError(404, 'NOT_RECORDING', `call ${callId} is not being recorded`);
      if (result === 'unchanged')
        throw new HttpError(
          409,
          'RECORDING_STATE',
          `recording of call ${callId} is already ${pause ? 'paused' : 'running'} or ended`,
        );
      return { callId, paused: pause };
    },
  );
};

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses, HttpError } from '../plugins/errors.js';
import { audit } from '../recording-access.js';
import type { RecordingApiDeps } from '../types.js';

const params = z.object({ callId: z.string().min(1), action: z.enum(['pause', 'resume']) });

/**
 * Pausing and resuming a live call's recording (while the customer gives a card number): the agent on
 * the call, or a supervisor. The gap is kept in the recording's metadata.
 */
export const recordingControlRoutes: FastifyPluginAsyncZod<RecordingApiDeps> = async (app, { control }) => {
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
          ...errorResponses(403, 404, 409),
        },
      },
    },
    async (request) => {
      const { callId, action } = request.params;
      const principal = request.principal!;
      const rows = app.store.recordings.byCall(callId);
      if (rows.length === 0 || !control)
        throw new HttpError(404, 'NOT_RECORDING', `call ${callId} is not being recorded`);
      const onCall = principal.agentId !== null && rows.some((r) => r.agentId === principal.agentId);
      if ((principal.role === 'agent' || principal.role === 'team-leader') && !onCall) {
        audit(app.store, request, {
          action: `recording-${action}`,
          targetType: 'call',
          targetId: callId,
          allowed: false,
        });
        throw new HttpError(403, 'FORBIDDEN', 'only the agent on the call or a supervisor may do this');
      }
      const done = action === 'pause' ? await control.pause(callId) : await control.resume(callId);
      if (!done)
        throw new HttpError(
          409,
          'RECORDING_STATE',
          `recording of call ${callId} is already ${action === 'pause' ? 'paused' : 'running'} or ended`,
        );
      audit(app.store, request, {
        action: `recording-${action}`,
        targetType: 'call',
        targetId: callId,
        allowed: true,
      });
      return { callId, paused: action === 'pause' };
    },
  );
};

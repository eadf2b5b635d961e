import type { FastifyRequest } from 'fastify';
import type { AuditActor, RecordingLibrary } from '../recording/library.js';
import type { RecordingRecord, RecordingScope } from '../store/index.js';
import { inAgentScope } from './agent-scope.js';
import { HttpError } from './plugins/errors.js';

/**
 * Whose recordings the caller may see: QA staff, supervisors and admins every recording (null); an agent
 * its own; a team leader its own and its teams'. A recording belongs to the agent and team it was made
 * with, so a transfer to another team later does not change who may hear it.
 */
export function recordingScope(request: FastifyRequest): RecordingScope | null {
  return request.principal!.role === 'qa' ? null : request.agentScope;
}

/** The caller, as the audit log keeps it. */
export function auditActor(request: FastifyRequest): AuditActor {
  const { keyId, name, role, agentId } = request.principal!;
  return { keyId, keyName: name, role, agentId };
}

/**
 * The recording if it exists and the caller may see it. Out of scope answers 404 like an unknown id, so
 * ids cannot be probed, and is audited as refused (unknown ids reveal nothing to audit).
 */
export function visibleRecording(
  request: FastifyRequest,
  library: RecordingLibrary,
  id: string,
  action: string,
): RecordingRecord {
  const recording = library.get(id);
  const notFound = () => new HttpError(404, 'RECORDING_NOT_FOUND', `No recording with id ${id}`);
  if (!recording) throw notFound();
  const scope = recordingScope(request);
  if (scope !== null && !inAgentScope(scope, { id: recording.agentId, teamId: recording.teamId })) {
    library.audit(auditActor(request), { action, targetId: id, allowed: false });
    throw notFound();
  }
  return recording;
}

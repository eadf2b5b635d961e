import type { FastifyRequest } from 'fastify';
import type { RecordingRecord, RecordingScope, Store } from '../store/index.js';
import { agentScopeFilter, inAgentScope } from './agent-scope.js';
import { HttpError } from './plugins/errors.js';

/**
 * Whose recordings the caller may see: QA staff, supervisors and admins every recording (null); an agent
 * its own; a team leader its own and its teams'. A recording belongs to the agent and team it was made
 * with, so a transfer to another team later does not change who may hear it.
 */
export function recordingScope(store: Store, request: FastifyRequest): RecordingScope | null {
  const principal = request.principal!;
  return principal.role === 'qa' ? null : agentScopeFilter(store, principal);
}

/** Writes who did (or tried) what to the audit log. */
export function audit(
  store: Store,
  request: FastifyRequest,
  entry: { action: string; targetType?: string; targetId: string; allowed: boolean; detail?: unknown },
): void {
  const { keyId, name, role, agentId } = request.principal!;
  store.audit.add({
    ...entry,
    keyId,
    keyName: name,
    role,
    agentId,
    targetType: entry.targetType ?? 'recording',
  });
}

/**
 * The recording if it exists and the caller may see it. An attempt out of scope is audited as refused
 * and answers 403; unknown ids answer 404 (and reveal nothing to audit).
 */
export function visibleRecording(
  store: Store,
  request: FastifyRequest,
  id: string,
  action: string,
): RecordingRecord {
  const recording = store.recordings.get(id);
  if (!recording) throw new HttpError(404, 'RECORDING_NOT_FOUND', `No recording with id ${id}`);
  const scope = recordingScope(store, request);
  if (scope !== null && !inAgentScope(scope, { id: recording.agentId, teamId: recording.teamId })) {
    audit(store, request, { action, targetId: id, allowed: false });
    throw new HttpError(403, 'FORBIDDEN', `You may not access recording ${id}`);
  }
  return recording;
}

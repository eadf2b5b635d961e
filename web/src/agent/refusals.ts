import type { Failure } from '../api/outcome.js';
import type { MessageKey } from '../i18n/catalog.js';

/** What the screen says when an action did not go through, and whether what it shows is stale now. */
export interface Refusal {
  key: MessageKey;
  values?: Record<string, unknown>;
  /** The server knows better (a 409, a call that ended): reload the workspace. */
  refresh: boolean;
}

/** The service's error codes an agent can meet, each with its own explanation. */
const BY_CODE: Record<string, MessageKey> = {
  AGENT_STATE_CONFLICT: 'agent.errors.stateConflict',
  // The remote line answered without the accept key: a voicemail, most likely.
  REMOTE_NOT_ACCEPTED: 'agent.errors.remoteNotAccepted',
  NO_PREVIEW: 'agent.errors.noPreview',
  NOT_DIALED: 'agent.errors.notDialed',
  NOT_AWAITING_DISPOSITION: 'agent.errors.notAwaitingDisposition',
  STALE_OFFER: 'agent.errors.staleOffer',
  // The attempt shown is no longer the one awaiting: in practice another tab gave its disposition.
  STALE_ATTEMPT: 'agent.errors.notAwaitingDisposition',
  CALL_IN_PROGRESS: 'agent.errors.callInProgress',
  UNKNOWN_DISPOSITION: 'agent.errors.unknownDisposition',
  NO_CALL: 'agent.errors.noCall',
  CALL_STATE: 'agent.errors.callState',
  UNKNOWN_TARGET: 'agent.errors.unknownTarget',
  TARGET_UNAVAILABLE: 'agent.errors.targetUnavailable',
  SALE_REQUIRED: 'agent.errors.saleRequired',
  SALE_NOT_ALLOWED: 'agent.errors.saleNotAllowed',
  NOT_RECORDING: 'agent.errors.notRecording',
  RECORDING_STATE: 'agent.errors.recordingState',
  VALIDATION_FAILED: 'agent.errors.validation',
  FORBIDDEN: 'agent.errors.forbidden',
};

/** The explanation of a failed action. */
export function refusalOf(failure: Failure): Refusal {
  switch (failure.kind) {
    case 'missing':
      return { key: 'agent.errors.missing', refresh: false };
    case 'signed-out':
      return { key: 'signIn.expired', refresh: false };
    case 'unavailable':
      return failure.status === undefined
        ? { key: 'agent.errors.unreachable', refresh: false }
        : { key: 'agent.errors.server', values: { status: failure.status }, refresh: false };
    case 'refused': {
      const key =
        BY_CODE[failure.code] ??
        (failure.status === 403
          ? 'agent.errors.forbidden'
          : failure.status === 409
            ? 'agent.errors.conflict'
            : 'agent.errors.rejected');
      // A conflict or a vanished call means the screen was behind the server.
      const refresh = failure.status === 409 || failure.status === 404;
      return { key, values: { code: failure.code }, refresh };
    }
  }
}

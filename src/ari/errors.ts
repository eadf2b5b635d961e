/** Why an ARI command failed, in terms a caller can act on. */
export type AriErrorKind =
  /** The channel, bridge, playback or recording no longer exists (HTTP 404), e.g. the caller hung up. */
  | 'not-found'
  /** The object exists but is not in a state for this command (409 not in Stasis, 412 wrong state). */
  | 'conflict'
  /** Bad parameters (400, 422): a bug or bad input, not a transient fault. */
  | 'invalid'
  /** No answer within the command timeout. */
  | 'timeout'
  /** Asterisk could not be reached. */
  | 'unreachable'
  /** Anything else (5xx, 401/403 misconfiguration). */
  | 'failed';

export class AriError extends Error {
  override readonly name = 'AriError';
  constructor(
    readonly command: string,
    readonly kind: AriErrorKind,
    readonly status: number | undefined,
    message: string,
  ) {
    super(`${command}: ${message}`);
  }

  /** True when the target is gone: the usual race with a hang-up, not a fault to alert on. */
  get isGone(): boolean {
    return this.kind === 'not-found' || this.kind === 'conflict';
  }
}

export function kindForStatus(status: number): AriErrorKind {
  if (status === 404) return 'not-found';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 400 || status === 422) return 'invalid';
  return 'failed';
}

/** True for an error that only says the call (or its part) already went away. */
export function isGone(err: unknown): boolean {
  return err instanceof AriError && err.isGone;
}

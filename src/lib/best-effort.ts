import type { Logger } from 'pino';

/**
 * True for an error that only says its target already went away (an ARI 404/409/412: the caller hung
 * up, the playback finished). Checked by shape so this module stays below the ARI layer.
 */
function isGoneError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { isGone?: unknown }).isGone === true;
}

/**
 * Runs a clean-up step whose failure must not stop the caller (stop music, hang up a leg, delete a key):
 * "already gone" is ignored, anything else is logged as a warning with `what` it was. Never rejects.
 */
export async function bestEffort(
  work: Promise<unknown> | (() => Promise<unknown>) | undefined,
  log: Pick<Logger, 'warn'>,
  what: string,
): Promise<void> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (err) {
    if (!isGoneError(err)) log.warn({ err }, `${what} failed (ignored)`);
  }
}

/**
 * Marks a promise whose outcome is read elsewhere (awaited later, or raced) so that its rejection,
 * if it comes before anyone awaits it, is not reported as unhandled. Returns the same promise.
 */
export function observed<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}

function noop(): void {}

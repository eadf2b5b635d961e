export interface Backoff {
  /** Wait before the first retry after a loss. */
  initialMs: number;
  /** The wait doubles per failed attempt up to this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 5_000 };

/**
 * The wait before retry number `attempt` (1, 2, ...): doubling from initialMs up to maxMs, the upper half
 * of it drawn at random, so that the 61 screens of a restarted service do not all come back at once.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

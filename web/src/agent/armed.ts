import { watch } from 'vue';

/** Clicks sooner than this after a button appeared are the end of a double click meant for another one. */
export const ARM_MS = 500;

/**
 * Whether a button that appears when `shown` changes (a new lead's Accept, a new call's Hang up) may take
 * a click yet: the second click of a double click on the button before it lands on this one when the
 * screen moves between the two clicks, and must not dial a lead or end a call.
 */
export function useArmed(shown: () => unknown, ms = ARM_MS, now: () => number = Date.now): () => boolean {
  let since = now();
  watch(shown, () => {
    since = now();
  });
  return () => now() - since >= ms;
}

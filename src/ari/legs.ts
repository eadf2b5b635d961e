import { z } from 'zod';
import type { CallSession, Task } from './session.js';

export const legsSpecSchema = z.strictObject({
  /** Other channels of the call (a consult leg), never its caller: bridgeTask moves the caller. */
  legs: z.array(z.string().min(1)).min(1),
  /** A bridge that already exists (an agent's, or one the call owns). */
  into: z.string().min(1),
});

/**
 * Moves legs of the call into a bridge without its caller: a consult leg joins the agent while the
 * caller stays on hold. The legs stay the call's (its teardown hangs them up). Throws (ZodError) on a
 * spec that cannot work.
 */
export function legsIntoBridgeTask(spec: z.input<typeof legsSpecSchema>): Task<void> {
  const { legs, into } = legsSpecSchema.parse(spec);
  return {
    name: 'legs-into-bridge',
    async exec(session: CallSession) {
      await session.ari.addToBridge(into, legs);
    },
    kill() {},
  };
}

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { bestEffort } from '../lib/best-effort.js';
import type { CallSession, Task } from './session.js';

export const holdSpecSchema = z.strictObject({
  /** The application name: the holding bridge's id starts with it, so a resync knows it as ours. */
  app: z.string().min(1),
  /** The music class the held caller hears (musiconhold.conf). */
  mohClass: z.string().min(1).optional(),
});

export type HoldSpec = z.input<typeof holdSpecSchema>;

/**
 * Puts the call's caller on hold: out of whatever bridge it is in, into a holding bridge of its own with
 * music on hold, so the party it was talking to hears silence and is not heard. The bridge belongs to the
 * call (its teardown destroys it). exec() resolves once the caller is held; kill() ends the hold by
 * destroying that bridge (the music goes with it), which is what a join back into a conversation does with
 * it as `stopAtJoin` media (bridgeTask). Throws (ZodError) on a spec that cannot work.
 */
export function holdTask(spec: HoldSpec): HoldTask {
  return new HoldTask(holdSpecSchema.parse(spec));
}

export class HoldTask implements Task<{ bridgeId: string }> {
  readonly name = 'hold';
  readonly bridgeId: string;
  private session: CallSession | undefined;
  private released = false;

  constructor(private readonly spec: z.output<typeof holdSpecSchema>) {
    this.bridgeId = `${spec.app}-hold-${randomUUID()}`;
  }

  async exec(session: CallSession): Promise<{ bridgeId: string }> {
    this.session = session;
    const { bridgeId } = this;
    // Owned before it exists: its events route here, and the call's teardown destroys it.
    session.own('bridge', bridgeId);
    await session.ari.createBridge(bridgeId, 'holding', `hold ${session.id}`);
    // Adding moves the caller out of the bridge it talks in (a channel is in one bridge at a time).
    await session.ari.addToBridge(bridgeId, [session.channelId]);
    await session.ari.startBridgeMoh(bridgeId, this.spec.mohClass);
    if (this.released) this.release(session); // killed while it was being set up
    return { bridgeId };
  }

  /** Ends the hold: the holding bridge and its music go. Safe to call more than once. */
  kill(): void {
    if (this.released) return;
    this.released = true;
    if (this.session) this.release(this.session);
  }

  private release(session: CallSession): void {
    if (session.isEnded) return; // the teardown destroys what the call owns
    void bestEffort(
      () => session.ari.destroyBridge(this.bridgeId),
      session.log,
      'end the hold (destroy the holding bridge)',
    ).then(() => session.disown('bridge', this.bridgeId));
  }
}

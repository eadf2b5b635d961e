import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { CallSession, Task } from './session.js';

/** Something still playing to a party while it waits (a ring tone task, a prompt): killed at the join. */
const waitingMedia = z.custom<Pick<Task, 'kill'>>(
  (value) => typeof (value as { kill?: unknown } | null)?.kill === 'function',
  'expected a running task (with kill())',
);

/** An ARI object id (channel, bridge). */
const ariId = z.string().min(1);

export const bridgeSpecSchema = z
  .strictObject({
    /**
     * `join`: a bridge the call does not own (an agent's persistent line); it outlives the call.
     * `create`: a new mixing bridge the call owns (its id starts with the app name, so a resync after a
     * restart can tell it is this application's); the call's teardown destroys it.
     */
    bridge: z.union([
      z.strictObject({ join: ariId }),
      z.strictObject({ create: z.strictObject({ app: z.string().min(1), name: z.string().min(1) }) }),
    ]),
    /** Other channels of this call joined with its caller: an answered agent or transfer leg. */
    legs: z.array(ariId).default([]),
    /** The caller hears music on hold until the join. */
    stopMoh: z.boolean().default(false),
    /** Media the parties hear while waiting (a ring tone to the agent's line), stopped at the join. */
    stopAtJoin: z.array(waitingMedia).default([]),
    /** After the join, the call is hung up with this reason when a leg leaves (the other side hung up). */
    hangupWhenLegLeaves: z.string().min(1).optional(),
  })
  .refine((spec) => 'join' in spec.bridge || spec.legs.length > 0, {
    message: 'a new bridge needs a leg to join the caller with',
    path: ['legs'],
  })
  .refine((spec) => spec.hangupWhenLegLeaves === undefined || spec.legs.length > 0, {
    message: 'hangupWhenLegLeaves needs a leg to watch',
    path: ['hangupWhenLegLeaves'],
  });

export type BridgeSpec = z.input<typeof bridgeSpecSchema>;

export interface BridgeResult {
  bridgeId: string;
  /** True when the call created the bridge: its teardown destroys it. */
  owned: boolean;
}

/**
 * The one way a call's caller is bridged with another party: the hotline (agent on a persistent line, or
 * a ring-per-call agent leg), the IVR's transfer, the dialer (customer into the agent's bridge). Throws
 * (ZodError) on a spec that cannot work: a programming error, not a call failure.
 */
export function bridgeTask(spec: BridgeSpec): Task<BridgeResult> {
  return new BridgeTask(bridgeSpecSchema.parse(spec));
}

class BridgeTask implements Task<BridgeResult> {
  readonly name = 'bridge';

  constructor(private readonly spec: z.output<typeof bridgeSpecSchema>) {}

  async exec(session: CallSession): Promise<BridgeResult> {
    const { bridge, legs, stopMoh, stopAtJoin, hangupWhenLegLeaves } = this.spec;
    let bridgeId: string;
    if ('join' in bridge) {
      bridgeId = bridge.join;
    } else {
      bridgeId = `${bridge.create.app}-${randomUUID()}`;
      // Owned before it exists: its events route here, and teardown destroys it once, whatever ends the
      // call (a bridge never created is "already gone" then).
      session.own('bridge', bridgeId);
      await session.ari.createBridge(bridgeId, 'mixing', bridge.create.name);
    }
    // Waiting media stops alongside the join: the join is what the parties wait for, the order of the
    // commands does not matter to Asterisk.
    for (const media of stopAtJoin) media.kill();
    await Promise.all([
      stopMoh ? session.stopMoh() : undefined,
      session.ari.addToBridge(bridgeId, [session.channelId, ...legs]),
    ]);
    if (hangupWhenLegLeaves !== undefined) {
      for (const leg of legs) session.hangupWhenLegLeaves(leg, hangupWhenLegLeaves);
    }
    return { bridgeId, owned: !('join' in bridge) };
  }

  /** Two short commands: nothing to stop. A bridge the call created is destroyed by its teardown. */
  kill(): void {}
}

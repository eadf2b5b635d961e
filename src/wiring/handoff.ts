import type { CallHandler } from '../ari/app.js';
import type { CallSession } from '../ari/session.js';
import type { IvrEngine } from '../ivr/engine.js';

/**
 * The IVR as seen by those wired before it: ARI's inbound route and the hotline's max wait. The IVR needs
 * ARI and the hotline to be built, so they are given this handoff, which the IVR's wiring attaches to.
 */
export class IvrHandoff {
  private engine: Pick<IvrEngine, 'handle' | 'resume'> | undefined;

  attach(engine: Pick<IvrEngine, 'handle' | 'resume'>): void {
    if (this.engine) throw new Error('an IVR is already attached');
    this.engine = engine;
  }

  /** An inbound call: new, or found in the application after a restart. */
  readonly handle: CallHandler = async (session, start) => this.attached().handle(session, start);

  /** A caller already in the service goes on at a node of a flow (the hotline's max wait). */
  readonly resume = async (session: CallSession, flow: string, node: string): Promise<void> =>
    this.attached().resume(session, flow, node);

  // Calls come in only once ARI starts, which is after the whole service is wired.
  private attached(): Pick<IvrEngine, 'handle' | 'resume'> {
    if (!this.engine) throw new Error('no IVR attached yet');
    return this.engine;
  }
}

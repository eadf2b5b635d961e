import type { CallRoute } from '../ari/app.js';
import type { StasisStartEvent } from '../ari/types.js';

/**
 * Inbound numbers a domain takes before the IVR (fax numbers). Made before ARI is wired and filled by
 * the domains wired after it, as the IVR handoff is.
 */
export class StasisRoutes {
  private readonly numberClaims: ((dnis: string) => CallRoute | undefined)[] = [];

  /** Inbound calls to a number `claim` answers with a route go there instead of the IVR. */
  claimNumbers(claim: (dnis: string) => CallRoute | undefined): void {
    this.numberClaims.push(claim);
  }

  pick(start: StasisStartEvent, inbound: CallRoute): CallRoute | undefined {
    const [tag, dnis] = start.args ?? [];
    if (tag !== 'inbound') return undefined;
    for (const claim of this.numberClaims) {
      const route = claim(dnis ?? '');
      if (route) return route;
    }
    return inbound;
  }
}

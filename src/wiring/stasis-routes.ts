import type { CallRoute } from '../ari/app.js';
import type { StasisStartEvent } from '../ari/types.js';

/**
 * Routes for calls that enter the application with other arguments than `inbound` (the fax dialplan's
 * `fax-result`), and inbound numbers a domain takes before the IVR (fax numbers). Made before ARI is
 * wired and filled by the domains wired after it, as the IVR handoff is.
 */
export class StasisRoutes {
  private readonly byTag = new Map<string, CallRoute>();
  private readonly numberClaims: ((dnis: string) => CallRoute | undefined)[] = [];

  /** Calls whose first Stasis argument is `tag` go to `route`. */
  add(tag: string, route: CallRoute): void {
    this.byTag.set(tag, route);
  }

  /** Inbound calls to a number `claim` answers with a route go there instead of the IVR. */
  claimNumbers(claim: (dnis: string) => CallRoute | undefined): void {
    this.numberClaims.push(claim);
  }

  pick(start: StasisStartEvent, inbound: CallRoute): CallRoute | undefined {
    const [tag, dnis] = start.args ?? [];
    if (tag === 'inbound') {
      for (const claim of this.numberClaims) {
        const route = claim(dnis ?? '');
        if (route) return route;
      }
      return inbound;
    }
    return tag === undefined ? undefined : this.byTag.get(tag);
  }
}

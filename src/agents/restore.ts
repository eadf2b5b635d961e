/**
 * What an agent's live state is at start when Redis does not know it (it lost its data, or missed the
 * latest writes): rebuilt from the store's state log and from what the PBX shows. Pure, unit-tested; the
 * service does the reading (src/agents/service.ts).
 */
import type { Bridge, Channel } from '../ari/types.js';
import type { AgentState, AgentStateName } from './state.js';

/** The agent's last change in the store's state log. */
export interface LastLogged {
  toState: AgentStateName;
  reason: string | null;
  callId: string | null;
  at: number;
}

/** What Redis held for the agent (the fields this decision reads). */
export interface SavedLive extends AgentState {
  idleSince: number;
}

/**
 * Which record to trust at start: Redis's, unless the store's log has a later change (Redis came back
 * from an old snapshot or missed writes) or Redis has nothing. Every state change is written to both;
 * Redis alone also keeps the line's ids, which the PBX gives back (agentLinesOnPbx).
 */
export function newerRecord(saved: SavedLive | undefined, last: LastLogged | undefined): 'redis' | 'store' {
  if (!last) return 'redis';
  if (!saved) return 'store';
  return last.at > saved.since ? 'store' : 'redis';
}

/**
 * The agent's state rebuilt from their last logged change. A call the dialer placed keeps its state (the
 * dialer's recovery settles it from its attempts in the store); a hotline call or offer was known only to
 * Redis, so its caller is gone with it: an agent on such a call goes to after-call work, one offered it is
 * ready again.
 */
export function restoredFromLog(
  last: LastLogged | undefined,
  isDialerCall: (callId: string) => boolean,
  now: number,
): SavedLive {
  if (!last || last.toState === 'logged-out') return { state: 'logged-out', since: now, idleSince: 0 };
  const callId = last.callId ?? undefined;
  const { toState, at } = last;
  if ((toState === 'on-call' || toState === 'reserved') && !(callId && isDialerCall(callId))) {
    if (toState === 'on-call')
      return { state: 'wrap-up', ...(callId ? { callId } : {}), since: now, idleSince: 0 };
    return { state: 'ready', since: now, idleSince: now };
  }
  return {
    state: toState,
    ...(toState === 'not-ready' && last.reason ? { reason: last.reason } : {}),
    ...(callId && toState !== 'ready' && toState !== 'not-ready' ? { callId } : {}),
    since: at,
    idleSince: toState === 'ready' ? at : 0,
  };
}

/** An agent's persistent line as the PBX shows it. */
export interface PbxLine {
  channelId: string;
  /** The agent's own bridge, when it still exists. */
  bridgeId?: string;
}

/**
 * The agents' persistent lines up on the PBX, by agent id: channels sitting in this application's
 * Stasis() with the arguments every line is originated with (`agent-line,<agentId>`), so they are found
 * whatever Redis remembers.
 */
export function agentLinesOnPbx(
  pbx: { channels: Iterable<Channel>; bridges: readonly Bridge[]; inApp: ReadonlySet<string> },
  app: string,
): Map<string, PbxLine> {
  const lines = new Map<string, PbxLine>();
  const bridges = new Set(pbx.bridges.map((b) => b.id));
  for (const channel of pbx.channels) {
    if (!pbx.inApp.has(channel.id) || channel.dialplan?.app_name !== 'Stasis') continue;
    const [inApp, kind, ...rest] = (channel.dialplan.app_data ?? '').split(',');
    if (inApp !== app || kind !== 'agent-line' || rest.length === 0) continue;
    const agentId = rest.join(',');
    const bridgeId = agentBridgeId(app, agentId);
    lines.set(agentId, { channelId: channel.id, ...(bridges.has(bridgeId) ? { bridgeId } : {}) });
  }
  return lines;
}

/** The agent's own bridge, where their line is held. */
export function agentBridgeId(app: string, agentId: string): string {
  return `${app}-agent-${agentId}`;
}

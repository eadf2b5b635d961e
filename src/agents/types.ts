import type { AgentEvent, AgentStateName, NotReadyReason } from './state.js';

export type LineMode = 'persistent' | 'per-call';
export type InboundRole = 'primary' | 'overflow' | 'none';

/** An agent as the rest of the service and the API see it: the stored seat plus its live state. */
export interface AgentView {
  id: string;
  name: string;
  teamId: string | null;
  /** 'agent' or 'team-leader' (a leader may also take calls). */
  role: 'agent' | 'team-leader';
  /** Dial string of the agent's phone: PJSIP/1001, or a trunk number for a remote or mobile agent. */
  endpoint: string;
  lineMode: LineMode;
  inboundRole: InboundRole;
  state: AgentStateName;
  reason?: NotReadyReason;
  since: number;
  callId?: string;
  /** True while the persistent line to the agent's phone is up. */
  lineUp: boolean;
  /** Last time the agent finished a call or became ready (longest idle first). */
  idleSince: number;
  /** Ring-per-call offers not answered in a row. */
  missedOffers: number;
}

/** State changes a person may ask for over REST (the rest come from calls and timers). */
export type RequestedAgentEvent = Extract<
  AgentEvent,
  { type: 'login' | 'ready' | 'not-ready' | 'logout' | 'wrap-up-done' }
>;

export class AgentStateError extends Error {
  override readonly name = 'AgentStateError';
}

export class AgentNotFoundError extends Error {
  override readonly name = 'AgentNotFoundError';
}

/** What the API needs from the agents module. */
export interface AgentDirectory {
  list(): AgentView[];
  get(id: string): AgentView | undefined;
  /** Applies a requested change; throws AgentStateError (409) or AgentNotFoundError (404). */
  request(agentId: string, event: RequestedAgentEvent, by: string): Promise<AgentView>;
  /** Tells the live side that seats changed in the store (created, edited, removed). */
  reload(): Promise<void>;
}

export interface QueueSnapshot {
  name: string;
  waiting: { callId: string; callerMasked: string; since: number; position: number }[];
  longestWaitMs: number;
}

import type { AgentEvent, AgentStateName, NotReadyReason } from './state.js';

export type LineMode = 'persistent' | 'per-call';
/** What the agent's line is: a SIP phone (desk or softphone), the agent's browser, or any phone number. */
export type LineKind = 'sip' | 'webrtc' | 'remote';
export type InboundRole = 'primary' | 'overflow' | 'none';

/** An agent as the rest of the service and the API see it: the stored seat plus its live state. */
export interface AgentView {
  id: string;
  name: string;
  teamId: string | null;
  /** 'agent' or 'team-leader' (a leader may also take calls). */
  role: 'agent' | 'team-leader';
  /** sip: a phone the PBX knows; webrtc: the agent's browser; remote: a phone number through the trunk. */
  lineKind: LineKind;
  /**
   * What the PBX dials to reach the agent: the phone's dial string (PJSIP/1001), or the browser's
   * endpoint (PJSIP/cc-webrtc-<id>); null for a remote line, whose full number is not given out.
   */
  endpoint: string | null;
  /** A remote line's number, masked (****1234). */
  remoteNumberMasked?: string;
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
  /** The API's error code (409): a refused move, or why a line could not be taken. */
  constructor(
    message: string,
    readonly code: 'AGENT_STATE_CONFLICT' | 'REMOTE_NOT_ACCEPTED' = 'AGENT_STATE_CONFLICT',
  ) {
    super(message);
  }
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

import type { CallSession } from '../ari/session.js';
import type { ShownCallState } from './state.js';

export type CallKind = 'dialer' | 'hotline';

/**
 * An agent's customer call as the domain that placed or took it knows it (the dialer's customer call, a
 * hotline caller connected to the agent).
 */
export interface AgentCall {
  kind: CallKind;
  /** The customer's call: its channel is the one held, moved and keyed to. */
  session: CallSession;
  agentId: string;
  /** The id the agent is reserved and connected under: the dialer's attempt, the hotline's call. */
  agentCallId: string;
  /** The customer's number, masked (last 4 digits). */
  numberMasked: string;
  /** Epoch ms; null while a dialer customer's phone still rings. */
  answeredAt: number | null;
  campaignId: string | null;
  attemptId: string | null;
  /**
   * A ring-per-call agent's own leg in the call and the bridge the call made for the two; absent when the
   * agent talks on a persistent line (in the agent's own bridge).
   */
  agentLeg?: AgentLeg;
}

export interface AgentLeg {
  legId: string;
  bridgeId: string;
}

/** Who has the call after a transfer. */
export interface CallHandOver {
  agentId: string;
  teamId: string | null;
  /** The target's ring-per-call leg and the bridge it talks to the customer in. */
  agentLeg?: AgentLeg;
}

/**
 * What the call controls ask of a domain whose calls agents have (the dialer, the hotline): the agent's
 * call now, and telling it that the call has gone to another agent, so that the call's end, a dropped
 * line, the disposition and a restart follow the new agent.
 */
export interface AgentCallSource {
  agentCall(agentId: string): AgentCall | undefined;
  handOver(agentCallId: string, to: CallHandOver): void;
}

/** The agent's current call as the API shows it (the workspace contract's CurrentCall). */
export interface CurrentCall {
  callId: string;
  kind: CallKind;
  state: ShownCallState;
  numberMasked: string;
  startedAt: number;
  answeredAt: number | null;
  heldSince: number | null;
  recordingPaused: boolean;
  campaignId: string | null;
  attemptId: string | null;
  consult: { targetAgentId: string; state: 'ringing' | 'talking' } | null;
}

/** Who a transfer goes to: a named agent, or the leader of the agent's team. */
export type TransferTarget = { agentId: string } | { teamLeader: true };
export type TransferMode = 'blind' | 'warm';

/** An error a person's request ran into (REST maps the code to a status). */
export class CallControlError extends Error {
  override readonly name = 'CallControlError';
  constructor(
    readonly code: 'NO_CALL' | 'CALL_STATE' | 'UNKNOWN_TARGET' | 'TARGET_UNAVAILABLE',
    message: string,
  ) {
    super(message);
  }
}

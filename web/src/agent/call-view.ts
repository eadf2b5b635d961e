import type { AgentView } from '../api/agent.js';
import type { CurrentCall, PreviewView } from '../api/workspace.js';

/** What the call panel shows. */
export interface CallView {
  kind: CurrentCall['kind'];
  state: CurrentCall['state'];
  numberMasked: string | null;
  /** The timer's start (server clock): ringing since the dial, talking since the answer. */
  since: number;
  heldSince: number | null;
  /** The call's id for the recording's pause and resume; null when the screen cannot know it. */
  callId: string | null;
  recordingPaused: boolean;
  consult: CurrentCall['consult'];
  /** Hold, DTMF, transfer and the hotline's hang-up need the call-control routes. */
  controls: boolean;
}

export interface CallInput {
  call: CurrentCall | null;
  callRoute: 'unknown' | 'present' | 'missing';
  agent: AgentView | null;
  preview: PreviewView | null;
  phaseSince: number | null;
  recordingPaused: Record<string, boolean>;
  callerNumbers: Record<string, string>;
}

const RINGING_PHASES = new Set(['waiting-channel', 'dialing']);

/**
 * The call panel's view: the call route's answer when the service has it; otherwise worked out from the
 * agent's state and the dialer's preview (a dialer call ringing or talking, a hotline caller talking),
 * without the controls those routes bring. Pure.
 */
export function callView(input: CallInput): CallView | null {
  const { call, agent, preview } = input;
  if (call) {
    return {
      kind: call.kind,
      state: call.state,
      numberMasked: call.numberMasked,
      since: call.state === 'ringing' ? call.startedAt : (call.answeredAt ?? call.startedAt),
      heldSince: call.heldSince,
      callId: call.callId,
      recordingPaused: call.recordingPaused,
      consult: call.consult,
      controls: true,
    };
  }
  // The route answered: no call now.
  if (input.callRoute === 'present' || !agent) return null;
  const agentSince = Date.parse(agent.since);
  const base = { heldSince: null, consult: null, controls: false } as const;
  if (preview && RINGING_PHASES.has(preview.phase)) {
    return {
      ...base,
      kind: 'dialer',
      state: 'ringing',
      numberMasked: preview.lead.numberMasked,
      since: input.phaseSince ?? agentSince,
      callId: null,
      recordingPaused: false,
    };
  }
  if (agent.state !== 'on-call') return null;
  if (preview && preview.phase === 'connected') {
    return {
      ...base,
      kind: 'dialer',
      state: 'talking',
      numberMasked: preview.lead.numberMasked,
      since: agentSince,
      callId: null,
      recordingPaused: false,
    };
  }
  // On a call with no lead: a hotline caller, whose call id the agent's view names.
  const callId = agent.callId ?? null;
  return {
    ...base,
    kind: 'hotline',
    state: 'talking',
    numberMasked: callId ? (input.callerNumbers[callId] ?? null) : null,
    since: agentSince,
    callId,
    recordingPaused: callId ? (input.recordingPaused[callId] ?? false) : false,
  };
}

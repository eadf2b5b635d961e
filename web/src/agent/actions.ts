import { type Ref, ref } from 'vue';
import * as agentApi from '../api/agent.js';
import type { Failure, Outcome } from '../api/outcome.js';
import * as contract from '../api/workspace.js';
import type { CallView } from './call-view.js';
import { type Refusal, refusalOf } from './refusals.js';
import type { AgentWorkspace } from './workspace.js';

/** The requests the actions make (api/agent.ts and api/workspace.ts; fakes in tests). */
export type ActionCalls = Pick<
  typeof agentApi,
  'requestState' | 'acceptPreview' | 'skipPreview' | 'hangupDialerCall' | 'dispose' | 'setRecordingPaused'
> &
  Pick<
    typeof contract,
    | 'holdCall'
    | 'resumeCall'
    | 'sendDtmf'
    | 'transferCall'
    | 'completeTransfer'
    | 'cancelTransfer'
    | 'hangupCall'
  >;

const DEFAULT_CALLS: ActionCalls = { ...agentApi, ...contract };

/**
 * One request at a time for a group of buttons (and their shortcuts): busy from the first click until
 * the answer, so a double click, a key held or two buttons pressed together send one request. The
 * buttons show `busy` as disabled; the service refuses a second one anyway (409), which is explained.
 */
export interface Guard {
  readonly busy: Readonly<Ref<boolean>>;
}

export interface DispositionInput {
  code: string;
  notes?: string;
  /** ISO time. */
  callbackAt?: string;
  sale?: contract.Sale;
}

export function createActions(
  ws: AgentWorkspace,
  notify: (refusal: Refusal) => void,
  calls: ActionCalls = DEFAULT_CALLS,
) {
  const id = ws.state.agentId;

  function guard() {
    const busy = ref(false);
    /** Runs the request unless one of the group runs; true when it went through. */
    async function perform<T>(work: () => Promise<Outcome<T>>, done?: (data: T) => void): Promise<boolean> {
      if (busy.value) return false;
      busy.value = true;
      try {
        const result = await work();
        if (result.ok) {
          done?.(result.data);
          return true;
        }
        fail(result);
        return false;
      } finally {
        busy.value = false;
      }
    }
    return { busy, perform };
  }

  function fail(failure: Failure): void {
    // The sign-in page follows on its own (session.ts) and says why.
    if (failure.kind === 'signed-out') return;
    const refusal = refusalOf(failure);
    notify(refusal);
    if (refusal.refresh) void ws.reload();
  }

  const stateGroup = guard();
  const previewGroup = guard();
  const callGroup = guard();
  const recordingGroup = guard();
  const dispositionGroup = guard();
  const dtmfBusy = ref(false);
  let dtmfQueue: Promise<unknown> = Promise.resolve();

  const move = (body: agentApi.StateRequest) =>
    stateGroup.perform(() => calls.requestState(id, body), ws.applyAgent);

  return {
    guards: {
      state: stateGroup as Guard,
      preview: previewGroup as Guard,
      call: callGroup as Guard,
      recording: recordingGroup as Guard,
      disposition: dispositionGroup as Guard,
      dtmf: { busy: dtmfBusy } as Guard,
    },

    login: () => move({ event: 'login' }),
    ready: () => move({ event: 'ready' }),
    notReady: (reason: Extract<agentApi.StateRequest, { event: 'not-ready' }>['reason']) =>
      move({ event: 'not-ready', reason }),
    wrapUpDone: () => move({ event: 'wrap-up-done' }),
    logout: () => move({ event: 'logout' }),
    /** The line is down: a new login calls the phone again (the service asks for that). */
    reconnectLine: () =>
      stateGroup.perform(async () => {
        const out = await calls.requestState(id, { event: 'logout' });
        if (!out.ok) return out;
        ws.applyAgent(out.data);
        return calls.requestState(id, { event: 'login' });
      }, ws.applyAgent),

    /** `attemptId`: the offer shown; the service refuses a click on one that has gone (STALE_OFFER). */
    accept: (attemptId: string) =>
      previewGroup.perform(() => calls.acceptPreview(id, attemptId), ws.applyPreview),
    skip: (attemptId: string, reason: string) =>
      previewGroup.perform(
        () => calls.skipPreview(id, reason, attemptId),
        () => void ws.refreshPreview(),
      ),

    hangup: (call: CallView) =>
      callGroup.perform(
        () => (call.controls ? calls.hangupCall(id) : calls.hangupDialerCall(id)),
        () => void ws.refreshCall(),
      ),
    hold: () => callGroup.perform(() => calls.holdCall(id), ws.applyCall),
    resume: () => callGroup.perform(() => calls.resumeCall(id), ws.applyCall),
    transfer: (to: contract.TransferTarget, mode: contract.TransferMode) =>
      callGroup.perform(
        () => calls.transferCall(id, to, mode),
        (call) => (call ? ws.applyCall(call) : void ws.refreshCall()),
      ),
    completeTransfer: () =>
      callGroup.perform(
        () => calls.completeTransfer(id),
        () => void ws.refreshCall(),
      ),
    cancelTransfer: () => callGroup.perform(() => calls.cancelTransfer(id), ws.applyCall),

    setRecordingPaused: (callId: string, paused: boolean) =>
      recordingGroup.perform(
        () => calls.setRecordingPaused(callId, paused),
        (answer) => ws.setRecordingPaused(answer.callId, answer.paused),
      ),

    /** Keys go out one request after the other, in the order pressed. */
    sendDtmf: (digits: string): Promise<boolean> => {
      const sent = dtmfQueue.then(async () => {
        dtmfBusy.value = true;
        try {
          const result = await calls.sendDtmf(id, digits);
          if (!result.ok) fail(result);
          return result.ok;
        } finally {
          dtmfBusy.value = false;
        }
      });
      dtmfQueue = sent;
      return sent;
    },

    dispose: (attemptId: string, input: DispositionInput) =>
      dispositionGroup.perform(
        // The attempt shown: another one awaiting its disposition is 409 STALE_ATTEMPT.
        () => calls.dispose(id, { ...input, attemptId }),
        () => {
          ws.markDisposed(attemptId);
          void ws.refreshPreview();
        },
      ),
  };
}

export type AgentActions = ReturnType<typeof createActions>;

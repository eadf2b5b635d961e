import { reactive } from 'vue';
import type { AgentView } from '../api/agent.js';
import type { Failure, Outcome } from '../api/outcome.js';
import type {
  Callbacks,
  CurrentCall,
  HotlineOffer,
  NotReadyReasonOption,
  PreviewView,
  RecentCall,
  TodayStats,
  Workspace,
} from '../api/workspace.js';
import type { LiveEvent } from '../live/client.js';
import { ServerClock } from './clock.js';
import { Refresher } from './refresher.js';

/** The reads the workspace makes (api/agent.ts and api/workspace.ts; fakes in tests). */
export interface WorkspaceReads {
  getWorkspace(id: string): Promise<Outcome<Workspace>>;
  getAgent(id: string): Promise<Outcome<AgentView>>;
  getPreview(id: string): Promise<Outcome<PreviewView>>;
  getCurrentCall(id: string): Promise<Outcome<CurrentCall>>;
  getCallbacks(id: string): Promise<Outcome<Callbacks>>;
  getStatsToday(id: string): Promise<Outcome<TodayStats>>;
  getRecentCalls(id: string): Promise<Outcome<RecentCall[]>>;
  getHotlineOffer(id: string): Promise<Outcome<HotlineOffer>>;
}

/** Whether the service has a route yet: `missing` hides what it feeds (see api/workspace.ts). */
export type RouteState = 'unknown' | 'present' | 'missing';

export interface LineDrop {
  /** When the screen learned of it (server clock). */
  at: number;
  /** The agent was on a call or about to be. */
  duringCall: boolean;
}

export interface WorkspaceState {
  agentId: string;
  /** The first load has answered (with the agent, or with why not). */
  loaded: boolean;
  /** The agent could not be read (unreachable, refused): shown instead of the screen's parts. */
  failure: Failure | null;
  agent: AgentView | null;
  preview: PreviewView | null;
  /** When the preview's phase last changed (server clock): the ringing timer without the call route. */
  phaseSince: number | null;
  call: CurrentCall | null;
  callRoute: RouteState;
  /** The center's reasons (workspace route); null: the screen's own list of the service's codes. */
  reasons: NotReadyReasonOption[] | null;
  wrapUpEndsAt: number | null;
  /** null: the route is missing (part hidden) or not loaded yet. */
  today: TodayStats | null;
  callbacks: Callbacks | null;
  recentCalls: RecentCall[] | null;
  hotlineOffer: HotlineOffer | null;
  /** Recording paused, by call id, as answers and live events told (without the call route). */
  recordingPaused: Record<string, boolean>;
  /** Hotline callers' masked numbers, by call id, from the queue's events (without the call route). */
  callerNumbers: Record<string, string>;
  lineDrop: LineDrop | null;
  /** Attempts whose disposition went through: their form stays closed until the screen moves on. */
  disposed: string[];
  /** Each campaign's disposition labels, from its previews: recent calls name their codes. */
  campaignDispositions: Record<string, { code: string; label: string }[]>;
}

const LOGGED_IN_STATES = new Set(['ready', 'reserved', 'on-call', 'wrap-up', 'not-ready']);

/** An agent.state event carries the live view with epoch-ms times; the API answers ISO strings. */
export function agentFromEvent(data: Record<string, unknown>): AgentView {
  const iso = (value: unknown) => (typeof value === 'number' ? new Date(value).toISOString() : String(value));
  return { ...(data as unknown as AgentView), since: iso(data.since), idleSince: iso(data.idleSince) };
}

/**
 * The agent's workspace as the screen shows it: loaded in one answer (or part by part while the
 * workspace route is missing), kept current by live events (each one reloads the parts it touches, one
 * load at a time per part), and loaded again after every reconnect, since events missed meanwhile are
 * not replayed. No polling.
 */
export function createWorkspace(agentId: string, reads: WorkspaceReads, now: () => number = Date.now) {
  const state = reactive<WorkspaceState>({
    agentId,
    loaded: false,
    failure: null,
    agent: null,
    preview: null,
    phaseSince: null,
    call: null,
    callRoute: 'unknown',
    reasons: null,
    wrapUpEndsAt: null,
    today: null,
    callbacks: null,
    recentCalls: null,
    hotlineOffer: null,
    recordingPaused: {},
    callerNumbers: {},
    campaignDispositions: {},
    lineDrop: null,
    disposed: [],
  });
  const clock = new ServerClock();
  const serverNow = () => now() + clock.offset;
  /** Routes found missing since the last full load: not asked again on every event. */
  const missing = new Set<string>();

  /**
   * A newer view wins: by when its state began; at the same instant an event (sent in order) wins over
   * an answer that may have been overtaken, unless the state is the same (the line may have changed).
   */
  function applyAgent(view: AgentView, fromEvent: boolean): void {
    const current = state.agent;
    if (current) {
      const incoming = Date.parse(view.since);
      const known = Date.parse(current.since);
      if (incoming < known) return;
      if (incoming === known && !fromEvent && view.state !== current.state) return;
      noticeLineDrop(current, view);
    }
    state.agent = view;
  }

  function noticeLineDrop(before: AgentView, after: AgentView): void {
    const dropped = after.state === 'not-ready' && after.reason === 'line-dropped';
    const wasDropped = before.state === 'not-ready' && before.reason === 'line-dropped';
    if (dropped && !wasDropped && LOGGED_IN_STATES.has(before.state)) {
      state.lineDrop = {
        at: serverNow(),
        duringCall: before.state === 'on-call' || before.state === 'reserved',
      };
    }
    if (!dropped && after.lineUp) state.lineDrop = null;
  }

  function applyPreview(preview: PreviewView | null, at?: number): void {
    if (preview?.phase !== state.preview?.phase || preview?.attemptId !== state.preview?.attemptId) {
      state.phaseSince = preview ? (at ?? serverNow()) : null;
    }
    state.preview = preview;
    if (preview) state.campaignDispositions[preview.campaignId] = preview.dispositions;
    // A new attempt: any earlier disposition is history.
    if (preview && !state.disposed.includes(preview.attemptId)) state.disposed = [];
  }

  /** Reads a part: its data, `null` for the route's "none now" answer, undefined to leave it as it is. */
  async function read<T>(
    route: string,
    load: () => Promise<Outcome<T>>,
    noneCode?: string,
  ): Promise<T | null | undefined> {
    if (missing.has(route)) return undefined;
    const result = await load();
    if (result.ok) return result.data;
    if (result.kind === 'missing') {
      missing.add(route);
      return null;
    }
    if (result.kind === 'refused' && result.code === noneCode) return null;
    return undefined;
  }

  const agentPart = new Refresher(async () => {
    const result = await reads.getAgent(agentId);
    if (result.ok) {
      applyAgent(result.data, false);
      state.failure = null;
    } else if (!state.agent) {
      state.failure = result;
    }
  });

  const previewPart = new Refresher(async () => {
    const preview = await read('preview', () => reads.getPreview(agentId), 'NO_PREVIEW');
    if (preview !== undefined) applyPreview(preview);
  });

  const callPart = new Refresher(async () => {
    const call = await read('call', () => reads.getCurrentCall(agentId), 'NO_CALL');
    if (call === undefined) return;
    state.callRoute = missing.has('call') ? 'missing' : 'present';
    state.call = call;
  });

  const hotlinePart = new Refresher(async () => {
    const offer = await read('hotline', () => reads.getHotlineOffer(agentId), 'NO_OFFER');
    if (offer !== undefined) state.hotlineOffer = offer;
  });

  const sidePart = new Refresher(async () => {
    const [today, callbacks, recent] = await Promise.all([
      read('stats', () => reads.getStatsToday(agentId)),
      read('callbacks', () => reads.getCallbacks(agentId)),
      read('recent', () => reads.getRecentCalls(agentId)),
    ]);
    if (today !== undefined) state.today = today;
    if (callbacks !== undefined) state.callbacks = callbacks;
    if (recent !== undefined) state.recentCalls = recent;
  });

  /**
   * Whether a part can have something now: a lead, a call or a hotline caller only come with these
   * states (a lead also stays after the line dropped mid-call, its outcome owed); a part that shows
   * something is read again to see it go. Saves the "none now" answers (404) of an idle agent.
   */
  const ACTIVE = new Set(['reserved', 'on-call', 'wrap-up']);
  const mayHave = (shown: unknown) => {
    const agent = state.agent;
    if (shown !== null || !agent) return true;
    return ACTIVE.has(agent.state) || (agent.state === 'not-ready' && agent.reason === 'line-dropped');
  };
  const refreshPreview = () => (mayHave(state.preview) ? previewPart.refresh() : undefined);
  const refreshCall = () => (mayHave(state.call) ? callPart.refresh() : undefined);
  const refreshHotline = () => (mayHave(state.hotlineOffer) ? hotlinePart.refresh() : undefined);

  const everything = new Refresher(async () => {
    const workspace = await read('workspace', () => reads.getWorkspace(agentId));
    if (workspace) {
      applyAgent(workspace.agent, false);
      state.failure = null;
      applyPreview(workspace.preview);
      state.reasons = workspace.notReadyReasons;
      state.wrapUpEndsAt = workspace.wrapUpEndsAt;
      state.today = workspace.today;
      state.callbacks = workspace.callbacks;
      state.recentCalls = workspace.recentCalls;
      if (workspace.call) {
        state.call = workspace.call;
        state.callRoute = 'present';
      }
      // Null until the call controls are merged: the call route says whether it is only missing.
      await Promise.all([workspace.call ? undefined : refreshCall(), refreshHotline()]);
    } else {
      // Part by part; the agent's state first, as it says which parts can have something.
      await agentPart.refresh();
      await Promise.all([refreshPreview(), refreshCall(), refreshHotline(), sidePart.refresh()]);
    }
    state.loaded = true;
  });

  const mine = (data: Record<string, unknown>) => data.agentId === agentId;
  const listsCallback = (leadId: unknown) =>
    [...(state.callbacks?.overdue ?? []), ...(state.callbacks?.today ?? [])].some((c) => c.leadId === leadId);

  /** A live event: apply what it carries, reload the parts it touches. */
  function onEvent(event: LiveEvent): void {
    clock.sample(event.at, now());
    const { data } = event;
    switch (event.topic) {
      case 'agent': {
        if (data.id !== agentId) return;
        const before = state.agent?.state;
        applyAgent(agentFromEvent(data), true);
        const after = state.agent?.state;
        void refreshPreview();
        void refreshCall();
        void refreshHotline();
        if (after === 'wrap-up' && !missing.has('workspace')) void everything.refresh();
        else if (before === 'wrap-up' || after === 'wrap-up') void sidePart.refresh();
        if (after !== 'wrap-up') state.wrapUpEndsAt = null;
        return;
      }
      case 'dialer': {
        if (!mine(data)) return;
        if (event.type === 'dialing' || event.type === 'connected') state.phaseSince = event.at;
        void previewPart.refresh();
        void callPart.refresh();
        if (event.type === 'disposed' || event.type === 'call-ended' || event.type === 'not-reached')
          void sidePart.refresh();
        // A promised callback offered now is no longer waiting: it leaves "my callbacks".
        else if (event.type === 'preview' && listsCallback(data.leadId)) void sidePart.refresh();
        return;
      }
      case 'queue': {
        if (mine(data) && typeof data.callId === 'string' && typeof data.callerMasked === 'string')
          state.callerNumbers[data.callId] = data.callerMasked;
        const offered = state.hotlineOffer?.callId;
        if (!mine(data) && (offered === undefined || data.callId !== offered)) return;
        void hotlinePart.refresh();
        void callPart.refresh();
        return;
      }
      case 'call': {
        if (!mine(data)) return;
        void callPart.refresh();
        void hotlinePart.refresh();
        if (event.type === 'ended') void sidePart.refresh();
        return;
      }
      case 'recording': {
        if (!mine(data) || typeof data.callId !== 'string') return;
        if (event.type === 'paused' || event.type === 'resumed')
          state.recordingPaused[data.callId] = event.type === 'paused';
        void callPart.refresh();
        return;
      }
    }
  }

  return {
    state,
    serverNow,
    /** Everything again (the first load, after the server refused an action). */
    reload: () => everything.refresh(),
    /**
     * Everything again after the stream was lost: routes found missing are asked again too (the
     * service may have restarted with a newer version).
     */
    reloadAfterLoss: () => {
      missing.clear();
      return everything.refresh();
    },
    refreshAgent: () => agentPart.refresh(),
    refreshPreview: () => previewPart.refresh(),
    refreshCall: () => callPart.refresh(),
    refreshSide: () => sidePart.refresh(),
    onEvent,
    /** An action's answer: the agent's view it returned. */
    applyAgent: (view: AgentView) => applyAgent(view, false),
    applyPreview: (preview: PreviewView) => applyPreview(preview),
    applyCall: (call: CurrentCall | null) => {
      state.call = call;
    },
    setRecordingPaused: (callId: string, paused: boolean) => {
      state.recordingPaused[callId] = paused;
      if (state.call?.callId === callId) state.call = { ...state.call, recordingPaused: paused };
    },
    markDisposed: (attemptId: string) => {
      state.disposed = [...state.disposed, attemptId];
    },
    dismissLineDrop: () => {
      state.lineDrop = null;
    },
  };
}

export type AgentWorkspace = ReturnType<typeof createWorkspace>;

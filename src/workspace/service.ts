import type { NotReadyReasons } from '../agents/reasons.js';
import type { AgentDirectory, AgentView } from '../agents/types.js';
import type { CurrentCall } from '../calls/types.js';
import type { CampaignBook } from '../dialer/campaigns.js';
import type { DialerService } from '../dialer/dialer.js';
import { maskedName, maskNumber } from '../lib/mask.js';
import { dayBounds } from '../lib/time.js';
import type { Store } from '../store/index.js';
import { splitCallbacks, todayStats } from './today.js';
import type { Callback, Callbacks, HotlineOffer, RecentCall, TodayStats, Workspace } from './types.js';

/** The most recent calls the workspace lists. */
export const MAX_RECENT_CALLS = 20;
/** Callbacks listed at most (overdue and today's together): a screen, not a report. */
const MAX_CALLBACKS = 200;
/** Earlier calls of a hotline caller the screen-pop shows. */
const MAX_EARLIER_CALLS = 10;

export interface WorkspaceDeps {
  agents: Pick<AgentDirectory, 'get'>;
  dialer: Pick<DialerService, 'preview'>;
  campaigns: Pick<CampaignBook, 'get'>;
  /** Read only: callbacks, the day's attempts and hotline calls, IVR paths, earlier calls. */
  store: Pick<Store, 'workspace' | 'hotlineCalls' | 'ivrSessions' | 'calls'>;
  reasons: NotReadyReasons;
  /** Timed after-call work (agents.wrapUpSec). */
  wrapUpSec: number;
  /** The center's time zone: its day is "today" (ivr.timezone). */
  timezone: string;
  now: () => number;
  /** The call the agent is on, from the call controls; none until they are wired in. */
  currentCall?: (agentId: string) => CurrentCall | null;
}

/**
 * The agent's workspace: everything their first screen shows in one answer (their live view, the lead
 * they preview, the call they are on, the not-ready reasons, the end of wrap-up, today's figures, their
 * callbacks and recent calls), the parts alone for refreshing, and the screen-pop of a hotline caller
 * offered to them. Reads only; each part comes from the domain that owns it.
 */
export class WorkspaceService {
  private readonly currentCall: (agentId: string) => CurrentCall | null;

  constructor(private readonly deps: WorkspaceDeps) {
    this.currentCall = deps.currentCall ?? (() => null);
  }

  /** Undefined for an agent the directory does not know. */
  workspace(agentId: string): Workspace | undefined {
    const agent = this.deps.agents.get(agentId);
    if (!agent) return undefined;
    return {
      agent,
      preview: this.deps.dialer.preview(agentId) ?? null,
      call: this.currentCall(agentId),
      notReadyReasons: [...this.deps.reasons.options],
      wrapUpEndsAt: this.wrapUpEndsAt(agent),
      today: this.today(agentId),
      callbacks: this.callbacks(agentId),
      recentCalls: this.recentCalls(agentId),
    };
  }

  /** The callbacks the agent promised: overdue, and due later today (the center's day). */
  callbacks(agentId: string): Callbacks {
    const now = this.deps.now();
    const { to } = this.day(now);
    const promised = this.deps.store.workspace.callbacks(agentId, to, MAX_CALLBACKS);
    const shown = promised.map(
      ({ phone, campaignId, name, ...callback }): Callback => ({
        ...callback,
        name: maskedName(name),
        campaignId,
        campaignName: this.deps.campaigns.get(campaignId)?.name ?? campaignId,
        numberMasked: maskNumber(phone),
      }),
    );
    return splitCallbacks(shown, now, to);
  }

  /** The agent's figures for today (the center's day, from the business clock). */
  today(agentId: string): TodayStats {
    const { from, to } = this.day(this.deps.now());
    const { workspace } = this.deps.store;
    return todayStats(
      workspace.dayAttempts(agentId, from, to),
      workspace.dayHotline(agentId, from, to),
      (campaignId, code) =>
        this.deps.campaigns.get(campaignId)?.settings.dispositions.find((d) => d.code === code),
    );
  }

  /** The agent's latest calls, dialer and hotline, newest first. */
  recentCalls(agentId: string, limit = MAX_RECENT_CALLS): RecentCall[] {
    return this.deps.store.workspace
      .recentCalls(agentId, Math.min(limit, MAX_RECENT_CALLS))
      .map(({ talkMs, name, ...call }) => ({
        ...call,
        name: maskedName(name),
        talkSec: Math.round(talkMs / 1000),
      }));
  }

  /**
   * The hotline caller offered to (reserved for) or connected with the agent now: masked number, wait,
   * the way they took through the IVR and their earlier calls (found by their keyed number). Undefined
   * while the agent has no hotline caller.
   */
  hotlineOffer(agentId: string): HotlineOffer | undefined {
    const agent = this.deps.agents.get(agentId);
    // The queue reserves and connects agents with the caller's call id (src/inbound/queue.ts).
    if (!agent?.callId || (agent.state !== 'reserved' && agent.state !== 'on-call')) return undefined;
    const { store } = this.deps;
    const call = store.hotlineCalls.get(agent.callId);
    if (!call || call.endedAt !== null || (call.agentId !== null && call.agentId !== agentId))
      return undefined;
    const waitedUntil = call.answeredAt ?? this.deps.now();
    const path = store.ivrSessions.get(call.callId)?.end?.path ?? [];
    return {
      callId: call.callId,
      callerMasked: call.callerMasked,
      waitedSec: Math.max(0, Math.round((waitedUntil - call.enqueuedAt) / 1000)),
      // Menu keys are kept as pressed; collected digits (account numbers...) the IVR keeps only counted.
      ivrPath: path.map((step) => ({ node: step.node, at: step.at, keys: step.digits ?? null })),
      earlierCalls: store.calls
        .earlierBySameCaller(call.callId, MAX_EARLIER_CALLS)
        .map(({ talkMs, ...earlier }) => ({ ...earlier, talkSec: Math.round(talkMs / 1000) })),
    };
  }

  private wrapUpEndsAt(agent: AgentView): number | null {
    return agent.state === 'wrap-up' ? agent.since + this.deps.wrapUpSec * 1000 : null;
  }

  private day(now: number): { from: number; to: number } {
    return dayBounds(this.deps.timezone, new Date(now));
  }
}

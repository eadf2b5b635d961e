import type { NotReadyReasonOption } from '../agents/reasons.js';
import type { AgentView } from '../agents/types.js';
import type { CurrentCall } from '../calls/types.js';
import type { PreviewView } from '../dialer/offer-selection.js';

/** What the agent's workspace answers (the contract of issue 12). Times are epoch ms; numbers masked. */

/** A callback the agent promised. */
export interface Callback {
  leadId: string;
  campaignId: string;
  campaignName: string;
  name: string | null;
  numberMasked: string;
  dueAt: number;
  notes: string | null;
}

/** Callbacks past their time, and those still due today (the center's day). */
export interface Callbacks {
  overdue: Callback[];
  today: Callback[];
}

/** The agent's figures for today (the center's day). */
export interface TodayStats {
  /** Customer calls dialed and hotline calls taken. */
  calls: number;
  /** Dialer calls with a contact disposition, and hotline calls taken. */
  contacts: number;
  talkSec: number;
  /** Dialer calls with a sale disposition. */
  sales: number;
  /** What the sales recorded with the dispositions are worth. */
  salesAmount: number;
}

export interface RecentCall {
  id: string;
  kind: 'dialer' | 'hotline';
  at: number;
  numberMasked: string;
  name: string | null;
  campaignId: string | null;
  outcome: string | null;
  disposition: string | null;
  talkSec: number;
}

/** Everything the agent's first screen needs, in one answer. */
export interface Workspace {
  agent: AgentView;
  preview: PreviewView | null;
  call: CurrentCall | null;
  notReadyReasons: NotReadyReasonOption[];
  /** When timed after-call work ends, while the agent is in wrap-up. */
  wrapUpEndsAt: number | null;
  today: TodayStats;
  callbacks: Callbacks;
  recentCalls: RecentCall[];
}

/** The screen-pop of a hotline caller offered to or connected with the agent. */
export interface HotlineOffer {
  callId: string;
  callerMasked: string;
  waitedSec: number;
  /** The IVR nodes the caller went through, with the keys pressed where the IVR keeps them. */
  ivrPath: { node: string; at: number; keys: string | null }[];
  /** The same caller's calls before this one, newest first. */
  earlierCalls: { at: number; agentId: string | null; outcome: string; talkSec: number }[];
}

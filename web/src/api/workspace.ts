/*
 * THE AGENT WORKSPACE'S CONTRACT ROUTES (issue 12; /work/workspace-contract.md), not yet in the service.
 *
 * TODO(contract): typed once the route is in schema.d.ts. Every route below is called through
 * `contractApi`, the one API client (same credentials and session handling) typed with the local
 * `ContractPaths`, which has the shape openapi-typescript generates. When the back end has these routes,
 * run `npm run gen:api`, delete `ContractPaths` and the local types below, use `api` in place of
 * `contractApi` and take the types from `ApiData<...>`: the callers keep these functions' names.
 *
 * Until then a missing route answers 404 NOT_FOUND, which `outcome` reports as `missing`: the screen
 * hides the part it feeds.
 */
import type { Client } from 'openapi-fetch';
import { type ApiData, api } from './client.js';
import { type Outcome, outcome } from './outcome.js';

// --- shapes (contract) ------------------------------------------------------------------------------

/** GET /v1/agents/{id}: that route exists, so its type is the generated one. */
export type AgentView = ApiData<'/v1/agents/{id}', 'get'>;

/**
 * GET /v1/agents/{id}/preview. TODO(contract): the route exists but declares its answer as a record of
 * unknown, so the generated type says nothing; this is the service's PreviewView (src/dialer) plus the
 * contract's `script` and each disposition's `sale` flag. Typed once the route declares its schema.
 */
export interface PreviewView {
  attemptId: string;
  campaignId: string;
  campaignName: string;
  /** The offer's state: preview, waiting-channel, dialing, connected, ended (then gone). */
  phase: string;
  lead: {
    id: string;
    name: string | null;
    numberMasked: string;
    fields: Record<string, string>;
    attempts: number;
    state: string;
    lastOutcome: string | null;
    lastDisposition: string | null;
  };
  history: {
    at: number;
    agentId: string;
    outcome: string | null;
    disposition: string | null;
    notes: string | null;
  }[];
  /** When the preview timer acts (epoch ms), while previewing. */
  previewEndsAt?: number;
  onPreviewTimeout: 'dial' | 'skip';
  /** `sale` (contract): the disposition needs the sale's amount and product. */
  dispositions: { code: string; label: string; sale?: boolean }[];
  /** The campaign's call script with the lead's values filled in (contract). */
  script?: string | null;
}

export interface CurrentCall {
  callId: string;
  kind: 'dialer' | 'hotline';
  state: 'ringing' | 'talking' | 'held' | 'consulting';
  numberMasked: string;
  startedAt: number;
  answeredAt: number | null;
  heldSince: number | null;
  recordingPaused: boolean;
  campaignId: string | null;
  attemptId: string | null;
  consult: { targetAgentId: string; state: 'ringing' | 'talking' } | null;
}

export interface NotReadyReasonOption {
  code: string;
  label: { 'zh-CN': string; en: string };
  /** False for the reasons only the service sets (line-dropped, missed-calls, login, after-call). */
  selectable: boolean;
}

export interface TodayStats {
  calls: number;
  contacts: number;
  talkSec: number;
  sales: number;
  salesAmount: number;
}

export interface Callback {
  leadId: string;
  campaignId: string;
  campaignName: string;
  name: string | null;
  numberMasked: string;
  dueAt: number;
  notes: string | null;
}

export interface Callbacks {
  overdue: Callback[];
  today: Callback[];
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

export interface Workspace {
  agent: AgentView;
  preview: PreviewView | null;
  call: CurrentCall | null;
  notReadyReasons: NotReadyReasonOption[];
  wrapUpEndsAt: number | null;
  today: TodayStats;
  callbacks: Callbacks;
  recentCalls: RecentCall[];
}

export interface HotlineOffer {
  callId: string;
  callerMasked: string;
  waitedSec: number;
  ivrPath: { node: string; at: number; keys: string | null }[];
  earlierCalls: { at: number; agentId: string | null; outcome: string; talkSec: number }[];
}

export type TransferTarget = { agentId: string } | { teamLeader: true };
export type TransferMode = 'blind' | 'warm';

export interface Sale {
  /** At least 0, at most 2 decimals. */
  amount: number;
  product: string;
}

export interface DispositionWithSale {
  code: string;
  notes?: string;
  callbackAt?: string;
  sale: Sale;
}

// --- the contract's paths, in openapi-typescript's shape -------------------------------------------

type Json<T> = { headers: { [name: string]: unknown }; content: { 'application/json': T } };
type NoContent = { headers: { [name: string]: unknown }; content?: never };
type ErrorBody = { error: { code: string; message: string } };
type Errors = {
  400: Json<ErrorBody>;
  401: Json<ErrorBody>;
  403: Json<ErrorBody>;
  404: Json<ErrorBody>;
  409: Json<ErrorBody>;
};
type AgentPath = { query?: never; header?: never; path: { id: string }; cookie?: never };

type Get<Answer, Query = never> = {
  parameters: { query?: Query; header?: never; path: { id: string }; cookie?: never };
  requestBody?: never;
  responses: { 200: Json<Answer> } & Errors;
};
type Answers<Answer> = ([Answer] extends [never] ? { 204: NoContent } : { 200: Json<Answer> }) & Errors;
/** A POST without a body; `never` as the answer: 204. */
type Post<Answer> = { parameters: AgentPath; requestBody?: never; responses: Answers<Answer> };
type PostWith<Answer, Body> = {
  parameters: AgentPath;
  requestBody: { content: { 'application/json': Body } };
  responses: Answers<Answer>;
};
type NoMethods = {
  parameters: { query?: never; header?: never; path?: never; cookie?: never };
  get?: never;
  put?: never;
  post?: never;
  delete?: never;
  options?: never;
  head?: never;
  patch?: never;
  trace?: never;
};
type Route<Methods> = Omit<NoMethods, keyof Methods> & Methods;

/** TODO(contract): replaced by the generated `paths` once the routes exist. */
interface ContractPaths {
  '/v1/agents/{id}/workspace': Route<{ get: Get<Workspace> }>;
  '/v1/agents/{id}/call': Route<{ get: Get<CurrentCall> }>;
  '/v1/agents/{id}/call/hold': Route<{ post: Post<CurrentCall> }>;
  '/v1/agents/{id}/call/resume': Route<{ post: Post<CurrentCall> }>;
  '/v1/agents/{id}/call/dtmf': Route<{ post: PostWith<never, { digits: string }> }>;
  '/v1/agents/{id}/call/transfer': Route<{
    post: PostWith<CurrentCall | undefined, { to: TransferTarget; mode: TransferMode }>;
  }>;
  '/v1/agents/{id}/call/transfer/complete': Route<{ post: Post<never> }>;
  '/v1/agents/{id}/call/transfer/cancel': Route<{ post: Post<CurrentCall> }>;
  '/v1/agents/{id}/call/hangup': Route<{ post: Post<never> }>;
  '/v1/agents/{id}/callbacks': Route<{ get: Get<Callbacks> }>;
  '/v1/agents/{id}/stats/today': Route<{ get: Get<TodayStats> }>;
  '/v1/agents/{id}/calls/recent': Route<{ get: Get<RecentCall[], { limit?: number }> }>;
  '/v1/agents/{id}/hotline/offer': Route<{ get: Get<HotlineOffer> }>;
  '/v1/agents/{id}/disposition': Route<{
    post: PostWith<{ attemptId: string; leadState: string; dueAt?: number }, DispositionWithSale>;
  }>;
}

/** The one API client (session.ts's credentials and 401 handling apply), typed with the contract. */
const contractApi = api as unknown as Client<ContractPaths>;

const agent = (id: string) => ({ params: { path: { id } } });

// --- calls (contract) -------------------------------------------------------------------------------

export const getWorkspace = (id: string): Promise<Outcome<Workspace>> =>
  outcome(contractApi.GET('/v1/agents/{id}/workspace', agent(id)));

/** The agent's current call; 404 NO_CALL when there is none. */
export const getCurrentCall = (id: string): Promise<Outcome<CurrentCall>> =>
  outcome(contractApi.GET('/v1/agents/{id}/call', agent(id)));

export const holdCall = (id: string): Promise<Outcome<CurrentCall>> =>
  outcome(contractApi.POST('/v1/agents/{id}/call/hold', agent(id)));

export const resumeCall = (id: string): Promise<Outcome<CurrentCall>> =>
  outcome(contractApi.POST('/v1/agents/{id}/call/resume', agent(id)));

export const sendDtmf = (id: string, digits: string): Promise<Outcome<void>> =>
  outcome(contractApi.POST('/v1/agents/{id}/call/dtmf', { ...agent(id), body: { digits } }));

/** Blind: 204 (no body); warm: the call, now consulting. */
export const transferCall = (
  id: string,
  to: TransferTarget,
  mode: TransferMode,
): Promise<Outcome<CurrentCall | undefined>> =>
  outcome(contractApi.POST('/v1/agents/{id}/call/transfer', { ...agent(id), body: { to, mode } }));

export const completeTransfer = (id: string): Promise<Outcome<void>> =>
  outcome(contractApi.POST('/v1/agents/{id}/call/transfer/complete', agent(id)));

export const cancelTransfer = (id: string): Promise<Outcome<CurrentCall>> =>
  outcome(contractApi.POST('/v1/agents/{id}/call/transfer/cancel', agent(id)));

/** Any call of the agent's, hotline or dialer. */
export const hangupCall = (id: string): Promise<Outcome<void>> =>
  outcome(contractApi.POST('/v1/agents/{id}/call/hangup', agent(id)));

// --- workspace data (contract) ----------------------------------------------------------------------

export const getCallbacks = (id: string): Promise<Outcome<Callbacks>> =>
  outcome(contractApi.GET('/v1/agents/{id}/callbacks', agent(id)));

export const getStatsToday = (id: string): Promise<Outcome<TodayStats>> =>
  outcome(contractApi.GET('/v1/agents/{id}/stats/today', agent(id)));

export const getRecentCalls = (id: string, limit = 20): Promise<Outcome<RecentCall[]>> =>
  outcome(contractApi.GET('/v1/agents/{id}/calls/recent', { params: { path: { id }, query: { limit } } }));

/** The hotline caller offered to or connected with the agent; 404 NO_OFFER when there is none. */
export const getHotlineOffer = (id: string): Promise<Outcome<HotlineOffer>> =>
  outcome(contractApi.GET('/v1/agents/{id}/hotline/offer', agent(id)));

/**
 * The existing disposition route with the contract's `sale` (amount and product). A disposition without
 * a sale goes through the typed client (api/agent.ts).
 */
export const disposeWithSale = (
  id: string,
  body: DispositionWithSale,
): Promise<Outcome<{ attemptId: string; leadState: string; dueAt?: number }>> =>
  outcome(contractApi.POST('/v1/agents/{id}/disposition', { ...agent(id), body }));

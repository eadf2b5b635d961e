/*
 * The agent workspace's routes (issue 12), typed from the service's OpenAPI document (schema.d.ts, made
 * by `npm run gen:api`). A route this server does not have answers 404 NOT_FOUND, which `outcome`
 * reports as `missing`: the screen hides the part it feeds.
 */
import { type ApiBody, type ApiData, api } from './client.js';
import { type Outcome, outcome } from './outcome.js';

// --- shapes (generated) -----------------------------------------------------------------------------

export type AgentView = ApiData<'/v1/agents/{id}', 'get'>;
/** GET /v1/agents/{id}/preview: the lead, its history, the campaign's dispositions and script. */
export type PreviewView = ApiData<'/v1/agents/{id}/preview', 'get'>;
export type Workspace = ApiData<'/v1/agents/{id}/workspace', 'get'>;
export type CurrentCall = ApiData<'/v1/agents/{id}/call', 'get'>;
export type NotReadyReasonOption = Workspace['notReadyReasons'][number];
export type TodayStats = ApiData<'/v1/agents/{id}/stats/today', 'get'>;
export type Callbacks = ApiData<'/v1/agents/{id}/callbacks', 'get'>;
export type Callback = Callbacks['today'][number];
export type RecentCall = ApiData<'/v1/agents/{id}/calls/recent', 'get'>[number];
export type HotlineOffer = ApiData<'/v1/agents/{id}/hotline/offer', 'get'>;
type TransferBody = ApiBody<'/v1/agents/{id}/call/transfer', 'post'>;
export type TransferTarget = TransferBody['to'];
export type TransferMode = TransferBody['mode'];
/** A sale disposition's amount (at least 0, at most 2 decimals) and product. */
export type Sale = NonNullable<ApiBody<'/v1/agents/{id}/disposition', 'post'>['sale']>;

const agent = (id: string) => ({ params: { path: { id } } });

// --- calls ------------------------------------------------------------------------------------------

export const getWorkspace = (id: string): Promise<Outcome<Workspace>> =>
  outcome(api.GET('/v1/agents/{id}/workspace', agent(id)));

/** The agent's current call; 404 NO_CALL when there is none. */
export const getCurrentCall = (id: string): Promise<Outcome<CurrentCall>> =>
  outcome(api.GET('/v1/agents/{id}/call', agent(id)));

export const holdCall = (id: string): Promise<Outcome<CurrentCall>> =>
  outcome(api.POST('/v1/agents/{id}/call/hold', agent(id)));

export const resumeCall = (id: string): Promise<Outcome<CurrentCall>> =>
  outcome(api.POST('/v1/agents/{id}/call/resume', agent(id)));

export const sendDtmf = (id: string, digits: string): Promise<Outcome<void>> =>
  outcome(api.POST('/v1/agents/{id}/call/dtmf', { ...agent(id), body: { digits } })).then(noData);

/** Blind: 204 (no body); warm: the call, now consulting. */
export const transferCall = (
  id: string,
  to: TransferTarget,
  mode: TransferMode,
): Promise<Outcome<CurrentCall | undefined>> =>
  outcome(api.POST('/v1/agents/{id}/call/transfer', { ...agent(id), body: { to, mode } }));

export const completeTransfer = (id: string): Promise<Outcome<void>> =>
  outcome(api.POST('/v1/agents/{id}/call/transfer/complete', agent(id))).then(noData);

export const cancelTransfer = (id: string): Promise<Outcome<CurrentCall>> =>
  outcome(api.POST('/v1/agents/{id}/call/transfer/cancel', agent(id)));

/** Any call of the agent's, hotline or dialer. */
export const hangupCall = (id: string): Promise<Outcome<void>> =>
  outcome(api.POST('/v1/agents/{id}/call/hangup', agent(id))).then(noData);

// --- workspace data ---------------------------------------------------------------------------------

export const getCallbacks = (id: string): Promise<Outcome<Callbacks>> =>
  outcome(api.GET('/v1/agents/{id}/callbacks', agent(id)));

export const getStatsToday = (id: string): Promise<Outcome<TodayStats>> =>
  outcome(api.GET('/v1/agents/{id}/stats/today', agent(id)));

export const getRecentCalls = (id: string, limit = 20): Promise<Outcome<RecentCall[]>> =>
  outcome(api.GET('/v1/agents/{id}/calls/recent', { params: { path: { id }, query: { limit } } }));

/** The hotline caller offered to or connected with the agent; 404 NO_OFFER when there is none. */
export const getHotlineOffer = (id: string): Promise<Outcome<HotlineOffer>> =>
  outcome(api.GET('/v1/agents/{id}/hotline/offer', agent(id)));

/** A 204's outcome: nothing to read, only whether it worked. */
function noData<T>(result: Outcome<T>): Outcome<void> {
  return result.ok ? { ok: true, data: undefined } : result;
}

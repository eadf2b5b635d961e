import { type ApiBody, type ApiData, api } from './client.js';
import { type Outcome, outcome } from './outcome.js';
import type { PreviewView } from './workspace.js';

/** The agent's own routes that exist in the service, through the typed client (schema.d.ts). */

/** A move the agent asks for: login, ready, not-ready (with a reason), logout, wrap-up-done. */
export type StateRequest = ApiBody<'/v1/agents/{id}/state', 'post'>;
export type AgentView = ApiData<'/v1/agents/{id}', 'get'>;
export type DispositionAnswer = ApiData<'/v1/agents/{id}/disposition', 'post'>;
export type DispositionBody = ApiBody<'/v1/agents/{id}/disposition', 'post'>;

const agent = (id: string) => ({ params: { path: { id } } });

export const getAgent = (id: string): Promise<Outcome<AgentView>> =>
  outcome(api.GET('/v1/agents/{id}', agent(id)));

export const requestState = (id: string, body: StateRequest): Promise<Outcome<AgentView>> =>
  outcome(api.POST('/v1/agents/{id}/state', { ...agent(id), body }));

/** 404 NO_PREVIEW when the agent has no lead now. */
export const getPreview = (id: string): Promise<Outcome<PreviewView>> =>
  outcome(api.GET('/v1/agents/{id}/preview', agent(id)));

/** `attemptId`: the offer the screen shows; another one current is 409 STALE_OFFER. */
export const acceptPreview = (id: string, attemptId: string): Promise<Outcome<PreviewView>> =>
  outcome(api.POST('/v1/agents/{id}/preview/accept', { ...agent(id), body: { attemptId } }));

export const skipPreview = (id: string, reason: string, attemptId: string): Promise<Outcome<void>> =>
  outcome(api.POST('/v1/agents/{id}/preview/skip', { ...agent(id), body: { reason, attemptId } }));

export const hangupDialerCall = (id: string): Promise<Outcome<void>> =>
  outcome(api.POST('/v1/agents/{id}/dialer/hangup', agent(id)));

export const dispose = (id: string, body: DispositionBody): Promise<Outcome<DispositionAnswer>> =>
  outcome(api.POST('/v1/agents/{id}/disposition', { ...agent(id), body }));

export const setRecordingPaused = (
  callId: string,
  paused: boolean,
): Promise<Outcome<ApiData<'/v1/calls/{callId}/recording/{action}', 'post'>>> =>
  outcome(
    api.POST('/v1/calls/{callId}/recording/{action}', {
      params: { path: { callId, action: paused ? 'pause' : 'resume' } },
    }),
  );

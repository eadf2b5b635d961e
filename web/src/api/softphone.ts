import { type ApiData, api } from './client.js';
import { type Outcome, outcome } from './outcome.js';

/** What the browser registers its softphone with (SIP credentials: kept in memory only, never stored). */
export type SoftphoneSettings = ApiData<'/v1/agents/{id}/softphone', 'get'>;

export const getSoftphone = (id: string): Promise<Outcome<SoftphoneSettings>> =>
  outcome(api.GET('/v1/agents/{id}/softphone', { params: { path: { id } } }));

/** A new password for the agent's browser phone, in force at once (the agent or an admin). */
export const rotateSoftphone = (id: string): Promise<Outcome<SoftphoneSettings>> =>
  outcome(api.POST('/v1/agents/{id}/softphone/rotate', { params: { path: { id } } }));

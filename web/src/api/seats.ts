import { type ApiBody, type ApiData, api } from './client.js';
import { type Outcome, outcome } from './outcome.js';

/** The admin's routes for agent seats, through the typed client (schema.d.ts). */

export type SeatView = ApiData<'/v1/agents', 'get'>['agents'][number];
export type Team = ApiData<'/v1/teams', 'get'>['teams'][number];
export type SeatPatch = ApiBody<'/v1/agents/{id}', 'patch'>;
export type SeatRecord = ApiData<'/v1/agents/{id}', 'patch'>;

/** Active agents with their line as anyone may see it (a remote number masked). */
export const listSeats = (): Promise<Outcome<SeatView[]>> =>
  outcome(api.GET('/v1/agents')).then((o) => (o.ok ? { ok: true, data: o.data.agents } : o));

export const listTeams = (): Promise<Outcome<Team[]>> =>
  outcome(api.GET('/v1/teams')).then((o) => (o.ok ? { ok: true, data: o.data.teams } : o));

export const updateSeat = (id: string, body: SeatPatch): Promise<Outcome<SeatRecord>> =>
  outcome(api.PATCH('/v1/agents/{id}', { params: { path: { id } }, body }));

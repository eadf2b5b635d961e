import { z } from 'zod';
import { AGENT_STATES } from '../../agents/state.js';
import type { AgentView } from '../../agents/types.js';
import {
  AGENT_ROLES,
  type AgentRecord,
  INBOUND_ROLES,
  LINE_KINDS,
  LINE_MODES,
  type Team,
} from '../../store/index.js';

/** Response schemas and encoders shared by the team, agent and hotline routes. Times go out as ISO 8601. */

export const iso = (ms: number) => new Date(ms).toISOString();

export const teamSchema = z.object({
  id: z.string(),
  name: z.string(),
  leaderAgentId: z.string().nullable(),
  createdAt: z.iso.datetime(),
});

export const teamBody = (team: Team) => ({ ...team, createdAt: iso(team.createdAt) });

const seatFields = {
  id: z.string(),
  name: z.string(),
  teamId: z.string().nullable(),
  role: z.enum(AGENT_ROLES),
  lineKind: z.enum(LINE_KINDS).describe('sip: a SIP phone; webrtc: the browser; remote: a phone number'),
  lineMode: z.enum(LINE_MODES),
  inboundRole: z.enum(INBOUND_ROLES),
};

/** A seat as stored (what admins edit). */
export const agentRecordSchema = z.object({
  ...seatFields,
  endpoint: z.string().nullable().describe('The SIP dial string (lineKind sip), else null'),
  remoteNumber: z
    .string()
    .nullable()
    .describe("A remote line's number in E.164 (lineKind remote), else null"),
  active: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const agentRecordBody = (agent: AgentRecord) => ({
  ...agent,
  createdAt: iso(agent.createdAt),
  updatedAt: iso(agent.updatedAt),
});

/** A seat with its live state. */
export const agentViewSchema = z.object({
  ...seatFields,
  endpoint: z
    .string()
    .nullable()
    .describe("What the PBX dials for the agent: the phone's or the browser's endpoint; null for remote"),
  remoteNumberMasked: z.string().optional().describe("A remote line's number, masked (****1234)"),
  state: z.enum(AGENT_STATES),
  reason: z
    .string()
    .optional()
    .describe(
      "Set while not-ready: one of the center's reasons or the service's own (login, line-dropped...)",
    ),
  since: z.iso.datetime().describe('When the current state began'),
  callId: z.string().optional().describe('The call offered or connected'),
  lineUp: z.boolean().describe("True while the persistent line to the agent's phone is up"),
  idleSince: z.iso.datetime().describe('Last time the agent finished a call or became ready'),
  missedOffers: z.number().int().describe('Offers not answered in a row'),
});

export const agentViewBody = (view: AgentView) => ({
  ...view,
  since: iso(view.since),
  idleSince: iso(view.idleSince),
});

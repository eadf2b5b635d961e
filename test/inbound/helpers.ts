import type { InboundRole, LineMode } from '../../src/agents/types.js';
import type { Service } from '../../src/service.js';
import { eventually } from '../harness/infra.js';
import { callIdOf } from '../ivr/helpers.js';

/** The hotline flow: straight into the queue; a goodbye node for the max-wait outcome. */
export const HOTLINE_FLOW = {
  name: 'hot',
  numbers: ['400'],
  start: 'q',
  nodes: {
    q: { type: 'queue', queue: 'hotline', fallback: 'sorry' },
    sorry: { type: 'hangup', prompts: ['sound:please-try-call-later', 'sound:goodbye'] },
  },
};

/** Adds a seat the way an admin would (store) and tells the live side. */
export async function addAgent(
  service: Service,
  seat: {
    id: string;
    inboundRole: InboundRole;
    lineMode?: LineMode;
    endpoint?: string;
    teamId?: string | null;
  },
): Promise<void> {
  service.store.agents.create({
    id: seat.id,
    name: `Agent ${seat.id}`,
    teamId: seat.teamId ?? null,
    role: 'agent',
    endpoint: seat.endpoint ?? 'Local/answer@sim',
    lineMode: seat.lineMode ?? 'persistent',
    inboundRole: seat.inboundRole,
  });
  await service.agents.reload();
}

/** An API client acting as the agent (its own key). */
export function agentApi(service: Service, agentId: string) {
  const key = service.store.apiKeys.create(`agent ${agentId}`, 'agent', { agentId }).key;
  const headers = { authorization: `Bearer ${key}` };
  return {
    get: (url: string) => service.api.inject({ method: 'GET', url, headers }),
    post: (url: string, body: object) => service.api.inject({ method: 'POST', url, headers, payload: body }),
  };
}

/** Logs the agent in (their phone is called and held) and sets them ready, over the API. */
export async function loginReady(service: Service, agentId: string): Promise<void> {
  const api = agentApi(service, agentId);
  const login = await api.post(`/v1/agents/${agentId}/state`, { event: 'login' });
  if (login.statusCode !== 200) throw new Error(`login ${agentId}: ${login.statusCode} ${login.body}`);
  const ready = await api.post(`/v1/agents/${agentId}/state`, { event: 'ready' });
  if (ready.statusCode !== 200) throw new Error(`ready ${agentId}: ${ready.statusCode} ${ready.body}`);
}

/** The hotline record of a caller once `done` says it has got far enough. */
export function hotlineRecord(
  service: Service,
  serviceChannelId: string,
  done: (r: NonNullable<ReturnType<Service['store']['hotlineCalls']['get']>>) => boolean,
  timeoutMs = 10_000,
) {
  return eventually(
    () => {
      const callId = callIdOf(service, serviceChannelId);
      const record = callId ? service.store.hotlineCalls.get(callId) : undefined;
      return record && done(record) ? record : undefined;
    },
    'hotline record',
    timeoutMs,
  );
}

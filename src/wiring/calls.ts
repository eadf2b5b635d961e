import type { AgentService } from '../agents/service.js';
import type { CallApiDeps } from '../api/server.js';
import { CallControlNotifier } from '../calls/notifier.js';
import { CallControl } from '../calls/service.js';
import type { AgentCallSource } from '../calls/types.js';
import type { DialerService } from '../dialer/dialer.js';
import type { HotlineQueue } from '../inbound/queue.js';
import type { Store } from '../store/index.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';

/**
 * The controls of an agent's current call (hold, DTMF, hang-up, transfer) over the calls of the dialer
 * and the hotline, wired after both.
 */
export function wireCalls(deps: {
  core: Core;
  store: Store;
  agents: AgentService;
  dialer: AgentCallSource & Pick<DialerService, 'agentCall'>;
  hotline: AgentCallSource & Pick<HotlineQueue, 'agentCall'>;
}) {
  const { config, logger, bus, nowMs } = deps.core;
  const { store, agents } = deps;
  // Which calls' recordings are paused now, from the recording's own events.
  const paused = new Set<string>();
  bus.subscribe((event) => {
    if (event.topic !== 'recording') return;
    if (event.type === 'paused') paused.add(event.data.callId);
    else if (event.type === 'resumed' || event.type === 'ended') paused.delete(event.data.callId);
  });
  const calls = new CallControl({
    sources: [deps.dialer, deps.hotline],
    agents,
    teamLeader: (teamId) => store.teams.get(teamId)?.leaderAgentId ?? null,
    events: new CallControlNotifier(bus, nowMs),
    recordingPaused: (callId) => paused.has(callId),
    // The recordings of a transferred call name the agent who has it now.
    onHandedOver: (session, agent) =>
      store.recordings.setCallInfo(session.id, { agentId: agent.id, teamId: agent.teamId }),
    config: {
      app: config.ari.app,
      mohClass: config.hotline.mohClass,
      ringTimeoutSec: config.hotline.ringTimeoutSec,
    },
    logger,
    now: nowMs,
  });
  agents.onLineDropped((agent) => calls.lineDropped(agent.id));

  const routes: CallApiDeps = { calls, directory: agents };
  return {
    domain: 'calls',
    calls,
    /** The agent's current call or null (the workspace's `call`). */
    currentCall: (agentId: string) => calls.currentCall(agentId),
    routes,
    steps: {} satisfies DomainSteps,
  };
}

import { NotReadyReasons } from '../agents/reasons.js';
import type { AgentService } from '../agents/service.js';
import type { CurrentCall } from '../calls/types.js';
import type { CampaignBook } from '../dialer/campaigns.js';
import type { DialerService } from '../dialer/dialer.js';
import type { Store } from '../store/index.js';
import { WorkspaceService } from '../workspace/service.js';
import type { Core } from './core.js';
import type { DomainSteps } from './lifecycle.js';

/**
 * The agent's screen: it reads the agents, the dialer, the hotline's records and the call controls, so it
 * is wired after all of them.
 */
export function wireWorkspace(deps: {
  core: Core;
  store: Store;
  agents: AgentService;
  dialer: DialerService;
  campaigns: CampaignBook;
  /** The call an agent is on (the call controls). */
  currentCall: (agentId: string) => CurrentCall | null;
}) {
  const { config, nowMs } = deps.core;
  const workspace = new WorkspaceService({
    agents: deps.agents,
    dialer: deps.dialer,
    campaigns: deps.campaigns,
    store: deps.store,
    reasons: new NotReadyReasons(config.agents.notReadyReasons),
    wrapUpSec: config.agents.wrapUpSec,
    timezone: config.ivr.timezone,
    now: nowMs,
    currentCall: deps.currentCall,
  });
  return { domain: 'workspace', workspace, steps: {} satisfies DomainSteps };
}

import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AgentService } from '../agents/service.js';
import type { AriApp } from '../ari/app.js';
import type { CallSession } from '../ari/session.js';
import type { EventBus } from '../lib/events.js';
import type { Metrics } from '../lib/metrics.js';
import type { RecordingMeta } from '../recording/capture.js';
import type { Store } from '../store/index.js';
import type { CampaignBook } from './campaigns.js';
import type { DialerLeads } from './dialer-leads.js';
import type { Offer, OfferBook } from './offers.js';
import type { TrunkSlots } from './slots.js';

export interface DialerConfig {
  trunkChannels: number;
  dialString: string;
}

/** What the dialer is built with (DialerService's constructor). */
export interface DialerDeps {
  store: Store;
  redis: Redis;
  redisUrl: string;
  keyPrefix: string;
  ari: AriApp;
  agents: AgentService;
  campaigns: CampaignBook;
  bus: EventBus;
  logger: Logger;
  metrics: Metrics;
  config: DialerConfig;
  now: () => number;
  /** Hotline callers waiting: inbound-capable agents take them before any lead. */
  hotlineWaiting: () => number;
  /** Customer and agent joined (full-call recording starts here). */
  onConnected: (session: CallSession, meta: RecordingMeta) => void;
  /** A customer call placed for an agent who accepted: ms from accept (benchmarks). */
  onDialing?: (agentId: string, attemptId: string) => void;
}

/** What the dialer's parts share: its dependencies, the live offers, the channel limiter, lead moves. */
export interface DialerContext {
  readonly deps: DialerDeps;
  /** The dialer's logger (component: dialer); each offer has its own child. */
  readonly log: Logger;
  readonly offers: OfferBook;
  readonly slots: TrunkSlots;
  readonly leads: DialerLeads;
  /** False from stop() on: no lead is offered and no call placed. */
  running(): boolean;
}

/** Gives the offer's trunk channel back, once. */
export function releaseChannel(ctx: DialerContext, offer: Offer): void {
  if (!offer.holdsSlot) return;
  offer.holdsSlot = false;
  ctx.slots.release(offer.campaignId);
  ctx.deps.metrics.dialerActiveCalls.set(ctx.slots.active());
}

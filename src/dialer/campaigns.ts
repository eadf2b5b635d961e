import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import {
  CAMPAIGN_MOVES,
  type Campaign,
  type CampaignSettingsInput,
  type CampaignState,
  campaignSettingsSchema,
} from './campaign.js';

export class CampaignError extends Error {
  override readonly name = 'CampaignError';
  constructor(
    readonly code: 'CAMPAIGN_NOT_FOUND' | 'CAMPAIGN_STATE' | 'CAMPAIGN_FINISHED',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Campaigns as the dialer reads them: kept in memory, written through to the store, and every change
 * (a pause, a re-pace) told to listeners at once, so it applies to the very next call.
 */
export class CampaignBook {
  private readonly cache = new Map<string, Campaign>();
  private readonly listeners = new Set<(campaign: Campaign) => void>();
  private readonly log: Logger;

  constructor(
    private readonly store: Store,
    logger: Logger,
    private readonly now: () => number,
  ) {
    this.log = logger.child({ component: 'campaigns' });
    for (const row of store.campaigns.list()) {
      const parsed = campaignSettingsSchema.safeParse(JSON.parse(row.settings));
      if (!parsed.success) {
        this.log.error({ campaignId: row.id }, 'stored campaign settings are invalid: campaign not loaded');
        continue;
      }
      this.cache.set(row.id, { ...row, state: row.state as CampaignState, settings: parsed.data });
    }
  }

  list(): Campaign[] {
    return [...this.cache.values()];
  }

  get(id: string): Campaign | undefined {
    return this.cache.get(id);
  }

  onChange(listener: (campaign: Campaign) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Settings are validated by the caller (the route's schema) or here; a new campaign is a draft. */
  create(input: { id: string; name: string; settings: CampaignSettingsInput }, by: string): Campaign {
    const settings = campaignSettingsSchema.parse(input.settings);
    const at = this.now();
    const campaign: Campaign = {
      id: input.id,
      name: input.name,
      state: 'draft',
      settings,
      createdAt: at,
      updatedAt: at,
    };
    this.store.campaigns.create({ ...campaign, settings: JSON.stringify(settings) });
    this.cache.set(campaign.id, campaign);
    this.log.info({ campaignId: campaign.id, by }, 'campaign created');
    return campaign;
  }

  /** Replaces the name and the settings given (top-level keys; pacing and window as a whole). */
  update(
    id: string,
    patch: { name?: string; settings?: Partial<CampaignSettingsInput> },
    by: string,
  ): Campaign {
    const current = this.require(id);
    if (current.state === 'finished')
      throw new CampaignError('CAMPAIGN_FINISHED', `campaign ${id} is finished`);
    const settings = patch.settings
      ? campaignSettingsSchema.parse({ ...current.settings, ...patch.settings })
      : current.settings;
    const next: Campaign = { ...current, name: patch.name ?? current.name, settings, updatedAt: this.now() };
    this.store.campaigns.update(id, { name: next.name, settings: JSON.stringify(settings) }, next.updatedAt);
    this.cache.set(id, next);
    this.log.info({ campaignId: id, by, changed: Object.keys(patch.settings ?? {}) }, 'campaign updated');
    this.tell(next);
    return next;
  }

  /** draft -> active <-> paused -> finished; logged `from -by-> to`. */
  setState(id: string, to: CampaignState, by: string): Campaign {
    const current = this.require(id);
    if (current.state === to) return current;
    if (!CAMPAIGN_MOVES[current.state].includes(to))
      throw new CampaignError('CAMPAIGN_STATE', `campaign ${id} cannot go from ${current.state} to ${to}`);
    const next: Campaign = { ...current, state: to, updatedAt: this.now() };
    this.store.campaigns.update(id, { state: to }, next.updatedAt);
    this.cache.set(id, next);
    this.log.info(
      { campaignId: id, by, from: current.state, to },
      `campaign ${current.state} -${by}-> ${to}`,
    );
    this.tell(next);
    return next;
  }

  private require(id: string): Campaign {
    const campaign = this.cache.get(id);
    if (!campaign) throw new CampaignError('CAMPAIGN_NOT_FOUND', `no campaign ${id}`);
    return campaign;
  }

  private tell(campaign: Campaign): void {
    for (const listener of this.listeners) {
      try {
        listener(campaign);
      } catch (err) {
        this.log.error({ err, campaignId: campaign.id }, 'campaign change listener failed');
      }
    }
  }
}

import { randomUUID } from 'node:crypto';
import type { CampaignSettingsInput } from '../../src/dialer/campaign.js';
import type { Service } from '../../src/service.js';
import type { Store } from '../../src/store/index.js';
import type { FarEnd } from '../harness/far-end.js';

/** Simulated customers (see [sim-customers] in extensions.conf): valid Berlin numbers. */
let serial = Math.floor(Math.random() * 9000);
const next = () => String(1000 + (serial++ % 9000)).padStart(4, '0');
export const customer = {
  /** Answers and stays until hung up. */
  answers: () => `+49302000${next()}`,
  /** Answers, talks `tenths`/10 s, hangs up (tenths 1-99). */
  talks: (tenths: number) => `+493020${String(tenths).padStart(2, '0')}${next()}`,
  /** Rings `sec` seconds (1-99), then answers and stays. */
  ringsThenAnswers: (sec: number) => `+493024${String(sec).padStart(2, '0')}${next()}`,
  busy: () => `+493021${next()}00`,
  noAnswer: () => `+493022${next()}00`,
  congestion: () => `+493023${next()}00`,
};

/** Open every day, all day (a period whose end equals its start is 24 h). */
export const ALWAYS: CampaignSettingsInput['window'] = {
  timezone: 'Europe/Berlin',
  hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '00:00' }],
  holidays: [],
};

export function settings(extra: Partial<CampaignSettingsInput> = {}): CampaignSettingsInput {
  return {
    callerId: '+493011112222',
    teams: ['t1'],
    window: ALWAYS,
    ...extra,
  } as CampaignSettingsInput;
}

/** A supervisor's API client. */
export function supervisorApi(service: Service) {
  const key = service.store.apiKeys.create(`supervisor ${randomUUID().slice(0, 6)}`, 'supervisor').key;
  const headers = { authorization: `Bearer ${key}` };
  return {
    get: (url: string) => service.api.inject({ method: 'GET', url, headers }),
    post: (url: string, body: object) => service.api.inject({ method: 'POST', url, headers, payload: body }),
    patch: (url: string, body: object) =>
      service.api.inject({ method: 'PATCH', url, headers, payload: body }),
  };
}

/** Adds leads straight to the store (the import has its own tests). */
export function addLeads(store: Store, campaignId: string, phones: string[]): string[] {
  const now = Date.now();
  const leads = phones.map((phone, i) => ({
    id: `lead-${randomUUID().slice(0, 8)}-${i}`,
    campaignId,
    importId: null,
    phone,
    name: `Customer ${i}`,
    fields: { plan: 'gold' },
    createdAt: now,
  }));
  store.leads.insertMany(leads);
  return leads.map((l) => l.id);
}

/** Live PBX channels dialing this number (Local channels name the extension). */
export async function channelsTo(far: FarEnd, phone: string): Promise<string[]> {
  const digits = phone.replace(/^\+/, '');
  return (await far.rest.listChannels())
    .filter((c) => c.name.includes(`${digits}@sim-customers`))
    .map((c) => c.id);
}

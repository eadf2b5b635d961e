/* The SMS routes (issue 16), typed from the service's OpenAPI document. */
import { type ApiData, api } from './client.js';
import { type Outcome, outcome } from './outcome.js';

export type SmsCampaign = ApiData<'/v1/sms/campaigns', 'get'>['campaigns'][number];
export type SmsCampaignDetail = ApiData<'/v1/sms/campaigns/{id}', 'get'>;

const byId = (id: string) => ({ params: { path: { id } } });

export const listSmsCampaigns = (): Promise<Outcome<{ campaigns: SmsCampaign[] }>> =>
  outcome(api.GET('/v1/sms/campaigns', { params: { query: { limit: 100, offset: 0 } } }));

export const smsCampaign = (id: string): Promise<Outcome<SmsCampaignDetail>> =>
  outcome(api.GET('/v1/sms/campaigns/{id}', byId(id)));

/** A draft campaign with listed numbers (one a line). */
export const createSmsCampaign = (name: string, template: string, phones: string[]) =>
  outcome(
    api.POST('/v1/sms/campaigns', {
      body: {
        name,
        template,
        recipients: { kind: 'numbers', recipients: phones.map((phone) => ({ phone })) },
      },
    }),
  );

export const startSmsCampaign = (id: string) => outcome(api.POST('/v1/sms/campaigns/{id}/start', byId(id)));
export const pauseSmsCampaign = (id: string) => outcome(api.POST('/v1/sms/campaigns/{id}/pause', byId(id)));

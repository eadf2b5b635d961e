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

export type AgentSmsTemplate = ApiData<'/v1/sms/agent-templates', 'get'>['templates'][number];
export type SmsMessage = ApiData<'/v1/sms/messages/{id}', 'get'>;

/** The set templates an agent may send to the lead of their call. */
export const agentSmsTemplates = (): Promise<Outcome<{ templates: AgentSmsTemplate[] }>> =>
  outcome(api.GET('/v1/sms/agent-templates'));

/** One of them to the lead of the agent's current or last call: the service fills it and knows the number. */
export const sendAgentSms = (templateId: string, leadId: string): Promise<Outcome<SmsMessage>> =>
  outcome(api.POST('/v1/sms/agent-messages', { body: { templateId, leadId } }));

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dayBounds } from '../../src/lib/time.js';
import type { Service } from '../../src/service.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { addAgent, agentApi, loginReady } from '../inbound/helpers.js';
import { addLeads, customer, settings, supervisorApi } from './helpers.js';

/** The agent's workspace over a real dialer call: the script, the sale in today's figures, a callback. */
describe("the agent's workspace on the real PBX", () => {
  let service: Service;
  const far = new FarEnd();

  beforeEach(async () => {
    await far.connect();
  });

  afterEach(async () => {
    await service?.stop();
    await far.close();
  });

  it('shows the script with the preview, a sale in today’s figures and recent calls, a callback under callbacks', async () => {
    service = await startTestService({ dialer: { trunkChannels: 10 } });
    service.store.teams.create({ id: 't1', name: 'Team 1' });
    await addAgent(service, { id: 'a1', inboundRole: 'none', teamId: 't1' });
    const sup = supervisorApi(service);
    const script = 'Hello {{name}}, about your {{fields.plan}} plan{{fields.missing}}. <b>Be kind</b>';
    expect(
      (await sup.post('/v1/campaigns', { id: 'w1', name: 'Workspace', settings: settings({ script }) }))
        .statusCode,
    ).toBe(201);
    expect((await sup.post('/v1/campaigns/w1/state', { state: 'active' })).statusCode).toBe(200);
    const [saleLead, callbackLead] = addLeads(service.store, 'w1', [customer.answers(), customer.answers()]);
    await loginReady(service, 'a1');
    const api = agentApi(service, 'a1');
    const workspace = async () => {
      const res = await api.get('/v1/agents/a1/workspace');
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };

    /** Accepts the preview of `leadId`, lets the customer answer, hangs up: the agent is in wrap-up. */
    const callAndHangUp = async (leadId: string) => {
      const shown = await eventually(async () => {
        const screen = await workspace();
        return screen.preview?.lead.id === leadId ? screen : undefined;
      }, `preview of ${leadId}`);
      expect((await api.post('/v1/agents/a1/preview/accept', {})).statusCode).toBe(200);
      await eventually(() => service.agents.get('a1')?.state === 'on-call', 'on the call');
      // The call controls' view of the call is on the first screen too.
      const talking = await workspace();
      expect(talking.call).toMatchObject({
        kind: 'dialer',
        state: 'talking',
        campaignId: expect.any(String),
      });
      expect(talking.call.numberMasked).toMatch(/^\*+\d{4}$/);
      expect((await api.post('/v1/agents/a1/dialer/hangup', {})).statusCode).toBe(204);
      await eventually(() => service.agents.get('a1')?.state === 'wrap-up', 'wrap-up');
      return shown;
    };

    // The first screen: the lead in preview with the campaign's script filled in, nothing done today.
    const first = await callAndHangUp(saleLead!);
    expect(first.preview.script).toBe('Hello Customer 0, about your gold plan. <b>Be kind</b>');
    expect(first.preview.dispositions).toContainEqual({ code: 'sale', label: 'Sale', sale: true });
    expect(first.today).toEqual({ calls: 0, contacts: 0, talkSec: 0, sales: 0, salesAmount: 0 });
    expect(first.notReadyReasons.filter((r: { selectable: boolean }) => r.selectable)).toHaveLength(6);
    const inWrapUp = await workspace();
    const since = Date.parse(inWrapUp.agent.since);
    expect(inWrapUp.wrapUpEndsAt).toBe(since + service.config.agents.wrapUpSec * 1000);

    // Disposed as a sale: today's figures and the recent calls show it.
    const sold = await api.post('/v1/agents/a1/disposition', {
      code: 'sale',
      sale: { amount: 1299.5, product: 'gold plan' },
    });
    expect(sold.statusCode, sold.body).toBe(200);
    const today = (await api.get('/v1/agents/a1/stats/today')).json();
    expect(today).toMatchObject({ calls: 1, contacts: 1, sales: 1, salesAmount: 1299.5 });
    const [recent] = (await api.get('/v1/agents/a1/calls/recent')).json();
    expect(recent).toMatchObject({
      kind: 'dialer',
      name: 'Customer 0',
      campaignId: 'w1',
      outcome: 'answered',
      disposition: 'sale',
    });
    expect(recent.numberMasked).toMatch(/^\*+\d{4}$/);
    expect(recent.talkSec).toBe(today.talkSec);

    // The next lead: a callback promised for later today shows under the agent's callbacks.
    await callAndHangUp(callbackLead!);
    const { to } = dayBounds(service.config.ivr.timezone, new Date());
    const dueAt = Math.min(Date.now() + 20 * 60_000, to - 5_000);
    const promised = await api.post('/v1/agents/a1/disposition', {
      code: 'callback',
      notes: 'after the holidays',
      callbackAt: new Date(dueAt).toISOString(),
    });
    expect(promised.statusCode, promised.body).toBe(200);
    const callbacks = (await api.get('/v1/agents/a1/callbacks')).json();
    expect(callbacks.overdue).toEqual([]);
    expect(callbacks.today).toEqual([
      {
        leadId: callbackLead,
        campaignId: 'w1',
        campaignName: 'Workspace',
        name: 'Customer 1',
        numberMasked: expect.stringMatching(/^\*+\d{4}$/),
        dueAt,
        notes: 'after the holidays',
      },
    ]);
    const after = await workspace();
    expect(after.callbacks).toEqual(callbacks);
    expect(after.today).toMatchObject({ calls: 2, contacts: 2, sales: 1, salesAmount: 1299.5 });
    expect(after.recentCalls.map((c: { disposition: string }) => c.disposition)).toEqual([
      'callback',
      'sale',
    ]);
  });
});

import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotReadyReasons } from '../../src/agents/reasons.js';
import type { AgentView } from '../../src/agents/types.js';
import { parseConfig } from '../../src/config/load.js';
import { AfterCall } from '../../src/dialer/after-call.js';
import { CampaignBook } from '../../src/dialer/campaigns.js';
import type { DialerContext, DialerDeps } from '../../src/dialer/context.js';
import { DialerLeads } from '../../src/dialer/dialer-leads.js';
import type { DueJobs } from '../../src/dialer/due-jobs.js';
import { DialerError } from '../../src/dialer/errors.js';
import { DialerNotifier } from '../../src/dialer/notifier.js';
import { OfferSelection, refuseStaleOffer } from '../../src/dialer/offer-selection.js';
import { OfferBook } from '../../src/dialer/offers.js';
import { EventBus } from '../../src/lib/events.js';
import type { Role } from '../../src/store/index.js';
import { WorkspaceService } from '../../src/workspace/service.js';
import {
  answered,
  attempt,
  campaign,
  lead,
  NOW,
  seedDay,
  TIMEZONE,
  TODAY,
} from '../unit/workspace-fixtures.js';
import { FakeDirectory } from './fake-directory.js';
import { agentServices, bearer, buildTestApi, type TestApi } from './helpers.js';

let api: TestApi;
let directory: FakeDirectory;
/** Live views the workspace sees instead of the directory's (a caller reserved for an agent). */
let live: Map<string, AgentView>;
let keys: Record<'supervisor' | 'qa' | 'lead1' | 'a2' | 'a3', string>;
/** The offer the fake dialer holds for every agent, and the skips it took. */
const OFFERED = { attemptId: 'at-offered' };
let skipped: string[];
/** The dialer's campaigns and live offers: the preview is the real OfferSelection's over them. */
let campaignBook: CampaignBook;
let offers: OfferBook;

const notUsed = () => {
  throw new Error('not used by these tests');
};

/*
 * Team t1: a1 (its leader), a2. Team t2: a3. The dialer's disposition is the real AfterCall over the
 * store; the workspace the real service. The business clock is fixed at the fixtures' NOW.
 */
beforeEach(async () => {
  live = new Map();
  skipped = [];
  api = await buildTestApi({
    agents: (store, logger) => {
      seedDay(store);
      store.teams.update('t1', { leaderAgentId: 'a1' });
      directory = new FakeDirectory(store);
      return {
        directory,
        ...agentServices(store, logger, directory),
        queue: () => ({ name: 'hotline', waiting: [], longestWaitMs: 0 }),
        bus: new EventBus(),
        today: () => ({ from: 0, to: 86_400_000 }),
      };
    },
    dialer: (store, logger) => {
      const now = () => NOW;
      const campaigns = new CampaignBook(store, logger, now);
      const log = pino({ level: 'silent' });
      const due = { schedule: () => {} } as unknown as DueJobs;
      const ctx = {
        deps: {
          store,
          campaigns,
          now,
          events: new DialerNotifier(new EventBus(), now),
        } as unknown as DialerDeps,
        log,
        offers: new OfferBook(),
        leads: new DialerLeads(store, due, log, now),
        running: () => true,
      } as unknown as DialerContext;
      const afterCall = new AfterCall(ctx);
      campaignBook = campaigns;
      offers = ctx.offers;
      const selection = new OfferSelection(ctx, afterCall, notUsed);
      const preview = (agentId: string) => selection.preview(agentId);
      const config = parseConfig({
        ari: { url: 'http://127.0.0.1:8088', username: 'test', password: 'test' },
        redis: { url: 'redis://127.0.0.1:6379' },
        store: { path: ':memory:' },
      });
      return {
        campaigns,
        dialer: {
          preview,
          // The real check on a fixed offer; past it the fake has nothing to dial.
          accept: (_agentId, _by, attemptId) => {
            refuseStaleOffer(OFFERED, attemptId);
            throw new DialerError('NOT_DIALED', 'the fake dialer dials nobody');
          },
          skip: (agentId, _reason, _by, attemptId) => {
            refuseStaleOffer(OFFERED, attemptId);
            skipped.push(agentId);
          },
          hangup: notUsed,
          markDoNotCall: notUsed,
          campaignStats: notUsed,
          dispose: async (agentId, input, by) => afterCall.dispose(agentId, input, by),
        },
        directory,
        now,
        workspace: new WorkspaceService({
          agents: { get: (id) => live.get(id) ?? directory.get(id) },
          dialer: { preview },
          campaigns,
          store,
          reasons: new NotReadyReasons(config.agents.notReadyReasons),
          wrapUpSec: config.agents.wrapUpSec,
          timezone: TIMEZONE,
          now,
        }),
      };
    },
  });
  const key = (name: string, role: Role, agentId?: string) =>
    api.store.apiKeys.create(name, role, { agentId }).key;
  keys = {
    supervisor: key('sup', 'supervisor'),
    qa: key('qa', 'qa'),
    lead1: key('lead a1', 'team-leader', 'a1'),
    a2: key('agent a2', 'agent', 'a2'),
    a3: key('agent a3', 'agent', 'a3'),
  };
});
afterEach(async () => {
  await api.close();
});

const get = (url: string, key: string) => api.app.inject({ url, headers: bearer(key) });
const post = (url: string, key: string, payload: object) =>
  api.app.inject({ method: 'POST', url, headers: bearer(key), payload });

const PARTS = ['workspace', 'callbacks', 'stats/today', 'calls/recent', 'hotline/offer'];

describe('the workspace routes', () => {
  it("answer an agent their own workspace, a team leader their teams', a supervisor anyone's; 403 otherwise", async () => {
    const allowed: [string, string][] = [
      ['a2', keys.a2],
      ['a3', keys.a3],
      ['a1', keys.lead1],
      ['a2', keys.lead1],
      ['a1', keys.supervisor],
      ['a3', keys.supervisor],
    ];
    const refused: [string, string][] = [
      ['a1', keys.a2],
      ['a3', keys.a2],
      ['a2', keys.a3],
      ['a3', keys.lead1],
      ['a1', keys.qa],
    ];
    for (const part of PARTS) {
      for (const [agent, key] of allowed) {
        const res = await get(`/v1/agents/${agent}/${part}`, key);
        // hotline/offer: in scope, but no caller now.
        expect(res.statusCode, `${part} of ${agent}`).toBe(part === 'hotline/offer' ? 404 : 200);
      }
      for (const [agent, key] of refused) {
        const res = await get(`/v1/agents/${agent}/${part}`, key);
        expect(res.statusCode, `${part} of ${agent}`).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
      }
      const unknown = await get(`/v1/agents/nobody/${part}`, keys.supervisor);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('AGENT_NOT_FOUND');
      expect((await api.app.inject({ url: `/v1/agents/a2/${part}` })).statusCode).toBe(401);
    }
  });

  it('answer the first screen in one: agent view, no preview or call, labelled reasons, today, callbacks, recent', async () => {
    const res = await get('/v1/agents/a1/workspace', keys.lead1);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.agent).toMatchObject({ id: 'a1', state: 'logged-out', teamId: 't1' });
    expect(body.agent.since).toMatch(/^\d{4}-\d{2}-\d{2}T/); // as GET /v1/agents/{id}
    expect(body.preview).toBeNull();
    expect(body.call).toBeNull();
    expect(body.wrapUpEndsAt).toBeNull();
    expect(body.notReadyReasons).toContainEqual({
      code: 'lunch',
      label: { 'zh-CN': '午餐', en: 'Lunch' },
      selectable: true,
    });
    expect(body.notReadyReasons).toContainEqual({
      code: 'line-dropped',
      label: { 'zh-CN': '线路断开', en: 'Line dropped' },
      selectable: false,
    });
    expect(body.today).toEqual(TODAY);
    expect(body.callbacks).toEqual({ overdue: [], today: [] });
    expect(body.recentCalls).toHaveLength(7);
    expect((await get('/v1/agents/a1/stats/today', keys.lead1)).json()).toEqual(TODAY);
    expect((await get('/v1/agents/a1/calls/recent', keys.lead1)).json()).toEqual(body.recentCalls);
  });

  it('take a limit on recent calls of 1 to 20', async () => {
    expect((await get('/v1/agents/a1/calls/recent?limit=3', keys.lead1)).json()).toHaveLength(3);
    for (const limit of ['0', '21', 'x']) {
      const res = await get(`/v1/agents/a1/calls/recent?limit=${limit}`, keys.lead1);
      expect(res.statusCode, limit).toBe(400);
    }
  });

  it('pop the hotline caller reserved for the agent, number masked, to that agent only', async () => {
    api.store.hotlineCalls.enqueued({ callId: 'h-now', at: NOW - 25_000, callerMasked: '*********6789' });
    live.set('a2', { ...directory.get('a2')!, state: 'reserved', callId: 'h-now' });
    const res = await get('/v1/agents/a2/hotline/offer', keys.a2);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      callId: 'h-now',
      callerMasked: '*********6789',
      waitedSec: 25,
      ivrPath: [],
      earlierCalls: [],
    });
    expect((await get('/v1/agents/a2/hotline/offer', keys.a3)).statusCode).toBe(403);
    const none = await get('/v1/agents/a3/hotline/offer', keys.a3);
    expect(none.json().error.code).toBe('NO_OFFER');
  });
});

describe('a sale on the disposition', () => {
  /** a2 finished a call of lead l-sale: the attempt waits for its disposition. */
  beforeEach(() => {
    lead(api.store, 'l-sale');
    api.store.leads.setState('l-sale', 'new', { state: 'in-progress' }, NOW);
    const at = NOW - 4 * 60_000;
    attempt(api.store, 'l-sale', 'a2', at, { ...answered(at, 40, 'x'), state: 'ended', disposition: null });
  });

  const dispose = (payload: object) => post('/v1/agents/a2/disposition', keys.a2, payload);

  it('is required with a sale disposition (SALE_REQUIRED) and refused with another (SALE_NOT_ALLOWED)', async () => {
    const missing = await dispose({ code: 'sale' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('SALE_REQUIRED');
    const extra = await dispose({ code: 'not-interested', sale: { amount: 10, product: 'gold plan' } });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.code).toBe('SALE_NOT_ALLOWED');
    // Nothing was settled by the refusals.
    expect(api.store.leads.get('l-sale')?.state).toBe('in-progress');
  });

  it('takes an amount of at least 0 with at most 2 decimals and a product of 1 to 200 characters', async () => {
    for (const sale of [
      { amount: 12.345, product: 'gold' },
      { amount: -1, product: 'gold' },
      { amount: 10, product: '' },
      { amount: 10, product: '   ' },
      { amount: 10, product: 'x'.repeat(201) },
      { amount: '10', product: 'gold' },
      { amount: 10 },
      { amount: 10, product: 'gold', discount: 2 },
    ]) {
      const res = await dispose({ code: 'sale', sale });
      expect(res.statusCode, JSON.stringify(sale)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it("is kept on the attempt and counted in the agent's figures for today", async () => {
    const before = (await get('/v1/agents/a2/stats/today', keys.a2)).json();
    const res = await dispose({
      code: 'sale',
      notes: '24 months',
      sale: { amount: 19.99, product: 'gold plan' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ leadState: 'done' });
    const attempts = api.store.attempts.forLead('l-sale');
    expect(attempts[0]).toMatchObject({
      state: 'disposed',
      disposition: 'sale',
      saleAmountCents: 1999,
      saleProduct: 'gold plan',
    });
    const after = (await get('/v1/agents/a2/stats/today', keys.a2)).json();
    // The call itself counted when it was dialed; the disposition makes it a contact and a sale.
    expect(after).toEqual({
      calls: before.calls,
      contacts: before.contacts + 1,
      talkSec: before.talkSec,
      sales: before.sales + 1,
      salesAmount: 69.99,
    });
    expect(before.salesAmount).toBe(50);
    const recent = (await get('/v1/agents/a2/calls/recent', keys.a2)).json();
    expect(recent[0]).toMatchObject({
      kind: 'dialer',
      name: 'Customer l-sale',
      disposition: 'sale',
      talkSec: 40,
    });
  });
});

describe("the lead's custom fields on the agent's screen", () => {
  /** a2 previews a lead of a campaign that declares its fields' kinds. */
  function offerLeadWithFields(): void {
    campaignBook.create(
      {
        id: 'kinds',
        name: 'Kinds',
        settings: {
          ...campaign.settings,
          script: 'Mobile {{fields.mobile}}, contract {{fields.contract}}, {{fields.note}}',
          fieldKinds: { mobile: 'phone', contract: 'id' },
        },
      },
      'sup',
    );
    api.store.leads.insertMany([
      {
        id: 'l-fields',
        campaignId: 'kinds',
        importId: null,
        phone: '+4917123456789',
        name: 'Kim (0171 2345678)',
        fields: {
          mobile: '0171 2345678',
          second: '+49 30 9876 5432',
          note: 'call 030 1234 5678 after 6',
          contract: '4711234567',
          plan: 'gold',
          since: '2024-05-01',
        },
        createdAt: 0,
      },
    ]);
    offers.add({
      attemptId: 'at-fields',
      agentId: 'a2',
      teamId: 't1',
      campaignId: 'kinds',
      lead: api.store.leads.get('l-fields')!,
      state: 'preview',
      abort: new AbortController(),
      holdsSlot: false,
      log: pino({ level: 'silent' }),
    });
  }

  it('are masked by their kind in the preview and the workspace: phone and phone-like values but for the last 4 digits, ids as written', async () => {
    offerLeadWithFields();
    const fields = {
      mobile: '*******5678',
      second: '*** ** **** 5432',
      note: 'call *** **** 5678 after 6',
      contract: '4711234567',
      plan: 'gold',
      since: '2024-05-01',
    };
    const preview = await get('/v1/agents/a2/preview', keys.a2);
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json().lead).toMatchObject({
      name: 'Kim (**** ***5678)',
      numberMasked: '**********6789',
      fields,
    });
    expect(preview.json().script).toBe('Mobile *******5678, contract 4711234567, call *** **** 5678 after 6');
    const workspace = await get('/v1/agents/a2/workspace', keys.a2);
    expect(workspace.json().preview.lead.fields).toEqual(fields);
    for (const body of [preview.body, workspace.body]) expect(body).not.toMatch(/2345678|9876|030 1234/);
  });
});

describe('a click on an offer or a call the screen still showed (attemptId)', () => {
  it('accept and skip answer 409 STALE_OFFER for another offer, and act on the current one or without an id', async () => {
    const stale = await post('/v1/agents/a2/preview/accept', keys.a2, { attemptId: 'at-gone' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('STALE_OFFER');
    const current = await post('/v1/agents/a2/preview/accept', keys.a2, { attemptId: OFFERED.attemptId });
    expect(current.json().error.code).toBe('NOT_DIALED');
    const noBody = await api.app.inject({
      method: 'POST',
      url: '/v1/agents/a2/preview/accept',
      headers: bearer(keys.a2),
    });
    expect(noBody.json().error, noBody.body).toMatchObject({ code: 'NOT_DIALED' });

    const staleSkip = await post('/v1/agents/a2/preview/skip', keys.a2, {
      reason: 'busy',
      attemptId: 'at-gone',
    });
    expect(staleSkip.statusCode).toBe(409);
    expect(staleSkip.json().error.code).toBe('STALE_OFFER');
    expect(skipped).toEqual([]);
    expect((await post('/v1/agents/a2/preview/skip', keys.a2, { reason: 'busy' })).statusCode).toBe(204);
    const skip = await post('/v1/agents/a2/preview/skip', keys.a2, {
      reason: 'x',
      attemptId: OFFERED.attemptId,
    });
    expect(skip.statusCode).toBe(204);
    expect(skipped).toEqual(['a2', 'a2']);
  });

  it('the disposition answers 409 STALE_ATTEMPT for another attempt and settles nothing', async () => {
    lead(api.store, 'l-stale');
    api.store.leads.setState('l-stale', 'new', { state: 'in-progress' }, NOW);
    const at = NOW - 4 * 60_000;
    const waiting = attempt(api.store, 'l-stale', 'a2', at, {
      ...answered(at, 40, 'x'),
      state: 'ended',
      disposition: null,
    });
    const stale = await post('/v1/agents/a2/disposition', keys.a2, {
      code: 'not-interested',
      attemptId: 'at-gone',
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('STALE_ATTEMPT');
    expect(api.store.leads.get('l-stale')?.state).toBe('in-progress');
    expect(api.store.attempts.forLead('l-stale')[0]?.state).toBe('ended');

    const res = await post('/v1/agents/a2/disposition', keys.a2, {
      code: 'not-interested',
      attemptId: waiting,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().attemptId).toBe(waiting);
  });
});

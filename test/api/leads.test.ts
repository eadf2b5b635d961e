import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeadImporter } from '../../src/leads/import.js';
import { LeadService } from '../../src/leads/service.js';
import type { AgentInput, Role } from '../../src/store/index.js';
import { bearer, buildTestApi, type TestApi } from './helpers.js';

let api: TestApi;
let keys: Record<'admin' | 'supervisor' | 'lead1' | 'lead4' | 'agent', string>;

/** An import runs in the background: a loaded machine may take seconds, which is no failure here. */
const IMPORT_SETTLES = { timeout: 15_000, interval: 20 };

const seat = (id: string, teamId: string | null, role: AgentInput['role'] = 'agent'): AgentInput => ({
  id,
  name: `Agent ${id}`,
  teamId,
  role,
  endpoint: `PJSIP/${id}`,
  lineMode: 'per-call',
  inboundRole: 'none',
});

/** Team sales (led by a1): a1, a2. Team support (a4's seat has the team-leader role): a3, a4. */
beforeEach(async () => {
  api = await buildTestApi({
    leads: (store, logger) => {
      store.teams.create({ id: 'sales', name: 'Sales' });
      store.teams.create({ id: 'support', name: 'Support' });
      store.agents.create(seat('a1', 'sales'));
      store.agents.create(seat('a2', 'sales'));
      store.agents.create(seat('a3', 'support'));
      store.agents.create(seat('a4', 'support', 'team-leader'));
      store.teams.update('sales', { leaderAgentId: 'a1' });
      for (const id of ['spring', 'old']) {
        store.campaigns.create({
          id,
          name: id,
          state: id === 'old' ? 'finished' : 'active',
          settings: '{}',
          createdAt: 1,
          updatedAt: 1,
        });
      }
      const importer = new LeadImporter({ store, logger, defaultCountry: 'DE', batchSize: 3 });
      return { leads: new LeadService({ store, importer, logger, defaultCountry: 'DE', now: Date.now }) };
    },
  });
  const key = (name: string, role: Role, agentId?: string) =>
    api.store.apiKeys.create(name, role, { agentId }).key;
  keys = {
    admin: api.adminKey,
    supervisor: key('sup', 'supervisor'),
    lead1: key('lead a1', 'team-leader', 'a1'),
    lead4: key('lead a4', 'team-leader', 'a4'),
    agent: key('agent a2', 'agent', 'a2'),
  };
});
afterEach(async () => {
  await api.close();
});

const csv = (key: string) => ({ ...bearer(key), 'content-type': 'text/csv' });

const LIST = [
  'Name,Telefon,Ort',
  'Anna,030 12345678,Berlin', // 2
  'Bernd,030 22334455,Hamburg', // 3
  'Carla,12,Köln', // 4 invalid
  'Dieter,030 33445566,Bonn', // 5
  'Erika,030 12345678,Essen', // 6 duplicate of 2
  'Frank,030 44556677,Ulm', // 7
  'Gerd,030 55667788,Kiel', // 8 dnc
  'Hanna,030 66778899,Jena', // 9
  'Ida,030 77889900,Gera', // 10
].join('\n');

/** Imports LIST into spring as the supervisor and waits for the end. */
async function importList(query = 'phone=Telefon&name=Name&fields=rest&listName=week%2010') {
  const res = await api.app.inject({
    method: 'POST',
    url: `/v1/campaigns/spring/leads/imports?${query}`,
    headers: csv(keys.supervisor),
    payload: LIST,
  });
  expect(res.statusCode).toBe(202);
  const { import: started } = res.json();
  expect(res.headers.location).toBe(`/v1/lead-imports/${started.id}`);
  let record = started;
  await vi.waitFor(async () => {
    const poll = await api.app.inject({
      method: 'GET',
      url: `/v1/lead-imports/${started.id}`,
      headers: bearer(keys.supervisor),
    });
    expect(poll.statusCode).toBe(200);
    record = poll.json();
    expect(record.status).not.toBe('running');
  }, IMPORT_SETTLES);
  return record;
}

describe('lead import over REST', () => {
  it('streams a CSV in, answers 202 once the upload is in, and reports progress, the outcome and the rejected rows', async () => {
    api.store.dnc.addMany([{ scope: 'global', phone: '+493055667788', reason: null, by: 'x' }], 1);
    const record = await importList();
    expect(record).toMatchObject({
      campaignId: 'spring',
      listName: 'week 10',
      status: 'done',
      rowsRead: 9,
      imported: 6,
      rejected: 1,
      duplicates: 1,
      dnc: 1,
      error: null,
      by: 'sup',
    });
    const leads = api.store.leads.list({ campaignId: 'spring', limit: 100, offset: 0 });
    expect(leads.map((l) => l.phone)).toEqual([
      '+493012345678',
      '+493022334455',
      '+493033445566',
      '+493044556677',
      '+493066778899',
      '+493077889900',
    ]);
    expect(leads[0]).toMatchObject({ name: 'Anna', fields: { Ort: 'Berlin' }, state: 'new', teamId: null });

    const list = await api.app.inject({
      method: 'GET',
      url: '/v1/campaigns/spring/leads/imports',
      headers: bearer(keys.supervisor),
    });
    expect(list.json().imports.map((i: { id: string }) => i.id)).toEqual([record.id]);

    const report = await api.app.inject({
      method: 'GET',
      url: `/v1/lead-imports/${record.id}/errors`,
      headers: bearer(keys.supervisor),
    });
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(report.headers['content-disposition']).toBe(
      `attachment; filename="lead-import-${record.id}-errors.csv"`,
    );
    expect(report.body).toBe(
      [
        'line,kind,reason,raw',
        '4,invalid,phone: not a valid number for DE: too short,"Carla,12,Köln"',
        '6,duplicate,same number as an earlier line of this file,"Erika,*** ****5678,Essen"',
        '8,dnc,the number is on the global do-not-call list,"Gerd,*** ****7788,Kiel"',
        '',
      ].join('\r\n'),
    );
    const json = await api.app.inject({
      method: 'GET',
      url: `/v1/lead-imports/${record.id}/errors?kind=dnc`,
      headers: { ...bearer(keys.supervisor), accept: 'application/json' },
    });
    expect(json.json()).toEqual({
      importId: record.id,
      total: 1,
      errors: [
        {
          line: 8,
          kind: 'dnc',
          reason: 'the number is on the global do-not-call list',
          raw: 'Gerd,*** ****7788,Kiel',
        },
      ],
    });
  });

  it('streams a large error report as CSV, pages it as JSON, and keeps formulas from running', async () => {
    const rows = ['phone,note', '=1+2,"@SUM(1,2)"'];
    for (let i = 0; i < 2_499; i += 1) rows.push(`12,row ${i}`);
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/campaigns/spring/leads/imports?phone=phone',
      headers: csv(keys.supervisor),
      payload: `${rows.join('\n')}\n`,
    });
    expect(res.statusCode).toBe(202);
    const id = res.json().import.id;
    await vi.waitFor(() => expect(api.store.leadImports.get(id)!.status).toBe('done'), IMPORT_SETTLES);

    const report = await api.app.inject({
      method: 'GET',
      url: `/v1/lead-imports/${id}/errors`,
      headers: bearer(keys.supervisor),
    });
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = report.body.split('\r\n');
    expect(lines).toHaveLength(2_502); // the header, 2,500 rows, and '' after the last line end
    // A cell a spreadsheet would run as a formula starts with a quote.
    expect(lines[1]).toBe(`2,invalid,phone: not a phone number,"'=1+2,""@SUM(1,2)"""`);
    expect(lines[2_500]).toBe('2501,invalid,phone: not a valid number for DE: too short,"12,row 2498"');

    const page = await api.app.inject({
      method: 'GET',
      url: `/v1/lead-imports/${id}/errors?format=json&limit=2&offset=10`,
      headers: bearer(keys.supervisor),
    });
    expect(page.json()).toMatchObject({ importId: id, total: 2_500 });
    expect(page.json().errors.map((e: { line: number }) => e.line)).toEqual([12, 13]);
    const tooMany = await api.app.inject({
      method: 'GET',
      url: `/v1/lead-imports/${id}/errors?format=json&limit=100000`,
      headers: bearer(keys.supervisor),
    });
    expect(tooMany.statusCode).toBe(400);
  });

  it('keeps phone numbers in request URLs out of the log', async () => {
    await api.app.inject({
      method: 'DELETE',
      url: '/v1/dnc/global/%2B493012345678',
      headers: bearer(keys.supervisor),
    });
    await api.app.inject({
      method: 'DELETE',
      url: '/v1/campaigns/spring/dnc/030%201234-5678?x=%2B4930%2087654321',
      headers: bearer(keys.supervisor),
    });
    const text = api.logs.join('\n');
    expect(text).toContain('/v1/dnc/global/*********5678');
    expect(text).not.toMatch(/12345678|1234-5678|%2B4930|87654321/);
  });

  it('gives an imported batch to a team (or an agent) when asked', async () => {
    await importList('phone=Telefon&teamId=sales');
    const leads = api.store.leads.list({ campaignId: 'spring', limit: 100, offset: 0 });
    expect(leads.every((l) => l.teamId === 'sales' && l.agentId === null)).toBe(true);
    const bad = await api.app.inject({
      method: 'POST',
      url: '/v1/campaigns/spring/leads/imports?phone=Telefon&teamId=support&agentId=a1',
      headers: csv(keys.supervisor),
      payload: LIST,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('AGENT_NOT_IN_TEAM');
  });

  it('reports the rows it cannot read with their lines, and imports the rest', async () => {
    // A 3 MB line ended the import before (the rows after it neither imported nor reported); bytes that
    // are not UTF-8 refused the whole file; a quote never closed swallowed the rest.
    const payload = Buffer.concat([
      Buffer.from(`phone,name\n030 12345678,Anna\n${'z'.repeat(3_000_000)}\n030 22334455,Bernd\n`),
      Buffer.from('030 33445566,M\u00fcller\n', 'latin1'),
      Buffer.from('030 44556677,Carla\n030 55667788,"Dora\n030 66778899,Emil\n'),
    ]);
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/campaigns/spring/leads/imports?phone=phone&name=name',
      headers: csv(keys.supervisor),
      payload,
    });
    expect(res.statusCode).toBe(202);
    const id = res.json().import.id;
    await vi.waitFor(() => expect(api.store.leadImports.get(id)!.status).not.toBe('running'), IMPORT_SETTLES);
    expect(api.store.leadImports.get(id)).toMatchObject({
      status: 'done',
      error: null,
      rowsRead: 7,
      imported: 4,
      rejected: 3,
    });
    const names = api.store.leads.list({ campaignId: 'spring', limit: 10, offset: 0 }).map((l) => l.name);
    expect(names).toEqual(['Anna', 'Bernd', 'Carla', 'Emil']);
    const report = await api.app.inject({
      method: 'GET',
      url: `/v1/lead-imports/${id}/errors`,
      headers: { ...bearer(keys.supervisor), accept: 'application/json' },
    });
    expect(report.json().errors.map((e: { line: number; reason: string }) => [e.line, e.reason])).toEqual([
      [3, 'row longer than 16384 characters'],
      [5, expect.stringMatching(/^invalid UTF-8 .*encoding=windows-1252/)],
      [7, 'a quoted field is not closed'],
    ]);
  });

  it('refuses what cannot be imported', async () => {
    const post = (url: string, headers: Record<string, string>, payload: string) =>
      api.app.inject({ method: 'POST', url, headers, payload });
    const missing = await post('/v1/campaigns/spring/leads/imports?phone=Nummer', csv(keys.supervisor), LIST);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toEqual({
      code: 'MAPPING_INVALID',
      message: 'The phone column "Nummer" is not in the header (columns: Name, Telefon, Ort)',
    });
    expect((await post('/v1/campaigns/nope/leads/imports', csv(keys.supervisor), LIST)).statusCode).toBe(404);
    const finished = await post('/v1/campaigns/old/leads/imports?phone=Telefon', csv(keys.supervisor), LIST);
    expect(finished.json().error.code).toBe('CAMPAIGN_FINISHED');
    const json = await post(
      '/v1/campaigns/spring/leads/imports',
      { ...bearer(keys.supervisor), 'content-type': 'application/json' },
      '{"a":1}',
    );
    expect(json.statusCode).toBe(415);
    expect(
      (await post('/v1/campaigns/spring/leads/imports?phone=Telefon', csv(keys.lead1), LIST)).statusCode,
    ).toBe(403);
    const big = await post(
      '/v1/campaigns/spring/leads/imports?phone=Telefon',
      { ...csv(keys.supervisor), 'content-length': String(300 * 1024 * 1024) },
      LIST,
    );
    expect(big.statusCode).toBe(413);
    expect(api.store.leadImports.list('spring')).toEqual([]);
    expect(
      (
        await api.app.inject({
          method: 'GET',
          url: '/v1/lead-imports/nope',
          headers: bearer(keys.supervisor),
        })
      ).statusCode,
    ).toBe(404);
  });
});

describe('distribution', () => {
  const post = (url: string, key: string, payload: object) =>
    api.app.inject({ method: 'POST', url, headers: bearer(key), payload });
  const holders = () =>
    api.store.leads.list({ campaignId: 'spring', limit: 100, offset: 0 }).map((l) => [l.teamId, l.agentId]);

  it('gives a batch of the pool to a team, then the team leader gives agents theirs', async () => {
    await importList('phone=Telefon'); // 7 leads: no dnc entry here

    const toTeam = await post('/v1/campaigns/spring/leads/assign', keys.supervisor, {
      teamId: 'sales',
      count: 5,
    });
    expect(toTeam.json()).toEqual({ assigned: 5, teamId: 'sales', agentId: null });
    const toAgent = await post('/v1/campaigns/spring/leads/assign', keys.lead1, {
      teamId: 'sales',
      agentId: 'a2',
      count: 2,
    });
    expect(toAgent.json()).toEqual({ assigned: 2, teamId: 'sales', agentId: 'a2' });
    expect(holders()).toEqual([
      ['sales', 'a2'],
      ['sales', 'a2'],
      ['sales', null],
      ['sales', null],
      ['sales', null],
      [null, null],
      [null, null],
    ]);

    // A team leader acts within the teams they lead only, and never on the pool.
    const foreign = await post('/v1/campaigns/spring/leads/assign', keys.lead4, {
      teamId: 'sales',
      agentId: 'a2',
      count: 1,
    });
    expect(foreign.statusCode).toBe(403);
    const pool = await post('/v1/campaigns/spring/leads/assign', keys.lead1, { teamId: 'sales', count: 1 });
    expect(pool.statusCode).toBe(403);
    const wrongTeam = await post('/v1/campaigns/spring/leads/assign', keys.lead4, {
      teamId: 'support',
      agentId: 'a2',
      count: 1,
    });
    expect(wrongTeam.json().error.code).toBe('AGENT_NOT_IN_TEAM');
    expect(
      (
        await post('/v1/campaigns/spring/leads/assign', keys.agent, {
          teamId: 'sales',
          agentId: 'a2',
          count: 1,
        })
      ).statusCode,
    ).toBe(403);

    const summary = await api.app.inject({
      method: 'GET',
      url: '/v1/campaigns/spring/leads/summary',
      headers: bearer(keys.supervisor),
    });
    expect(summary.json()).toEqual({
      campaignId: 'spring',
      total: 7,
      byState: { new: 7 },
      distribution: [
        { teamId: null, agentId: null, total: 2, waiting: 2, byState: { new: 2 } },
        { teamId: 'sales', agentId: null, total: 3, waiting: 3, byState: { new: 3 } },
        { teamId: 'sales', agentId: 'a2', total: 2, waiting: 2, byState: { new: 2 } },
      ],
    });
    const led = await api.app.inject({
      method: 'GET',
      url: '/v1/campaigns/spring/leads/summary',
      headers: bearer(keys.lead4),
    });
    expect(led.json()).toMatchObject({ total: 0, distribution: [] });

    // The team leader lists the team's leads, numbers masked; the supervisor sees them whole.
    const mine = await api.app.inject({
      method: 'GET',
      url: '/v1/campaigns/spring/leads?agentId=a2',
      headers: bearer(keys.lead1),
    });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().total).toBe(2);
    expect(mine.json().leads.map((l: { phone: string }) => l.phone)).toEqual([
      '*********5678',
      '*********4455',
    ]);
    const theirs = await api.app.inject({
      method: 'GET',
      url: '/v1/campaigns/spring/leads?teamId=sales',
      headers: bearer(keys.lead4),
    });
    expect(theirs.statusCode).toBe(403);
    const all = await api.app.inject({
      method: 'GET',
      url: '/v1/campaigns/spring/leads?limit=2&offset=1',
      headers: bearer(keys.supervisor),
    });
    expect(all.json().total).toBe(7);
    expect(all.json().leads.map((l: { phone: string }) => l.phone)).toEqual([
      '+493022334455',
      '+493033445566',
    ]);

    // Back: the agent's leads to the team, the team's to the pool.
    expect(
      (
        await post('/v1/campaigns/spring/leads/unassign', keys.lead1, { teamId: 'sales', agentId: 'a2' })
      ).json(),
    ).toEqual({
      unassigned: 2,
    });
    expect(
      (await post('/v1/campaigns/spring/leads/unassign', keys.lead1, { teamId: 'sales' })).statusCode,
    ).toBe(403);
    expect(
      (await post('/v1/campaigns/spring/leads/unassign', keys.supervisor, { teamId: 'sales' })).json(),
    ).toEqual({
      unassigned: 5,
    });
    expect(holders().every(([team, agent]) => team === null && agent === null)).toBe(true);
  });
});

describe('unassign by agent, team scoped', () => {
  const post = (url: string, key: string, payload: object) =>
    api.app.inject({ method: 'POST', url, headers: bearer(key), payload });

  it("leaves another team's leads alone when a leader unassigns an agent who moved in from that team", async () => {
    await importList('phone=Telefon');
    await post('/v1/campaigns/spring/leads/assign', keys.supervisor, { teamId: 'support', count: 3 });
    await post('/v1/campaigns/spring/leads/assign', keys.supervisor, {
      teamId: 'support',
      agentId: 'a3',
      count: 2,
    });
    // a3 moves to sales, still holding support's two leads.
    api.store.agents.update('a3', { teamId: 'sales' }, Date.now());
    const res = await post('/v1/campaigns/spring/leads/unassign', keys.lead1, {
      teamId: 'sales',
      agentId: 'a3',
    });
    expect(res.json()).toEqual({ unassigned: 0 });
    const held = api.store.leads
      .list({ campaignId: 'spring', limit: 100, offset: 0 })
      .filter((l) => l.agentId === 'a3');
    expect(held.map((l) => l.teamId)).toEqual(['support', 'support']);
  });
});

describe('do-not-call lists', () => {
  const dnc = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    api.app.inject({ method, url, headers: bearer(keys.supervisor), payload });

  it('adds, lists and removes numbers; a listed number takes its waiting leads out of the dialer', async () => {
    await importList('phone=Telefon');
    const added = await dnc('POST', '/v1/dnc/global', { phone: '030 1234-5678', reason: 'asked by phone' });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toEqual({ scope: 'global', phone: '+493012345678', added: true, leadsMarked: 1 });
    expect((await dnc('POST', '/v1/dnc/global', { phone: '+493012345678' })).statusCode).toBe(200);
    const lead = api.store.leads.list({ campaignId: 'spring', limit: 1, offset: 0 })[0]!;
    expect(lead).toMatchObject({ phone: '+493012345678', state: 'dnc' });
    expect(api.store.dnc.blocked('+493012345678', 'spring')).toBe(true);

    const list = await dnc('GET', '/v1/dnc/global');
    expect(list.json()).toMatchObject({
      scope: 'global',
      total: 1,
      entries: [{ phone: '+493012345678', reason: 'asked by phone', addedBy: 'sup' }],
    });
    expect((await dnc('POST', '/v1/dnc/global', { phone: '12' })).json().error.code).toBe('PHONE_INVALID');
    expect((await dnc('DELETE', '/v1/dnc/global/%2B493012345678')).statusCode).toBe(204);
    expect((await dnc('DELETE', '/v1/dnc/global/030%2012345678')).statusCode).toBe(404);
    expect(api.store.dnc.count('global')).toBe(0);

    const own = await dnc('POST', '/v1/campaigns/spring/dnc', { phone: '030 22334455' });
    expect(own.json()).toEqual({ scope: 'spring', phone: '+493022334455', added: true, leadsMarked: 1 });
    expect(api.store.dnc.blocked('+493022334455', 'spring')).toBe(true);
    expect(api.store.dnc.blocked('+493022334455', 'other')).toBe(false);
    expect((await dnc('GET', '/v1/campaigns/spring/dnc')).json().total).toBe(1);
    expect((await dnc('GET', '/v1/campaigns/nope/dnc')).statusCode).toBe(404);
    const leaderTry = await api.app.inject({
      method: 'GET',
      url: '/v1/dnc/global',
      headers: bearer(keys.lead1),
    });
    expect(leaderTry.statusCode).toBe(403);
  });

  it('imports a CSV list, with or without a header, reporting rows without a valid number', async () => {
    await importList('phone=Telefon');
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/dnc/global/import',
      headers: csv(keys.supervisor),
      payload: 'number,reason\n030 33445566,complaint\nnot a number,\n+49 30 44556677,\n030 33445566,again\n',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      rowsRead: 4,
      added: 2,
      existing: 1,
      invalid: 1,
      leadsMarked: 2,
      errors: [{ line: 3, reason: 'phone: not a phone number: "not a number"', raw: 'not a number,' }],
    });
    expect(api.store.dnc.list('global', 10, 0).map((e) => [e.phone, e.reason])).toEqual([
      ['+493033445566', 'complaint'],
      ['+493044556677', null],
    ]);
    const states = api.store.leads.list({ campaignId: 'spring', state: 'dnc', limit: 10, offset: 0 });
    expect(states.map((l) => l.phone)).toEqual(['+493033445566', '+493044556677']);

    // A row over the row limit and one that is not UTF-8 are reported; the numbers after them added.
    const hostile = await api.app.inject({
      method: 'POST',
      url: '/v1/dnc/global/import',
      headers: csv(keys.supervisor),
      payload: Buffer.concat([
        Buffer.from(`number\n${'9'.repeat(200_000)}\n`),
        Buffer.from('030 88990011,M\u00fcller\n', 'latin1'),
        Buffer.from('030 99001122\n'),
      ]),
    });
    expect(hostile.statusCode).toBe(200);
    expect(hostile.json()).toMatchObject({ rowsRead: 3, added: 1, invalid: 2 });
    expect(hostile.json().errors.map((e: { line: number; reason: string }) => [e.line, e.reason])).toEqual([
      [2, 'row longer than 16384 characters'],
      [3, expect.stringMatching(/^invalid UTF-8/)],
    ]);

    const bare = await api.app.inject({
      method: 'POST',
      url: '/v1/campaigns/spring/dnc/import?delimiter=semicolon',
      headers: csv(keys.supervisor),
      payload: '030 66778899;moved\n030 77889900\n',
    });
    expect(bare.json()).toMatchObject({ rowsRead: 2, added: 2, leadsMarked: 2 });
    expect(api.store.dnc.list('spring', 10, 0).map((e) => [e.phone, e.reason])).toEqual([
      ['+493066778899', 'moved'],
      ['+493077889900', null],
    ]);
  });
});

describe('purge', () => {
  it('purges on demand and logs it with anonymized counts', async () => {
    const record = await importList('phone=Telefon');
    const first = api.store.leads.list({ campaignId: 'spring', limit: 1, offset: 0 })[0]!;
    api.store.leads.setState(first.id, 'new', { state: 'done', disposition: 'sale' }, Date.now());

    const used = await api.app.inject({
      method: 'POST',
      url: '/v1/campaigns/spring/leads/purge',
      headers: bearer(keys.supervisor),
      payload: { reason: 'daily' },
    });
    expect(used.statusCode).toBe(200);
    expect(used.json().purge).toMatchObject({
      campaignId: 'spring',
      by: 'sup',
      reason: 'daily',
      leads: 1,
      stats: { byState: { done: 1 }, byDisposition: { sale: 1 } },
    });
    expect(api.store.leads.get(first.id)).toBeUndefined();

    const all = await api.app.inject({
      method: 'POST',
      url: '/v1/campaigns/spring/leads/purge',
      headers: bearer(keys.supervisor),
      payload: { all: true, importId: record.id, reason: 'list withdrawn' },
    });
    expect(all.json().purge).toMatchObject({
      leads: 6,
      stats: { byState: { new: 6 }, importReportsDropped: 1 },
    });
    expect(api.store.leads.list({ campaignId: 'spring', limit: 10, offset: 0 })).toEqual([]);
    expect(api.store.leadImports.errors(record.id)).toEqual([]);

    const log = await api.app.inject({
      method: 'GET',
      url: '/v1/lead-purges?campaignId=spring',
      headers: bearer(keys.supervisor),
    });
    expect(log.json().purges.map((p: { reason: string; leads: number }) => [p.reason, p.leads])).toEqual([
      ['daily', 1],
      ['list withdrawn', 6],
    ]);
    expect(JSON.stringify(log.json())).not.toMatch(/\+4930/);
    expect(api.logs.join('\n')).not.toMatch(/\+4930\d{8}/);

    const foreign = await api.app.inject({
      method: 'POST',
      url: '/v1/campaigns/spring/leads/purge',
      headers: bearer(keys.lead1),
      payload: { reason: 'x' },
    });
    expect(foreign.statusCode).toBe(403);
  });
});

describe('OpenAPI', () => {
  it('documents the lead routes', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/campaigns/{id}/leads/imports',
        '/v1/lead-imports/{importId}/errors',
        '/v1/campaigns/{id}/leads/assign',
        '/v1/dnc/global/{phone}',
        '/v1/campaigns/{id}/dnc/import',
        '/v1/lead-purges',
      ]),
    );
  });
});

describe('review fixes', () => {
  const post = (url: string, key: string, payload: object) =>
    api.app.inject({ method: 'POST', url, headers: bearer(key), payload });

  it('masks phone-like custom field values for team leaders', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/campaigns/spring/leads/imports?phone=phone&fields=rest&teamId=sales&agentId=a2',
      headers: csv(keys.supervisor),
      payload: 'phone,mobile,city,contract\n030 12345678,0171 234 56 78,Berlin,A-12\n',
    });
    expect(res.statusCode).toBe(202);
    await vi.waitFor(
      () => expect(api.store.leadImports.get(res.json().import.id)!.status).toBe('done'),
      IMPORT_SETTLES,
    );
    const get = (key: string) =>
      api.app.inject({ method: 'GET', url: '/v1/campaigns/spring/leads', headers: bearer(key) });
    const led = await get(keys.lead1);
    expect(led.json().leads[0]).toMatchObject({
      phone: '*********5678',
      fields: { mobile: '**** *** 56 78', city: 'Berlin', contract: 'A-12' },
    });
    const all = await get(keys.supervisor);
    expect(all.json().leads[0].fields.mobile).toBe('0171 234 56 78');
  });

  it('caps how many leads one assign request moves', async () => {
    const res = await post('/v1/campaigns/spring/leads/assign', keys.supervisor, {
      teamId: 'sales',
      count: 50_001,
    });
    expect(res.statusCode).toBe(400);
  });

  it('takes a first do-not-call row as the header only when it is one', async () => {
    const dncImport = (query: string, payload: string) =>
      api.app.inject({
        method: 'POST',
        url: `/v1/dnc/global/import${query}`,
        headers: csv(keys.supervisor),
        payload,
      });
    // No digit, but no number column named either: a data row, reported, not silently skipped.
    const noHeader = await dncImport('', 'unknown\n030 33445566\n');
    expect(noHeader.json()).toMatchObject({ rowsRead: 2, added: 1, invalid: 1 });
    expect(noHeader.json().errors[0]).toMatchObject({ line: 1, raw: 'unknown' });
    const explicit = await dncImport('?header=true', 'Kundennr,Grund\n030 44556677,moved\n');
    expect(explicit.json()).toMatchObject({ rowsRead: 1, added: 1, invalid: 0 });
    const none = await dncImport('?header=false', 'phone\n030 55667788\n');
    expect(none.json()).toMatchObject({ rowsRead: 2, added: 1, invalid: 1 });
  });
});

describe('numbers in answers, error reports and logs (issue 13, finding 4)', () => {
  it("masks the numbers of the do-not-call import's error rows", async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/dnc/global/import',
      headers: csv(keys.supervisor),
      payload: 'number,reason\n+1 999 123 4567,second line 0171 2345678\n',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().errors).toEqual([
      {
        line: 2,
        reason: expect.stringMatching(/^phone: /),
        raw: '** *** *** 4567,second line **** ***5678',
      },
    ]);
  });

  it('never logs a number of a request URL whole, however often it is percent-encoded', async () => {
    for (const url of [
      '/v1/dnc/global/%252B493012345678',
      '/v1/dnc/global/%25252B493087654321',
      '/v1/campaigns/spring/dnc/030%25201234%25205678',
      '/v1/campaigns/spring/leads?note=tel%253A%252B4930%252055667788',
    ])
      await api.app.inject({ method: 'DELETE', url, headers: bearer(keys.supervisor) });
    const text = api.logs.join('\n');
    expect(text).toContain('/v1/dnc/global/*********5678');
    expect(text).not.toMatch(/12345678|87654321|1234%25205678|55667788|2B4930/);
  });

  it("masks team leaders' lead fields by the kinds the campaign declares", async () => {
    api.store.campaigns.update(
      'spring',
      { settings: JSON.stringify({ fieldKinds: { ext: 'phone', contract: 'id' } }) },
      2,
    );
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/campaigns/spring/leads/imports?phone=phone&fields=rest&teamId=sales',
      headers: csv(keys.supervisor),
      payload: 'phone,ext,contract,note\n030 12345678,4711,4711234567,mobile 0171 2345678\n',
    });
    expect(res.statusCode).toBe(202);
    await vi.waitFor(
      () => expect(api.store.leadImports.get(res.json().import.id)!.status).toBe('done'),
      IMPORT_SETTLES,
    );
    const get = (key: string) =>
      api.app.inject({ method: 'GET', url: '/v1/campaigns/spring/leads', headers: bearer(key) });
    expect((await get(keys.lead1)).json().leads[0].fields).toEqual({
      ext: '****',
      contract: '4711234567',
      note: 'mobile **** ***5678',
    });
    expect((await get(keys.supervisor)).json().leads[0].fields.note).toBe('mobile 0171 2345678');
  });

  it('names no number whole when it is not on the list', async () => {
    const res = await api.app.inject({
      method: 'DELETE',
      url: '/v1/dnc/global/%2B493012345678',
      headers: bearer(keys.supervisor),
    });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('12345678');
  });
});

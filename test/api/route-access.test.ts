import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService } from '../../src/accounts/service.js';
import { ROUTE_ACCESS } from '../../src/api/route-access.js';
import type { ApiDeps } from '../../src/api/types.js';
import { LeadImporter } from '../../src/leads/import.js';
import { LeadService } from '../../src/leads/service.js';
import { EventBus } from '../../src/lib/events.js';
import type { AgentInput, Role } from '../../src/store/index.js';
import { FakeDirectory } from './fake-directory.js';
import { agentServices, bearer, buildTestApi, recordingServices, type TestApi } from './helpers.js';
import { storeRecording } from './recording-fixtures.js';
import { softphoneService } from './softphone-fixtures.js';

/*
 * The route × role × team matrix, from the served OpenAPI document and the declared table
 * (src/api/route-access.ts): every route has a decision, each role's gate answers as the table says, and a
 * route scoped to a team or to oneself refuses (or answers empty) another team's agent.
 */

/** Services only a request that passed the gate and the scope check would reach: absent, so a 500. */
const unwired = <T>() => ({}) as T;

type Caller = 'admin' | 'supervisor' | 'team-leader' | 'qa' | 'agent';
const CALLERS: Caller[] = ['admin', 'supervisor', 'team-leader', 'qa', 'agent'];

/** Team A (ta): its leader lead, agent a1. Team B (tb): agent b1. */
const seat = (id: string, teamId: string, role: AgentInput['role'] = 'agent'): AgentInput => ({
  id,
  name: id,
  teamId,
  role,
  endpoint: `PJSIP/${id}`,
  lineMode: 'per-call',
  inboundRole: 'primary',
});

let api: TestApi;
let keys: Record<Caller, string>;
/**
 * Each caller's agent in a path for the gate test: its own (in scope). The admin's is unknown, so the
 * admin-only edits (deactivating an agent, which revokes its keys) change nothing.
 */
const OWN_AGENT: Record<Caller, string> = {
  admin: 'nobody',
  supervisor: 'a1',
  'team-leader': 'lead',
  qa: 'a1',
  agent: 'a1',
};
interface Operation {
  route: string;
  method: string;
  path: string;
  query: string[];
  /** The JSON body's schema, if the route takes one. */
  body?: JsonSchema;
}
let operations: Operation[];

beforeAll(async () => {
  let directory: FakeDirectory;
  const dir = (store: ApiDeps['store']) => {
    directory ??= new FakeDirectory(store);
    return directory;
  };
  api = await buildTestApi({
    agents: (store, logger) => {
      store.teams.create({ id: 'ta', name: 'A' });
      store.teams.create({ id: 'tb', name: 'B' });
      store.agents.create(seat('lead', 'ta', 'team-leader'));
      store.agents.create(seat('a1', 'ta'));
      store.agents.create(seat('b1', 'tb'));
      store.teams.update('ta', { leaderAgentId: 'lead' });
      store.campaigns.create({
        id: 'c1',
        name: 'c1',
        state: 'active',
        settings: '{}',
        createdAt: 1,
        updatedAt: 1,
      });
      return {
        directory: dir(store),
        ...agentServices(store, logger, dir(store)),
        queue: () => ({ name: 'hotline', waiting: [], longestWaitMs: 0 }),
        bus: new EventBus(),
        today: () => ({ from: 0, to: 1 }),
      };
    },
    recordings: (store, folder, logger) => {
      // Team B's recording: a team A leader or agent must never get it.
      storeRecording(store, join(folder, 'recordings'), {
        id: 'r-b1',
        agentId: 'b1',
        teamId: 'tb',
        startedAt: 1,
      });
      return {
        dir: join(folder, 'recordings'),
        rules: () => ({ defaultDays: 90, campaignDays: {} }),
        ...recordingServices(store, logger),
      };
    },
    leads: (store, logger) => {
      const importer = new LeadImporter({ store, logger, defaultCountry: 'DE', batchSize: 100 });
      return { leads: new LeadService({ store, importer, logger, defaultCountry: 'DE', now: Date.now }) };
    },
    dialer: (store) => ({
      ...unwired<NonNullable<ApiDeps['dialer']>>(),
      directory: dir(store),
      now: Date.now,
    }),
    calls: (store) => ({ calls: unwired(), directory: dir(store) }),
    sms: () => ({ sms: unwired() }),
    softphone: (store, logger) => ({ softphone: softphoneService(store, logger) }),
    faxes: () => ({ faxes: unwired(), maxUploadBytes: 1024 * 1024 }),
    ivr: () => ({ ...unwired<NonNullable<ApiDeps['ivr']>>(), prompts: unwired() }),
    accounts: (store, logger, config) => ({
      accounts: new AccountService({ store, logger, now: Date.now, config: config.auth }),
    }),
  });
  const key = (role: Role, agentId?: string) => api.store.apiKeys.create(`${role}`, role, { agentId }).key;
  keys = {
    admin: api.adminKey,
    supervisor: key('supervisor'),
    'team-leader': key('team-leader', 'lead'),
    qa: key('qa'),
    agent: key('agent', 'a1'),
  };
  const doc = (await api.app.inject({ url: '/docs/json' })).json() as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { in: string; name: string }[];
          requestBody?: { content: Record<string, { schema: JsonSchema }> };
        }
      >
    >;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      route: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path,
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      body: op.requestBody?.content['application/json']?.schema,
    })),
  );
});
afterAll(async () => {
  await api?.close();
});

/** A concrete URL for a path: agent ids as given, campaign c1, other ids placeholders. */
function url(path: string, agentId: string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (path.startsWith('/v1/agents/') && name === 'id') return agentId;
    if (path.startsWith('/v1/campaigns/') && name === 'id') return 'c1';
    if (name === 'action') return 'pause';
    if (name === 'version') return '1';
    return `x-${name}`;
  });
}

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minLength?: number;
  pattern?: string;
  minimum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

/** A small value the schema accepts: required fields only, the first choice of every union. */
function sample(schema: JsonSchema): unknown {
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return sample(choices[0]!);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        (schema.required ?? []).map((name) => [name, sample(schema.properties![name]!)]),
      );
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items ?? {}));
    case 'string':
      // A pattern is for digits in this API (DTMF, numbers): one digit fits.
      if (schema.pattern !== undefined) return '1';
      return schema.format === 'date-time'
        ? new Date().toISOString()
        : 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/** Bodies to try, one per branch of a top-level union (the first a route accepts is the valid-looking one). */
const bodies = (schema: JsonSchema | undefined): unknown[] =>
  schema === undefined ? [undefined] : (schema.anyOf ?? schema.oneOf ?? [schema]).map(sample);

/** A request as `caller`; the live event stream is asked for a bad topic so it answers at once. */
function call(caller: Caller | null, method: string, target: string, payload?: unknown) {
  const streaming = target === '/v1/events';
  return api.app.inject({
    method: method as 'GET',
    url: streaming ? `${target}?topics=none` : target,
    headers: caller === null ? {} : bearer(keys[caller]),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

/** Refused by authentication or by the role gate (not by a route's own checks). */
const gated = (res: { statusCode: number; body: string }) =>
  (res.statusCode === 401 && /"code":"UNAUTHENTICATED"/.test(res.body)) ||
  (res.statusCode === 403 && /"message":"Role /.test(res.body));

describe('route × role × team matrix', () => {
  it('has one decision per route of the OpenAPI document, and none for a route that is gone', () => {
    const served = operations.map((o) => o.route).sort();
    expect(
      served.filter((route) => !(route in ROUTE_ACCESS)),
      'routes without an access decision',
    ).toEqual([]);
    expect(
      Object.keys(ROUTE_ACCESS).filter((route) => !served.includes(route)),
      'entries for no route',
    ).toEqual([]);
  });

  it('lets exactly the roles of the table through each route’s gate', async () => {
    const mismatches: string[] = [];
    for (const { route, method, path, body } of operations) {
      const access = ROUTE_ACCESS[route]!;
      const anonymous = await call(null, method, url(path, 'a1'), bodies(body)[0]);
      if (access.scope === 'public') {
        if (gated(anonymous)) mismatches.push(`${route} anonymous: ${anonymous.statusCode}`);
        continue;
      }
      if (!gated(anonymous)) mismatches.push(`${route} anonymous: ${anonymous.statusCode}`);
      for (const caller of CALLERS) {
        const allowed = caller === 'admin' || (access.roles as readonly string[]).includes(caller);
        const res = await call(caller, method, url(path, OWN_AGENT[caller]), bodies(body)[0]);
        if (gated(res) === allowed)
          mismatches.push(`${route} as ${caller}: ${res.statusCode} ${res.body.slice(0, 80)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("refuses another team's agent (or answers empty) on every team- and self-scoped route", async () => {
    const leaks: string[] = [];
    const scoped = operations.filter((o) => ['team', 'self'].includes(ROUTE_ACCESS[o.route]!.scope));
    for (const { route, method, path, query, body } of scoped) {
      const access = ROUTE_ACCESS[route]!;
      for (const caller of ['team-leader', 'agent'] as const) {
        if (!(access.roles as readonly string[]).includes(caller)) continue;
        // A body the route accepts for the caller's own agent, so a refusal is the scope's, not the body's.
        let payload: unknown;
        for (const candidate of bodies(body)) {
          payload = candidate;
          if ((await call(caller, method, url(path, OWN_AGENT[caller]), candidate)).statusCode !== 400) break;
        }
        const targets: string[] = [];
        if (/\{id\}/.test(path) && path.startsWith('/v1/agents/')) targets.push(url(path, 'b1'));
        if (path.startsWith('/v1/recordings/{id}')) targets.push(path.replace('{id}', 'r-b1'));
        if (method === 'GET' && query.includes('agentId')) targets.push(`${url(path, 'a1')}?agentId=b1`);
        if (method === 'GET' && query.includes('teamId')) targets.push(`${url(path, 'a1')}?teamId=tb`);
        for (const target of targets) {
          const res = await call(caller, method, target, payload);
          if (res.statusCode === 403 || res.statusCode === 404) continue;
          if (res.statusCode === 200 && isEmpty(res.json())) continue;
          leaks.push(`${route} as ${caller} at ${target}: ${res.statusCode} ${res.body.slice(0, 120)}`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });
});

/** An answer that lists nothing: every array in it empty, every total zero. */
function isEmpty(body: unknown): boolean {
  if (Array.isArray(body)) return body.length === 0;
  if (body === null || typeof body !== 'object') return true;
  return Object.entries(body).every(([name, value]) =>
    typeof value === 'number' ? name !== 'total' || value === 0 : isEmpty(value),
  );
}

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, buildTestApi, recordingServices, type TestApi } from './helpers.js';
import { type KeyHolder, seedKeys, seedTeams, storeRecording } from './recording-fixtures.js';

const T0 = Date.UTC(2025, 0, 6); // a Monday
const DAY = 86_400_000;
const WEEK = { from: new Date(T0).toISOString(), to: new Date(T0 + 7 * DAY).toISOString() };

const criteria = [
  { id: 'greet', label: 'Greeting', weight: 1, maxScore: 5 },
  { id: 'legal', label: 'Legal notice', weight: 2, maxScore: 1, mustPass: true },
];

let api: TestApi;
let keys: Record<KeyHolder | 'admin', string>;

/** Three calls each for a1 and a2 (sales) and a3 (support) in the week, one for a3 the week after. */
beforeEach(async () => {
  let files = '';
  api = await buildTestApi({
    recordings: (store, dir, logger) => {
      files = join(dir, 'recordings');
      return {
        dir: files,
        rules: () => ({ defaultDays: 90, campaignDays: {} }),
        ...recordingServices(store, logger),
      };
    },
  });
  seedTeams(api.store);
  keys = { admin: api.adminKey, ...seedKeys(api.store) };
  const teamOf: Record<string, string> = { a1: 'sales', a2: 'sales', a3: 'support' };
  for (const agentId of ['a1', 'a2', 'a3']) {
    for (let i = 0; i < 3; i++) {
      const id = `${agentId}-${i}`;
      storeRecording(api.store, files, { id, agentId, teamId: teamOf[agentId], startedAt: T0 + i * DAY });
    }
  }
  // The per-party files of a split recording are never sampled (the conversation is: its mixed file).
  for (const layout of ['agent', 'customer'] as const) {
    storeRecording(api.store, files, {
      id: `split-${layout}`,
      callId: 'call-a1-0',
      agentId: 'a1',
      teamId: 'sales',
      startedAt: T0,
      layout,
    });
  }
  storeRecording(api.store, files, {
    id: 'a3-later',
    agentId: 'a3',
    teamId: 'support',
    startedAt: T0 + 8 * DAY,
  });
});
afterEach(async () => {
  await api.close();
});

const get = (url: string, key: string) => api.app.inject({ url, headers: bearer(key) });
const post = (url: string, key: string, payload: object) =>
  api.app.inject({ method: 'POST', url, headers: bearer(key), payload });

async function createForm(): Promise<string> {
  const res = await post('/v1/qa/forms', keys.admin, { name: 'Inbound calls', criteria });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

/** Averages are rounded in SQL, where x.xx5 may go either way. */
const near = (n: number) => expect.closeTo(n, 1);

const score = (key: string, recordingId: string, formId: string, answers: object, extra: object = {}) =>
  post('/v1/qa/scores', key, { recordingId, formId, answers, ...extra });

describe('QA forms', () => {
  it('are created by admins only and read by QA staff, supervisors and team leaders', async () => {
    expect((await post('/v1/qa/forms', keys.qa, { name: 'x', criteria })).statusCode).toBe(403);
    const id = await createForm();
    for (const key of [keys.qa, keys.supervisor, keys.lead1]) {
      const res = await get('/v1/qa/forms', key);
      expect(res.statusCode).toBe(200);
      expect(res.json().forms).toEqual([
        {
          id,
          name: 'Inbound calls',
          version: 1,
          criteria: [
            { ...criteria[0], mustPass: false },
            { ...criteria[1], mustPass: true },
          ],
          active: true,
          createdAt: expect.stringMatching(/Z$/),
        },
      ]);
    }
    expect((await get('/v1/qa/forms', keys.a2)).statusCode).toBe(403);
    expect((await get(`/v1/qa/forms/${id}`, keys.qa)).json().id).toBe(id);
  });

  it('refuses bad criteria', async () => {
    const bad = await post('/v1/qa/forms', keys.admin, {
      name: 'bad',
      criteria: [{ id: 'x', label: 'X', weight: 0, maxScore: 1.5 }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.map((d: { path: string }) => d.path)).toEqual([
      'body.criteria.0.weight',
      'body.criteria.0.maxScore',
    ]);
  });
});

describe('QA sampling and tasks', () => {
  it('creates N tasks per agent for the week, once per recording and form', async () => {
    const formId = await createForm();
    const first = await post('/v1/qa/sample', keys.qa, { formId, ...WEEK, perAgent: 2, seed: 3 });
    expect(first.statusCode).toBe(201);
    expect(first.json().created).toBe(6);
    const chosen = first.json().tasks.map((t: { recordingId: string }) => t.recordingId);
    expect(chosen.filter((id: string) => id.startsWith('a3-'))).toHaveLength(2);
    expect(chosen).not.toContain('a3-later');
    expect(chosen.filter((id: string) => id.startsWith('split-'))).toEqual([]);

    const again = await post('/v1/qa/sample', keys.supervisor, { formId, ...WEEK, perAgent: 5 });
    expect(again.json().created).toBe(3); // the one call per agent not sampled yet
    expect((await post('/v1/qa/sample', keys.qa, { formId, ...WEEK, perAgent: 5 })).json().created).toBe(0);

    expect((await post('/v1/qa/sample', keys.lead1, { formId, ...WEEK, perAgent: 1 })).statusCode).toBe(403);
    const unknown = await post('/v1/qa/sample', keys.qa, { formId: 'nope', ...WEEK, perAgent: 1 });
    expect(unknown.json().error.code).toBe('UNKNOWN_QA_FORM');
  });

  it('samples by filter and shows team leaders only their teams’ tasks', async () => {
    const formId = await createForm();
    const res = await post('/v1/qa/sample', keys.qa, { formId, ...WEEK, perAgent: 1, teamId: 'support' });
    expect(res.json().tasks.map((t: { recordingId: string }) => t.recordingId)).toEqual([
      expect.stringMatching(/^a3-\d$/),
    ]);
    await post('/v1/qa/sample', keys.qa, { formId, ...WEEK, perAgent: 1, teamId: 'sales' });

    const all = await get('/v1/qa/tasks?status=open', keys.qa);
    expect(all.json().tasks).toHaveLength(3);
    const lead = await get('/v1/qa/tasks', keys.lead1);
    expect(lead.json().tasks.map((t: { teamId: string }) => t.teamId)).toEqual(['sales', 'sales']);
    expect((await get('/v1/qa/tasks', keys.a2)).statusCode).toBe(403);
  });
});

describe('POST /v1/qa/scores', () => {
  it('names a missing or out-of-range criterion', async () => {
    const formId = await createForm();
    const missing = await score(keys.qa, 'a1-0', formId, { greet: { score: 4 } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'body.answers.legal', message: '"Legal notice" is not answered' }],
    });
    const high = await score(keys.qa, 'a1-0', formId, { greet: { score: 6 }, legal: { score: 1 } });
    expect(high.json().error.details).toEqual([
      { path: 'body.answers.greet', message: '"Greeting": score 6 is outside 0..5' },
    ]);
    expect((await score(keys.qa, 'nope', formId, {})).json().error.code).toBe('UNKNOWN_RECORDING');
    expect((await score(keys.qa, 'a1-0', 'nope', {})).json().error.code).toBe('UNKNOWN_QA_FORM');
  });

  it('stores a valid score with its total and pass, closing the task', async () => {
    const formId = await createForm();
    const [task] = (
      await post('/v1/qa/sample', keys.qa, { formId, ...WEEK, perAgent: 1, teamId: 'support' })
    ).json().tasks;
    const answers = { greet: { score: 4, comment: 'warm' }, legal: { score: 1 } };
    const res = await score(keys.qa, task.recordingId, formId, answers, { taskId: task.id, comment: 'good' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      taskId: task.id,
      recordingId: task.recordingId,
      formId,
      formVersion: 1,
      scorer: 'qa',
      answers,
      total: 93.33,
      passed: true,
      comment: 'good',
    });
    expect(api.store.qa.task(task.id)?.status).toBe('done');
    const twice = await score(keys.qa, task.recordingId, formId, answers, { taskId: task.id });
    expect(twice.json().error.code).toBe('QA_TASK_DONE');
    const wrong = await score(keys.qa, 'a1-0', formId, answers, { taskId: task.id });
    expect(wrong.statusCode).toBe(400);
  });

  it('lets team leaders score their teams’ calls only, auditing the refusal', async () => {
    const formId = await createForm();
    const answers = { greet: { score: 5 }, legal: { score: 1 } };
    expect((await score(keys.lead1, 'a2-0', formId, answers)).statusCode).toBe(201);
    // Another team's recording answers as an unknown one (no probing for ids).
    expect((await score(keys.lead1, 'a3-0', formId, answers)).statusCode).toBe(404);
    expect(api.store.audit.list({ targetId: 'a3-0' })).toEqual([
      expect.objectContaining({ action: 'score', keyName: 'lead a1', allowed: false }),
    ]);
    expect((await score(keys.a2, 'a2-0', formId, answers)).statusCode).toBe(403);
  });
});

describe('GET /v1/qa/reports', () => {
  it('reports count, average total and pass rate per agent and per team', async () => {
    const formId = await createForm();
    const full = { greet: { score: 5 }, legal: { score: 1 } };
    const failed = { greet: { score: 5 }, legal: { score: 0 } };
    const half = { greet: { score: 0 }, legal: { score: 1 } };
    for (const [id, answers] of [
      ['a1-0', full],
      ['a1-1', failed],
      ['a2-0', half],
      ['a3-0', full],
      ['a3-later', failed],
    ] as const) {
      expect((await score(keys.qa, id, formId, answers)).statusCode).toBe(201);
    }

    const byAgent = await get(`/v1/qa/reports?from=${WEEK.from}&to=${WEEK.to}`, keys.supervisor);
    expect(byAgent.json()).toEqual({
      ...WEEK,
      groupBy: 'agent',
      rows: [
        { id: 'a1', count: 2, averageTotal: near(66.67), passRate: near(0.5) },
        { id: 'a2', count: 1, averageTotal: near(66.67), passRate: 1 },
        { id: 'a3', count: 1, averageTotal: near(100), passRate: 1 },
      ],
    });
    const byTeam = await get(`/v1/qa/reports?from=${T0}&to=${T0 + 14 * DAY}&groupBy=team`, keys.qa);
    expect(byTeam.json().rows).toEqual([
      { id: 'sales', count: 3, averageTotal: near(66.67), passRate: near(0.6667) },
      { id: 'support', count: 2, averageTotal: near(66.67), passRate: near(0.5) },
    ]);

    const lead = await get(`/v1/qa/reports?from=${WEEK.from}&to=${WEEK.to}&groupBy=team`, keys.lead1);
    expect(lead.json().rows.map((r: { id: string }) => r.id)).toEqual(['sales']);
    expect((await get(`/v1/qa/reports?from=${WEEK.to}&to=${WEEK.from}`, keys.qa)).statusCode).toBe(400);
    expect((await get(`/v1/qa/reports?from=${WEEK.from}&to=${WEEK.to}`, keys.a2)).statusCode).toBe(403);
  });
});

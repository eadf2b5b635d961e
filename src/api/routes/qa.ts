import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { QaError, type QaErrorCode } from '../../recording/qa.js';
import { qaAnswerSchema, qaCriteriaSchema, qaCriterionSchema } from '../../recording/qa-score.js';
import { QA_TASK_STATUSES, type QaForm, type QaScore, type QaTask } from '../../store/index.js';
import { errorResponses, HttpError } from '../plugins/errors.js';
import { auditActor, recordingScope, visibleRecording } from '../recording-access.js';
import type { RecordingApiDeps } from '../types.js';
import { iso } from './agent-schemas.js';
import { directionSchema, instantSchema, isWindow } from './recording-schemas.js';

const ADMIN = { roles: ['admin'] } as const;
const FORM_READERS = { roles: ['qa', 'supervisor', 'team-leader'] } as const;
const SAMPLERS = { roles: ['qa', 'supervisor'] } as const;
/** Team leaders limited to their teams' recordings (see recordingScope). */
const SCORERS = { roles: ['qa', 'supervisor', 'team-leader'] } as const;

const idParams = z.object({ id: z.string().min(1) });

const formSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number().int(),
  criteria: z.array(qaCriterionSchema),
  active: z.boolean().describe('False once a newer version of the form was saved'),
  createdAt: z.iso.datetime(),
});

const taskFields = {
  id: z.string(),
  recordingId: z.string(),
  formId: z.string(),
  assignedTo: z.string().nullable(),
  status: z.enum(QA_TASK_STATUSES),
  reason: z.string().describe('The sampling rule that chose the call'),
  createdAt: z.iso.datetime(),
  doneAt: z.iso.datetime().nullable(),
};
const taskSchema = z.object(taskFields);
const taskViewSchema = z.object({
  ...taskFields,
  agentId: z.string().nullable(),
  teamId: z.string().nullable(),
  startedAt: z.iso.datetime().describe("The call's start"),
});

const scoreSchema = z.object({
  id: z.string(),
  taskId: z.string().nullable(),
  recordingId: z.string(),
  formId: z.string(),
  formVersion: z.number().int(),
  scorer: z.string(),
  answers: z.record(z.string(), qaAnswerSchema),
  total: z.number().describe('Weighted, 0..100'),
  passed: z.boolean().describe('Every must-pass criterion at its full score'),
  comment: z.string().nullable(),
  createdAt: z.iso.datetime(),
});

const formBody = (form: QaForm) => ({ ...form, createdAt: iso(form.createdAt) });
const taskBody = <T extends QaTask>(task: T) => ({
  ...task,
  createdAt: iso(task.createdAt),
  doneAt: task.doneAt === null ? null : iso(task.doneAt),
});
const scoreBody = (score: QaScore) => ({ ...score, createdAt: iso(score.createdAt) });

const windowError = () => new HttpError(400, 'VALIDATION_FAILED', 'from must be before to');

const QA_STATUS: Record<QaErrorCode, number> = {
  UNKNOWN_RECORDING: 400,
  UNKNOWN_QA_FORM: 400,
  UNKNOWN_QA_TASK: 400,
  VALIDATION_FAILED: 400,
  QA_TASK_DONE: 409,
};

/** QA's refusals as HTTP errors; an answer's problems are named by their place in the body. */
function run<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (!(err instanceof QaError)) throw err;
    if (!err.problems) throw new HttpError(QA_STATUS[err.code], err.code, err.message);
    const details = err.problems.map((p) => ({ path: `body.answers.${p.criterionId}`, message: p.message }));
    const message = details.map((d) => `${d.path}: ${d.message}`).join('; ');
    throw new HttpError(QA_STATUS[err.code], err.code, message, details);
  }
}

/** QA: scoring forms, sampled tasks, scores and reports. Mounted under /v1/qa. */
export const qaRoutes: FastifyPluginAsyncZod<RecordingApiDeps> = async (app, { qa, library }) => {
  const by = (request: FastifyRequest) => request.principal!.name;

  app.post(
    '/forms',
    {
      config: ADMIN,
      schema: {
        tags: ['qa'],
        summary: 'Save a scoring form',
        description:
          'A form under a name already used becomes its next version; earlier versions are retired ' +
          '(scores keep the version they were given with). Criteria ids must be unique.',
        body: z.strictObject({ name: z.string().trim().min(1).max(100), criteria: qaCriteriaSchema }),
        response: { 201: formSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      return reply.status(201).send(formBody(qa.saveForm(request.body, by(request))));
    },
  );

  app.get(
    '/forms',
    {
      config: FORM_READERS,
      schema: {
        tags: ['qa'],
        summary: 'List scoring forms',
        description: 'By name, newest version first; current versions only unless includeRetired=true.',
        querystring: z.object({ includeRetired: z.stringbool().default(false) }),
        response: { 200: z.object({ forms: z.array(formSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      forms: qa.forms({ activeOnly: !request.query.includeRetired }).map(formBody),
    }),
  );

  app.get(
    '/forms/:id',
    {
      config: FORM_READERS,
      schema: {
        tags: ['qa'],
        summary: 'One scoring form',
        params: idParams,
        response: { 200: formSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const form = qa.form(request.params.id);
      if (!form) throw new HttpError(404, 'QA_FORM_NOT_FOUND', `No QA form with id ${request.params.id}`);
      return formBody(form);
    },
  );

  app.post(
    '/sample',
    {
      config: SAMPLERS,
      schema: {
        tags: ['qa'],
        summary: 'Sample calls for QA',
        description:
          'Creates an open task for perAgent random stored recordings per agent among the calls started ' +
          'in [from, to) (e.g. a week) that match the optional filter. Recordings that already have a ' +
          'task for this form are skipped, so running it twice adds nothing new. seed makes it repeatable.',
        body: z.strictObject({
          formId: z.string().min(1),
          from: instantSchema,
          to: instantSchema,
          perAgent: z.number().int().min(1).max(100),
          teamId: z.string().min(1).optional(),
          campaignId: z.string().min(1).optional(),
          direction: directionSchema.optional(),
          minDuration: z.number().min(0).optional().describe('Seconds'),
          maxDuration: z.number().min(0).optional().describe('Seconds'),
          assignedTo: z.string().min(1).max(100).optional().describe('QA staff (key name or agent id)'),
          seed: z.number().int().optional(),
        }),
        response: {
          201: z.object({ created: z.number().int(), tasks: z.array(taskSchema) }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const { formId, from, to, perAgent, seed, assignedTo, ...filter } = request.body;
      if (!isWindow(from, to)) throw windowError();
      const sample = { formId, from, to, perAgent, seed, assignedTo, filter };
      const tasks = run(() => qa.sample(sample, by(request)));
      return reply.status(201).send({ created: tasks.length, tasks: tasks.map(taskBody) });
    },
  );

  app.get(
    '/tasks',
    {
      config: SCORERS,
      schema: {
        tags: ['qa'],
        summary: 'List QA tasks',
        description: 'Oldest first. Team leaders see the tasks on their teams’ calls only.',
        querystring: z.object({
          status: z.enum(QA_TASK_STATUSES).optional(),
          formId: z.string().min(1).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: z.object({ tasks: z.array(taskViewSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const visibleTo = recordingScope(request) ?? undefined;
      const tasks = qa.tasks({ ...request.query, visibleTo });
      return { tasks: tasks.map((t) => ({ ...taskBody(t), startedAt: iso(t.startedAt) })) };
    },
  );

  app.post(
    '/scores',
    {
      config: SCORERS,
      schema: {
        tags: ['qa'],
        summary: 'Score a recorded call',
        description:
          'Every criterion of the form must be answered with a score in 0..maxScore; otherwise 400 ' +
          'VALIDATION_FAILED names each criterion (details path body.answers.<criterion>). Given a taskId, ' +
          'the task (for this recording and form, still open) is closed. Team leaders may score their ' +
          'teams’ calls only. Audited.',
        body: z.strictObject({
          recordingId: z.string().min(1),
          formId: z.string().min(1),
          taskId: z.string().min(1).optional(),
          answers: z.record(z.string(), qaAnswerSchema).describe('By criterion id'),
          comment: z.string().max(4000).optional(),
        }),
        response: { 201: scoreSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { recordingId } = request.body;
      if (!library.get(recordingId)) {
        throw new HttpError(400, 'UNKNOWN_RECORDING', `No recording with id ${recordingId}`);
      }
      visibleRecording(request, library, recordingId, 'score');
      const score = run(() => qa.score(request.body, auditActor(request)));
      return reply.status(201).send(scoreBody(score));
    },
  );

  app.get(
    '/reports',
    {
      config: { ...SCORERS, rateLimit: 'search' },
      schema: {
        tags: ['qa'],
        summary: 'QA results per agent or team',
        description:
          'Scores of the calls started in [from, to), grouped by the agent or team of the call: how many, ' +
          'the average total and the pass rate (0..1). Team leaders see their teams only.',
        querystring: z.object({
          from: instantSchema.describe('Call start, inclusive (ISO 8601 or epoch ms)'),
          to: instantSchema.describe('Call start, exclusive (ISO 8601 or epoch ms)'),
          groupBy: z.enum(['agent', 'team']).default('agent'),
          formId: z.string().min(1).optional(),
        }),
        response: {
          200: z.object({
            from: z.iso.datetime(),
            to: z.iso.datetime(),
            groupBy: z.enum(['agent', 'team']),
            rows: z.array(
              z.object({
                id: z.string().nullable().describe('Agent or team id; null for calls without one'),
                count: z.number().int(),
                averageTotal: z.number(),
                passRate: z.number(),
              }),
            ),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { from, to, groupBy, formId } = request.query;
      if (!isWindow(from, to)) throw windowError();
      const visibleTo = recordingScope(request) ?? undefined;
      const rows = qa.report({ from, to, groupBy, formId, visibleTo });
      return { from: iso(from), to: iso(to), groupBy, rows };
    },
  );
};

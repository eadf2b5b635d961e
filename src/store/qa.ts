import { randomUUID } from 'node:crypto';
import type { QaAnswers, QaCriterion } from '../recording/qa-score.js';
import type { Database } from './db.js';
import { type RecordingFilter, type RecordingScope, recordingConditions } from './recordings.js';

/** Times are epoch milliseconds. */

export interface QaForm {
  id: string;
  name: string;
  /** Saving a form under an existing name makes a new version and retires the earlier ones. */
  version: number;
  criteria: QaCriterion[];
  active: boolean;
  createdAt: number;
}

export const QA_TASK_STATUSES = ['open', 'done'] as const;
export type QaTaskStatus = (typeof QA_TASK_STATUSES)[number];

export interface NewQaTask {
  recordingId: string;
  formId: string;
  /** The QA staff member (key name or agent id) it is for; null for anyone. */
  assignedTo: string | null;
  /** The sampling rule that chose the recording. */
  reason: string;
}

export interface QaTask extends NewQaTask {
  id: string;
  status: QaTaskStatus;
  createdAt: number;
  doneAt: number | null;
}

/** A task with the recording facts QA staff and team leaders pick tasks by. */
export interface QaTaskView extends QaTask {
  agentId: string | null;
  teamId: string | null;
  startedAt: number;
}

export interface QaTaskQuery {
  status?: QaTaskStatus;
  formId?: string;
  visibleTo?: RecordingScope;
  /** Default 100. */
  limit?: number;
  offset?: number;
}

export interface NewQaScore {
  taskId: string | null;
  recordingId: string;
  formId: string;
  formVersion: number;
  scorer: string;
  answers: QaAnswers;
  total: number;
  passed: boolean;
  comment: string | null;
}

export interface QaScore extends NewQaScore {
  id: string;
  createdAt: number;
}

export interface QaReportQuery {
  /** The calls' start, inclusive. */
  from: number;
  /** The calls' start, exclusive. */
  to: number;
  groupBy: 'agent' | 'team';
  formId?: string;
  visibleTo?: RecordingScope;
}

export interface QaReportRow {
  /** The agent or team id; null for scored calls that had none. */
  id: string | null;
  count: number;
  /** Mean total, 0..100, two decimals. */
  averageTotal: number;
  /** Share of scores that passed, 0..1. */
  passRate: number;
}

type FormRow = Omit<QaForm, 'criteria' | 'active'> & { criteria: string; active: number };

const decodeForm = ({ criteria, active, ...row }: FormRow): QaForm => ({
  ...row,
  criteria: JSON.parse(criteria) as QaCriterion[],
  active: active === 1,
});

const FORM_COLUMNS = 'id, name, version, criteria, active, created_at AS createdAt';
const TASK_COLUMNS = `t.id, t.recording_id AS recordingId, t.form_id AS formId, t.assigned_to AS assignedTo,
  t.status, t.reason, t.created_at AS createdAt, t.done_at AS doneAt`;
const GROUP_COLUMN = { agent: 'r.agent_id', team: 'r.team_id' } as const;

type Params = Record<string, string | number>;

/** QA scoring forms, the tasks sampling creates, and the scores given. */
export class QaRepository {
  readonly #db: Database;
  readonly #createForm;
  readonly #form;
  readonly #forms;
  readonly #createTasks;
  readonly #task;
  readonly #addScore;

  constructor(db: Database) {
    this.#db = db;
    const nextVersion = db
      .prepare<[string], number>('SELECT coalesce(max(version), 0) + 1 FROM qa_forms WHERE name = ?')
      .pluck();
    const insertForm = db.prepare(
      `INSERT INTO qa_forms (id, name, version, criteria, active, created_at)
       VALUES (@id, @name, @version, @criteria, 1, @createdAt)`,
    );
    const retire = db.prepare<[string, string]>('UPDATE qa_forms SET active = 0 WHERE name = ? AND id != ?');
    this.#createForm = db.transaction((name: string, criteria: QaCriterion[], now: number): QaForm => {
      const form: QaForm = {
        id: randomUUID(),
        name,
        version: nextVersion.get(name)!,
        criteria,
        active: true,
        createdAt: now,
      };
      insertForm.run({ ...form, criteria: JSON.stringify(criteria), active: 1 });
      retire.run(name, form.id);
      return form;
    });
    this.#form = db.prepare<[string], FormRow>(`SELECT ${FORM_COLUMNS} FROM qa_forms WHERE id = ?`);
    this.#forms = db.prepare<{ activeOnly: number }, FormRow>(
      `SELECT ${FORM_COLUMNS} FROM qa_forms WHERE @activeOnly = 0 OR active = 1 ORDER BY name, version DESC`,
    );

    const insertTask = db.prepare(
      `INSERT INTO qa_tasks (id, recording_id, form_id, assigned_to, status, reason, created_at)
       VALUES (@id, @recordingId, @formId, @assignedTo, 'open', @reason, @createdAt)
       ON CONFLICT (recording_id, form_id) DO NOTHING`,
    );
    this.#createTasks = db.transaction((tasks: readonly NewQaTask[], now: number): QaTask[] =>
      tasks.flatMap((input) => {
        const task: QaTask = { ...input, id: randomUUID(), status: 'open', createdAt: now, doneAt: null };
        return insertTask.run(task).changes > 0 ? [task] : [];
      }),
    );
    this.#task = db.prepare<[string], QaTask>(`SELECT ${TASK_COLUMNS} FROM qa_tasks t WHERE t.id = ?`);

    const insertScore = db.prepare(
      `INSERT INTO qa_scores (id, task_id, recording_id, form_id, form_version, scorer, answers, total, passed,
         comment, created_at)
       VALUES (@id, @taskId, @recordingId, @formId, @formVersion, @scorer, @answers, @total, @passed, @comment,
         @createdAt)`,
    );
    const closeTask = db.prepare<[number, string]>(
      "UPDATE qa_tasks SET status = 'done', done_at = ? WHERE id = ? AND status = 'open'",
    );
    this.#addScore = db.transaction((input: NewQaScore, now: number): QaScore => {
      const score: QaScore = { ...input, id: randomUUID(), createdAt: now };
      insertScore.run({ ...score, answers: JSON.stringify(score.answers), passed: score.passed ? 1 : 0 });
      if (score.taskId !== null) closeTask.run(now, score.taskId);
      return score;
    });
  }

  createForm(input: { name: string; criteria: QaCriterion[] }, now: number): QaForm {
    return this.#createForm(input.name, input.criteria, now);
  }

  form(id: string): QaForm | null {
    const row = this.#form.get(id);
    return row ? decodeForm(row) : null;
  }

  /** By name, newest version first. */
  forms(options: { activeOnly?: boolean } = {}): QaForm[] {
    return this.#forms.all({ activeOnly: options.activeOnly ? 1 : 0 }).map(decodeForm);
  }

  /** Stored mixed recordings with an agent, matching the filter, that have no task for this form yet. */
  sampleCandidates(formId: string, filter: RecordingFilter): { id: string; agentId: string }[] {
    const [where, params] = recordingConditions({ ...filter, status: 'stored' }, 'r');
    return this.#db
      .prepare<Params, { id: string; agentId: string }>(
        `SELECT r.id, r.agent_id AS agentId FROM recordings r
         WHERE ${where} AND r.agent_id IS NOT NULL
           -- the conversation, not the per-party files of a split layout (one task per call)
           AND r.layout = 'mixed'
           AND NOT EXISTS (SELECT 1 FROM qa_tasks t WHERE t.recording_id = r.id AND t.form_id = @sampleFormId)`,
      )
      .all({ ...params, sampleFormId: formId });
  }

  /** Creates the tasks, skipping recordings that already have one for the form; returns those created. */
  createTasks(tasks: readonly NewQaTask[], now: number): QaTask[] {
    return this.#createTasks(tasks, now);
  }

  task(id: string): QaTask | null {
    return this.#task.get(id) ?? null;
  }

  /** Oldest first, so the backlog is worked in order. */
  tasks(query: QaTaskQuery = {}): QaTaskView[] {
    const [where, params] = recordingConditions({ visibleTo: query.visibleTo }, 'r');
    return this.#db
      .prepare<Params, QaTaskView>(
        `SELECT ${TASK_COLUMNS}, r.agent_id AS agentId, r.team_id AS teamId, r.started_at AS startedAt
         FROM qa_tasks t JOIN recordings r ON r.id = t.recording_id
         WHERE ${where} AND (@status = '' OR t.status = @status) AND (@formId = '' OR t.form_id = @formId)
         ORDER BY t.created_at, t.id LIMIT @limit OFFSET @offset`,
      )
      .all({
        ...params,
        status: query.status ?? '',
        formId: query.formId ?? '',
        limit: query.limit ?? 100,
        offset: query.offset ?? 0,
      });
  }

  /** Records a score and closes its task (if any) in one transaction. */
  addScore(score: NewQaScore, now: number): QaScore {
    return this.#addScore(score, now);
  }

  /** Scores of the calls started in [from, to), per agent or team, by id. */
  report(query: QaReportQuery): QaReportRow[] {
    const { from, to, visibleTo } = query;
    const [where, params] = recordingConditions({ from, to, visibleTo }, 'r');
    const group = GROUP_COLUMN[query.groupBy];
    return this.#db
      .prepare<Params, QaReportRow>(
        `SELECT ${group} AS id, count(*) AS count, round(avg(s.total), 2) AS averageTotal,
           round(avg(s.passed), 4) AS passRate
         FROM qa_scores s JOIN recordings r ON r.id = s.recording_id
         WHERE ${where} AND (@formId = '' OR s.form_id = @formId)
         GROUP BY ${group} ORDER BY ${group}`,
      )
      .all({ ...params, formId: query.formId ?? '' });
  }
}

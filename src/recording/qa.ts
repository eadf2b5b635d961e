import type { Logger } from 'pino';
import type {
  QaForm,
  QaReportQuery,
  QaReportRow,
  QaScore,
  QaTask,
  QaTaskQuery,
  QaTaskView,
  Store,
} from '../store/index.js';
import type { AuditActor, RecordingLibrary } from './library.js';
import { type QaAnswers, type QaCriterion, type ScoreProblem, scoreAnswers } from './qa-score.js';
import { createSampleTasks, type SampleRequest } from './sampling.js';

/** Why QA refused a request. The codes double as the API's error codes. */
export type QaErrorCode =
  | 'UNKNOWN_RECORDING'
  | 'UNKNOWN_QA_FORM'
  | 'UNKNOWN_QA_TASK'
  | 'VALIDATION_FAILED'
  | 'QA_TASK_DONE';

export class QaError extends Error {
  override readonly name = 'QaError';
  constructor(
    readonly code: QaErrorCode,
    message: string,
    /** For VALIDATION_FAILED on answers: the problem with each criterion. */
    readonly problems?: ScoreProblem[],
  ) {
    super(message);
  }
}

export interface QaServiceDeps {
  store: Store;
  /** Scores are written to its audit log. */
  library: RecordingLibrary;
  logger: Logger;
  now: () => number;
}

/**
 * Quality assurance of recorded calls: scoring forms (versioned by name), tasks sampled at random per
 * agent, scores checked against their form, and reports per agent or team. Times are the service's clock.
 */
export class QaService {
  private readonly store: Store;
  private readonly log: Logger;

  constructor(private readonly deps: QaServiceDeps) {
    this.store = deps.store;
    this.log = deps.logger.child({ component: 'qa' });
  }

  /** A form under a name already used becomes its next version; earlier versions are retired. */
  saveForm(input: { name: string; criteria: QaCriterion[] }, by: string): QaForm {
    const form = this.store.qa.createForm(input, this.deps.now());
    this.log.info({ formId: form.id, name: form.name, version: form.version, by }, 'qa form saved');
    return form;
  }

  /** By name, newest version first. */
  forms(options: { activeOnly: boolean }): QaForm[] {
    return this.store.qa.forms(options);
  }

  form(id: string): QaForm | null {
    return this.store.qa.form(id);
  }

  /** Creates open tasks for random recordings per agent (see createSampleTasks); the new tasks. */
  sample(request: SampleRequest, by: string): QaTask[] {
    this.knownForm(request.formId);
    const tasks = createSampleTasks(this.store, request, this.deps.now());
    this.log.info({ formId: request.formId, created: tasks.length, by }, 'qa sample taken');
    return tasks;
  }

  /** Oldest first. */
  tasks(query: QaTaskQuery): QaTaskView[] {
    return this.store.qa.tasks(query);
  }

  /**
   * Scores a recorded call against a form: every criterion answered within 0..maxScore. Given a task
   * (for this recording and form, still open), closes it. Audited as the scorer's.
   */
  score(
    input: { recordingId: string; formId: string; taskId?: string; answers: QaAnswers; comment?: string },
    scorer: AuditActor,
  ): QaScore {
    const { recordingId, formId, taskId, answers, comment } = input;
    if (!this.store.recordings.get(recordingId)) {
      throw new QaError('UNKNOWN_RECORDING', `No recording with id ${recordingId}`);
    }
    const form = this.knownForm(formId);
    if (taskId !== undefined) {
      const task = this.store.qa.task(taskId);
      if (!task) throw new QaError('UNKNOWN_QA_TASK', `No QA task with id ${taskId}`);
      if (task.recordingId !== recordingId || task.formId !== formId) {
        throw new QaError('VALIDATION_FAILED', `Task ${taskId} is for another recording or form`);
      }
      if (task.status !== 'open') throw new QaError('QA_TASK_DONE', `Task ${taskId} is already done`);
    }
    const { total, passed, problems } = scoreAnswers(form, answers);
    if (problems.length > 0) {
      const message = problems.map((p) => `${p.criterionId}: ${p.message}`).join('; ');
      throw new QaError('VALIDATION_FAILED', message, problems);
    }
    const score = this.store.qa.addScore(
      {
        taskId: taskId ?? null,
        recordingId,
        formId,
        formVersion: form.version,
        scorer: scorer.keyName,
        answers,
        total,
        passed,
        comment: comment ?? null,
      },
      this.deps.now(),
    );
    this.deps.library.audit(scorer, {
      action: 'score',
      targetId: recordingId,
      allowed: true,
      detail: { scoreId: score.id, formId, total, passed },
    });
    return score;
  }

  report(query: QaReportQuery): QaReportRow[] {
    return this.store.qa.report(query);
  }

  private knownForm(id: string): QaForm {
    const form = this.store.qa.form(id);
    if (!form) throw new QaError('UNKNOWN_QA_FORM', `No QA form with id ${id}`);
    return form;
  }
}

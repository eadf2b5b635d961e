import { z } from 'zod';

/** One item QA staff score a call on. */
export const qaCriterionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, "-" or "_"'),
  label: z.string().trim().min(1).max(200),
  /** Relative weight in the total. */
  weight: z.number().positive().max(1000),
  /** Scores go from 0 to this. */
  maxScore: z.number().int().min(1).max(100),
  /** The call fails QA unless this criterion gets its full score (e.g. "read the legal notice"). */
  mustPass: z.boolean().default(false),
});
export type QaCriterion = z.infer<typeof qaCriterionSchema>;

export const qaCriteriaSchema = z
  .array(qaCriterionSchema)
  .min(1)
  .max(100)
  .superRefine((criteria, ctx) => {
    const seen = new Set<string>();
    criteria.forEach((criterion, i) => {
      if (seen.has(criterion.id)) {
        ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate criterion id ${criterion.id}` });
      }
      seen.add(criterion.id);
    });
  });

export const qaAnswerSchema = z.strictObject({
  score: z.number(),
  comment: z.string().max(2000).optional(),
});
export type QaAnswer = z.infer<typeof qaAnswerSchema>;
/** By criterion id. */
export type QaAnswers = Record<string, QaAnswer>;

export interface ScoreProblem {
  criterionId: string;
  message: string;
}

export interface ScoreResult {
  /** Weighted, 0..100, two decimals; 0 when there are problems. */
  total: number;
  /** Every must-pass criterion at its full score; false when there are problems. */
  passed: boolean;
  /** Missing, out-of-range or unknown answers; empty when the answers are complete and valid. */
  problems: ScoreProblem[];
}

/** Scores one call against a form: every criterion must be answered, within 0..maxScore. */
export function scoreAnswers(form: { criteria: readonly QaCriterion[] }, answers: QaAnswers): ScoreResult {
  const problems: ScoreProblem[] = [];
  const known = new Set(form.criteria.map((c) => c.id));
  for (const id of Object.keys(answers)) {
    if (!known.has(id)) problems.push({ criterionId: id, message: 'is not a criterion of this form' });
  }

  let weighted = 0;
  let weights = 0;
  let passed = true;
  for (const criterion of form.criteria) {
    const answer = Object.hasOwn(answers, criterion.id) ? answers[criterion.id] : undefined;
    if (answer === undefined) {
      problems.push({ criterionId: criterion.id, message: `"${criterion.label}" is not answered` });
      continue;
    }
    const { score } = answer;
    if (!Number.isFinite(score) || score < 0 || score > criterion.maxScore) {
      problems.push({
        criterionId: criterion.id,
        message: `"${criterion.label}": score ${score} is outside 0..${criterion.maxScore}`,
      });
      continue;
    }
    weighted += (criterion.weight * score) / criterion.maxScore;
    weights += criterion.weight;
    if (criterion.mustPass && score < criterion.maxScore) passed = false;
  }

  if (problems.length > 0) return { total: 0, passed: false, problems };
  return { total: Math.round((weighted / weights) * 10_000) / 100, passed, problems };
}

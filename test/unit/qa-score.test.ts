import { describe, expect, it } from 'vitest';
import { type QaCriterion, qaCriteriaSchema, scoreAnswers } from '../../src/recording/qa-score.js';

const form: { criteria: QaCriterion[] } = {
  criteria: [
    { id: 'greet', label: 'Greeting', weight: 1, maxScore: 5, mustPass: false },
    { id: 'legal', label: 'Legal notice', weight: 2, maxScore: 1, mustPass: true },
    { id: 'close', label: 'Closing', weight: 1, maxScore: 10, mustPass: false },
  ],
};

describe('scoreAnswers', () => {
  it('weighs each criterion by its share of the maximum', () => {
    const result = scoreAnswers(form, {
      greet: { score: 5 },
      legal: { score: 1, comment: 'read in full' },
      close: { score: 5 },
    });
    // (1*1 + 2*1 + 1*0.5) / 4 = 87.5 %
    expect(result).toEqual({ total: 87.5, passed: true, problems: [] });
  });

  it('fails a call that misses a must-pass criterion, whatever the total', () => {
    const result = scoreAnswers(form, { greet: { score: 5 }, legal: { score: 0 }, close: { score: 10 } });
    expect(result).toEqual({ total: 50, passed: false, problems: [] });
  });

  it('rounds the total to two decimals', () => {
    const thirds = { criteria: [{ id: 'x', label: 'X', weight: 1, maxScore: 3, mustPass: false }] };
    expect(scoreAnswers(thirds, { x: { score: 1 } }).total).toBe(33.33);
  });

  it('names every missing, out-of-range or unknown answer', () => {
    const result = scoreAnswers(form, { greet: { score: 6 }, close: { score: -1 }, extra: { score: 1 } });
    expect(result.total).toBe(0);
    expect(result.passed).toBe(false);
    expect(result.problems).toEqual([
      { criterionId: 'extra', message: 'is not a criterion of this form' },
      { criterionId: 'greet', message: '"Greeting": score 6 is outside 0..5' },
      { criterionId: 'legal', message: '"Legal notice" is not answered' },
      { criterionId: 'close', message: '"Closing": score -1 is outside 0..10' },
    ]);
    expect(scoreAnswers(form, { greet: { score: Number.NaN } }).problems[0]?.criterionId).toBe('greet');
  });

  it('is not fooled by answers named after Object.prototype members', () => {
    const odd = { criteria: [{ id: 'constructor', label: 'C', weight: 1, maxScore: 1, mustPass: false }] };
    expect(scoreAnswers(odd, {}).problems).toEqual([
      { criterionId: 'constructor', message: '"C" is not answered' },
    ]);
  });
});

describe('qaCriteriaSchema', () => {
  it('needs positive weights, whole positive maxima and unique ids', () => {
    const ok = { id: 'a', label: 'A', weight: 0.5, maxScore: 3 };
    expect(qaCriteriaSchema.parse([ok])).toEqual([{ ...ok, mustPass: false }]);
    expect(qaCriteriaSchema.safeParse([]).success).toBe(false);
    expect(qaCriteriaSchema.safeParse([{ ...ok, weight: 0 }]).success).toBe(false);
    expect(qaCriteriaSchema.safeParse([{ ...ok, maxScore: 2.5 }]).success).toBe(false);
    const dup = qaCriteriaSchema.safeParse([ok, ok]);
    expect(dup.error?.issues.map((i) => i.message)).toEqual(['duplicate criterion id a']);
  });
});

import { describe, expect, it } from 'vitest';
import { validateFlow } from '../../src/ivr/flow.js';
import { compileKeyPattern, keyPatternProblem } from '../../src/ivr/key-pattern.js';

const matches = (pattern: string, input: string) => compileKeyPattern(pattern).matches(input);

describe('key patterns (collect node)', () => {
  it('matches the whole input, as ^(?:pattern)$ did', () => {
    expect(matches('\\d{4}', '1234')).toBe(true);
    expect(matches('\\d{4}', '12345')).toBe(false);
    expect(matches('\\d{4}', '123')).toBe(false);
    expect(matches('^\\d{4,6}$', '12345')).toBe(true);
    expect(matches('1|22', '22')).toBe(true);
    expect(matches('1|22', '122')).toBe(false);
    expect(matches('(?:12)+3?', '12123')).toBe(true);
    expect(matches('(12)+3?', '121')).toBe(false);
    expect(matches('[1-3]\\*#', '2*#')).toBe(true);
    expect(matches('[^0]..', '1A#')).toBe(true);
    expect(matches('[^0]..', '0A#')).toBe(false);
    expect(matches('[\\d*]{2,}', '1*9')).toBe(true);
    expect(matches('\\d{2,3}', '1234')).toBe(false);
    expect(matches('0?1*2+', '2')).toBe(true);
    expect(matches('0?1*2+', '0112')).toBe(true);
    expect(matches('0?1*2+', '01')).toBe(false);
    expect(matches('.*', '')).toBe(true);
    expect(matches('\\d', 'x')).toBe(false);
  });

  it('agrees with RegExp on a sweep of safe patterns and inputs', () => {
    const patterns = [
      '\\d{3,5}',
      '(1|2)*3',
      '[1-4]+#?',
      '(?:12|3)*',
      '9{2}.{0,2}',
      '(0|1)(2|3)?\\*',
      'A|B|(C|D)+',
    ];
    const inputs = [
      '',
      '3',
      '123',
      '1212',
      '12123',
      '99',
      '99#*',
      '02*',
      '0*',
      'ACDC',
      '11111',
      '1234#',
      '4444',
    ];
    for (const p of patterns) {
      const re = new RegExp(`^(?:${p})$`);
      for (const input of inputs) expect(matches(p, input), `${p} on ${input}`).toBe(re.test(input));
    }
  });

  it('refuses what is not in the subset, naming the problem and where', () => {
    expect(keyPatternProblem('(1+)+2')).toBe(
      'a quantified group may not hold another quantifier (nested quantifiers) (at character 1)',
    );
    expect(keyPatternProblem('(?:\\d*)*')).toMatch(/nested quantifiers/);
    expect(keyPatternProblem('(1)\\1')).toMatch(/backreferences/);
    expect(keyPatternProblem('(?=1)1')).toMatch(/lookaround/);
    expect(keyPatternProblem('(?<a>1)')).toMatch(/lookaround and named groups/);
    expect(keyPatternProblem('1+?')).toMatch(/lazy/);
    expect(keyPatternProblem('1**')).toMatch(/quantifier after a quantifier/);
    expect(keyPatternProblem('*1')).toMatch(/nothing to repeat/);
    expect(keyPatternProblem('\\w+')).toMatch(/not supported/);
    expect(keyPatternProblem('x')).toBe('"x" is not a key (0-9, *, #, A-D) (at character 1)');
    expect(keyPatternProblem('(12')).toMatch(/never closed/);
    expect(keyPatternProblem('12)')).toMatch(/without its/);
    expect(keyPatternProblem('[12')).toMatch(/never closed/);
    expect(keyPatternProblem('[5-1]')).toMatch(/not a range/);
    expect(keyPatternProblem('\\d{65}')).toMatch(/above 64/);
    expect(keyPatternProblem('\\d{3,2}')).toMatch(/below n/);
    expect(keyPatternProblem('\\d{,3}')).toMatch(/expected \{n\}/);
    expect(keyPatternProblem('1'.repeat(201))).toMatch(/longer than 200/);
    expect(keyPatternProblem('(12|3)+[0-9#]{2}\\*?')).toBeNull();
  });

  it('answers at once on hostile patterns and the longest input', () => {
    // Each was catastrophic for RegExp with a non-matching input; here each is a few set steps per key.
    const input = `${'1'.repeat(63)}2`;
    for (const p of ['(1|1)*3', '(1|11)*3', `${'.*'.repeat(30)}3`, `${'1?'.repeat(64)}${'1'.repeat(64)}3`]) {
      expect(matches(p, input)).toBe(false);
    }
    expect(matches(`${'.*'.repeat(30)}2`, input)).toBe(true);
  });

  it('refuses a flow saving a nested quantifier, with the problem in the error', () => {
    const flow = {
      name: 'main',
      start: 'ask',
      nodes: {
        ask: {
          type: 'collect',
          prompts: ['sound:hello-world'],
          variable: 'pin',
          pattern: '(1+)+2',
          next: 'bye',
          fallback: 'bye',
        },
        bye: { type: 'hangup' },
      },
    };
    const result = validateFlow(flow);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).toMatch(/nested quantifiers/);
    const long = validateFlow({
      ...flow,
      nodes: { ...flow.nodes, ask: { ...flow.nodes.ask, pattern: '1'.repeat(15_000) } },
    });
    expect(JSON.stringify(long)).toMatch(/200/);
  });
});

import { describe, expect, it } from 'vitest';
import { parseRange } from '../../src/api/http-range.js';
import { numberFilterSchema } from '../../src/api/routes/recording-schemas.js';
import { renderScript } from '../../src/dialer/script.js';
import { CsvStreamParser, csvCell, csvTextCell } from '../../src/lib/csv.js';
import { redactUrl } from '../../src/lib/logger.js';
import { maskPhoneLike, maskUrl } from '../../src/lib/mask.js';
import { trimEnd } from '../../src/lib/text.js';
import { isOptOut } from '../../src/sms/opt-out.js';
import { parseReceipt } from '../../src/sms/smpp.js';
import { renderTemplate, unknownPlaceholders } from '../../src/sms/template.js';

/**
 * Every parser and pattern that reads text from a request, a file or a caller, run on the worst input
 * we know for it at 1,000 and at 16,000 characters. Linear work grows about 16 times; the quadratic
 * patterns this replaced grew 250 times or more (a 15,000-character search stalled the service). Time
 * is measured as the best of several runs, each long enough to time, so a loaded machine does not
 * decide the result; the bound leaves a factor of 4 to the slowest quadratic growth.
 */
const SMALL = 1_000;
const LARGE = 16_000;
const MAX_GROWTH = 64;

function bestTime(run: () => void, times: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let trial = 0; trial < 7; trial += 1) {
    const start = performance.now();
    for (let i = 0; i < times; i += 1) run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

function growth(parse: (text: string) => unknown, make: (n: number) => string): number {
  const small = make(SMALL);
  const large = make(LARGE);
  // As many runs as make the small input take a few milliseconds: below that, timer noise decides.
  let times = 1;
  while (bestTime(() => parse(small), times) < 3 && times < 1 << 16) times *= 2;
  return bestTime(() => parse(large), times) / bestTime(() => parse(small), times);
}

const parseCsv = (text: string) => {
  const parser = new CsvStreamParser({ maxRecordChars: 4_096, resyncChars: 8_192 });
  for (let at = 0; at < text.length; at += 1_024) parser.push(text.slice(at, at + 1_024));
  return parser.end();
};

const cases: [name: string, parse: (text: string) => unknown, make: (n: number) => string][] = [
  ['Range header: spaces', (t) => parseRange(t, 1_000), (n) => `bytes=${' '.repeat(n)}x`],
  ['Range header: digits', (t) => parseRange(t, 1_000), (n) => `bytes=0-${'1'.repeat(n)} x`],
  ['recording search number', (t) => numberFilterSchema.safeParse(t), (n) => `${'1'.repeat(n)}x`],
  [
    'call script placeholder',
    (t) => renderScript(t, { name: 'A', fields: {} }),
    (n) => `{{${' '.repeat(n)}x`,
  ],
  ['phone-like masking', (t) => maskPhoneLike(t), (n) => `1${' '.repeat(n)}`],
  ['phone-like masking: digit runs', (t) => maskPhoneLike(t), (n) => '12-'.repeat(n / 3)],
  ['phone-like masking: short runs', (t) => maskPhoneLike(t), (n) => '1 2 3 4 5 x'.repeat(n / 11)],
  ['phone-like masking: spaced digits', (t) => maskPhoneLike(t), (n) => `${'1  '.repeat(n / 3)}`],
  ['log URL masking', (t) => maskUrl(t), (n) => `/v1/x?q=${'%25'.repeat(n / 3)}`],
  ['log URL redaction', (t) => redactUrl(t), (n) => `//${'a:'.repeat(n / 2)}`],
  ['log URL redaction: keys', (t) => redactUrl(t), (n) => 'api_key='.repeat(n / 8)],
  ['CSV cell quoting', (t) => csvTextCell(t) + csvCell(t), (n) => `${'a '.repeat(n / 2)}a`],
  ['CSV: quote never closed', parseCsv, (n) => `a\n"${'b\n'.repeat(n / 2)}`],
  ['CSV: doubled quotes', parseCsv, (n) => `"${'"'.repeat(n)}`],
  ['CSV: stray quotes on every line', parseCsv, (n) => '"a,b\n'.repeat(n / 5)],
  ['CSV: one long line', parseCsv, (n) => `x,${'a'.repeat(n)}\ny\n`],
  ['trailing slashes', (t) => trimEnd(t, '/'), (n) => `x${'/'.repeat(n)}`],
  [
    'SMS template placeholder',
    (t) => renderTemplate(t, { name: 'A', phone: '+1', fields: {} }) + unknownPlaceholders(t).length,
    (n) => `{{${' '.repeat(n)}x`,
  ],
  ['SMS template: many placeholders', (t) => unknownPlaceholders(t), (n) => '{{a}}'.repeat(n / 5)],
  ['SMS opt-out reply', (t) => isOptOut(t), (n) => `${' '.repeat(n)}x`],
  [
    'SMPP receipt text',
    (t) => parseReceipt({ esm_class: 4, short_message: { message: t } }),
    (n) => `${' id:'.repeat(n / 4)}x`,
  ],
];

describe('input-facing parsers run in linear time', () => {
  it.each(cases)('%s', (_name, parse, make) => {
    expect(growth(parse, make)).toBeLessThan(MAX_GROWTH);
  });
});

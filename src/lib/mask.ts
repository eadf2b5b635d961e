import { z } from 'zod';

/**
 * Masking of customer numbers, in one place: every phone number or phone-like value that leaves the
 * service (API answers, error reports, audit rows, logs) is masked here, and masked the same way: all
 * digits but the last 4 become `*` (maskNumber for a whole number; maskPhoneLike keeps the separators
 * of a number written in text). Scanning is by hand, in one pass: any input length costs linear time.
 */

/** Keeps the last 4 digits of a phone number: customer numbers never appear whole. */
export function maskNumber(number: string | undefined | null): string {
  if (!number) return '';
  const digits = number.replace(/[^0-9+]/g, '');
  if (digits.length <= 4) return '*'.repeat(digits.length);
  return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

/** Digits a run needs to count as a number (a house number or a postcode stays). */
const MIN_DIGITS = 6;
/** Separators a run may have between two of its digits ('030 - 1234'). */
const MAX_GAP = 3;
/** Runs that look like numbers but are dates or amounts: kept as they are (checked on short runs only). */
const DATE = /^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4})$/;
const DECIMAL = /^\d+[.,]\d{1,2}$/;
const LETTER = /[\p{L}_]/u;

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
/** A plus between digits too: a URL's query writes spaces so ('030+1234+5678'). */
const isSeparator = (c: string | undefined) =>
  c === ' ' || c === '-' || c === '.' || c === '/' || c === '(' || c === ')' || c === '+';
const isLetter = (c: string | undefined) => c !== undefined && LETTER.test(c);

/**
 * `run` with all its digits but the last 4 masked, and its pluses (as maskNumber does), the rest kept:
 * '+49 30 1234-5678' -> '*** ** ****-5678'.
 */
function maskDigits(run: string): string {
  let digits = 0;
  for (const c of run) if (isDigit(c)) digits += 1;
  let out = '';
  for (const c of run) {
    if (c === '+') out += '*';
    else if (!isDigit(c)) out += c;
    else {
      out += digits > 4 ? '*' : c;
      digits -= 1;
    }
  }
  return out;
}

/**
 * `text` with every phone-like run masked but for its last 4 digits, its separators kept: a run of 6
 * digits or more, with up to 3 spaces, dashes, dots, slashes, brackets or pluses between two of them and
 * a leading + or bracket ('Anna, 030 1234-5678' -> 'Anna, *** ****-5678'; a card or account number
 * too). Kept: shorter runs, dates and amounts ('2027-03-31', '1299.00'), and runs joined to a letter,
 * which are part of a word or an id ('a716-446655440000', 'INV20240001'). `strict` masks those too.
 */
export function maskPhoneLike(text: string, strict = false): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const opens = (c === '+' || c === '(') && isDigit(text[i + 1]);
    if (!opens && !isDigit(c)) {
      i += 1;
      continue;
    }
    const start = i;
    let end = opens ? i + 1 : i; // the index after the run's last digit, once a digit is read
    let digits = 0;
    let j = end;
    while (j < text.length) {
      if (isDigit(text[j])) {
        digits += 1;
        j += 1;
        end = j;
        continue;
      }
      let gap = 0;
      while (gap < MAX_GAP && isSeparator(text[j + gap])) gap += 1;
      if (gap === 0 || !isDigit(text[j + gap])) break;
      j += gap;
    }
    const run = text.slice(start, end);
    const joined = isLetter(text[start - 1]) || isLetter(text[end]);
    const kept =
      digits < MIN_DIGITS ||
      (!strict && joined) ||
      (run.length <= 12 && (DATE.test(run) || DECIMAL.test(run)));
    if (!kept) {
      out += text.slice(copied, start) + maskDigits(run);
      copied = end;
    }
    i = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * What a lead's custom field holds, as the campaign declares it (settings.fieldKinds): `phone` (a
 * number: masked but for its last 4 digits, whatever its length), `text` (free text: phone-like runs
 * in it masked), `id` (a customer, contract or order number the agent reads out: shown as written). A
 * field nobody declared is `text`, so a column of numbers never shows whole by omission.
 */
export const FIELD_KINDS = ['phone', 'text', 'id'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];
export type FieldKinds = Readonly<Record<string, FieldKind>>;

export const fieldKindsSchema = z
  .record(z.string().min(1).max(100), z.enum(FIELD_KINDS))
  .refine((kinds) => Object.keys(kinds).length <= 200, 'at most 200 fields')
  .describe(
    'What each custom field of the leads holds: phone (masked but for its last 4 digits), text (phone-like ' +
      'runs masked; the default) or id (shown as written)',
  );

/** A custom field's value as people who may not see numbers whole get it (see FIELD_KINDS). */
export function maskField(value: string, kind: FieldKind | undefined): string {
  switch (kind) {
    case 'id':
      return value;
    case 'phone':
      return maskNumber(value);
    default:
      return maskPhoneLike(value);
  }
}

/** Every custom field masked by its kind. */
export function maskFields(
  fields: Readonly<Record<string, string>>,
  kinds: FieldKinds = {},
): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    masked[name] = maskField(value, Object.hasOwn(kinds, name) ? kinds[name] : undefined);
  }
  return masked;
}

/** A lead's name as agents see it: text, so a number a list put in its name column is masked too. */
export const maskedName = (name: string | null): string | null =>
  name === null ? null : maskPhoneLike(name);

/**
 * A row of an uploaded file as an error report keeps it: phone-like runs masked, cut at `maxChars`
 * (masked a little beyond the cut first, so that a number across it is not cut to its first digits).
 */
export function maskedExcerpt(raw: string, maxChars: number): string {
  const masked = maskPhoneLike(raw.slice(0, maxChars + 64));
  return masked.length > maxChars ? `${masked.slice(0, maxChars)}…` : masked;
}

/** Percent-decodings undone before a URL is masked (a client may encode a number twice or more). */
const URL_DECODINGS = 4;
const ESCAPE = /%[0-9a-f]{2}/i;

/** One percent-decoding; a malformed escape is left as written instead of failing. */
function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-9a-f]{2})/gi, (_escape, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  }
}

/**
 * A request URL as logs may keep it: percent-decoded (up to URL_DECODINGS times, so %252B4930… is read
 * as +4930…) and every phone-like run masked, in the path and the query alike. A URL still encoded after
 * that is masked strictly (digit runs joined to letters too), since an escape can hide a number's start.
 */
export function maskUrl(url: string): string {
  let text = url;
  for (let n = 0; n < URL_DECODINGS && ESCAPE.test(text); n += 1) {
    const decoded = decodeOnce(text);
    if (decoded === text) break;
    text = decoded;
  }
  return maskPhoneLike(text, ESCAPE.test(text));
}

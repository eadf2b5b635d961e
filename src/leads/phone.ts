import {
  type CountryCode,
  isSupportedCountry,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';

export type NormalizedPhone = { ok: true; e164: string } | { ok: false; reason: string };

/** Longer input is refused before parsing (a pasted paragraph is not a phone number). */
const MAX_INPUT_CHARS = 40;

const LENGTH_REASONS: Record<string, string> = {
  TOO_SHORT: 'too short',
  TOO_LONG: 'too long',
  INVALID_LENGTH: 'of a length no number of its country has',
};

/**
 * A customer number as written in a lead list (spaces, dashes, brackets, a national trunk prefix, 00 or +
 * for international) -> E.164 (+4930123456789), checked against the full metadata of libphonenumber-js
 * (Google's libphonenumber rules): the number must be valid for its country, not only of a possible
 * length. A number without a country code is read as a number of `defaultCountry` (ISO 3166 alpha-2).
 * Refusals say why, for the import error report.
 */
export function normalizePhone(raw: string, defaultCountry: string): NormalizedPhone {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'phone number is empty' };
  if (text.length > MAX_INPUT_CHARS) {
    return { ok: false, reason: `phone number longer than ${MAX_INPUT_CHARS} characters` };
  }
  if (!/\d/.test(text)) return { ok: false, reason: `not a phone number: ${JSON.stringify(text)}` };
  const country = isSupportedCountry(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
  let parsed: ReturnType<typeof parsePhoneNumberWithError>;
  try {
    parsed = parsePhoneNumberWithError(text, country);
  } catch (err) {
    return { ok: false, reason: parseFailure((err as Error).message, country) };
  }
  if (parsed.ext) return { ok: false, reason: 'phone number has an extension, which cannot be dialed' };
  if (!parsed.isValid()) {
    const where = parsed.country ?? `country code +${parsed.countryCallingCode}`;
    const length = validatePhoneNumberLength(text, country);
    const detail = length ? LENGTH_REASONS[length] : undefined;
    return {
      ok: false,
      reason: detail
        ? `not a valid number for ${where}: ${detail}`
        : `not a valid number for ${where} (no such number range)`,
    };
  }
  return { ok: true, e164: parsed.number };
}

function parseFailure(code: string, country: CountryCode | undefined): string {
  switch (code) {
    case 'INVALID_COUNTRY':
      return country
        ? 'unknown country calling code'
        : 'no country: write the number with + and its country code';
    case 'TOO_SHORT':
      return 'too short to be a phone number';
    case 'TOO_LONG':
      return 'too long to be a phone number';
    case 'NOT_A_NUMBER':
      return 'not a phone number';
    default:
      return `not a phone number (${code})`;
  }
}

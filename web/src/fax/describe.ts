import type { MessageKey } from '../i18n/catalog.js';

/** A message of the catalogs with its values: what the page shows for a service's text. */
export type Words = { key: MessageKey; values?: Record<string, unknown> };

const ATTEMPTS = /^(.*) \(after (\d+) of (\d+) attempts\)$/;
const FAILED_AFTER = /^failed after (\d+) pages: (.*)$/;

/** The fixed texts the fax service stores as a fax's error (src/fax/policy.ts, src/fax/service.ts). */
const KNOWN: Readonly<Record<string, MessageKey>> = {
  busy: 'fax.errors.busy',
  'no answer': 'fax.errors.noAnswer',
  'conversion to fax format failed': 'fax.errors.conversion',
  'conversion cut by a restart': 'fax.errors.restart',
  'the service stopped during the call': 'fax.errors.restart',
  'internal error while sending': 'fax.errors.internal',
};

/**
 * A fax's error in the reader's words: the service stores it in English (busy, no answer, failed after N
 * pages: <the fax stack's reason>, each maybe followed by the attempts made); the parts it knows are
 * translated, the fax stack's own reason is kept as it is.
 */
export function faxErrorWords(error: string): Words[] {
  const attempts = ATTEMPTS.exec(error);
  const core = attempts ? (attempts[1] as string) : error;
  const words: Words[] = [coreWords(core)];
  if (attempts) words.push({ key: 'fax.errors.attempts', values: { made: attempts[2], of: attempts[3] } });
  return words;
}

function coreWords(core: string): Words {
  const known = KNOWN[core];
  if (known) return { key: known };
  const failed = FAILED_AFTER.exec(core);
  if (failed) return { key: 'fax.errors.failedAfter', values: { pages: failed[1], reason: failed[2] } };
  return { key: 'fax.errors.other', values: { reason: core } };
}

/**
 * The service's refusals of a document or number, each with its explanation; a body over fax.maxUploadMb
 * is Fastify's 413; anything else: the service's message.
 */
const REFUSALS: Readonly<Record<string, MessageKey>> = {
  FAX_NOT_A_DOCUMENT: 'fax.refusals.notADocument',
  FAX_ENCRYPTED: 'fax.refusals.encrypted',
  FAX_TOO_MANY_PAGES: 'fax.refusals.tooManyPages',
  FAX_UNREADABLE: 'fax.refusals.unreadable',
  FAX_BAD_NUMBER: 'fax.refusals.badNumber',
};

export function refusalWords(status: number, code: string, message: string): Words {
  const known = REFUSALS[code] ?? (status === 413 ? 'fax.refusals.tooLarge' : undefined);
  return known ? { key: known } : { key: 'fax.refusals.other', values: { message } };
}

/** The tag's color for a fax state. */
export function stateTagType(state: string): 'success' | 'warning' | 'danger' | 'info' | 'primary' {
  if (state === 'sent' || state === 'stored') return 'success';
  if (state === 'failed') return 'danger';
  if (state === 'retrying') return 'warning';
  if (state === 'sending' || state === 'received') return 'primary';
  return 'info';
}

import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_DIR } from './secrets.js';

/** The install's secret for caller keys, in the storage folder (readable by the service's user only). */
export const CALLER_KEY_FILE = 'caller-key.secret';

/** Fewer digits than this is no caller to recognise (anonymous, an internal extension). */
const MIN_DIGITS = 6;

/** A number as the networks write it, reduced to one form: digits with a leading +, 00 read as +. */
export function normalizeNumber(number: string): string {
  const compact = number.replace(/[^\d+]/g, '');
  const international = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  return international.replace(/(?!^)\+/g, '');
}

/**
 * The keyed hash that recognises a caller without keeping their number: HMAC-SHA256 of the normalized
 * full number with the install's secret, as hex. Null for no number or one too short to tell callers
 * apart (anonymous callers are never linked to each other).
 */
export function callerKeyer(secret: Buffer): (number: string | null | undefined) => string | null {
  return (number) => {
    if (!number) return null;
    const normalized = normalizeNumber(number);
    if (normalized.replace(/\D/g, '').length < MIN_DIGITS) return null;
    return createHmac('sha256', secret).update(normalized, 'utf8').digest('hex');
  };
}

/**
 * An install's secret, kept in `<dir>/<file>` (default: the caller-key secret, caller-key.secret; 32
 * random bytes as hex, mode 0600): created on first start, read afterwards, its permissions narrowed if
 * someone widened them. Instances of an active/standby pair share it through the shared storage folder.
 * Losing the caller-key file only means earlier calls are no longer recognised.
 */
export function installSecret(dir: string, file = CALLER_KEY_FILE): Buffer {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  const path = join(dir, file);
  try {
    // 'wx': a second instance starting at the same moment reads the first one's secret instead.
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const hex = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new Error(`${path}: not a ${file.replace(/\.secret$/, '')} secret (64 hex digits)`);
  return Buffer.from(hex, 'hex');
}

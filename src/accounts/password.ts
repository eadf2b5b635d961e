import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt (node:crypto): a fresh salt per password, the cost parameters kept in the
 * stored text beside the hash, so they can be raised later without breaking older hashes. Stored as
 * `scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt, base64>$<hash, base64>`.
 */

export interface ScryptParams {
  /** log2 of the CPU/memory cost N: memory is 128 · N · r bytes (32 MiB at ln=15, r=8). */
  logN: number;
  r: number;
  p: number;
}

/** About 50-100 ms per hash on one core of a small server, in libuv's thread pool (not the event loop). */
export const DEFAULT_SCRYPT: ScryptParams = { logN: 15, r: 8, p: 1 };

/** Passwords longer than this are refused before hashing (scrypt would take them, but nobody types more). */
export const MAX_PASSWORD_LENGTH = 256;

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const FORMAT = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+=*)\$([A-Za-z0-9+/]+=*)$/;

/** Parameters read back from a stored hash are bounded, so a damaged row cannot ask for gigabytes. */
const plausible = ({ logN, r, p }: ScryptParams) =>
  logN >= 1 && logN <= 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16;

function derive(
  password: string,
  salt: Buffer,
  length: number,
  { logN, r, p }: ScryptParams,
): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) => {
    // Unicode passwords typed on different systems compare equal after NFKC (NIST SP 800-63B).
    scrypt(password.normalize('NFKC'), salt, length, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, HASH_BYTES, params);
  return `scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | null {
  const m = FORMAT.exec(stored);
  if (!m) return null;
  const params = { logN: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const salt = Buffer.from(m[4]!, 'base64');
  const hash = Buffer.from(m[5]!, 'base64');
  return plausible(params) && salt.length > 0 && hash.length >= 16 ? { params, salt, hash } : null;
}

/** True if `password` is the one hashed in `stored`; the comparison runs in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const candidate = await derive(password, parsed.salt, parsed.hash.length, parsed.params);
  return timingSafeEqual(candidate, parsed.hash);
}

/** True if `stored` was made with other parameters than `params` (or cannot be read). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parse(stored)?.params;
  return !parsed || parsed.logN !== params.logN || parsed.r !== params.r || parsed.p !== params.p;
}

/** Why a new password is refused, or null if it is fine. Length counts characters, not bytes. */
export function passwordProblem(password: string, username: string, minLength: number): string | null {
  const length = [...password].length;
  if (length < minLength) return `The password must have at least ${minLength} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `The password may have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (password.trim() === '') return 'The password must not be only spaces';
  const name = username.toLowerCase();
  const lower = password.toLowerCase();
  if (lower.includes(name) || (lower.length >= 3 && name.includes(lower))) {
    return 'The password must not contain the username';
  }
  return null;
}

import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The modes of what the service creates that holds calls, numbers or secrets (the store, recordings,
 * voice messages, uploads, the caller-key secret): its own user only. Asterisk never reads them (the
 * service fetches recordings over ARI); prompts, which Asterisk plays, keep their own modes.
 */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares two secrets in constant time; hashing first makes the lengths equal without leaking them. */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

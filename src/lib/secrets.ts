import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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

/**
 * Encrypts a secret the service must give back later (a softphone's SIP password) with AES-256-GCM under
 * a 32-byte key: `v1.<iv>.<tag>.<ciphertext>`, base64url. A stolen database alone does not reveal it.
 */
export function sealSecret(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** The secret sealed by sealSecret; throws if the key is not the one it was sealed with or it was altered. */
export function openSealed(key: Buffer, sealed: string): string {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  needsRehash,
  passwordProblem,
  verifyPassword,
} from '../../src/accounts/password.js';

/** Cheap parameters: these tests are about the format and the comparison, not the cost. */
const FAST = { logN: 10, r: 8, p: 1 };

describe('password hashing', () => {
  it('verifies the password hashed, and only it, with the default cost', async () => {
    const stored = await hashPassword('correct horse battery', DEFAULT_SCRYPT);
    expect(stored).toMatch(/^scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(needsRehash(stored)).toBe(false);
  });

  it('salts each hash, keeps its parameters and verifies by them', async () => {
    const [a, b] = await Promise.all([
      hashPassword('same password', FAST),
      hashPassword('same password', FAST),
    ]);
    expect(a).not.toBe(b);
    expect(a.startsWith('scrypt$ln=10,r=8,p=1$')).toBe(true);
    expect(await verifyPassword('same password', a)).toBe(true);
    expect(await verifyPassword('same password', b)).toBe(true);
    expect(needsRehash(a)).toBe(true);
    expect(needsRehash(a, FAST)).toBe(false);
  });

  it('compares Unicode passwords after NFKC normalisation', async () => {
    const stored = await hashPassword('密码Ｐａｓｓ１２３', FAST);
    expect(await verifyPassword('密码Pass123', stored)).toBe(true);
  });

  it('refuses damaged or implausible hashes instead of throwing', async () => {
    const stored = await hashPassword('some password', FAST);
    const [, params, salt, hash] = stored.split('$');
    const flipped = Buffer.from(hash!, 'base64');
    flipped[0]! ^= 1;
    for (const bad of [
      '',
      'plain text',
      `scrypt$${params}$${salt}$${flipped.toString('base64')}`,
      `scrypt$ln=30,r=8,p=1$${salt}$${hash}`,
      `scrypt$${params}$${salt}$AAAA`,
    ]) {
      expect(await verifyPassword('some password', bad), bad).toBe(false);
    }
    expect(needsRehash('plain text')).toBe(true);
  });
});

describe('password rules', () => {
  it.each([
    ['short', 'alice', /at least 10/],
    ['x'.repeat(MAX_PASSWORD_LENGTH + 1), 'alice', /at most/],
    [' '.repeat(12), 'alice', /only spaces/],
    ['my-Alice-password', 'alice', /username/],
    ['wang.xiao', 'wang.xiaoming', /at least|username/],
  ])('refuses %j for %s', (password, username, problem) => {
    expect(passwordProblem(password, username, 10)).toMatch(problem);
  });

  it('counts characters, not bytes, and accepts a good password', () => {
    expect(passwordProblem('一二三四五六七八九十', 'alice', 10)).toBeNull();
    expect(passwordProblem('correct horse battery', 'alice', 10)).toBeNull();
  });
});

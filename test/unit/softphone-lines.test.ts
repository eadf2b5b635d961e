import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSealed, sealSecret } from '../../src/lib/secrets.js';
import { hasBrowserLine, newSipPassword, softphoneObjects } from '../../src/softphone/lines.js';

describe('hasBrowserLine (which agents get a browser softphone)', () => {
  it("is an active agent whose line kind is 'webrtc'", () => {
    expect(hasBrowserLine({ lineKind: 'webrtc' })).toBe(true);
    expect(hasBrowserLine({ lineKind: 'sip' })).toBe(false);
    expect(hasBrowserLine({ lineKind: 'remote' })).toBe(false);
    expect(hasBrowserLine({ lineKind: 'webrtc', active: false })).toBe(false);
  });
});

describe('softphone credentials', () => {
  it('makes long random passwords', () => {
    const a = newSipPassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newSipPassword()).not.toBe(a);
  });

  it('seals a password so only the same key opens it, and a changed one fails', () => {
    const key = randomBytes(32);
    const sealed = sealSecret(key, 'secret-pass');
    expect(sealed).not.toContain('secret-pass');
    expect(openSealed(key, sealed)).toBe('secret-pass');
    expect(sealSecret(key, 'secret-pass')).not.toBe(sealed);
    expect(() => openSealed(randomBytes(32), sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => openSealed(key, parts.join('.'))).toThrow();
    expect(() => openSealed(key, 'plain')).toThrow(/not a sealed secret/);
  });

  it('pushes auth, then aor, then the WebRTC endpoint naming both', () => {
    const objects = softphoneObjects('a1', 'pw', 'Ann "the" Agent');
    expect(objects.map((o) => `${o.kind} ${o.id}`)).toEqual([
      'auth cc-webrtc-a1',
      'aor cc-webrtc-a1',
      'endpoint cc-webrtc-a1',
    ]);
    expect(objects[1]!.fields).toMatchObject({ max_contacts: '1', remove_existing: 'yes' });
    expect(objects[2]!.fields).toMatchObject({
      transport: 'transport-ws',
      webrtc: 'yes',
      dtls_auto_generate_cert: 'yes',
      callerid: '"Ann the Agent" <cc-webrtc-a1>',
    });
  });
});

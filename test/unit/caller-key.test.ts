import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALLER_KEY_FILE, callerKeyer, installSecret, normalizeNumber } from '../../src/lib/caller-key.js';
import { openStore, type Store } from '../../src/store/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cc-caller-key-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('normalizeNumber', () => {
  it('reads the ways networks write one number as one', () => {
    for (const written of ['+49 30 1234-5678', '0049301234 5678', '+49 (30) 12345678', '+4930+12345678']) {
      expect(normalizeNumber(written), written).toBe('+493012345678');
    }
    expect(normalizeNumber('030 1234 5678')).toBe('03012345678');
  });
});

describe('callerKeyer', () => {
  const secret = Buffer.alloc(32, 7);
  const key = callerKeyer(secret);

  it('gives one caller one key however the number is written, and never the number itself', () => {
    const k = key('+49 30 1234 5678');
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(key('0049 30 12345678')).toBe(k);
    expect(k).not.toContain('12345678');
    expect(key('+49 30 1234 5679')).not.toBe(k);
  });

  it('depends on the install secret', () => {
    expect(callerKeyer(Buffer.alloc(32, 8))('+493012345678')).not.toBe(key('+493012345678'));
  });

  it('keys no anonymous caller or short extension (they are never linked to each other)', () => {
    for (const number of [undefined, null, '', 'anonymous', 'Unknown', '1001', '+12345']) {
      expect(key(number), String(number)).toBeNull();
    }
  });
});

describe('installSecret', () => {
  it('creates a secret readable by the owner only, and reads the same one afterwards', () => {
    const storage = join(dir, 'storage');
    const first = installSecret(storage);
    const file = join(storage, CALLER_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first).toHaveLength(32);
    expect(installSecret(storage).equals(first)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.toString('hex'));
  });

  it('narrows permissions someone widened, and refuses a file that holds no secret', () => {
    installSecret(dir);
    const file = join(dir, CALLER_KEY_FILE);
    chmodSync(file, 0o644);
    installSecret(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, 'not a secret');
    expect(() => installSecret(dir)).toThrow(/not a caller-key secret/);
  });
});

describe('earlier calls of the same caller (store)', () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(join(dir, 'db.sqlite'));
  });
  afterEach(() => store.close());

  const open = (id: string, startedAt: number, callerKey: string | null) =>
    store.calls.open(
      {
        id,
        channelId: `ch-${id}`,
        instanceId: 'test',
        direction: 'inbound',
        callerMasked: '*********5678',
        dnis: '400',
        startedAt,
      },
      callerKey,
    );

  it('finds the calls with the same key before this one, newest first, with what became of them', () => {
    open('first', 1_000, 'k1');
    open('other', 1_500, 'k2');
    open('second', 2_000, 'k1');
    open('now', 3_000, 'k1');
    open('later', 4_000, 'k1');
    // first: answered by a1 on the hotline; second: left a voice message in the IVR.
    store.agents.create({
      id: 'a1',
      name: 'Agent a1',
      teamId: null,
      role: 'agent',
      endpoint: 'PJSIP/a1',
      lineMode: 'persistent',
      inboundRole: 'primary',
    });
    store.hotlineCalls.enqueued({ callId: 'first', at: 1_100, callerMasked: '*********5678' });
    store.hotlineCalls.answered('first', 'a1', 1_200);
    store.hotlineCalls.ended('first', { at: 61_200, outcome: 'answered' });
    store.calls.markEnded('first', 'caller hung up', 61_200);
    store.ivrSessions.open({
      callId: 'second',
      flow: 'hot',
      version: 1,
      callerMasked: null,
      dnis: '400',
      startedAt: 2_000,
    });
    store.ivrSessions.close('second', {
      endedAt: 2_500,
      outcome: 'message',
      path: [],
      variables: {},
      tags: [],
    });

    expect(store.calls.earlierBySameCaller('now', 10)).toEqual([
      { at: 2_000, agentId: null, outcome: 'message', talkMs: 0 },
      { at: 1_000, agentId: 'a1', outcome: 'answered', talkMs: 60_000 },
    ]);
    expect(store.calls.earlierBySameCaller('now', 1)).toHaveLength(1);
    expect(store.calls.earlierBySameCaller('first', 10)).toEqual([]);
  });

  it('finds nothing for a call without a key', () => {
    open('a', 1_000, null);
    open('b', 2_000, null);
    expect(store.calls.earlierBySameCaller('b', 10)).toEqual([]);
  });
});

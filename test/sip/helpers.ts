import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Channel } from '../../src/ari/types.js';
import { infra } from '../harness/infra.js';

/** The dialer's dial string for calls through the test carrier (test/pbx/extensions_test.conf). */
export const TEST_CARRIER_DIAL_STRING = 'Local/{digits}@cc-test-to-carrier';

/** GET on the test PBX's ARI (what AriRest has no method for); undefined on 404. */
export async function ariGet<T>(path: string): Promise<T | undefined> {
  const { url, username, password } = infra().ari;
  const res = await fetch(`${url}/ari${path}`, {
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`ARI GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Fails with what to do when the PBX lacks the SIP tests' parties: the harness adds them when it starts
 * the PBX; a PBX that was already running (ARI_URL given) gets them with `scripts/pbx.sh test-sip`.
 */
export async function requireTestSip(): Promise<void> {
  if (!(await ariGet('/endpoints/PJSIP/cc-test-carrier'))) {
    throw new Error('the PBX has no SIP test parties (test/pbx/): run `scripts/pbx.sh test-sip` as root');
  }
}

/** RTP counters of a channel (ARI's rtp_statistics): packets received and sent by the PBX. */
export async function rtpCounts(
  channelId: string,
): Promise<{ rxcount: number; txcount: number } | undefined> {
  return ariGet(`/channels/${encodeURIComponent(channelId)}/rtp_statistics`);
}

/**
 * The carrier's call on the PBX that is in this service's Stasis application. Other test files' carrier
 * calls (and the dialer's calls out through the carrier) run beside it, so the name alone is not enough.
 */
export async function carrierCallInto(app: string): Promise<Channel | undefined> {
  const channels = (await ariGet<Channel[]>('/channels')) ?? [];
  return channels.find(
    (c) =>
      c.name.startsWith('PJSIP/cc-test-carrier-') &&
      c.dialplan?.app_name === 'Stasis' &&
      (c.dialplan.app_data ?? '').split(',')[0] === app,
  );
}

const SIP_LOCK = join(tmpdir(), 'callcenter-sip-tests.lock');

/** Whether the process that took the lock is still running. */
function ownerAlive(): boolean {
  try {
    process.kill(Number(readFileSync(join(SIP_LOCK, 'pid'), 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The SIP test files take turns: they share the carrier's address and port and the PBX's carrier channels
 * (a test waits for "no trunk channel left", another finds "the carrier call"), which vitest's files, run
 * in parallel, would otherwise mix up. Resolves with the release once this file holds the lock (a lock
 * left by a process that is gone is taken over).
 */
export async function takeSipTurn(waitMs = 280_000): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(SIP_LOCK);
      writeFileSync(join(SIP_LOCK, 'pid'), String(process.pid));
      return () => rmSync(SIP_LOCK, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // Just made, its pid not written yet: not stale. Otherwise a dead owner's lock is removed.
    let stale = false;
    try {
      stale = !ownerAlive() && readFileSync(join(SIP_LOCK, 'pid'), 'utf8') !== '';
    } catch {}
    if (stale) rmSync(SIP_LOCK, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error('the other SIP test files kept the SIP parties too long');
    else await new Promise((r) => setTimeout(r, 250));
  }
}

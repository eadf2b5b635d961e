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

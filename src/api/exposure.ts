import { isIP } from 'node:net';
import type { ExposureMode } from '../config/schema.js';

/**
 * The operator's endpoints (/metrics, /docs) and who reaches them (api.metrics, api.docs): pure, so the
 * rule is tested apart from any network. The client address is the socket's peer (request.ip), or the
 * forwarded one only from proxies named in api.trustProxy: a header alone never makes a client local.
 */

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms: a client on this machine. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}

/** 'open': answer; 'key': answer to a valid key or session; 'hidden': 404, as if there were no route. */
export function exposureFor(mode: ExposureMode, loopback: boolean): 'open' | 'key' | 'hidden' {
  switch (mode) {
    case 'public':
      return 'open';
    case 'off':
      return 'hidden';
    case 'loopback':
      return loopback ? 'open' : 'hidden';
    case 'key':
      return loopback ? 'open' : 'key';
  }
}

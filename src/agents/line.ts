import { fillDialString } from '../lib/dial-string.js';
import { maskNumber } from '../lib/mask.js';
import type { AgentPatch, SeatLine } from '../store/index.js';
import type { LineKind } from './types.js';

/** The PJSIP endpoint the service keeps for an agent's browser (the softphone registers to it). */
export const webrtcEndpointName = (agentId: string) => `cc-webrtc-${agentId}`;

/**
 * The one place a seat becomes what the PBX dials: a SIP phone's own dial string, the agent's browser
 * endpoint, or the remote number through the trunk's dial string (config dialer.dialString). The result
 * of a remote line holds the full number: it goes to the PBX, never to logs or answers.
 */
export function lineDialString(
  seat: { id: string } & Pick<SeatLine, 'lineKind' | 'endpoint' | 'remoteNumber'>,
  trunkDialString: string,
): string {
  switch (seat.lineKind) {
    case 'sip':
      return seat.endpoint ?? '';
    case 'webrtc':
      return `PJSIP/${webrtcEndpointName(seat.id)}`;
    case 'remote':
      return fillDialString(trunkDialString, seat.remoteNumber ?? '');
  }
}

/**
 * What the seat's line is, safe to show and log: the dial string of a phone the PBX knows, the masked
 * number of a remote line.
 */
export function lineShown(seat: { id: string } & Pick<SeatLine, 'lineKind' | 'endpoint' | 'remoteNumber'>): {
  endpoint: string | null;
  remoteNumberMasked?: string;
} {
  if (seat.lineKind === 'remote')
    return { endpoint: null, remoteNumberMasked: maskNumber(seat.remoteNumber) };
  return { endpoint: lineDialString(seat, '') };
}

/**
 * An admin's edit of a seat, completed for a change of line kind: the fields of the old kind that the
 * new one has no use for are cleared (a SIP endpoint when the seat becomes remote...), and a remote line
 * becomes persistent, unless the edit gives them itself (then the store says what does not fit).
 */
export function linePatch(current: SeatLine, patch: AgentPatch): AgentPatch {
  const kind: LineKind | undefined = patch.lineKind;
  if (kind === undefined || kind === current.lineKind) return patch;
  return {
    ...(kind !== 'sip' && patch.endpoint === undefined ? { endpoint: null } : {}),
    ...(kind !== 'remote' && patch.remoteNumber === undefined ? { remoteNumber: null } : {}),
    ...(kind === 'remote' && patch.lineMode === undefined ? { lineMode: 'persistent' as const } : {}),
    ...patch,
  };
}

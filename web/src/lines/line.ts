import type { Failure } from '../api/outcome.js';
import type { SeatPatch, SeatView } from '../api/seats.js';
import type { MessageKey } from '../i18n/catalog.js';

/**
 * An agent's line as the screens show and edit it: a SIP phone (its dial string), the agent's browser, or
 * a remote number (masked: the full number goes to the PBX, and to admins in the answer to their edit).
 */

export type LineKind = SeatView['lineKind'];
export const LINE_KINDS: readonly LineKind[] = ['sip', 'webrtc', 'remote'];

/** What a line is, in words: 话机 PJSIP/1001 / 浏览器 / 远程 ****1234. */
export function lineLabel(line: Pick<SeatView, 'lineKind' | 'endpoint' | 'remoteNumberMasked'>): {
  key: MessageKey;
  values: { line: string };
} {
  switch (line.lineKind) {
    case 'sip':
      return { key: 'lines.label.sip', values: { line: line.endpoint ?? '' } };
    case 'webrtc':
      return { key: 'lines.label.webrtc', values: { line: '' } };
    case 'remote':
      return { key: 'lines.label.remote', values: { line: line.remoteNumberMasked ?? '' } };
  }
}

/** The admin's form for one seat's line. */
export interface LineForm {
  lineKind: LineKind;
  /** A SIP phone's dial string. */
  endpoint: string;
  /** A new remote number; left empty, a remote line keeps the number it has. */
  remoteNumber: string;
}

export type LineField = 'endpoint' | 'remoteNumber';

export function lineFormOf(seat: SeatView): LineForm {
  return {
    lineKind: seat.lineKind,
    endpoint: seat.lineKind === 'sip' ? (seat.endpoint ?? '') : '',
    remoteNumber: '',
  };
}

/**
 * The PATCH for the form: the kind and its own field (the service clears the old kind's). An empty field
 * is sent as null, so the service says what is missing, next to the field.
 */
export function linePatchOf(form: LineForm, seat: SeatView): SeatPatch {
  const endpoint = form.endpoint.trim();
  const remoteNumber = form.remoteNumber.trim();
  switch (form.lineKind) {
    case 'sip':
      return { lineKind: 'sip', endpoint: endpoint === '' ? null : endpoint };
    case 'webrtc':
      return { lineKind: 'webrtc' };
    case 'remote':
      // A remote seat keeps its number unless a new one is typed (the page never sees the full number).
      if (remoteNumber === '' && seat.lineKind === 'remote') return { lineKind: 'remote' };
      return { lineKind: 'remote', remoteNumber: remoteNumber === '' ? null : remoteNumber };
  }
}

/** Why a save failed: next to a field of the form, or above it. */
export type SaveProblem =
  | { field: LineField; key: MessageKey; values: Record<string, unknown> }
  | { field: null; key: MessageKey; values: Record<string, unknown> };

const fieldOfPath = (path: string | undefined): LineField | null =>
  path === 'body.endpoint' ? 'endpoint' : path === 'body.remoteNumber' ? 'remoteNumber' : null;

/** The service's refusal of an edit, explained where the admin looks. */
export function saveProblemOf(failure: Failure): SaveProblem {
  if (failure.kind === 'unavailable') return { field: null, key: 'lines.errors.unreachable', values: {} };
  if (failure.kind !== 'refused')
    return { field: null, key: 'lines.errors.rejected', values: { code: failure.kind } };
  const values = { code: failure.code, message: failure.message };
  const field = fieldOfPath(failure.details?.[0]?.path);
  switch (failure.code) {
    case 'INVALID_REMOTE_NUMBER':
      return { field: 'remoteNumber', key: 'lines.errors.invalidRemoteNumber', values };
    case 'INVALID_LINE':
      if (field === 'endpoint') return { field, key: 'lines.errors.endpointRequired', values };
      if (field === 'remoteNumber') return { field, key: 'lines.errors.remoteRequired', values };
      return { field: null, key: 'lines.errors.invalidLine', values };
    case 'VALIDATION_FAILED':
      if (field === 'endpoint') return { field, key: 'lines.errors.invalidEndpoint', values };
      if (field === 'remoteNumber') return { field, key: 'lines.errors.invalidRemoteNumber', values };
      return { field: null, key: 'lines.errors.rejected', values };
    case 'AGENT_NOT_FOUND':
      return { field: null, key: 'lines.errors.gone', values };
    default:
      return { field: null, key: 'lines.errors.rejected', values };
  }
}

/** Whether the agent's line is this browser (the workspace then shows the softphone). */
export function isBrowserLine(agent: { lineKind: string }): boolean {
  return agent.lineKind === 'webrtc';
}

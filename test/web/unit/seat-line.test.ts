import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../../web/src/agent/refusals.js';
import { outcome } from '../../../web/src/api/outcome.js';
import type { SeatView } from '../../../web/src/api/seats.js';
import { lineFormOf, lineLabel, linePatchOf, saveProblemOf } from '../../../web/src/lines/line.js';

const seat = (line: Partial<SeatView>): SeatView =>
  ({
    id: 'a1',
    name: '王小明',
    teamId: 't1',
    role: 'agent',
    lineKind: 'sip',
    endpoint: 'PJSIP/1001',
    lineMode: 'persistent',
    inboundRole: 'none',
    ...line,
  }) as SeatView;

const refused = (status: number, error: object) =>
  outcome(Promise.resolve({ error: { error }, response: new Response(null, { status }) }));

describe("an agent's line on the screens", () => {
  it('says what the line is, a remote number masked', () => {
    expect(lineLabel(seat({}))).toEqual({ key: 'lines.label.sip', values: { line: 'PJSIP/1001' } });
    expect(lineLabel(seat({ lineKind: 'webrtc', endpoint: 'PJSIP/cc-webrtc-a1' })).key).toBe(
      'lines.label.webrtc',
    );
    expect(lineLabel(seat({ lineKind: 'remote', endpoint: null, remoteNumberMasked: '****1234' }))).toEqual({
      key: 'lines.label.remote',
      values: { line: '****1234' },
    });
  });

  it("makes the admin's edit: the kind and its own field, empty fields as null for the service to judge", () => {
    const sip = seat({});
    expect(lineFormOf(sip)).toEqual({ lineKind: 'sip', endpoint: 'PJSIP/1001', remoteNumber: '' });
    expect(linePatchOf({ lineKind: 'sip', endpoint: ' PJSIP/1002 ', remoteNumber: 'x' }, sip)).toEqual({
      lineKind: 'sip',
      endpoint: 'PJSIP/1002',
    });
    expect(linePatchOf({ lineKind: 'sip', endpoint: '', remoteNumber: '' }, sip)).toEqual({
      lineKind: 'sip',
      endpoint: null,
    });
    expect(linePatchOf({ lineKind: 'webrtc', endpoint: 'PJSIP/1001', remoteNumber: '' }, sip)).toEqual({
      lineKind: 'webrtc',
    });
    expect(linePatchOf({ lineKind: 'remote', endpoint: '', remoteNumber: '138 1234 5678' }, sip)).toEqual({
      lineKind: 'remote',
      remoteNumber: '138 1234 5678',
    });
    expect(linePatchOf({ lineKind: 'remote', endpoint: '', remoteNumber: '' }, sip)).toEqual({
      lineKind: 'remote',
      remoteNumber: null,
    });
    // A remote seat keeps its number (the page only has it masked) unless a new one is typed.
    const remote = seat({ lineKind: 'remote', endpoint: null, remoteNumberMasked: '****1234' });
    expect(lineFormOf(remote)).toEqual({ lineKind: 'remote', endpoint: '', remoteNumber: '' });
    expect(linePatchOf(lineFormOf(remote), remote)).toEqual({ lineKind: 'remote' });
  });

  it("puts the service's refusal next to the field it is about", async () => {
    const missing = await refused(400, {
      code: 'INVALID_LINE',
      message: 'agent a1: endpoint: a SIP line needs...',
      details: [{ path: 'body.endpoint', message: 'needs' }],
    });
    expect(missing.ok || saveProblemOf(missing)).toMatchObject({
      field: 'endpoint',
      key: 'lines.errors.endpointRequired',
    });
    const noNumber = await refused(400, {
      code: 'INVALID_LINE',
      message: 'm',
      details: [{ path: 'body.remoteNumber', message: 'm' }],
    });
    expect(noNumber.ok || saveProblemOf(noNumber)).toMatchObject({ field: 'remoteNumber' });
    const notANumber = await refused(400, {
      code: 'INVALID_REMOTE_NUMBER',
      message: 'remoteNumber: not a number',
    });
    expect(notANumber.ok || saveProblemOf(notANumber)).toMatchObject({
      field: 'remoteNumber',
      key: 'lines.errors.invalidRemoteNumber',
    });
    const badDial = await refused(400, {
      code: 'VALIDATION_FAILED',
      message: 'body.endpoint: must be a dial string',
      details: [{ path: 'body.endpoint', message: 'must be a dial string' }],
    });
    expect(badDial.ok || saveProblemOf(badDial)).toMatchObject({
      field: 'endpoint',
      key: 'lines.errors.invalidEndpoint',
    });
    const other = await refused(403, { code: 'FORBIDDEN', message: 'no' });
    expect(other.ok || saveProblemOf(other)).toMatchObject({ field: null, values: { code: 'FORBIDDEN' } });
  });

  it('explains a remote line answered without the accept key at login', async () => {
    const answer = await refused(409, { code: 'REMOTE_NOT_ACCEPTED', message: 'nobody pressed 1' });
    expect(answer.ok || refusalOf(answer)).toMatchObject({ key: 'agent.errors.remoteNotAccepted' });
  });
});

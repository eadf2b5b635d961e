import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentRowsFromCsv } from '../../src/agents/import-csv.js';
import { lineDialString, linePatch, lineShown } from '../../src/agents/line.js';
import { AgentRoster } from '../../src/agents/roster.js';
import { normalizePhone } from '../../src/leads/phone.js';
import { agentInputSchema, lineIssue, openStore, type Store } from '../../src/store/index.js';

const TRUNK = 'Local/{digits}@to-customers';

describe('lineDialString: what the PBX dials for a seat', () => {
  it('dials a SIP phone as given, the browser endpoint by agent id, a remote number through the trunk', () => {
    const base = { id: 'a1', endpoint: null, remoteNumber: null };
    expect(lineDialString({ ...base, lineKind: 'sip', endpoint: 'PJSIP/1001' }, TRUNK)).toBe('PJSIP/1001');
    expect(lineDialString({ ...base, lineKind: 'webrtc' }, TRUNK)).toBe('PJSIP/cc-webrtc-a1');
    expect(lineDialString({ ...base, lineKind: 'remote', remoteNumber: '+8613812345678' }, TRUNK)).toBe(
      'Local/8613812345678@to-customers',
    );
    expect(
      lineDialString({ ...base, lineKind: 'remote', remoteNumber: '+8613812345678' }, 'PJSIP/{e164}@trunk'),
    ).toBe('PJSIP/+8613812345678@trunk');
  });

  it('shows a remote line only masked', () => {
    expect(
      lineShown({ id: 'a1', lineKind: 'remote', endpoint: null, remoteNumber: '+8613812345678' }),
    ).toEqual({
      endpoint: null,
      remoteNumberMasked: '**********5678',
    });
    expect(lineShown({ id: 'a1', lineKind: 'webrtc', endpoint: null, remoteNumber: null })).toEqual({
      endpoint: 'PJSIP/cc-webrtc-a1',
    });
  });
});

describe('line fields that fit together', () => {
  const sip = {
    lineKind: 'sip' as const,
    endpoint: 'PJSIP/1',
    remoteNumber: null,
    lineMode: 'per-call' as const,
  };
  it.each([
    [{ ...sip, endpoint: null }, 'endpoint', /needs the dial string/],
    [{ ...sip, remoteNumber: '+8613812345678' }, 'remoteNumber', /only a remote line/],
    [{ ...sip, lineKind: 'webrtc' as const }, 'endpoint', /browser line .* has no endpoint/],
    [{ ...sip, lineKind: 'remote' as const, endpoint: null }, 'remoteNumber', /needs the phone number/],
    [
      {
        lineKind: 'remote' as const,
        endpoint: null,
        remoteNumber: '+8613812345678',
        lineMode: 'per-call' as const,
      },
      'lineMode',
      /always persistent/,
    ],
  ])('refuses %j', (line, field, message) => {
    expect(lineIssue(line)).toEqual({ field, message: expect.stringMatching(message) });
  });

  it('takes a SIP phone, a browser line, a remote line (persistent by default)', () => {
    expect(lineIssue(sip)).toBeUndefined();
    expect(agentInputSchema.parse({ id: 'a1', name: 'A', lineKind: 'webrtc' })).toMatchObject({
      lineKind: 'webrtc',
      endpoint: null,
    });
    const remote = agentInputSchema.safeParse({
      id: 'a1',
      name: 'A',
      lineKind: 'remote',
      remoteNumber: '138',
    });
    expect(remote.success).toBe(true);
    const wrong = agentInputSchema.safeParse({
      id: 'a1',
      name: 'A',
      lineKind: 'remote',
      endpoint: 'PJSIP/1',
    });
    expect(wrong.error?.issues[0]).toMatchObject({ path: ['endpoint'] });
  });

  it("clears the old kind's fields when an edit changes the kind, unless the edit gives them", () => {
    expect(linePatch(sip, { lineKind: 'remote', remoteNumber: '+8613812345678' })).toEqual({
      endpoint: null,
      lineMode: 'persistent',
      lineKind: 'remote',
      remoteNumber: '+8613812345678',
    });
    const remote = {
      ...sip,
      lineKind: 'remote' as const,
      endpoint: null,
      remoteNumber: '+86138',
      lineMode: 'persistent' as const,
    };
    expect(linePatch(remote, { lineKind: 'webrtc' })).toEqual({
      endpoint: null,
      remoteNumber: null,
      lineKind: 'webrtc',
    });
    expect(linePatch(remote, { name: 'x' })).toEqual({ name: 'x' });
  });
});

describe('AgentRoster: line kinds', () => {
  let store: Store;
  let roster: AgentRoster;
  beforeEach(() => {
    store = openStore(':memory:');
    roster = new AgentRoster({
      store,
      seats: { reload: async () => {} },
      logger: pino({ level: 'silent' }),
      now: () => 1_000,
      normalizeNumber: (raw) => normalizePhone(raw, 'CN'),
    });
  });
  afterEach(() => store.close());

  it('stores a remote number in E.164, persistent; switches kinds; refuses a number that is none', async () => {
    const created = await roster.createAgent(
      {
        id: 'r1',
        name: 'R',
        teamId: null,
        role: 'agent',
        inboundRole: 'none',
        lineKind: 'remote',
        remoteNumber: '138 1234 5678',
      },
      'admin',
    );
    expect(created).toMatchObject({
      lineKind: 'remote',
      remoteNumber: '+8613812345678',
      endpoint: null,
      lineMode: 'persistent',
    });
    expect(store.agents.get('r1')).toMatchObject({ remoteNumber: '+8613812345678', endpoint: null });
    await expect(roster.updateAgent('r1', { remoteNumber: '12' }, 'admin')).rejects.toMatchObject({
      name: 'AgentLineError',
      code: 'INVALID_REMOTE_NUMBER',
    });
    expect(
      await roster.updateAgent('r1', { lineKind: 'sip', endpoint: 'PJSIP/1001' }, 'admin'),
    ).toMatchObject({
      lineKind: 'sip',
      endpoint: 'PJSIP/1001',
      remoteNumber: null,
      lineMode: 'persistent',
    });
    await expect(
      roster.updateAgent('r1', { lineKind: 'webrtc', endpoint: 'PJSIP/1' }, 'admin'),
    ).rejects.toMatchObject({
      code: 'INVALID_LINE',
    });
    expect(await roster.updateAgent('r1', { lineKind: 'webrtc' }, 'admin')).toMatchObject({
      lineKind: 'webrtc',
      endpoint: null,
    });
  });

  it('imports line_kind and remote_number from CSV, reporting a bad number by row', async () => {
    const csv = [
      'id,name,line_kind,endpoint,remote_number',
      'd1,Desk,sip,PJSIP/1001,',
      'w1,Web,webrtc,,',
      'r1,Remote,remote,,13812345678',
      'r2,Bad,remote,,123',
      'r3,NoNumber,remote,,',
    ].join('\n');
    const rows = agentRowsFromCsv(csv, (t) => t);
    const result = await roster.importAgents(rows, 'admin');
    expect(result.created).toBe(3);
    expect(result.errors).toEqual([
      { row: 4, message: expect.stringMatching(/^remoteNumber: /) },
      { row: 5, message: expect.stringMatching(/^remoteNumber: a remote line .* needs the phone number/) },
    ]);
    expect(store.agents.get('r1')).toMatchObject({
      lineKind: 'remote',
      remoteNumber: '+8613812345678',
      lineMode: 'persistent',
    });
    expect(store.agents.get('w1')).toMatchObject({ lineKind: 'webrtc', endpoint: null });
  });
});

import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { AgentView } from '../../src/agents/types.js';
import type { AriRest } from '../../src/ari/rest.js';
import { EventRouter } from '../../src/ari/router.js';
import { type CallJournal, CallSession } from '../../src/ari/session.js';
import type { Channel } from '../../src/ari/types.js';
import { CallControlNotifier } from '../../src/calls/notifier.js';
import { CallControl } from '../../src/calls/service.js';
import type { AgentCall, AgentCallSource, CallHandOver } from '../../src/calls/types.js';
import { type DomainEvent, EventBus } from '../../src/lib/events.js';

const logger = pino({ level: 'silent' });

function agent(id: string, extra: Partial<AgentView> = {}): AgentView {
  return {
    id,
    name: id,
    teamId: 't1',
    role: 'agent',
    lineKind: 'sip',
    endpoint: `PJSIP/${id}`,
    lineMode: 'persistent',
    inboundRole: 'none',
    state: 'ready',
    since: 0,
    lineUp: true,
    idleSince: 0,
    missedOffers: 0,
    ...extra,
  };
}

/** A customer call of `a1` on a persistent line, the commands it sends, and the agents around it. */
function setup(options: { leader?: string | null; agents?: AgentView[] } = {}) {
  const commands: string[] = [];
  const rest = {
    createBridge: vi.fn(async (id: string, type: string) => void commands.push(`create ${type} ${id}`)),
    addToBridge: vi.fn(async (id: string, ch: string[]) => void commands.push(`add ${ch} to ${id}`)),
    startBridgeMoh: vi.fn(async (id: string) => void commands.push(`moh on ${id}`)),
    destroyBridge: vi.fn(async (id: string) => void commands.push(`destroy ${id}`)),
    sendDtmf: vi.fn(async (id: string, keys: string) => void commands.push(`dtmf ${keys} to ${id}`)),
    hangup: vi.fn(async (id: string) => void commands.push(`hangup ${id}`)),
  };
  const journal: CallJournal = { opened: () => {}, answered: () => {}, ended: () => {}, event: () => {} };
  const caller: Channel = {
    id: 'cust',
    name: 'PJSIP/trunk-1',
    state: 'Up',
    caller: { name: '', number: '+4930123456789' },
    connected: { name: '', number: '' },
    creationtime: '',
  };
  const session = new CallSession(caller, 'outbound', {
    rest: rest as unknown as AriRest,
    router: new EventRouter(logger, { onNewChannel: vi.fn() }),
    journal,
    logger,
  });
  const views = new Map<string, AgentView>(
    (options.agents ?? [agent('a1', { state: 'on-call', callId: 'att-1' }), agent('a2')]).map((a) => [
      a.id,
      a,
    ]),
  );
  let owner = 'a1';
  const handOvers: CallHandOver[] = [];
  const call = (): AgentCall => ({
    kind: 'dialer',
    session,
    agentId: owner,
    agentCallId: 'att-1',
    numberMasked: '*********6789',
    answeredAt: 1_000,
    campaignId: 'c1',
    attemptId: 'att-1',
  });
  const source: AgentCallSource = {
    agentCall: (agentId) => (agentId === owner ? call() : undefined),
    handOver: (_id, to) => {
      handOvers.push(to);
      owner = to.agentId;
    },
  };
  const moves: string[] = [];
  const agents = {
    get: (id: string) => views.get(id),
    list: () => [...views.values()],
    bridgeOf: (id: string) => (views.get(id)?.lineUp ? `bridge-${id}` : undefined),
    reserve: vi.fn((id: string) => {
      const a = views.get(id);
      if (a?.state !== 'ready') return false;
      moves.push(`reserve ${id}`);
      return true;
    }),
    released: vi.fn((id: string) => void moves.push(`release ${id}`)),
    connected: vi.fn((id: string) => void moves.push(`connect ${id}`)),
    callEnded: vi.fn((id: string) => void moves.push(`wrap-up ${id}`)),
    moveLine: vi.fn(async (id: string, to?: string) => void moves.push(`line ${id} to ${to ?? 'home'}`)),
  };
  const bus = new EventBus();
  const events: DomainEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const control = new CallControl({
    sources: [source],
    agents,
    teamLeader: () => options.leader ?? null,
    events: new CallControlNotifier(bus, () => 5_000),
    onHandedOver: vi.fn(),
    config: { app: 'app', mohClass: 'default', ringTimeoutSec: 20 },
    logger,
    now: () => 5_000,
  });
  return { control, commands, moves, handOvers, events, views, session };
}

describe('CallControl', () => {
  it('holds the customer in a holding bridge with music, refuses a second hold, resumes into the agent bridge', async () => {
    const { control, commands, events } = setup();
    expect(control.current('a1')).toMatchObject({ state: 'talking', kind: 'dialer', heldSince: null });
    const held = await control.hold('a1');
    expect(held).toMatchObject({ state: 'held', heldSince: 5_000 });
    const hold = commands[0]?.split(' ')[2] ?? '';
    expect(hold).toMatch(/^app-hold-/);
    expect(commands).toEqual([`create holding ${hold}`, `add cust to ${hold}`, `moh on ${hold}`]);
    await expect(control.hold('a1')).rejects.toMatchObject({ code: 'CALL_STATE' });
    await expect(control.dtmf('a1', '1')).rejects.toMatchObject({ code: 'CALL_STATE' });
    expect((await control.resume('a1')).state).toBe('talking');
    await new Promise((r) => setImmediate(r));
    expect(commands.slice(3).sort()).toEqual([`add cust to bridge-a1`, `destroy ${hold}`].sort());
    await control.dtmf('a1', '12#');
    expect(commands.at(-1)).toBe('dtmf 12# to cust');
    expect(events.map((e) => `${e.topic}.${e.type}`)).toEqual(['call.held', 'call.resumed']);
  });

  it('has no call for an agent not on one', async () => {
    const { control } = setup();
    expect(control.currentCall('a2')).toBeNull();
    expect(() => control.current('a2')).toThrow(expect.objectContaining({ code: 'NO_CALL' }));
    await expect(control.hold('a2')).rejects.toMatchObject({ code: 'NO_CALL' });
  });

  it('finds the team leader (named by the team, else by role) and refuses targets that cannot take the call', async () => {
    const { control } = setup({
      agents: [
        agent('a1', { state: 'on-call', callId: 'att-1' }),
        agent('tl', { role: 'team-leader', state: 'not-ready' }),
        agent('off', { state: 'logged-out', lineUp: false }),
      ],
    });
    await expect(control.transfer('a1', { teamLeader: true }, 'blind')).rejects.toMatchObject({
      code: 'TARGET_UNAVAILABLE',
      message: expect.stringContaining('agent tl is not-ready'),
    });
    await expect(control.transfer('a1', { agentId: 'off' }, 'warm')).rejects.toMatchObject({
      code: 'TARGET_UNAVAILABLE',
    });
    await expect(control.transfer('a1', { agentId: 'nobody' }, 'warm')).rejects.toMatchObject({
      code: 'UNKNOWN_TARGET',
    });
    await expect(control.transfer('a1', { agentId: 'a1' }, 'blind')).rejects.toMatchObject({
      code: 'TARGET_UNAVAILABLE',
    });
    // Nothing happened to the call.
    expect(control.current('a1').state).toBe('talking');

    const alone = setup({ leader: null, agents: [agent('a1', { state: 'on-call', callId: 'att-1' })] });
    await expect(alone.control.transfer('a1', { teamLeader: true }, 'warm')).rejects.toMatchObject({
      code: 'UNKNOWN_TARGET',
    });
  });

  it('blind transfer to a persistent line: the customer joins the target, who is connected; the agent goes to wrap-up', async () => {
    const { control, commands, moves, handOvers, events } = setup({ leader: 'a2' });
    expect(await control.transfer('a1', { teamLeader: true }, 'blind')).toBeNull();
    expect(commands).toEqual(['add cust to bridge-a2']);
    expect(moves).toEqual(['reserve a2', 'connect a2', 'wrap-up a1']);
    expect(handOvers).toEqual([{ agentId: 'a2', teamId: 't1', agentLeg: undefined }]);
    expect(control.currentCall('a1')).toBeNull();
    expect(control.current('a2')).toMatchObject({ state: 'talking', heldSince: null });
    expect(events.at(-1)).toMatchObject({
      topic: 'call',
      type: 'transferred',
      data: { agentId: 'a1', toAgentId: 'a2', mode: 'blind' },
    });
  });

  it('warm transfer: consult with the target on the agent bridge, cancel sends the line home, complete joins the customer', async () => {
    const { control, moves } = setup();
    const consulting = await control.transfer('a1', { agentId: 'a2' }, 'warm');
    expect(consulting).toMatchObject({
      state: 'consulting',
      consult: { targetAgentId: 'a2', state: 'talking' },
    });
    expect(moves).toEqual(['reserve a2', 'line a2 to bridge-a1']);
    await expect(control.resume('a1')).rejects.toMatchObject({ code: 'CALL_STATE' });
    expect(await control.cancelTransfer('a1')).toMatchObject({ state: 'held', consult: null });
    expect(moves.slice(2)).toEqual(['line a2 to home', 'release a2']);
    await expect(control.completeTransfer('a1')).rejects.toMatchObject({ code: 'CALL_STATE' });

    await control.transfer('a1', { agentId: 'a2' }, 'warm');
    await control.completeTransfer('a1');
    expect(moves.slice(4)).toEqual([
      'reserve a2',
      'line a2 to bridge-a1',
      'line a2 to home',
      'connect a2',
      'wrap-up a1',
    ]);
    expect(control.current('a2').state).toBe('talking');
  });
});

import { describe, expect, it, vi } from 'vitest';
import { type ActionCalls, createActions } from '../../../web/src/agent/actions.js';
import { createWorkspace, type WorkspaceReads } from '../../../web/src/agent/workspace.js';
import type { AgentView } from '../../../web/src/api/agent.js';
import type { Outcome } from '../../../web/src/api/outcome.js';
import type { PreviewView } from '../../../web/src/api/workspace.js';
import type { LiveEvent } from '../../../web/src/live/client.js';

const MISSING = { ok: false, kind: 'missing' } as const;
const none = (code: string) => ({ ok: false, kind: 'refused', status: 404, code, message: '' }) as const;
const ok = <T>(data: T): Outcome<T> => ({ ok: true, data });

function view(state: AgentView['state'], sinceMs: number, extra: Partial<AgentView> = {}): AgentView {
  return {
    id: 'a1',
    name: 'A',
    teamId: null,
    role: 'agent',
    lineKind: 'sip',
    endpoint: 'PJSIP/1',
    lineMode: 'persistent',
    inboundRole: 'none',
    state,
    since: new Date(sinceMs).toISOString(),
    lineUp: true,
    idleSince: new Date(0).toISOString(),
    missedOffers: 0,
    ...extra,
  };
}

const preview = (attemptId: string, phase: PreviewView['phase'] = 'preview'): PreviewView => ({
  attemptId,
  campaignId: 'c1',
  campaignName: 'C',
  phase,
  lead: {
    id: 'l1',
    name: null,
    numberMasked: '****1',
    fields: {},
    attempts: 0,
    state: 'reserved',
    lastOutcome: null,
    lastDisposition: null,
  },
  history: [],
  onPreviewTimeout: 'dial',
  dispositions: [{ code: 'sale', label: 'Sale', sale: true }],
  script: null,
});

/** Reads of a service without the contract's routes, the agent as given. */
function reads(agent: () => AgentView, overrides: Partial<WorkspaceReads> = {}) {
  const fakes = {
    getWorkspace: vi.fn(async () => MISSING),
    getAgent: vi.fn(async () => ok(agent())),
    getPreview: vi.fn(async (): Promise<Outcome<PreviewView>> => none('NO_PREVIEW')),
    getCurrentCall: vi.fn(async () => MISSING),
    getCallbacks: vi.fn(async () => MISSING),
    getStatsToday: vi.fn(async () => MISSING),
    getRecentCalls: vi.fn(async () => MISSING),
    getHotlineOffer: vi.fn(async () => MISSING),
    ...overrides,
  };
  return fakes as typeof fakes & WorkspaceReads;
}

const agentEvent = (v: AgentView, at = Date.parse(v.since)): LiveEvent => ({
  topic: 'agent',
  type: 'state',
  at,
  // The event carries epoch ms where the API answers ISO strings.
  data: { ...v, since: Date.parse(v.since), idleSince: Date.parse(v.idleSince) },
});

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the agent workspace store', () => {
  it('loads part by part without the workspace route, and asks a missing route once until the stream was lost', async () => {
    const api = reads(() => view('logged-out', 1_000));
    const ws = createWorkspace('a1', api);
    await ws.reload();
    await ws.reload();
    expect(ws.state).toMatchObject({ loaded: true, today: null, callbacks: null, recentCalls: null });
    expect(ws.state.agent?.state).toBe('logged-out');
    expect(api.getWorkspace).toHaveBeenCalledTimes(1);
    expect(api.getStatsToday).toHaveBeenCalledTimes(1);
    // Logged out: no lead, call or caller can be there, so none is asked for.
    expect(api.getPreview).not.toHaveBeenCalled();
    expect(api.getCurrentCall).not.toHaveBeenCalled();
    await ws.reloadAfterLoss();
    expect(api.getWorkspace).toHaveBeenCalledTimes(2);
    expect(api.getStatsToday).toHaveBeenCalledTimes(2);
  });

  it('keeps the newest agent view: by when its state began, an event winning a tie with an answer', async () => {
    let answer = view('ready', 2_000);
    const api = reads(() => answer);
    const ws = createWorkspace('a1', api);
    await ws.reload();
    ws.onEvent(agentEvent(view('reserved', 3_000)));
    expect(ws.state.agent?.state).toBe('reserved');
    // An answer sent before the event and read after it changes nothing.
    answer = view('ready', 2_000);
    await ws.refreshAgent();
    expect(ws.state.agent?.state).toBe('reserved');
    // Same instant, another state: the answer may have been overtaken; the event is kept.
    ws.applyAgent(view('ready', 3_000));
    expect(ws.state.agent?.state).toBe('reserved');
    // Same instant, same state: the answer's line is news.
    ws.applyAgent(view('reserved', 3_000, { lineUp: false }));
    expect(ws.state.agent?.lineUp).toBe(false);
  });

  it('an agent event reloads the lead; a dialer event about another agent does nothing', async () => {
    const api = reads(() => view('ready', 1_000), { getPreview: vi.fn(async () => ok(preview('at1'))) });
    const ws = createWorkspace('a1', api);
    await ws.reload();
    expect(api.getPreview).not.toHaveBeenCalled();
    ws.onEvent(agentEvent(view('reserved', 2_000, { callId: 'at1' })));
    await settle();
    expect(ws.state.preview?.attemptId).toBe('at1');
    ws.onEvent({ topic: 'dialer', type: 'dialing', at: 5, data: { agentId: 'a2', attemptId: 'x' } });
    await settle();
    expect(api.getPreview).toHaveBeenCalledTimes(1);
    ws.onEvent({ topic: 'dialer', type: 'dialing', at: 2_500, data: { agentId: 'a1', attemptId: 'at1' } });
    expect(ws.state.phaseSince).toBe(2_500);
  });

  it('notices the line dropping, during a call or not, and forgets it once the line is back', async () => {
    const ws = createWorkspace(
      'a1',
      reads(() => view('on-call', 1_000)),
    );
    await ws.reload();
    ws.onEvent(agentEvent(view('not-ready', 2_000, { reason: 'line-dropped', lineUp: false })));
    expect(ws.state.lineDrop).toMatchObject({ duringCall: true });
    ws.onEvent(agentEvent(view('not-ready', 3_000, { reason: 'login', lineUp: true })));
    expect(ws.state.lineDrop).toBeNull();
  });

  it('takes the workspace route when there is one', async () => {
    const api = reads(() => view('ready', 1_000), {
      getWorkspace: vi.fn(async () =>
        ok({
          agent: view('wrap-up', 5_000),
          preview: preview('at1', 'ended'),
          call: null,
          notReadyReasons: [
            { code: 'coaching', label: { 'zh-CN': '辅导', en: 'Coaching' }, selectable: true },
          ],
          wrapUpEndsAt: 65_000,
          today: { calls: 3, contacts: 2, talkSec: 300, sales: 1, salesAmount: 99.5 },
          callbacks: { overdue: [], today: [] },
          recentCalls: [],
        }),
      ),
    });
    const ws = createWorkspace('a1', api);
    await ws.reload();
    expect(api.getAgent).not.toHaveBeenCalled();
    expect(ws.state).toMatchObject({
      wrapUpEndsAt: 65_000,
      today: { calls: 3 },
      callbacks: { overdue: [] },
      recentCalls: [],
      callRoute: 'missing',
    });
    expect(ws.state.reasons?.[0]?.code).toBe('coaching');
    expect(ws.state.agent?.state).toBe('wrap-up');
  });
});

describe('the agent actions', () => {
  function setup(calls: Partial<ActionCalls>) {
    const ws = createWorkspace(
      'a1',
      reads(() => view('reserved', 1_000)),
    );
    const reload = vi.spyOn(ws, 'reload');
    const notify = vi.fn();
    const actions = createActions(ws, notify, calls as ActionCalls);
    return { ws, actions, notify, reload };
  }

  it('a double click sends one accept; the answer moves the lead on', async () => {
    let answer: (value: Outcome<PreviewView>) => void = () => {};
    const acceptPreview = vi.fn(
      () =>
        new Promise<Outcome<PreviewView>>((r) => {
          answer = r;
        }),
    );
    const { ws, actions } = setup({ acceptPreview });
    const first = actions.accept('at1');
    const second = actions.accept('at1');
    expect(actions.guards.preview.busy.value).toBe(true);
    expect(await second).toBe(false);
    answer(ok(preview('at1', 'waiting-channel')));
    expect(await first).toBe(true);
    expect(acceptPreview).toHaveBeenCalledTimes(1);
    expect(acceptPreview).toHaveBeenCalledWith('a1', 'at1');
    expect(ws.state.preview?.phase).toBe('waiting-channel');
    expect(actions.guards.preview.busy.value).toBe(false);
  });

  it('a refusal is explained, and a conflict reloads the screen', async () => {
    const acceptPreview = vi.fn(async () => ({
      ok: false as const,
      kind: 'refused' as const,
      status: 409,
      code: 'NO_PREVIEW',
      message: '',
    }));
    const { actions, notify, reload } = setup({ acceptPreview });
    expect(await actions.accept('at1')).toBe(false);
    expect(notify).toHaveBeenCalledWith(expect.objectContaining({ key: 'agent.errors.noPreview' }));
    expect(reload).toHaveBeenCalled();
  });

  it('a disposition goes once, with the attempt shown, a sale with its amount and product', async () => {
    const dispose = vi.fn(async () => ok({ attemptId: 'at1', leadState: 'done' }));
    const { ws, actions } = setup({ dispose });
    const sale = { code: 'sale', sale: { amount: 99.5, product: 'Fibre' } };
    await Promise.all([actions.dispose('at1', sale), actions.dispose('at1', sale)]);
    expect(dispose).toHaveBeenCalledTimes(1);
    expect(dispose).toHaveBeenCalledWith('a1', {
      code: 'sale',
      sale: { amount: 99.5, product: 'Fibre' },
      attemptId: 'at1',
    });
    expect(ws.state.disposed).toEqual(['at1']);
    await actions.dispose('at2', { code: 'not-interested', notes: 'no' });
    expect(dispose).toHaveBeenLastCalledWith('a1', { code: 'not-interested', notes: 'no', attemptId: 'at2' });
  });

  it('a click on an offer that has gone is explained (STALE_OFFER) and the screen reloads', async () => {
    const skipPreview = vi.fn(async () => ({
      ok: false as const,
      kind: 'refused' as const,
      status: 409,
      code: 'STALE_OFFER',
      message: '',
    }));
    const { actions, notify, reload } = setup({ skipPreview });
    expect(await actions.skip('at0', 'busy')).toBe(false);
    expect(skipPreview).toHaveBeenCalledWith('a1', 'busy', 'at0');
    expect(notify).toHaveBeenCalledWith(expect.objectContaining({ key: 'agent.errors.staleOffer' }));
    expect(reload).toHaveBeenCalled();
  });

  it('keypad keys go out one after the other, in order', async () => {
    const sent: string[] = [];
    const sendDtmf = vi.fn(async (_id: string, digits: string) => {
      await new Promise((r) => setTimeout(r, digits === '1' ? 20 : 0));
      sent.push(digits);
      return ok(undefined);
    });
    const { actions } = setup({ sendDtmf });
    await Promise.all(['1', '2', '#'].map((k) => actions.sendDtmf(k)));
    expect(sent).toEqual(['1', '2', '#']);
  });

  it('reconnecting the line logs out, then in again', async () => {
    const requestState = vi.fn(async (_id: string, body: { event: string }) =>
      ok(view(body.event === 'logout' ? 'logged-out' : 'not-ready', body.event === 'logout' ? 2_000 : 3_000)),
    );
    const { ws, actions } = setup({ requestState: requestState as ActionCalls['requestState'] });
    expect(await actions.reconnectLine()).toBe(true);
    expect(requestState.mock.calls.map((c) => c[1])).toEqual([{ event: 'logout' }, { event: 'login' }]);
    expect(ws.state.agent?.state).toBe('not-ready');
  });
});

import type { Logger } from 'pino';
import type { CallHandler } from '../ari/app.js';
import { isGone } from '../ari/errors.js';
import { type CallSession, SessionEndedError } from '../ari/session.js';
import type { ChannelDtmfReceivedEvent, StasisStartEvent } from '../ari/types.js';
import { maskNumber } from '../lib/mask.js';
import type { Store } from '../store/index.js';
import type { IvrOutcome, IvrPathStep } from '../store/ivr.js';
import type { FlowCatalog } from './catalog.js';
import { type IvrRun, type IvrServices, playPrompts } from './context.js';
import { DigitBuffer } from './digits.js';
import type { Flow } from './flow.js';
import { IvrLines } from './lines.js';
import type { IvrLiveSnapshot } from './live.js';
import { buildNode } from './nodes.js';
import type { IvrNotifier } from './notifier.js';

export interface IvrOverflowPolicy {
  /** 'busy': the caller past the line limit hears the announcement and is hung up (busy). 'wait': hears
   * music on hold until a line frees, in arrival order, for at most maxWaitSec. */
  mode: 'busy' | 'wait';
  prompts: string[];
  maxWaitSec: number;
  mohClass?: string;
}

export interface IvrEngineOptions {
  lines: number;
  overflow: IvrOverflowPolicy;
  catalog: FlowCatalog;
  store: Store;
  services: Omit<IvrServices, 'stat'>;
  /** Local calendar day (YYYY-MM-DD) for the day's statistics. */
  today(): string;
  /** When no flow answers the number. */
  noFlow?: CallHandler;
  logger: Logger;
  /** Where the IVR's live events (callers entering and leaving, overflows) are published. */
  events: IvrNotifier;
  /** Counted for metrics. */
  onOverflow?: () => void;
  onLines?: (inUse: number, waiting: number) => void;
}

/** A flow can loop (menus back to themselves); a run this long is a broken flow, not a caller. */
const MAX_STEPS = 500;

/**
 * Runs inbound callers through IVR flows: takes one of the IVR's lines (or applies the overflow policy),
 * runs the flow version the number maps to at the moment of the call, keeps the path, digits and outcome,
 * and frees the line when the caller leaves the IVR (to the queue, an agent, a message, a callback or a
 * hang-up).
 */
export class IvrEngine {
  readonly lines: IvrLines;
  private readonly live = new Map<string, { flow: string; version: number; node: string; since: number }>();
  private readonly services: IvrServices;

  constructor(private readonly options: IvrEngineOptions) {
    this.lines = new IvrLines(options.lines, options.onLines);
    const day = options.today;
    this.services = {
      ...options.services,
      stat: (flow, node, field) => {
        try {
          options.store.ivrStats.bump(day(), flow, node, field);
        } catch (err) {
          options.logger.warn({ err }, 'could not count IVR statistic');
        }
      },
    };
  }

  /** The CallHandler for inbound calls. */
  readonly handle: CallHandler = async (session, start) => {
    const dnis = dnisOf(session, start);
    const entry = this.options.catalog.forNumber(dnis);
    if (!entry) {
      if (this.options.noFlow) return this.options.noFlow(session, start);
      session.log.warn({ dnis }, 'no IVR flow for this number');
      await session.hangup('no flow for number');
      return;
    }
    if (session.state === 'ringing') await session.ari.answer(session.channelId);
    this.services.onAnswered?.(session);
    this.options.store.ivrSessions.open({
      callId: session.id,
      flow: entry.flow.name,
      version: entry.version,
      callerMasked: maskNumber(session.channel.caller?.number),
      dnis,
      startedAt: this.nowMs(),
    });
    await this.runIvr(session, entry.flow, entry.version, dnis, entry.flow.start, true);
  };

  /**
   * Runs a caller who is already in the service (e.g. waited too long in the queue) from a node of a
   * flow's current version. Such a run is logged, not recorded as a new IVR session (the call has one).
   */
  async resume(session: CallSession, flowName: string, node: string): Promise<void> {
    const stored = this.options.catalog.get(flowName);
    if (!stored?.flow.nodes[node]) {
      session.log.error({ flow: flowName, node }, 'cannot resume the IVR: no such flow or node');
      await session.hangup('IVR node missing');
      return;
    }
    await this.runIvr(session, stored.flow, stored.version, dnisOf(session, undefined), node, false);
  }

  private async runIvr(
    session: CallSession,
    flow: Flow,
    version: number,
    dnis: string,
    startNode: string,
    record: boolean,
  ): Promise<void> {
    const { run, untap } = this.newRun(session, flow, version, dnis);
    let outcome: IvrOutcome = 'error';
    let after: (() => Promise<void>) | undefined;
    let entered = false;
    try {
      if (!(await this.takeLine(session, run))) {
        outcome = 'overflow';
        await session.hangup('IVR overflow');
        return;
      }
      entered = true;
      this.options.events.entered({
        callId: session.id,
        flow: flow.name,
        version,
        node: startNode,
        callerMasked: run.callerMasked,
        resumed: !record,
      });
      try {
        ({ outcome, after } = await this.runFlow(run, startNode));
      } finally {
        this.live.delete(session.id);
        this.lines.release();
      }
    } catch (err) {
      // The caller went away: whatever the node was doing then failed with it.
      if (err instanceof SessionEndedError || session.isEnded || isGone(err)) {
        outcome = run.outcomeOnHangup ?? 'caller-hangup';
        const last = run.path.at(-1);
        if (last && outcome === 'caller-hangup') this.services.stat(run.flow.name, last.node, 'hangups');
      } else {
        outcome = 'error';
        session.log.error({ err }, 'IVR flow failed');
      }
      throw err;
    } finally {
      untap();
      if (entered) this.options.events.left({ callId: session.id, flow: flow.name, outcome });
      if (record) this.close(run, outcome);
      else
        session.log.info(
          { flow: flow.name, from: startNode, outcome, path: run.path.map((p) => p.node) },
          'IVR resumed run ended',
        );
    }
    if (after) await after();
    else if (outcome === 'hangup' || outcome === 'message' || outcome === 'callback' || outcome === 'error') {
      await session.hangup(`ivr: ${outcome}`);
    }
  }

  /** The business clock (the one schedule nodes read), for every time the IVR records. */
  private nowMs(): number {
    return this.services.now().getTime();
  }

  snapshot(): IvrLiveSnapshot {
    return {
      lines: { capacity: this.lines.capacity, inUse: this.lines.inUse, waiting: this.lines.waiting },
      sessions: [...this.live.entries()].map(([callId, s]) => ({ callId, ...s })),
    };
  }

  private newRun(
    session: CallSession,
    flow: Flow,
    version: number,
    dnis: string,
  ): { run: IvrRun; untap: () => void } {
    const digits = new DigitBuffer();
    // Every key from the first moment, whatever node (or none) is waiting: type-ahead is never lost.
    const untap = session.tap((event) => {
      if (event.type === 'ChannelDtmfReceived' && event.channel?.id === session.channelId) {
        digits.push((event as ChannelDtmfReceivedEvent).digit);
      }
    });
    const run: IvrRun = {
      session,
      flow,
      version,
      digits,
      variables: {},
      keyedIn: new Set(),
      tags: new Set(),
      path: [],
      services: this.services,
      callerMasked: maskNumber(session.channel.caller?.number),
      dnis,
    };
    return { run, untap };
  }

  /** A line for this caller now, or per the overflow policy. False: the caller was turned away. */
  private async takeLine(session: CallSession, run: IvrRun): Promise<boolean> {
    if (this.lines.tryAcquire()) return true;
    const { overflow } = this.options;
    this.options.onOverflow?.();
    this.options.store.ivrStats.bumpOverflow(this.options.today(), run.dnis);
    run.path.push({ node: '(overflow)', type: 'overflow', at: this.nowMs(), result: overflow.mode });
    session.log.info({ mode: overflow.mode, inUse: this.lines.inUse }, 'IVR lines full');
    this.options.events.overflow({
      callId: session.id,
      mode: overflow.mode,
      inUse: this.lines.inUse,
      capacity: this.lines.capacity,
    });
    if (overflow.mode === 'busy') {
      await playPrompts(run, overflow.prompts, { bargeIn: false });
      return false;
    }
    await playPrompts(run, overflow.prompts, { bargeIn: false });
    await session.startMoh(overflow.mohClass);
    // Stop waiting when the caller hangs up or has waited the longest allowed.
    const gaveUp = AbortSignal.any([session.signal, AbortSignal.timeout(overflow.maxWaitSec * 1000)]);
    try {
      const got = await this.lines.wait(gaveUp);
      if (session.isEnded) {
        if (got) this.lines.release();
        throw new SessionEndedError(session.endReason ?? 'hangup');
      }
      return got;
    } finally {
      if (!session.isEnded) await session.stopMoh();
    }
  }

  private async runFlow(
    run: IvrRun,
    startNode: string,
  ): Promise<{ outcome: IvrOutcome; after?: () => Promise<void> }> {
    const { session, flow } = run;
    let nodeId = startNode;
    for (let step = 0; step < MAX_STEPS; step += 1) {
      const def = flow.nodes[nodeId];
      if (!def) throw new Error(`flow ${flow.name} v${run.version}: no node '${nodeId}'`);
      const enteredAt = this.nowMs();
      this.live.set(session.id, { flow: flow.name, version: run.version, node: nodeId, since: enteredAt });
      this.services.stat(flow.name, nodeId, 'entries');
      const pathStep: IvrPathStep = { node: nodeId, type: def.type, at: enteredAt };
      run.path.push(pathStep);
      const result = await session.run(buildNode(nodeId, def, run));
      if (result.digits) pathStep.digits = result.digits;
      if (result.result) pathStep.result = result.result;
      if ('outcome' in result) return { outcome: result.outcome, after: result.after };
      nodeId = result.next;
    }
    session.log.error({ flow: flow.name }, `IVR flow ran ${MAX_STEPS} steps without ending: stopped`);
    return { outcome: 'error' };
  }

  private close(run: IvrRun, outcome: IvrOutcome): void {
    try {
      this.options.store.ivrSessions.close(run.session.id, {
        endedAt: this.nowMs(),
        outcome,
        path: run.path,
        // Keyed-in values are kept only as their length: the record is for routing and reports.
        variables: Object.fromEntries(
          Object.entries(run.variables).map(([k, v]) => [k, run.keyedIn.has(k) ? '*'.repeat(v.length) : v]),
        ),
        tags: [...run.tags],
      });
    } catch (err) {
      run.session.log.error({ err }, 'could not record the IVR session');
    }
    run.session.log.info(
      { flow: run.flow.name, version: run.version, outcome, steps: run.path.length },
      'IVR session ended',
    );
  }
}

function dnisOf(session: CallSession, start: StasisStartEvent | undefined): string {
  return start?.args?.[1] ?? session.channel.dialplan?.exten ?? '';
}

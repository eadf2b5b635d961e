import { randomUUID } from 'node:crypto';
import { bridgeTask } from '../ari/bridge.js';
import { type DialResult, DialTask } from '../ari/dial.js';
import { type CallSession, SessionEndedError, type Task } from '../ari/session.js';
import type { RawAriEvent, RecordingEvent } from '../ari/types.js';
import { bestEffort, observed } from '../lib/best-effort.js';
import { scheduleBranch } from '../lib/calendar.js';
import { type IvrRun, type NodeResult, playPrompts } from './context.js';
import type { FlowNode, NodeOf } from './flow.js';
import { compileKeyPattern } from './key-pattern.js';

/**
 * IVR nodes as tasks: built from a validated flow node by buildNode, run with exec(session), stopped with
 * kill() (which ends any prompt or wait they have in flight; the call's teardown calls it).
 */
export abstract class IvrNode<T extends FlowNode = FlowNode> implements Task<NodeResult> {
  protected readonly abort = new AbortController();

  constructor(
    readonly id: string,
    protected readonly def: T,
    protected readonly run: IvrRun,
  ) {}

  get name(): string {
    return `ivr:${this.def.type}:${this.id}`;
  }

  abstract exec(session: CallSession): Promise<NodeResult>;

  kill(): void {
    this.abort.abort(new SessionEndedError('node killed'));
  }

  protected play(prompts: readonly string[] | undefined, bargeIn: boolean): Promise<boolean> {
    return playPrompts(this.run, prompts, { bargeIn, signal: this.abort.signal });
  }

  protected key(timeoutMs: number): Promise<string | undefined> {
    return this.run.digits.next(timeoutMs, this.abort.signal);
  }

  protected stat(field: 'timeouts' | 'invalid'): void {
    this.run.services.stat(this.run.flow.name, this.id, field);
  }
}

class PlayNode extends IvrNode<NodeOf<'play'>> {
  async exec(): Promise<NodeResult> {
    await this.play(this.def.prompts, this.def.bargeIn);
    return { next: this.def.next };
  }
}

class MenuNode extends IvrNode<NodeOf<'menu'>> {
  async exec(): Promise<NodeResult> {
    const { prompts, options, timeoutMs, retries, invalidPrompts, timeoutPrompts, fallback } = this.def;
    const pressed: string[] = [];
    for (let attempt = 0; attempt <= retries; attempt += 1) {
      await this.play(prompts, true);
      const key = await this.key(timeoutMs);
      if (key === undefined) {
        this.stat('timeouts');
        if (attempt < retries) await this.play(timeoutPrompts, true);
        continue;
      }
      pressed.push(key);
      const target = options[key];
      if (target) return { next: target, digits: pressed.join(''), result: `key ${key}` };
      this.stat('invalid');
      this.run.digits.clear(); // what was typed after a wrong key is not meant for the re-prompt
      if (attempt < retries) await this.play(invalidPrompts, true);
    }
    return { next: fallback, digits: pressed.join(''), result: 'retries exhausted' };
  }
}

class CollectNode extends IvrNode<NodeOf<'collect'>> {
  async exec(): Promise<NodeResult> {
    const d = this.def;
    // Validated with the flow; matched in linear time by our own matcher, never by RegExp.
    const pattern = d.pattern ? compileKeyPattern(d.pattern) : undefined;
    for (let attempt = 0; attempt <= d.retries; attempt += 1) {
      await this.play(d.prompts, true);
      let input = '';
      let key = await this.key(d.firstDigitTimeoutMs);
      while (key !== undefined) {
        if (d.terminator !== 'none' && key === d.terminator) break;
        input += key;
        if (input.length >= d.maxLength) break;
        key = await this.key(d.interDigitTimeoutMs);
      }
      if (input === '') {
        this.stat('timeouts');
        continue;
      }
      if (input.length < d.minLength || (pattern && !pattern.matches(input))) {
        this.stat('invalid');
        if (attempt < d.retries) await this.play(d.invalidPrompts, true);
        continue;
      }
      this.run.variables[d.variable] = input;
      this.run.keyedIn.add(d.variable);
      // Collected digits may be account or card numbers: the path keeps only their count.
      return { next: d.next, result: `collected ${input.length} digits` };
    }
    return { next: d.fallback, result: 'retries exhausted' };
  }
}

class ScheduleNode extends IvrNode<NodeOf<'schedule'>> {
  async exec(): Promise<NodeResult> {
    const branch = scheduleBranch(this.def, this.run.services.now());
    const next =
      branch === 'open'
        ? this.def.open
        : branch === 'holiday'
          ? (this.def.holiday ?? this.def.closed)
          : this.def.closed;
    return { next, result: branch };
  }
}

class SetNode extends IvrNode<NodeOf<'set'>> {
  async exec(): Promise<NodeResult> {
    Object.assign(this.run.variables, this.def.variables);
    for (const tag of this.def.tags) this.run.tags.add(tag);
    return { next: this.def.next };
  }
}

class QueueNode extends IvrNode<NodeOf<'queue'>> {
  async exec(session: CallSession): Promise<NodeResult> {
    const enter = this.run.services.enterQueue;
    if (!enter) {
      session.log.warn({ queue: this.def.queue }, 'no queue service: caller goes to the fallback');
      return { next: this.def.fallback, result: 'no queue' };
    }
    const verdict = await enter(session, this.def.queue, this.run);
    if (verdict === 'refused') return { next: this.def.fallback, result: 'queue refused' };
    // The queue owns the call from here; the IVR line is freed and the session lives until hang-up.
    return { outcome: 'queue', result: this.def.queue, after: () => session.done };
  }
}

class TransferNode extends IvrNode<NodeOf<'transfer'>> {
  async exec(session: CallSession): Promise<NodeResult> {
    const d = this.def;
    const dial = new DialTask({
      endpoint: d.endpoint,
      app: this.run.services.appName,
      appArgs: 'ivr-transfer',
      timeoutSec: d.timeoutSec,
      callerId: session.channel.caller?.number || undefined,
    });
    const unkill = onAbort(this.abort.signal, () => dial.kill());
    // The caller hears ringback prompts (looped) or music on hold while the target rings, whatever the
    // dial's outcome: stopped when it ends (the caller may go on in the IVR).
    const ringing = new AbortController();
    const ringback = bestEffort(
      async () => {
        if (!d.ringbackPrompts) return session.startMoh();
        while (!ringing.signal.aborted)
          await playPrompts(this.run, d.ringbackPrompts, { bargeIn: false, signal: ringing.signal });
      },
      session.log,
      'ringback',
    );
    let result: DialResult;
    try {
      result = await session.run(dial);
    } finally {
      unkill();
      ringing.abort();
      await ringback;
      if (!d.ringbackPrompts) await session.stopMoh();
    }
    if (result.outcome !== 'answered') return { next: d.failed, result: `not connected (${result.outcome})` };
    await session.run(
      bridgeTask({
        bridge: { create: { app: this.run.services.appName, name: `ivr-transfer-${session.id}` } },
        legs: [result.channelId],
        hangupWhenLegLeaves: 'transfer target hung up',
      }),
    );
    this.run.services.onConnected?.(session);
    // The call stays up, outside the IVR, until either side hangs up.
    return { outcome: 'agent', result: 'connected', after: () => session.done };
  }
}

/** Runs fn when signal aborts; returns the function that detaches it. */
function onAbort(signal: AbortSignal, fn: () => void): () => void {
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}

class VoicemailNode extends IvrNode<NodeOf<'voicemail'>> {
  async exec(session: CallSession): Promise<NodeResult> {
    const d = this.def;
    await this.play(d.prompts, false);
    const name = `vm-${session.id}-${randomUUID().slice(0, 8)}`;
    session.own('recording', name);
    const finished = observed(
      session.waitFor(
        (e: RawAriEvent): e is RecordingEvent =>
          (e.type === 'RecordingFinished' || e.type === 'RecordingFailed') &&
          (e as RecordingEvent).recording?.name === name,
        { signal: this.abort.signal },
      ),
    );
    const keep = () =>
      this.run.services.keepVoiceMessage({
        recordingName: name,
        callId: session.id,
        flow: this.run.flow.name,
        node: this.id,
        callerMasked: this.run.callerMasked,
        dnis: this.run.dnis,
      });
    await session.ari.recordChannel(session.channelId, {
      name,
      format: 'wav',
      beep: d.beep,
      maxDurationSeconds: d.maxDurationSec,
      maxSilenceSeconds: d.maxSilenceSec || undefined,
      terminateOn: d.terminateOn,
      ifExists: 'overwrite',
    });
    // Most callers end a message by hanging up: the message still counts and is kept.
    this.run.outcomeOnHangup = 'message';
    let event: RecordingEvent;
    try {
      event = await finished;
    } catch (err) {
      if (err instanceof SessionEndedError) void bestEffort(keep, session.log, 'keep the voice message');
      throw err;
    }
    if (event.type === 'RecordingFailed') {
      session.log.error({ recording: name, cause: event.recording.cause }, 'voice message recording failed');
      this.run.outcomeOnHangup = undefined;
      return { outcome: 'error', result: 'recording failed' };
    }
    await keep().catch((err: unknown) => session.log.error({ err }, 'could not keep the voice message'));
    this.run.outcomeOnHangup = undefined;
    await this.play(d.thanksPrompts, false);
    if (d.next) return { next: d.next, result: 'message left' };
    return { outcome: 'message', result: 'message left' };
  }
}

class CallbackNode extends IvrNode<NodeOf<'callback'>> {
  async exec(session: CallSession): Promise<NodeResult> {
    const d = this.def;
    await this.play(d.prompts, true);
    const key = await this.key(d.timeoutMs);
    let number = '';
    let source: 'caller-id' | 'entered' = 'caller-id';
    const callerNumber = session.channel.caller?.number?.replace(/[^0-9+]/g, '') ?? '';
    if (key === d.confirmKey && callerNumber.length >= d.minLength) {
      number = callerNumber;
    } else if (key === d.otherNumberKey || (key === d.confirmKey && !callerNumber)) {
      source = 'entered';
      await this.play(d.enterNumberPrompts, true);
      let entered = '';
      let k = await this.key(d.timeoutMs);
      while (k !== undefined && k !== '#' && entered.length < d.maxLength) {
        if (/[0-9]/.test(k)) entered += k;
        k = await this.key(3_000);
      }
      if (entered.length >= d.minLength) number = entered;
    }
    if (!number) {
      this.stat(key === undefined ? 'timeouts' : 'invalid');
      return { next: d.failed, result: 'no callback registered' };
    }
    this.run.services.requestCallback({ callId: session.id, number, source });
    await this.play(d.confirmedPrompts, false);
    if (d.next) return { next: d.next, result: `callback (${source})` };
    return { outcome: 'callback', result: `callback (${source})` };
  }
}

class HangupNode extends IvrNode<NodeOf<'hangup'>> {
  async exec(): Promise<NodeResult> {
    await this.play(this.def.prompts, false);
    return { outcome: 'hangup' };
  }
}

const NODE_CLASSES: {
  [K in FlowNode['type']]: new (
    id: string,
    def: NodeOf<K>,
    run: IvrRun,
  ) => IvrNode<NodeOf<K>>;
} = {
  play: PlayNode,
  menu: MenuNode,
  collect: CollectNode,
  schedule: ScheduleNode,
  set: SetNode,
  queue: QueueNode,
  transfer: TransferNode,
  voicemail: VoicemailNode,
  callback: CallbackNode,
  hangup: HangupNode,
};

/** Builds the task for a node of a flow that validateFlow accepted. */
export function buildNode(id: string, def: FlowNode, run: IvrRun): IvrNode {
  const NodeClass = NODE_CLASSES[def.type] as new (id: string, def: FlowNode, run: IvrRun) => IvrNode;
  return new NodeClass(id, def, run);
}

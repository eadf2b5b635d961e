import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CallSession } from '../ari/session.js';
import type { RawAriEvent, RecordingEvent } from '../ari/types.js';
import { bestEffort, observed } from '../lib/best-effort.js';
import type { Store } from '../store/index.js';
import type { RecordingNotifier } from './notifier.js';
import { moveRecording } from './state.js';

export interface RecordingMeta {
  direction: 'inbound' | 'outbound' | 'internal';
  agentId?: string | null;
  teamId?: string | null;
  campaignId?: string | null;
  leadId?: string | null;
  numberMasked?: string | null;
}

type Layout = 'mixed' | 'agent' | 'customer';

/** Which way a snoop listens, seen from the customer's channel: what it hears (in) is the customer. */
const SPY: Record<Layout, 'both' | 'in' | 'out'> = { mixed: 'both', customer: 'in', agent: 'out' };

interface Active {
  session: CallSession;
  /** The call's agent, for the events. */
  agentId: string | null;
  names: string[];
  pausedAt?: number;
  startedAt: number;
}

/**
 * Records a call from the customer's channel through a snoop channel. A snoop follows its channel, so the
 * recording carries on unchanged when the call moves between bridges (transfers, agent changes), and it
 * works while the channel is bridged (recording a bridged channel directly is refused by Asterisk). The
 * recording ends when the call does (the session's teardown hangs up the snoop); the finalizer then
 * fetches, checks, stores and indexes it.
 */
export class CallRecorder {
  private readonly active = new Map<string, Active>();
  private readonly now: () => number;

  constructor(
    private readonly deps: {
      appName: string;
      store: Store;
      logger: Logger;
      layout: 'mixed' | 'split';
      /** Called once the call has ended, per recording name. */
      finalize: (name: string, callEndedAt: number) => void;
      onFailed?: () => void;
      /** Where the recording's live events (started, paused, resumed, ended, failed) are published. */
      events: RecordingNotifier;
      /** The business clock (epoch ms) for recording start, pauses and call end; default: the real clock. */
      now?: () => number;
    },
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** Starts recording the call (idempotent per call). */
  async start(session: CallSession, meta: RecordingMeta): Promise<void> {
    if (this.active.has(session.id) || session.isEnded) return;
    const layouts: Layout[] = this.deps.layout === 'split' ? ['mixed', 'customer', 'agent'] : ['mixed'];
    const agentId = meta.agentId ?? null;
    const entry: Active = { session, agentId, names: [], startedAt: this.now() };
    this.active.set(session.id, entry);
    void session.done.then(() => this.ended(session.id));
    for (const layout of layouts) {
      // The app name keeps instances sharing a PBX apart; the segment keeps a call re-recorded after a
      // restart from overwriting what was recorded before it.
      const name = `${recordingPrefix(this.deps.appName)}${session.id}-${layout}-${randomUUID().slice(0, 8)}`;
      const snoopId = `${this.deps.appName}-snoop-${randomUUID()}`;
      entry.names.push(name);
      this.deps.store.recordings.started(
        {
          id: randomUUID(),
          callId: session.id,
          name,
          direction: meta.direction,
          agentId: meta.agentId ?? null,
          teamId: meta.teamId ?? null,
          campaignId: meta.campaignId ?? null,
          leadId: meta.leadId ?? null,
          numberMasked: meta.numberMasked ?? null,
          startedAt: entry.startedAt,
          layout,
        },
        entry.startedAt,
      );
      session.own('channel', snoopId);
      session.own('recording', name);
      this.watchFailure(session, name, agentId);
      const inStasis = observed(
        session.waitFor((e) => e.type === 'StasisStart' && e.channel?.id === snoopId, { timeoutMs: 5_000 }),
      );
      await session.ari.snoop(session.channelId, {
        app: this.deps.appName,
        snoopId,
        spy: SPY[layout],
        appArgs: 'snoop',
      });
      await inStasis;
      await session.ari.recordChannel(snoopId, { name, format: 'wav', ifExists: 'overwrite' });
      session.log.info({ recording: name, layout }, 'call recording started');
    }
    this.deps.events.started({
      callId: session.id,
      agentId,
      direction: meta.direction,
      teamId: meta.teamId ?? null,
      campaignId: meta.campaignId ?? null,
      recordings: entry.names.length,
    });
  }

  /** Pauses the call's recording (e.g. while a card number is given); the gap is kept in the metadata. */
  async pause(callId: string): Promise<boolean> {
    const entry = this.active.get(callId);
    if (!entry || entry.pausedAt !== undefined) return false;
    entry.pausedAt = this.now();
    await Promise.all(entry.names.map((n) => entry.session.ari.pauseRecording(n)));
    this.deps.events.paused({ callId, agentId: entry.agentId });
    return true;
  }

  async resume(callId: string): Promise<boolean> {
    const entry = this.active.get(callId);
    if (!entry || entry.pausedAt === undefined) return false;
    const from = entry.pausedAt - entry.startedAt;
    entry.pausedAt = undefined;
    await Promise.all(entry.names.map((n) => entry.session.ari.unpauseRecording(n)));
    const to = this.now() - entry.startedAt;
    for (const name of entry.names) this.deps.store.recordings.addPause(name, { from, to });
    this.deps.events.resumed({ callId, agentId: entry.agentId, pausedMs: to - from });
    return true;
  }

  isRecording(callId: string): boolean {
    return this.active.has(callId);
  }

  /** True while a live call of this run records under this name (its hang-up will finalize it). */
  isRecordingName(name: string): boolean {
    for (const entry of this.active.values()) if (entry.names.includes(name)) return true;
    return false;
  }

  /** Until the call ends (the usual case: the watch just stops then). */
  private watchFailure(session: CallSession, name: string, agentId: string | null): void {
    const failed = session
      .waitFor(
        (e: RawAriEvent): e is RecordingEvent =>
          e.type === 'RecordingFailed' && (e as RecordingEvent).recording?.name === name,
      )
      .then((e) => {
        const cause = e.recording.cause ?? 'unknown';
        const { recordings } = this.deps.store;
        moveRecording(
          recordings,
          name,
          'fail',
          () => recordings.failed(name, `RecordingFailed: ${cause}`),
          session.log,
        );
        this.deps.onFailed?.();
        session.log.error({ recording: name, cause }, 'ALERT: call recording failed');
        this.deps.events.failed({ callId: session.id, agentId, recording: name, cause });
      });
    void bestEffort(failed, session.log, 'record the recording failure');
  }

  private ended(callId: string): void {
    const entry = this.active.get(callId);
    if (!entry) return;
    this.active.delete(callId);
    const endedAt = this.now();
    if (entry.pausedAt !== undefined) {
      for (const name of entry.names)
        this.deps.store.recordings.addPause(name, {
          from: entry.pausedAt - entry.startedAt,
          to: endedAt - entry.startedAt,
        });
    }
    for (const name of entry.names) this.deps.finalize(name, endedAt);
    this.deps.events.ended({ callId, agentId: entry.agentId, recordings: entry.names.length });
  }
}

/** Every recording this application makes starts with this (the finalizer's reconcile relies on it). */
export function recordingPrefix(appName: string): string {
  return `rec-${appName}-`;
}

/** The call id in a recording's name (see the capture's naming: prefix, call id, layout, segment). */
export function recordingCallId(name: string, prefix: string): string {
  return name.slice(prefix.length, prefix.length + 36);
}

import { randomUUID } from 'node:crypto';
import { bestEffort, observed } from '../lib/best-effort.js';
import type { CallSession, Task } from './session.js';
import type { PlaybackEvent, RawAriEvent } from './types.js';

export interface PlayResult {
  playbackId: string;
  /** 'done': played to the end; 'failed': Asterisk could not play it (e.g. a missing sound); 'stopped': killed. */
  outcome: 'done' | 'failed' | 'stopped';
}

export interface PlayOptions {
  lang?: string;
  /**
   * Where to play, when not to the call's own channel: a bridge, or another channel that outlives the call
   * (a ring tone to an agent's line, which the call's teardown then stops).
   */
  target?: { kind: 'bridge' | 'channel'; id: string };
  /** Told once Asterisk has accepted the playback (not when the task was killed meanwhile). */
  onStarted?: (playbackId: string) => void;
}

/**
 * Plays media (sound:..., recording:..., tone:...) and resolves when it finishes (a tone plays until the
 * task is killed). The playback id is chosen here and registered before the command, so PlaybackFinished
 * routes to the session even when it arrives before the REST response.
 */
export class PlayTask implements Task<PlayResult> {
  readonly name = 'play';
  readonly playbackId = randomUUID();
  private readonly abort = new AbortController();
  private session: CallSession | undefined;

  constructor(
    private readonly media: string[],
    private readonly options: PlayOptions = {},
  ) {}

  /** A playback on another channel goes on after the call ends unless someone stops it. */
  private get outlivesCall(): boolean {
    return this.options.target?.kind === 'channel';
  }

  async exec(session: CallSession): Promise<PlayResult> {
    this.session = session;
    const id = this.playbackId;
    if (this.abort.signal.aborted) return { playbackId: id, outcome: 'stopped' };
    session.own('playback', id, { stopAtEnd: this.outlivesCall });
    const finished = observed(
      session.waitFor(
        (e: RawAriEvent): e is PlaybackEvent =>
          e.type === 'PlaybackFinished' && (e as PlaybackEvent).playback?.id === id,
        { signal: this.abort.signal },
      ),
    );
    try {
      const target = this.options.target;
      if (target?.kind === 'bridge') await session.ari.playOnBridge(target.id, this.media, id);
      else
        await session.ari.playOnChannel(target?.id ?? session.channelId, this.media, id, this.options.lang);
      if (!this.abort.signal.aborted) this.options.onStarted?.(id);
      // Killed while the command was in flight: the stop sent then may have come before the playback
      // existed, so send it again now that it does.
      else if (this.outlivesCall || !session.isEnded) void this.stop(session);
      const event = await finished;
      return { playbackId: id, outcome: event.playback.state === 'failed' ? 'failed' : 'done' };
    } catch (err) {
      if (this.abort.signal.aborted) return { playbackId: id, outcome: 'stopped' };
      throw err;
    } finally {
      session.disown('playback', id);
    }
  }

  kill(): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort(new Error('playback stopped'));
    const session = this.session;
    // An ended call's channel is going anyway, and its teardown stops what outlives it.
    if (!session || session.isEnded) return;
    void this.stop(session);
  }

  private stop(session: CallSession): Promise<void> {
    return bestEffort(() => session.ari.stopPlayback(this.playbackId), session.log, 'stop playback');
  }
}

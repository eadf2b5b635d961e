import { randomUUID } from 'node:crypto';
import { isGone } from './errors.js';
import type { CallSession, Task } from './session.js';
import type { PlaybackEvent, RawAriEvent } from './types.js';

export interface PlayResult {
  playbackId: string;
  /** 'done': played to the end; 'failed': Asterisk could not play it (e.g. a missing sound); 'stopped': killed. */
  outcome: 'done' | 'failed' | 'stopped';
}

/**
 * Plays media (sound:..., recording:..., tone:...) to the call's channel and resolves when it finishes.
 * The playback id is chosen here and registered before the command, so PlaybackFinished routes to the
 * session even when it arrives before the REST response.
 */
export class PlayTask implements Task<PlayResult> {
  readonly name = 'play';
  readonly playbackId = randomUUID();
  private readonly abort = new AbortController();
  private session: CallSession | undefined;

  constructor(
    private readonly media: string[],
    private readonly options: { lang?: string; target?: { kind: 'bridge'; id: string } } = {},
  ) {}

  async exec(session: CallSession): Promise<PlayResult> {
    this.session = session;
    const id = this.playbackId;
    session.own('playback', id);
    const finished = session.waitFor(
      (e: RawAriEvent): e is PlaybackEvent =>
        e.type === 'PlaybackFinished' && (e as PlaybackEvent).playback?.id === id,
      { signal: this.abort.signal },
    );
    finished.catch(() => {}); // observed below; avoid an unhandled rejection if the command fails first
    try {
      const target = this.options.target;
      if (target) await session.ari.playOnBridge(target.id, this.media, id);
      else await session.ari.playOnChannel(session.channelId, this.media, id, this.options.lang);
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
    if (!session || session.isEnded) return; // the channel is going anyway; nothing to stop
    session.ari.stopPlayback(this.playbackId).catch((err: unknown) => {
      if (!isGone(err)) session.log.warn({ err: (err as Error).message }, 'could not stop playback');
    });
  }
}

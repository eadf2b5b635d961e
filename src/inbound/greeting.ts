import type { CallHandler } from '../ari/app.js';
import { PlayTask } from '../ari/play.js';

/**
 * The inbound call flow until the IVR takes over: answer, play the configured prompts, hang up.
 * A prompt that fails to play (missing on the PBX) is logged and skipped, never leaves the caller in
 * silence.
 */
export function greetingHandler(prompts: string[]): CallHandler {
  return async (session) => {
    if (session.state === 'ringing') await session.ari.answer(session.channelId);
    for (const media of prompts) {
      const result = await session.run(new PlayTask([media]));
      if (result.outcome === 'failed') session.log.warn({ media }, 'prompt could not be played; skipped');
    }
    await session.hangup('greeting finished');
  };
}

import { performance } from 'node:perf_hooks';
import { PlayTask } from '../ari/play.js';
import type { CallSession } from '../ari/session.js';
import type { IvrOutcome, IvrPathStep } from '../store/ivr.js';
import type { DigitBuffer } from './digits.js';
import type { Flow } from './flow.js';
import type { VoiceMessageMeta } from './messages.js';

/** What a node decides: go on to another node, or end the IVR part of the call with an outcome. */
export type NodeResult =
  | { next: string; result?: string; digits?: string }
  | {
      outcome: IvrOutcome;
      result?: string;
      digits?: string;
      /** Work that continues after the IVR line is freed (a connected transfer, until hang-up). */
      after?: () => Promise<void>;
    };

/** Hooks into the rest of the service that IVR nodes use. */
export interface IvrServices {
  now(): Date;
  /** The hotline queue (the inbound-routing issue); absent until then, and nodes use their fallback. */
  enterQueue?: (session: CallSession, queue: string, ivr: IvrRun) => Promise<'queued' | 'refused'>;
  /** Keeps a voice message the caller left (recording name on the PBX). */
  keepVoiceMessage(meta: VoiceMessageMeta): Promise<void>;
  /** Registers a callback request; returns its id. */
  requestCallback(req: { callId: string; number: string; source: 'caller-id' | 'entered' }): string;
  stat(flow: string, node: string, field: 'entries' | 'timeouts' | 'invalid' | 'hangups'): void;
  onDtmfToPrompt?: (ms: number) => void;
  /** The caller is connected to a person (a transfer): full-call recording starts here. */
  onConnected?: (session: CallSession) => void;
  /** The call was answered by the IVR (recording from answer, when configured). */
  onAnswered?: (session: CallSession) => void;
  appName: string;
}

/** One caller's run through a flow (fixed to the flow version it started with). */
export interface IvrRun {
  readonly session: CallSession;
  readonly flow: Flow;
  readonly version: number;
  readonly digits: DigitBuffer;
  readonly variables: Record<string, string>;
  /** Variables holding what the caller keyed in (account or card numbers): never stored in clear. */
  readonly keyedIn: Set<string>;
  readonly tags: Set<string>;
  readonly path: IvrPathStep[];
  readonly services: IvrServices;
  readonly callerMasked: string;
  readonly dnis: string;
  /** Set by a node when a caller hang-up still counts as its outcome (a voice message left by hanging up). */
  outcomeOnHangup?: IvrOutcome;
}

/**
 * Plays prompts in order. With barge-in, a key press stops the prompt at once and is kept for the next
 * read. A prompt the PBX cannot play (missing file) is logged and skipped, so the caller moves on rather
 * than waiting in silence. Returns true if a key interrupted.
 */
export async function playPrompts(
  run: IvrRun,
  prompts: readonly string[] | undefined,
  options: { bargeIn: boolean; signal?: AbortSignal },
): Promise<boolean> {
  if (!prompts) return false;
  const { session, digits, services } = run;
  for (const media of prompts) {
    if (options.signal?.aborted) return false;
    if (options.bargeIn && digits.size > 0) return true;
    const task = new PlayTask([media], { lang: run.flow.language });
    const unhook = options.bargeIn ? digits.onKey(() => task.kill()) : () => {};
    const onAbort = () => task.kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (digits.lastKeyAt !== undefined) {
        services.onDtmfToPrompt?.(performance.now() - digits.lastKeyAt);
        digits.lastKeyAt = undefined;
      }
      const played = await session.run(task);
      if (played.outcome === 'failed')
        session.log.warn({ media }, 'prompt could not be played (missing on the PBX?): skipped');
      if (played.outcome === 'stopped') return options.bargeIn && digits.size > 0;
    } finally {
      unhook();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
  return false;
}

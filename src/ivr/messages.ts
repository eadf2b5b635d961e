import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isGone } from '../ari/errors.js';
import type { AriRest } from '../ari/rest.js';
import { PRIVATE_DIR, PRIVATE_FILE } from '../lib/secrets.js';
import { wavDurationSec } from '../lib/wav.js';
import type { Store } from '../store/index.js';

export interface VoiceMessageMeta {
  recordingName: string;
  callId: string;
  flow: string;
  node: string;
  callerMasked: string;
  dnis: string;
}

/**
 * Keeps voice messages callers leave in the IVR: waits until Asterisk has finished the recording (the
 * caller often ends it by hanging up), fetches the file over ARI (Asterisk may be another host), writes it
 * under the service's storage folder by date, indexes it, and only then deletes it from Asterisk.
 */
export class VoiceMessageKeeper {
  constructor(
    private readonly rest: AriRest,
    private readonly store: Store,
    private readonly dir: string,
    private readonly logger: Logger,
    /** The service's clock: when a message was kept, and the day folder it goes to. */
    private readonly now: () => number = Date.now,
  ) {}

  async keep(meta: VoiceMessageMeta, options: { waitMs?: number } = {}): Promise<string | undefined> {
    const log = this.logger.child({ callId: meta.callId, recording: meta.recordingName });
    const existing = this.store.voiceMessages.byRecordingName(meta.recordingName);
    if (existing) return existing.id; // kept already (idempotent)
    const deadline = Date.now() + (options.waitMs ?? 30_000);
    let wav: Buffer | undefined;
    while (!wav) {
      try {
        wav = await this.rest.downloadStoredRecording(meta.recordingName);
      } catch (err) {
        if (!isGone(err)) throw err;
        const live = await this.rest.getLiveRecording(meta.recordingName).then(
          (r) => r.state === 'recording' || r.state === 'queued',
          () => false,
        );
        if (!live || Date.now() > deadline) {
          log.warn('voice message recording not found on the PBX: nothing kept');
          return undefined;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const id = randomUUID();
    const keptAt = this.now();
    const day = new Date(keptAt).toISOString().slice(0, 10);
    const folder = join(this.dir, day);
    await mkdir(folder, { recursive: true, mode: PRIVATE_DIR });
    const path = join(folder, `${id}.wav`);
    await writeFile(path, wav, { mode: PRIVATE_FILE });
    this.store.voiceMessages.add({
      id,
      callId: meta.callId,
      flow: meta.flow,
      node: meta.node,
      callerMasked: meta.callerMasked,
      dnis: meta.dnis,
      recordingName: meta.recordingName,
      filePath: path,
      durationSec: Math.round(wavDurationSec(wav) * 10) / 10,
      sizeBytes: wav.length,
      createdAt: keptAt,
    });
    await this.rest.deleteStoredRecording(meta.recordingName).catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'kept the message but could not delete it on the PBX');
    });
    log.info({ messageId: id, bytes: wav.length }, 'voice message kept');
    return id;
  }
}

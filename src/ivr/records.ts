import type { CallbackRequest, IvrDayStats, Store, TimeWindow, VoiceMessage } from '../store/index.js';

/** What the IVR leaves behind, as supervisors read it: day counters, voice messages, callback requests. */
export class IvrRecords {
  constructor(private readonly store: Store) {}

  /** Per node on `day` (YYYY-MM-DD in the center's time zone), and the calls that found every line busy. */
  dayStats(day: string): IvrDayStats {
    return this.store.ivrStats.forDay(day);
  }

  /** Newest first. */
  voiceMessages(window: TimeWindow): VoiceMessage[] {
    return this.store.voiceMessages.list(window);
  }

  /** The earliest due first; numbers masked. */
  pendingCallbacks(limit: number): CallbackRequest[] {
    return this.store.callbacks.listPending(limit);
  }
}

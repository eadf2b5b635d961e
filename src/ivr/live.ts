/** What the IVR is doing right now, as the engine reports it to the API (wallboards, supervisors). */
export interface IvrLiveSnapshot {
  lines: {
    /** IVR lines the center has. */
    capacity: number;
    inUse: number;
    /** Callers waiting for a free line. */
    waiting: number;
  };
  sessions: IvrLiveSession[];
}

export interface IvrLiveSession {
  callId: string;
  flow: string;
  version: number;
  /** The node the caller is in. */
  node: string;
  /** When the caller entered that node (epoch ms). */
  since: number;
}

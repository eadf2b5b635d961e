import { randomBytes } from 'node:crypto';
import type { Logger } from '../../src/lib/logger.js';
import type { PjsipKind } from '../../src/softphone/lines.js';
import { SoftphoneService } from '../../src/softphone/service.js';
import type { Store } from '../../src/store/index.js';

/** What the fake Asterisk was told: every push and delete, in order. */
export interface PushLog {
  puts: { kind: PjsipKind; id: string; fields: Record<string, string> }[];
  deletes: { kind: PjsipKind; id: string }[];
  /** Set to make every push fail (Asterisk down, or without sorcery.conf). */
  failing: boolean;
}

/** A SoftphoneService over a fake Asterisk that records what it is sent. */
export function softphoneService(
  store: Store,
  logger: Logger,
  pushes: PushLog = { puts: [], deletes: [], failing: false },
): SoftphoneService {
  return new SoftphoneService({
    store,
    logger,
    key: randomBytes(32),
    wsUrl: 'ws://127.0.0.1:8088/ws',
    iceServers: [],
    nowMs: Date.now,
    pbx: {
      putPjsipObject: async (kind, id, fields) => {
        if (pushes.failing) throw new Error('HTTP 500 Internal Server Error');
        pushes.puts.push({ kind, id, fields });
      },
      deletePjsipObject: async (kind, id) => {
        pushes.deletes.push({ kind, id });
      },
    },
  });
}

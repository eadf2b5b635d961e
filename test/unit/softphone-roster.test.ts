import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AgentRoster } from '../../src/agents/roster.js';
import { openStore } from '../../src/store/index.js';
import { softphonesFollowRoster } from '../../src/wiring/softphone.js';
import { type PushLog, softphoneService } from '../api/softphone-fixtures.js';
import { eventually } from '../harness/infra.js';

describe('softphones follow the roster', () => {
  it("a seat made the browser's gets its softphone; changed to a desk phone, loses it", async () => {
    const store = openStore(':memory:');
    const logger = pino({ level: 'silent' });
    const pushes: PushLog = { puts: [], deletes: [], failing: false };
    const softphone = softphoneService(store, logger, pushes);
    const roster = new AgentRoster({ store, seats: { reload: async () => {} }, logger, now: Date.now });
    softphonesFollowRoster(roster, softphone, logger);

    await roster.createAgent(
      {
        id: 'w1',
        name: 'Wu',
        teamId: null,
        role: 'agent',
        lineKind: 'webrtc',
        lineMode: 'persistent',
        inboundRole: 'none',
      },
      'admin',
    );
    await eventually(() => store.softphones.get('w1'), 'credentials made');
    await eventually(() => (pushes.puts.length === 3 ? true : undefined), 'endpoint pushed');

    await roster.updateAgent('w1', { lineKind: 'sip', endpoint: 'PJSIP/1001' }, 'admin');
    await eventually(() => (store.softphones.get('w1') ? undefined : true), 'credentials removed');
    await eventually(() => (pushes.deletes.length === 3 ? true : undefined), 'objects deleted');
    expect(pushes.deletes.map((d) => d.kind)).toEqual(['endpoint', 'aor', 'auth']);
  });
});

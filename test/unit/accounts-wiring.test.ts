import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { COMMAND_LINE } from '../../src/accounts/service.js';
import { AgentRoster } from '../../src/agents/roster.js';
import { parseConfig } from '../../src/config/load.js';
import { openStore, type Store } from '../../src/store/index.js';
import { SESSION_PURGE_EVERY_MS, wireAccounts } from '../../src/wiring/accounts.js';
import { wireCore } from '../../src/wiring/core.js';

const MIN = 60_000;
const PASSWORD = 'wiring-password-1';

let store: Store;
let clock: number;

beforeEach(() => {
  store = openStore(':memory:');
  clock = Date.UTC(2030, 0, 7, 8);
  store.agents.create({
    id: 'a1',
    name: 'Ann',
    teamId: null,
    role: 'agent',
    endpoint: 'PJSIP/1001',
    lineMode: 'per-call',
    inboundRole: 'none',
  });
});
afterEach(() => {
  vi.useRealTimers();
  store.close();
});

function wire() {
  const logger = pino({ level: 'silent' });
  const config = parseConfig({
    ari: { url: 'http://127.0.0.1:8088', username: 'u', password: 'p' },
    redis: { url: 'redis://127.0.0.1:6379' },
    store: { path: ':memory:' },
  });
  const core = wireCore(config, { logger, now: () => new Date(clock) });
  const roster = new AgentRoster({ store, seats: { reload: async () => {} }, logger, now: () => clock });
  const wired = wireAccounts({ core, store, roster });
  const ended: string[] = [];
  wired.accounts.onSessionsEnded((ids) => ended.push(...ids));
  return { ...wired, roster, ended };
}

async function signedIn(wired: ReturnType<typeof wire>, username: string, agentId?: string) {
  await wired.accounts.create(
    { username, role: agentId ? 'agent' : 'qa', agentId, password: PASSWORD, mustChangePassword: false },
    COMMAND_LINE,
  );
  return wired.accounts.signIn({ username, password: PASSWORD, address: '10.0.0.1' });
}

describe('wireAccounts', () => {
  it('signs out the person of an agent the roster deactivates, at once', async () => {
    const wired = wire();
    const { session, token } = await signedIn(wired, 'ann', 'a1');
    await wired.roster.deactivateAgent('a1', 'test');
    expect(wired.ended).toEqual([session.id]);
    expect(wired.accounts.authenticate(token)).toEqual({ ok: false, reason: 'unknown' });
    // Even back in service, the agent's old session stays ended.
    await wired.roster.updateAgent('a1', { active: true }, 'test');
    expect(wired.accounts.authenticate(token).ok).toBe(false);
  });

  it('removes ended sessions every minute once scheduled, telling the listeners', async () => {
    vi.useFakeTimers();
    const wired = wire();
    const { session } = await signedIn(wired, 'bob');
    wired.steps.start.schedule();
    clock += 31 * MIN;
    vi.advanceTimersByTime(SESSION_PURGE_EVERY_MS);
    expect(wired.ended).toEqual([session.id]);
    expect(store.db.prepare('SELECT count(*) FROM account_sessions').pluck().get()).toBe(0);
    wired.steps.stop.unschedule();
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountService, COMMAND_LINE } from '../../src/accounts/service.js';
import type { DialerApiDeps } from '../../src/api/types.js';
import { EventBus } from '../../src/lib/events.js';
import type { AgentInput } from '../../src/store/index.js';
import { FakeDirectory } from './fake-directory.js';
import { agentServices, bearer, buildTestApi, type TestApi } from './helpers.js';

/** Team A (led by lead): lead, a1. Team B: b1. */
const SEATS: AgentInput[] = [
  ['lead', 'ta'],
  ['a1', 'ta'],
  ['b1', 'tb'],
].map(([id, teamId]) => ({
  id: id!,
  name: id!,
  teamId: teamId!,
  role: 'agent',
  endpoint: `PJSIP/${id}`,
  lineMode: 'per-call',
  inboundRole: 'primary',
}));

const STATS = {
  campaignId: 'spring',
  dialed: 3,
  perAgent: [
    { agentId: 'a1', dialed: 2, connects: 1, talkSec: 60 },
    { agentId: 'b1', dialed: 1, connects: 0, talkSec: 0 },
  ],
};

let api: TestApi;
let accounts: AccountService;
beforeEach(async () => {
  api = await buildTestApi({
    agents: (store, logger) => {
      store.teams.create({ id: 'ta', name: 'A' });
      store.teams.create({ id: 'tb', name: 'B' });
      for (const seat of SEATS) store.agents.create(seat);
      store.teams.update('ta', { leaderAgentId: 'lead' });
      const directory = new FakeDirectory(store);
      return {
        directory,
        ...agentServices(store, logger, directory),
        queue: () => ({ name: 'hotline', waiting: [], longestWaitMs: 0 }),
        bus: new EventBus(),
        today: () => ({ from: 0, to: 1 }),
      };
    },
    // Only the stats route is asked: the campaign's figures as the dialer computes them.
    dialer: (store) =>
      ({
        directory: new FakeDirectory(store),
        dialer: { campaignStats: (id: string) => (id === 'spring' ? STATS : undefined) },
      }) as unknown as DialerApiDeps,
    accounts: (store, logger, config) => {
      accounts = new AccountService({
        store,
        logger,
        now: Date.now,
        config: config.auth,
        scrypt: { logN: 10, r: 8, p: 1 },
      });
      return { accounts };
    },
  });
});
afterEach(async () => {
  await api.close();
});

const key = (role: 'team-leader' | 'agent' | 'supervisor', agentId?: string) =>
  api.store.apiKeys.create(`${role} ${agentId}`, role, { agentId }).key;

describe('campaign stats, team scoped', () => {
  it("gives a team leader the campaign's totals but only its teams' agents", async () => {
    const led = await api.app.inject({
      url: '/v1/campaigns/spring/stats',
      headers: bearer(key('team-leader', 'lead')),
    });
    expect(led.statusCode).toBe(200);
    expect(led.json()).toMatchObject({ dialed: 3, perAgent: [{ agentId: 'a1', dialed: 2 }] });
    expect(led.json().perAgent).toHaveLength(1);
    const all = await api.app.inject({
      url: '/v1/campaigns/spring/stats',
      headers: bearer(key('supervisor')),
    });
    expect(all.json().perAgent).toHaveLength(2);
  });
});

describe('deactivating an agent', () => {
  it('revokes its API keys and ends its sessions at once; sign-in is refused while it is inactive', async () => {
    const agentKey = key('agent', 'a1');
    const password = 'a1-password-long';
    await accounts.create(
      { username: 'ann', role: 'agent', agentId: 'a1', password, mustChangePassword: false },
      COMMAND_LINE,
    );
    const login = () =>
      api.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'ann', password } });
    const cookie = `cc_session=${(await login()).cookies.find((c) => c.name === 'cc_session')!.value}`;
    const attendance = (headers: Record<string, string>) =>
      api.app.inject({ url: '/v1/agents/a1/attendance', headers });
    expect((await attendance(bearer(agentKey))).statusCode).toBe(200);
    expect((await attendance({ cookie })).statusCode).toBe(200);

    const off = await api.app.inject({
      method: 'DELETE',
      url: '/v1/agents/a1',
      headers: bearer(api.adminKey),
    });
    expect(off.statusCode).toBe(204);
    expect((await attendance(bearer(agentKey))).statusCode).toBe(401);
    expect((await attendance({ cookie })).statusCode).toBe(401);
    expect((await login()).statusCode).toBe(403);
    expect(api.store.apiKeys.list().find((k) => k.agentId === 'a1')?.revokedAt).toEqual(expect.any(Number));

    // Back at work: the person signs in again; the old key stays revoked (new keys are issued).
    const on = await api.app.inject({
      method: 'PATCH',
      url: '/v1/agents/a1',
      headers: bearer(api.adminKey),
      payload: { active: true },
    });
    expect(on.statusCode).toBe(200);
    expect((await attendance(bearer(agentKey))).statusCode).toBe(401);
    expect((await login()).statusCode).toBe(200);
  });

  it('revokes the keys when PATCH sets active: false, too', async () => {
    const agentKey = key('agent', 'b1');
    await api.app.inject({
      method: 'PATCH',
      url: '/v1/agents/b1',
      headers: bearer(api.adminKey),
      payload: { active: false },
    });
    expect((await api.app.inject({ url: '/v1/whoami', headers: bearer(agentKey) })).statusCode).toBe(401);
  });
});

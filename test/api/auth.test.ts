import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, buildTestApi, type TestApi } from './helpers.js';

let api: TestApi;
beforeEach(async () => {
  api = await buildTestApi();
});
afterEach(async () => {
  await api.close();
});

async function createKey(name: string, role: string, key = api.adminKey) {
  return api.app.inject({ method: 'POST', url: '/v1/keys', headers: bearer(key), payload: { name, role } });
}

describe('authentication', () => {
  it('answers 401 without a key, with the error shape', async () => {
    const res = await api.app.inject({ url: '/v1/whoami' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toEqual({
      error: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/required/) },
    });
  });

  it('answers 401 for an unknown key', async () => {
    const res = await api.app.inject({ url: '/v1/whoami', headers: bearer('cc_not-a-real-key-at-all') });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('accepts the key as Bearer token or X-API-Key', async () => {
    for (const headers of [bearer(api.adminKey), { 'x-api-key': api.adminKey }]) {
      const res = await api.app.inject({ url: '/v1/whoami', headers });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ name: 'test admin', role: 'admin' });
    }
  });

  it('answers 403 when the role is not allowed', async () => {
    const agentKey = (await createKey('agent 1', 'agent')).json().key;
    const res = await createKey('sneaky', 'admin', agentKey);
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toEqual({ code: 'FORBIDDEN', message: expect.stringMatching(/agent/) });
  });

  it('lets any role ask who it is', async () => {
    const created = (await createKey('qa desk', 'qa')).json();
    const res = await api.app.inject({ url: '/v1/whoami', headers: bearer(created.key) });
    expect(res.json()).toEqual({ keyId: created.id, name: 'qa desk', role: 'qa', agentId: null });
  });

  it('accepts the bootstrap ADMIN_API_KEY, and refuses a short one', async () => {
    const bootstrap = 'b'.repeat(40);
    const withBootstrap = await buildTestApi({ adminApiKey: bootstrap });
    const ok = await withBootstrap.app.inject({ url: '/v1/whoami', headers: bearer(bootstrap) });
    expect(ok.json()).toEqual({ keyId: 'bootstrap', name: 'ADMIN_API_KEY', role: 'admin', agentId: null });
    await withBootstrap.close();

    const withShort = await buildTestApi({ adminApiKey: 'short' });
    const refused = await withShort.app.inject({ url: '/v1/whoami', headers: bearer('short') });
    expect(refused.statusCode).toBe(401);
    expect(withShort.logs.join('')).toMatch(/ADMIN_API_KEY ignored/);
    await withShort.close();
  });
});

describe('/v1/keys', () => {
  it('creates a key that then works, lists it and revokes it', async () => {
    const created = await createKey('wallboard', 'supervisor');
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ name: 'wallboard', role: 'supervisor', prefix: body.key.slice(0, 12) });

    const whoami = await api.app.inject({ url: '/v1/whoami', headers: bearer(body.key) });
    expect(whoami.json()).toEqual({ keyId: body.id, name: 'wallboard', role: 'supervisor', agentId: null });

    const list = await api.app.inject({ url: '/v1/keys', headers: bearer(api.adminKey) });
    expect(list.statusCode).toBe(200);
    const listed = list.json().keys.find((k: { id: string }) => k.id === body.id);
    expect(listed).toMatchObject({ name: 'wallboard', revokedAt: null, lastUsedAt: expect.any(String) });
    expect(list.body).not.toContain(body.key);

    const revoked = await api.app.inject({
      method: 'DELETE',
      url: `/v1/keys/${body.id}`,
      headers: bearer(api.adminKey),
    });
    expect(revoked.statusCode).toBe(204);
    expect(revoked.body).toBe('');

    const after = await api.app.inject({ url: '/v1/whoami', headers: bearer(body.key) });
    expect(after.statusCode).toBe(401);
  });

  it('links a key to an agent, and refuses an unknown agent', async () => {
    api.store.agents.create({
      id: 'a101',
      name: 'Ann',
      teamId: null,
      role: 'agent',
      endpoint: 'PJSIP/1001',
      lineMode: 'per-call',
      inboundRole: 'none',
    });
    const payload = { name: 'ann', role: 'agent', agentId: 'a101' };
    const created = await api.app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: bearer(api.adminKey),
      payload,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ role: 'agent', agentId: 'a101' });
    const whoami = await api.app.inject({ url: '/v1/whoami', headers: bearer(created.json().key) });
    expect(whoami.json()).toMatchObject({ role: 'agent', agentId: 'a101' });

    const unknown = await api.app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: bearer(api.adminKey),
      payload: { ...payload, agentId: 'a999' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toEqual({ code: 'UNKNOWN_AGENT', message: 'No agent with id a999' });
  });

  it('answers 404 when revoking an unknown key', async () => {
    const res = await api.app.inject({
      method: 'DELETE',
      url: '/v1/keys/nope',
      headers: bearer(api.adminKey),
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('KEY_NOT_FOUND');
  });

  it('answers 400 naming the invalid fields', async () => {
    const res = await createKey('', 'boss');
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/body\.role: .*expected one of "admin"\|"supervisor"/);
    expect(error.message).toMatch(/body\.name: /);
    expect(error.details).toEqual([
      { path: 'body.name', message: expect.any(String) },
      { path: 'body.role', message: expect.any(String) },
    ]);
  });

  it('checks the key before the body, so anonymous callers get 401', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/keys', payload: { name: '' } });
    expect(res.statusCode).toBe(401);
  });

  it('never writes a key to the logs', async () => {
    const created = (await createKey('logged?', 'agent')).json();
    await api.app.inject({ url: '/v1/whoami', headers: bearer(created.key) });
    await api.app.inject({ url: '/v1/whoami?api_key=leak', headers: { 'x-api-key': created.key } });
    await api.app.inject({ url: '/v1/whoami', headers: bearer(`${created.key}x`) });

    const logs = api.logs.join('');
    expect(logs).toMatch(/api key created/);
    expect(logs).not.toContain(created.key);
    expect(logs).not.toContain(api.adminKey);
    expect(logs).not.toContain('leak');
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/api/server.js';
import { bearer, buildTestApi, type TestApi } from './helpers.js';

let api: TestApi;
beforeEach(async () => {
  api = await buildTestApi();
});
afterEach(async () => {
  await api.close();
});

interface Operation {
  tags?: string[];
  summary?: string;
  security?: unknown[];
  responses: Record<string, unknown>;
}

describe('OpenAPI document', () => {
  it('serves Swagger UI at /docs without a key', async () => {
    const res = await api.app.inject({ url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });

  it('describes every route, with the three security schemes', async () => {
    const res = await api.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();

    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
      session: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'cc_session' }),
    });
    expect(doc.security).toEqual([{ bearer: [] }, { apiKey: [] }, { session: [] }]);

    const operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(
      ([path, methods]) => Object.entries(methods).map(([method, op]) => ({ id: `${method} ${path}`, op })),
    );
    expect(operations.map((o) => o.id).sort()).toEqual([
      'delete /v1/keys/{id}',
      'get /healthz',
      'get /metrics',
      'get /readyz',
      'get /v1/keys',
      'get /v1/whoami',
      'post /v1/keys',
    ]);
    for (const { id, op } of operations) {
      expect(op.tags?.length, id).toBeGreaterThan(0);
      expect(op.summary, id).toBeTruthy();
      expect(Object.keys(op.responses).length, id).toBeGreaterThan(0);
      // Public routes opt out of the global security requirement; the rest inherit it.
      expect(op.security, id).toEqual(id.includes('/v1/') ? undefined : []);
    }
    const create = doc.paths['/v1/keys'].post;
    expect(create.requestBody.content['application/json'].schema.properties.role.enum).toContain(
      'team-leader',
    );
    expect(create.responses).toHaveProperty('400');
  });
});

describe('errors', () => {
  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await api.app.inject({ url: '/v1/nothing-here?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route GET /v1/nothing-here' } });
  });

  it('reports malformed JSON as 400 in the error shape', async () => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/keys',
      headers: { ...bearer(api.adminKey), 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({ code: 'BAD_REQUEST', message: expect.stringMatching(/JSON/) });
  });

  it('sends HttpError as is and hides unexpected errors behind a logged 500', async () => {
    api.app.get('/v1/conflict', async () => {
      throw new HttpError(409, 'ALREADY_EXISTS', 'That already exists');
    });
    api.app.get('/v1/boom', async () => {
      throw new Error('database exploded at /secret/path');
    });

    const conflict = await api.app.inject({ url: '/v1/conflict', headers: bearer(api.adminKey) });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toEqual({ error: { code: 'ALREADY_EXISTS', message: 'That already exists' } });

    const boom = await api.app.inject({ url: '/v1/boom', headers: bearer(api.adminKey) });
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } });
    expect(boom.body).not.toContain('exploded');
    expect(api.logs.join('')).toMatch(/database exploded/);
  });
});

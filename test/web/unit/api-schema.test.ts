import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateApiSchema, SCHEMA_FILE } from '../../../web/tools/api-schema.js';

describe('the web client API types', () => {
  it(`${SCHEMA_FILE} matches the service's OpenAPI document (else: npm run gen:api)`, async () => {
    const fresh = await generateApiSchema();
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(committed === fresh, `${SCHEMA_FILE} is stale: run npm run gen:api and commit it`).toBe(true);
  });
});

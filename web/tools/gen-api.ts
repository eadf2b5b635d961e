import { writeFileSync } from 'node:fs';
import { generateApiSchema, SCHEMA_FILE } from './api-schema.js';

/** `npm run gen:api`: writes the web client's API types from the service's OpenAPI document. */
writeFileSync(SCHEMA_FILE, await generateApiSchema());
console.log(`wrote ${SCHEMA_FILE}`);

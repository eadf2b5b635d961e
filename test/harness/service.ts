import type { ConfigInput } from '../../src/config/schema.js';
import { type Service, type ServiceOptions, startService } from '../../src/service.js';
import { testConfig } from './infra.js';

type Overrides = Parameters<typeof testConfig>[0];

/** Starts the whole service in-process against the test PBX and Redis (API on a free port). */
export async function startTestService(
  overrides: Overrides = {},
  options: ServiceOptions = {},
): Promise<Service> {
  const config = testConfig(overrides as Partial<ConfigInput>);
  return startService(config, { listen: true, ...options });
}

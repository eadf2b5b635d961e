import type { TestProject } from 'vitest/node';
import { bringUp, type Infra } from './bring-up.js';

/** What every test file gets through inject(): a real PBX and a real Redis. */
export type TestInfra = Omit<Infra, 'down'>;

declare module 'vitest' {
  export interface ProvidedContext {
    infra: TestInfra;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.NO_PBX) return async () => {}; // `npm run test:unit`: pure tests only
  const { down, ...infra } = await bringUp();
  console.log(
    `\n[infra] Asterisk ${infra.asteriskVersion} at ${infra.ari.url}; Redis at ${infra.redisUrl}\n`,
  );
  project.provide('infra', infra);
  return down;
}

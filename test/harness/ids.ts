import { randomUUID } from 'node:crypto';

/** A unique ARI application name, so test files and benchmarks can share one PBX. */
export function uniqueApp(prefix = 'cct'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.js';
import type { FlowSummary, FlowVersion, Store } from '../store/index.js';
import { FlowConflictError, FlowValidationError } from './errors.js';
import { type Flow, validateFlow } from './flow.js';

export { FlowConflictError, FlowValidationError } from './errors.js';

export interface FlowCatalogOptions {
  /** Flow for a dialed number no flow claims; such calls get no IVR when absent. */
  defaultFlow?: string;
  logger: Logger;
  /** The service's clock: when a version was saved. */
  now?: () => number;
}

/** A saved version of a flow, its document validated. */
export interface StoredFlow {
  flow: Flow;
  version: number;
  createdAt: number;
  createdBy: string;
}

/**
 * The IVR flows, with the current version of each kept in memory: the call path asks for a flow on every
 * new call. Cached versions are frozen and replaced, never changed, so a call that holds one keeps the
 * version it started with while a newer one is saved.
 *
 * The cache is this process's: a flow saved by another instance is seen after a restart.
 */
export class FlowCatalog {
  readonly #store: Store;
  readonly #options: FlowCatalogOptions;
  /** Current version of each flow, by name. */
  readonly #current = new Map<string, StoredFlow>();
  /** Current version of the flow that answers each dialed number. */
  #byNumber = new Map<string, StoredFlow>();

  readonly #now: () => number;

  /** Throws FlowValidationError, naming it, when a stored flow no longer validates. */
  constructor(store: Store, options: FlowCatalogOptions) {
    this.#store = store;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    for (const { name } of store.ivrFlows.list()) this.#cache(decodeFlow(store.ivrFlows.current(name)!));
    this.#index();
  }

  /** The flow for a dialed number, else the default flow; undefined if neither exists. Do not mutate. */
  forNumber(dnis: string): { flow: Flow; version: number } | undefined {
    const { defaultFlow } = this.#options;
    return (
      this.#byNumber.get(dnis) ?? (defaultFlow === undefined ? undefined : this.#current.get(defaultFlow))
    );
  }

  /**
   * Validates a flow document and saves it as the flow's next version, which new calls use from now on.
   * Throws FlowValidationError, or FlowConflictError when another flow already answers one of its numbers.
   * With dryRun, only checks.
   */
  put(
    input: unknown,
    createdBy: string,
    options: { dryRun?: boolean } = {},
  ): { name: string; version: number } | { name: string; valid: true } {
    const flow = parseFlow(input);
    this.#assertNumbersFree(flow);
    if (options.dryRun) return { name: flow.name, valid: true };
    return this.#save(flow, createdBy);
  }

  /** The current version of a flow. */
  get(name: string): StoredFlow | undefined {
    return this.#current.get(name);
  }

  /**
   * A given version of a flow (the current one from the cache). Throws FlowValidationError when that
   * version no longer validates.
   */
  version(name: string, version: number): StoredFlow | undefined {
    const current = this.#current.get(name);
    if (current?.version === version) return current;
    const stored = this.#store.ivrFlows.version(name, version);
    return stored ? decodeFlow(stored) : undefined;
  }

  list(): FlowSummary[] {
    return this.#store.ivrFlows.list();
  }

  /**
   * Saves every flow file (*.json) in `dir` whose flow has never been stored, so that edits made over the
   * API survive restarts. A bad file is logged and skipped. Returns the names saved.
   */
  seedFrom(dir: string): string[] {
    const { logger } = this.#options;
    let files: string[];
    try {
      files = readdirSync(dir).filter((file) => file.endsWith('.json'));
    } catch (err) {
      logger.warn({ dir, err }, 'IVR flow folder not readable: nothing seeded');
      return [];
    }
    const seeded: string[] = [];
    for (const file of files.sort()) {
      try {
        const flow = parseFlow(JSON.parse(readFileSync(join(dir, file), 'utf8')));
        if (this.#current.has(flow.name)) continue;
        this.#assertNumbersFree(flow);
        this.#save(flow, `seed:${file}`);
        seeded.push(flow.name);
        logger.info({ file, flow: flow.name }, 'IVR flow seeded');
      } catch (err) {
        const problems = err instanceof FlowValidationError ? err.problems : undefined;
        logger.error({ file, problems, err }, 'IVR flow file skipped');
      }
    }
    return seeded;
  }

  #assertNumbersFree(flow: Flow): void {
    for (const number of flow.numbers) {
      const owner = this.#byNumber.get(number)?.flow.name;
      if (owner !== undefined && owner !== flow.name) throw new FlowConflictError(number, owner);
    }
  }

  #save(flow: Flow, createdBy: string): { name: string; version: number } {
    const saved = this.#store.ivrFlows.save(flow, createdBy, this.#now());
    // Read back rather than cache `flow`: the cache then holds exactly what a restart would load.
    this.#cache(decodeFlow(this.#store.ivrFlows.current(saved.name)!));
    this.#index();
    return saved;
  }

  #cache(stored: StoredFlow): void {
    this.#current.set(stored.flow.name, deepFreeze(stored));
  }

  /** Rebuilt whole on every save: there are a handful of flows, and saves are rare. */
  #index(): void {
    const byNumber = new Map<string, StoredFlow>();
    for (const stored of this.#current.values()) {
      for (const number of stored.flow.numbers) byNumber.set(number, stored);
    }
    this.#byNumber = byNumber;
  }
}

function parseFlow(input: unknown, what?: string): Flow {
  const result = validateFlow(input);
  if (!result.ok) throw new FlowValidationError(result.problems, what);
  return result.flow;
}

/** Stored documents are validated again: the schema may have moved on since they were saved. */
function decodeFlow({ name, version, document, createdAt, createdBy }: FlowVersion): StoredFlow {
  const flow = parseFlow(document, `stored IVR flow '${name}' version ${version}`);
  return { flow, version, createdAt, createdBy };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

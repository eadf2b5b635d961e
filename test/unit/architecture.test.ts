import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rules of docs/architecture.md, checked on the source text: routes reach the store only
 * through services, the store imports no domain code, and no two modules import each other.
 */

const ROOT = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .sort();
}

const text = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Comments and string contents blanked, so that a description saying "store" does not count. */
const stripped = (source: string) =>
  source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "''");
const code = (file: string) => stripped(text(file));

/** Code that names a store at all (`app.store.x`, `visibleAgent(app.store, ...)`, a `Store` type). */
const usesStore = (source: string) => /\bstore\b/i.test(stripped(source));

interface Import {
  /** Resolved to a file under the repository, e.g. src/store/index.ts. */
  target: string;
  typeOnly: boolean;
  names: string[];
}

/** The relative imports and re-exports of a file. */
function importsOf(file: string): Import[] {
  const found: Import[] = [];
  const pattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+'(\.{1,2}\/[^']+)'/g;
  for (const match of text(file).matchAll(pattern)) {
    const [, , typeKeyword, clause = '', path = ''] = match;
    const target = relative(ROOT, resolve(ROOT, dirname(file), path.replace(/\.js$/, '.ts')));
    const names = [...clause.matchAll(/(?:^|[{,\s])(type\s+)?([A-Za-z_$][\w$]*)(?=\s*(?:,|}|$|as\b))/g)].map(
      (m) => m[2]!,
    );
    found.push({ target, typeOnly: typeKeyword !== undefined, names });
  }
  return found;
}

const ROUTES = sourceFiles('src/api/routes');

describe('routes', () => {
  it('are given no store: they call services, which own the writes', () => {
    const reaching = ROUTES.flatMap((file) => {
      const problems: string[] = [];
      if (usesStore(text(file))) problems.push(`${file}: uses a store`);
      for (const imported of importsOf(file)) {
        if (!imported.target.startsWith('src/store/')) continue;
        for (const name of imported.names.filter((n) => n === 'Store' || n === 'openStore')) {
          problems.push(`${file}: imports ${name}`);
        }
      }
      return problems;
    });
    expect(reaching).toEqual([]);
  });

  it('get no store through their plugin options either', () => {
    // The option types of the route plugins are declared in api/types.ts: only ApiDeps (read by
    // buildApi for authentication) may hold the store.
    const types = code('src/api/types.ts');
    const interfaces = [...types.matchAll(/export interface (\w+)[^{]*\{([\s\S]*?)\n\}/g)];
    const holding = interfaces
      .filter(([, name, body]) => name !== 'ApiDeps' && /\bStore\b/.test(body ?? ''))
      .map(([, name]) => name);
    expect(holding).toEqual([]);
  });
});

describe('the store', () => {
  it('imports no domain code at run time (types only), so it cannot run domain logic', () => {
    const runtime = sourceFiles('src/store').flatMap((file) =>
      importsOf(file)
        .filter((i) => !i.typeOnly && !i.target.startsWith('src/store/') && !i.target.startsWith('src/lib/'))
        .map((i) => `${file} -> ${i.target}`),
    );
    expect(runtime).toEqual([]);
  });
});

/** Strongly connected components of more than one file (Tarjan), each sorted. */
function importCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of edges.get(file) ?? []) {
      if (!edges.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of edges.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

const importGraph = (files: readonly string[]) =>
  new Map(files.map((f) => [f, importsOf(f).map((i) => i.target)]));

describe('imports', () => {
  it('form no cycle (type imports included)', () => {
    expect(importCycles(importGraph(sourceFiles('src')))).toEqual([]);
  });

  it('are checked by a checker that finds a cycle of any length', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
    ]);
    expect(importCycles(graph)).toEqual([['a', 'b', 'c']]);
    expect(
      importCycles(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('see a store write in a route, but not the word in a description', () => {
    expect(usesStore('const agent = app.store.agents.create(request.body);')).toBe(true);
    expect(usesStore('store.leads.markDnc(phone, null, now);')).toBe(true);
    expect(usesStore('visibleAgent(app.store, request.principal!, directory, id);')).toBe(true);
    expect(usesStore('const { store } = app;')).toBe(true);
    expect(usesStore("summary: 'The API key; store it now. Stored hashed.' // store.x")).toBe(false);
  });

  it('read imports, type-only ones included', () => {
    expect(importsOf('src/api/routes/leads.ts')).toContainEqual(
      expect.objectContaining({ target: 'src/leads/service.ts', typeOnly: false }),
    );
    expect(importsOf('src/api/types.ts')).toContainEqual(
      expect.objectContaining({
        target: 'src/store/index.ts',
        typeOnly: true,
        names: expect.arrayContaining(['Store']),
      }),
    );
  });
});

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlowCatalog, FlowConflictError, FlowValidationError } from '../../src/ivr/catalog.js';
import type { FlowInput } from '../../src/ivr/flow.js';
import { openStore, type Store } from '../../src/store/index.js';
import { tempDir } from '../harness/tmp.js';

let dir: string;
let store: Store;
let logs: string[];
const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(line) });

beforeEach(() => {
  dir = tempDir('cc-ivr-catalog-');
  store = openStore(join(dir, 'ivr.sqlite'));
  logs = [];
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function doc(name: string, numbers: string[], prompt = 'sound:goodbye'): FlowInput {
  return { name, numbers, start: 'bye', nodes: { bye: { type: 'hangup', prompts: prompt } } };
}

const catalog = (defaultFlow?: string) => new FlowCatalog(store, { defaultFlow, logger });

describe('FlowCatalog', () => {
  it('finds the flow for a dialed number, else the default flow', () => {
    const flows = catalog('fallback');
    flows.put(doc('hotline', ['400', '4008001234']), 'test');
    expect(flows.forNumber('4008001234')).toMatchObject({ version: 1, flow: { name: 'hotline' } });
    expect(flows.forNumber('999')).toBeUndefined();

    flows.put(doc('fallback', []), 'test');
    expect(flows.forNumber('999')?.flow.name).toBe('fallback');
    expect(catalog().forNumber('999')).toBeUndefined();
  });

  it('saves new versions; new calls get the latest, a held one stays as it was', () => {
    const flows = catalog();
    expect(flows.put(doc('hotline', ['400']), 'alice')).toEqual({ name: 'hotline', version: 1 });
    const held = flows.forNumber('400')!;
    expect(flows.forNumber('400')).toBe(held);

    expect(flows.put(doc('hotline', ['400'], 'sound:vm-goodbye'), 'bob')).toEqual({
      name: 'hotline',
      version: 2,
    });
    expect(held.version).toBe(1);
    expect(held.flow.nodes.bye).toMatchObject({ prompts: ['sound:goodbye'] });
    expect(flows.forNumber('400')).toMatchObject({
      version: 2,
      flow: { nodes: { bye: { prompts: ['sound:vm-goodbye'] } } },
    });
    expect(() => {
      held.flow.numbers.push('401');
    }).toThrow(TypeError);

    expect(flows.get('hotline')).toMatchObject({ version: 2, createdBy: 'bob' });
    expect(flows.version('hotline', 1)).toMatchObject({ version: 1, createdBy: 'alice' });
    expect(flows.version('hotline', 3)).toBeUndefined();
    expect(flows.list()).toEqual([
      expect.objectContaining({ name: 'hotline', version: 2, numbers: ['400'] }),
    ]);
  });

  it('moves a number with the flow that drops it', () => {
    const flows = catalog();
    flows.put(doc('old', ['400']), 'test');
    flows.put(doc('old', []), 'test');
    flows.put(doc('new', ['400']), 'test');
    expect(flows.forNumber('400')?.flow.name).toBe('new');
  });

  it('loads the current versions from the store', () => {
    catalog().put(doc('hotline', ['400']), 'test');
    catalog().put(doc('hotline', ['400', '401']), 'test');
    expect(catalog().forNumber('401')).toMatchObject({ version: 2, flow: { name: 'hotline' } });
  });

  it('rejects an invalid flow with its problems by node', () => {
    const bad = {
      ...doc('hotline', ['400']),
      nodes: { bye: { type: 'play', prompts: 'sound:x', next: 'nowhere' } },
    };
    const error = catchError(() => catalog().put(bad, 'test'));
    expect(error).toBeInstanceOf(FlowValidationError);
    expect((error as FlowValidationError).problems).toEqual([
      { path: 'nodes.bye.next', message: "unknown node 'nowhere'" },
    ]);
    expect(error.message).toBe("flow is invalid: nodes.bye.next: unknown node 'nowhere'");
    expect(store.ivrFlows.list()).toEqual([]);
  });

  it('refuses a stored document that no longer validates, naming the flow', () => {
    const legacy = { name: 'legacy', numbers: [], start: 'gone', nodes: {} };
    store.ivrFlows.save(doc('legacy', []), 'x', 1);
    const flows = catalog();
    store.ivrFlows.save(legacy, 'x', 2);
    expect(() => flows.version('legacy', 2)).toThrow(/stored IVR flow 'legacy' version 2 is invalid/);
    expect(() => catalog()).toThrow(/stored IVR flow 'legacy' version 2 is invalid/);
  });

  it('stamps a saved version with its own clock', () => {
    const flows = new FlowCatalog(store, { logger, now: () => 42_000 });
    flows.put(doc('hotline', ['400']), 'alice');
    expect(flows.get('hotline')).toMatchObject({ version: 1, createdAt: 42_000, createdBy: 'alice' });
  });

  it('rejects a number another flow answers', () => {
    const flows = catalog();
    flows.put(doc('hotline', ['400']), 'test');
    const error = catchError(() => flows.put(doc('sales', ['500', '400']), 'test'));
    expect(error).toBeInstanceOf(FlowConflictError);
    expect(error).toMatchObject({ number: '400', owner: 'hotline' });
    expect(error.message).toMatch(/400.*hotline/);
    expect(flows.get('sales')).toBeUndefined();
  });

  it('saves nothing on a dry run', () => {
    const flows = catalog();
    expect(flows.put(doc('hotline', ['400']), 'test', { dryRun: true })).toEqual({
      name: 'hotline',
      valid: true,
    });
    expect(flows.get('hotline')).toBeUndefined();
    expect(flows.forNumber('400')).toBeUndefined();
    expect(store.ivrFlows.list()).toEqual([]);
  });

  describe('seedFrom', () => {
    const seedDir = () => join(dir, 'flows');
    const write = (file: string, content: unknown) =>
      writeFileSync(join(seedDir(), file), typeof content === 'string' ? content : JSON.stringify(content));

    beforeEach(() => {
      mkdirSync(seedDir());
    });

    it('saves flows never stored, and leaves stored ones as edited', () => {
      const flows = catalog();
      flows.put(doc('hotline', ['400'], 'sound:vm-goodbye'), 'api');
      write('hotline.json', doc('hotline', ['400']));
      write('sales.json', doc('sales', ['500']));
      write('notes.txt', 'not a flow');

      expect(flows.seedFrom(seedDir())).toEqual(['sales']);
      expect(flows.get('hotline')).toMatchObject({ version: 1, createdBy: 'api' });
      expect(flows.get('sales')).toMatchObject({ version: 1, createdBy: 'seed:sales.json' });
      expect(flows.forNumber('500')?.flow.name).toBe('sales');
      expect(catalog().seedFrom(seedDir())).toEqual([]);
    });

    it('logs and skips a bad file', () => {
      write('a-broken.json', '{ "name": ');
      write('b-invalid.json', { ...doc('invalid', []), start: 'missing' });
      write('c-conflict.json', doc('thief', ['500']));
      write('d-good.json', doc('good', ['600']));
      const flows = catalog();
      flows.put(doc('sales', ['500']), 'api');

      expect(flows.seedFrom(seedDir())).toEqual(['good']);
      const skipped = logs.map((line) => JSON.parse(line)).filter((l) => l.msg === 'IVR flow file skipped');
      expect(skipped.map((l) => l.file)).toEqual(['a-broken.json', 'b-invalid.json', 'c-conflict.json']);
      expect(skipped[1].problems).toEqual([{ path: 'start', message: "unknown node 'missing'" }]);
    });

    it('seeds nothing from a folder that does not exist', () => {
      expect(catalog().seedFrom(join(dir, 'missing'))).toEqual([]);
      expect(logs.join('')).toMatch(/not readable/);
    });

    it('accepts the shipped flows, the demo hotline among them', () => {
      const flows = catalog();
      expect(flows.seedFrom('config/ivr')).toContain('hotline');
      expect(logs.join('')).not.toMatch(/skipped/);
      expect(flows.forNumber('4008001234')?.flow.start).toBe('hours');
    });
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { seedTeams, storeRecording, wavFile } from '../api/recording-fixtures.js';
import { startTestService } from '../harness/service.js';

/**
 * Every route of the served OpenAPI document, with malformed, oversized and hostile inputs: a few thousand
 * requests from a seeded generator (FUZZ_SEED to replay one), bounded in time, against the whole service
 * in this process (real store, Redis, ARI). Never a 5xx, never the event loop held over 100 ms, and the
 * service healthy after.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_306);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3_000);
const TIME_BUDGET_MS = 45_000;
const MAX_STALL_MS = 100;
const IN_FLIGHT = Number(process.env.FUZZ_IN_FLIGHT ?? 6);
/** A file to write each request to as it goes (to find the one that hung the loop). */
const TRACE = process.env.FUZZ_TRACE;

/** mulberry32: small, seeded, good enough to pick inputs. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const LONG = 15_000;
const HOSTILE_STRINGS = [
  '',
  ' ',
  'a'.repeat(LONG),
  '1'.repeat(LONG),
  `+${'4'.repeat(LONG)}`,
  '+49 30 '.repeat(2_500),
  // Near misses: long runs that a backtracking pattern tries every way before failing on the last character.
  `${' '.repeat(LONG)}x`,
  `${'1 '.repeat(LONG / 2)}x`,
  `+${'1-'.repeat(LONG / 2)}x`,
  `${'0'.repeat(LONG)}\u0000`,
  `${'1'.repeat(40)}x`,
  '(1+)+2',
  `${'a'.repeat(30)}!`,
  "' OR '1'='1' --",
  '"; DROP TABLE agents; --',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '\u0000',
  '\uffff\ud800',
  '😀'.repeat(1_000),
  '<script>alert(1)</script>',
  '$' + '{jndi:ldap://127.0.0.1/x}', // a log-injection string, spelled so that it is not a template
  '-1',
  '0',
  '1e308',
  '-0.0000001',
  'NaN',
  'Infinity',
  '9'.repeat(400),
  'true',
  'null',
  '__proto__',
  'constructor',
  '2026-13-45T99:99:99Z',
  '1970-01-01T00:00:00Z',
  `${' '.repeat(5_000)}x`,
  '%',
  'a,b;c\nd\re\tf',
  '=HYPERLINK("x")',
];

const RANGES = [
  'bytes=0-',
  'bytes=-1',
  'bytes=5-1',
  `bytes=${'0-,'.repeat(5_000)}0-`,
  `bytes=${'1'.repeat(LONG)}-`,
  `bytes=0-${'9'.repeat(400)}`,
  'bytes=',
  `bytes= ${' '.repeat(LONG)}-1`,
  'items=0-1',
  `bytes=${' '.repeat(LONG)}x`,
  `bytes=0${' '.repeat(LONG)}x`,
  `bytes=0-${' '.repeat(LONG)}x`,
];

/**
 * Ids that exist in the fuzzed store (a stored recording with its file, agents, teams): a path naming one
 * gets past the 404, so the hostile query, headers (Range) and body reach the code behind it.
 */
const KNOWN_IDS = ['rec-fuzz', 'a1', 'a2', 'a3', 'sales', 'support'];

/** An existing id for a path's parameter, by the collection it names; any known id otherwise. */
function knownId(path: string, rng: Rng): string {
  if (path.includes('/recordings/')) return 'rec-fuzz';
  if (path.includes('/agents/')) return rng.pick(['a1', 'a2', 'a3']);
  if (path.includes('/teams/')) return rng.pick(['sales', 'support']);
  return rng.pick(KNOWN_IDS);
}

interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string; schema?: JsonSchema }[];
  body?: JsonSchema;
  contentTypes: string[];
}
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
}

function hostileValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 4 : 7)) {
    case 0:
      return rng.pick(HOSTILE_STRINGS);
    case 1:
      return rng.pick([-1, 0, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER]);
    case 2:
      return rng.pick([true, false, null]);
    case 3:
      return rng.pick(['x', 'a1', 'admin', 'agent', 'active', 'c1']);
    case 4:
      // A long array of plain values, or a short one of anything: a long one of anything grows without end.
      return rng.next() < 0.2
        ? Array.from({ length: 2_000 }, () => rng.pick(HOSTILE_STRINGS).slice(0, 100))
        : Array.from({ length: rng.pick([0, 1, 3]) }, () => hostileValue(rng, depth + 1));
    case 5:
      return JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}');
    default:
      return Object.fromEntries(
        Array.from({ length: rng.int(4) }, () => [
          rng.pick(HOSTILE_STRINGS).slice(0, 50),
          hostileValue(rng, depth + 1),
        ]),
      );
  }
}

/** A value for a schema: its own shape with hostile leaves most of the time, anything at all otherwise. */
function valueFor(schema: JsonSchema | undefined, rng: Rng, depth = 0): unknown {
  if (!schema || depth > 4 || rng.next() < 0.25) return hostileValue(rng, depth);
  if (schema.enum && rng.next() < 0.5) return rng.pick(schema.enum);
  if (schema.anyOf) return valueFor(rng.pick(schema.anyOf), rng, depth);
  const type = Array.isArray(schema.type) ? rng.pick(schema.type) : schema.type;
  if (type === 'object' || schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [name, sub] of Object.entries(schema.properties ?? {})) {
      if (rng.next() < 0.8) out[name] = valueFor(sub, rng, depth + 1);
    }
    return out;
  }
  if (type === 'array')
    return Array.from({ length: rng.pick([0, 1, 5]) }, () => valueFor(schema.items, rng, depth + 1));
  if (type === 'integer' || type === 'number') return rng.pick([0, 1, -1, 99, 1e12, 0.5]);
  if (type === 'boolean') return rng.next() < 0.5;
  return rng.pick(HOSTILE_STRINGS);
}

function textFor(schema: JsonSchema | undefined, rng: Rng): string {
  const value = valueFor(schema, rng);
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

function operations(document: {
  paths: Record<string, Record<string, Record<string, unknown>>>;
}): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = (op.requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined)
        ?.content;
      ops.push({
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters as Operation['parameters'] | undefined) ?? [],
        body: content?.['application/json']?.schema,
        contentTypes: Object.keys(content ?? {}),
      });
    }
  }
  return ops;
}

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** One request for the operation: hostile path, query, headers and body, now and then in odd shapes. */
function fuzzRequest(op: Operation, rng: Rng, keys: string[]): FuzzRequest {
  const path = op.path.replace(/\{([^}]+)\}/g, () => {
    if (rng.next() < 0.4) return knownId(op.path, rng);
    const raw = rng.pick(HOSTILE_STRINGS);
    // Now and then raw, broken percent-encoding included.
    if (rng.next() < 0.15) return raw.replace(/[/?#\s]/g, '');
    try {
      return encodeURIComponent(raw);
    } catch {
      return '%ed%a0%80'; // a lone surrogate, as its broken UTF-8
    }
  });
  const query = new URLSearchParams();
  for (const p of op.parameters.filter((p) => p.in === 'query')) {
    if (rng.next() < 0.7) query.append(p.name, textFor(p.schema, rng));
    if (rng.next() < 0.05) query.append(p.name, textFor(p.schema, rng)); // repeated
  }
  if (rng.next() < 0.1) query.append(rng.pick(['x', '__proto__', 'constructor[prototype]']), 'y');
  const headers: Record<string, string> = {};
  const auth = rng.next();
  if (auth < 0.85) headers.authorization = `Bearer ${rng.pick(keys)}`;
  else if (auth < 0.9) headers.authorization = `Bearer ${rng.pick(HOSTILE_STRINGS).slice(0, 8_000)}`;
  else if (auth < 0.95) headers.cookie = `cc_session=${'x'.repeat(rng.pick([1, 4_000]))}`;
  if (op.path.includes('audio') || rng.next() < 0.05) headers.range = rng.pick(RANGES);
  let body: string | undefined;
  if (op.method !== 'GET' && op.method !== 'DELETE') {
    const shape = rng.next();
    if (op.contentTypes.includes('text/csv') && !op.body) {
      headers['content-type'] = 'text/csv';
      body = rng.pick([
        'phone\n+4930123456\n',
        `phone,name\n${'"'.repeat(5_000)}\n`,
        `${'a'.repeat(70_000)}\n`,
        '\xff\xfe\x00bad',
        `phone\n${'1,2,3\n'.repeat(2_000)}`,
      ]);
    } else if (shape < 0.7) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(valueFor(op.body, rng));
    } else if (shape < 0.78) {
      headers['content-type'] = 'application/json';
      body = rng.pick(['{', '{"a":', '[1,2', 'nul', '\u0000', '{"a":1}{"b":2}', '']);
    } else if (shape < 0.84) {
      headers['content-type'] = 'application/json';
      const depth = rng.pick([1_000, 20_000]);
      body = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    } else if (shape < 0.9) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify({ name: 'x'.repeat(700_000) }); // over the JSON body limit
    } else {
      headers['content-type'] = rng.pick([
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        '',
      ]);
      body = rng.pick(['<a/>', '--x\r\n\r\n--x--', 'hello']);
    }
  }
  const qs = query.toString();
  return { method: op.method, url: `${path}${qs ? `?${qs}` : ''}`, headers, body };
}

describe('fuzzing every route of the OpenAPI document', () => {
  let service: Service;
  let base: string;
  let keys: string[];

  beforeAll(async () => {
    service = await startTestService({
      // The fuzz is one client: let it through the throttles, which have tests of their own.
      auth: { lockout: { addressFailures: 1_000, accountFailures: 100, keyPrefixFailures: 1_000 } },
      api: { rateLimit: { search: 100_000, import: 10_000, export: 10_000 } },
    });
    base = service.url;
    seedTeams(service.store);
    storeRecording(
      service.store,
      service.config.recording.dir,
      { id: 'rec-fuzz', agentId: 'a2', teamId: 'sales', startedAt: Date.now() - 60_000 },
      wavFile(64_000),
    );
    keys = [
      ...(['admin', 'supervisor', 'qa'] as const).map((role) =>
        service.store.apiKeys.create(`fuzz ${role}`, role),
      ),
      service.store.apiKeys.create('fuzz leader', 'team-leader', { agentId: 'a1' }),
      service.store.apiKeys.create('fuzz agent', 'agent', { agentId: 'a2' }),
    ].map((created) => created.key);
  });
  afterAll(async () => {
    await service?.stop();
  });

  /**
   * Sends the requests (IN_FLIGHT at a time) while a drift probe watches the event loop. Returns the 5xx
   * answers and hangs, and the stalls over MAX_STALL_MS with what was in flight when they happened.
   */
  async function send(
    next: () => FuzzRequest | undefined,
    confirm = true,
  ): Promise<{ sent: number; serverErrors: string[]; stalls: string[]; worstMs: number }> {
    const serverErrors: string[] = [];
    const suspected: { text: string; requests: FuzzRequest[] }[] = [];
    const inFlight = new Map<string, FuzzRequest>();
    let descheduled = 0;
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    let last = performance.now();
    let lastElu = performance.eventLoopUtilization();
    let lastCpu = process.cpuUsage();
    const probe = setInterval(() => {
      const now = performance.now();
      const stall = now - last - 20;
      // A late tick is the service's fault only if the loop was busy running code for that long (not
      // idle while this process waited for a core that other test files held: 2 cores, many processes).
      const busyMs = performance.eventLoopUtilization(lastElu).active;
      const cpu = process.cpuUsage(lastCpu);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      last = now;
      lastElu = performance.eventLoopUtilization();
      lastCpu = process.cpuUsage();
      if (stall > MAX_STALL_MS && busyMs > MAX_STALL_MS && cpuMs > MAX_STALL_MS * 0.8)
        suspected.push({
          text:
            `${Math.round(stall)} ms (busy ${Math.round(busyMs)}, cpu ${Math.round(cpuMs)}) during: ` +
            `${[...inFlight.keys()].join(' | ').slice(0, 600)}`,
          requests: [...inFlight.values()],
        });
      else if (stall > MAX_STALL_MS) descheduled += 1;
    }, 20);

    const started = Date.now();
    let sent = 0;
    const worker = async () => {
      for (let request = next(); request; request = next()) {
        if (Date.now() - started > TIME_BUDGET_MS) return;
        sent += 1;
        const label = describeRequest(request);
        inFlight.set(label, request);
        if (TRACE) appendFileSync(TRACE, `${Date.now() - started} ${label}\n`);
        try {
          const res = await fetch(`${base}${request.url}`, {
            method: request.method,
            headers: request.headers,
            body: request.body,
            signal: AbortSignal.timeout(10_000),
          });
          // Streams (events, audio) are not read to their end.
          await res.body?.cancel();
          if (res.status >= 500) serverErrors.push(`${res.status} ${label}`);
        } catch (err) {
          // A cut connection is the service refusing; a timeout is a hang.
          if ((err as Error).name === 'TimeoutError') serverErrors.push(`timeout ${label}`);
        } finally {
          if (TRACE) appendFileSync(TRACE, `done ${label}\n`);
          inFlight.delete(label);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    clearInterval(probe);
    histogram.disable();
    if (descheduled > 0)
      console.info(`fuzz: ${descheduled} late ticks with the loop idle or off the CPU (not counted)`);
    // A stall with several requests in flight may be their work added up in one turn of the loop: each
    // request then in flight is sent again alone, and the stall counts if one of them stalls by itself.
    const stalls: string[] = [];
    for (const { text, requests } of suspected.slice(0, 5)) {
      if (!confirm) {
        stalls.push(text);
        continue;
      }
      const alone: string[] = [];
      for (const request of requests) {
        for (let i = 0; i < 2 && alone.length === 0; i += 1) {
          let once: FuzzRequest | undefined = request;
          const replay = await send(() => {
            const r = once;
            once = undefined;
            return r;
          }, false);
          alone.push(...replay.stalls);
        }
      }
      if (alone.length > 0) stalls.push(`${text}\n  alone: ${alone.join('\n  ')}`);
      else console.info(`fuzz: not a stall by any one request (in flight together): ${text.slice(0, 300)}`);
    }
    return { sent, serverErrors, stalls, worstMs: histogram.max / 1e6 };
  }

  async function operationsServed(): Promise<Operation[]> {
    const document = await (await fetch(`${base}/docs/json`)).json();
    return operations(document as Parameters<typeof operations>[0]);
  }

  function expectClean(run: Awaited<ReturnType<typeof send>>) {
    expect(run.serverErrors, run.serverErrors.slice(0, 20).join('\n')).toEqual([]);
    expect(run.stalls, `worst ${Math.round(run.worstMs)} ms:\n${run.stalls.slice(0, 20).join('\n')}`).toEqual(
      [],
    );
  }

  it('answers no 5xx, holds the event loop no longer than 100 ms, and stays healthy', async () => {
    const ops = await operationsServed();
    expect(ops.length).toBeGreaterThan(80);
    const rng = prng(SEED);
    let left = REQUESTS;
    const run = await send(() => (left-- > 0 ? fuzzRequest(rng.pick(ops), rng, keys) : undefined));
    expect(run.sent).toBeGreaterThan(500);
    expectClean(run);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 120_000);

  it('takes every long hostile value in every query parameter, and every hostile Range, without a stall', async () => {
    // The random pass may miss a parameter: here each one gets each long value alone, on an existing id,
    // with the admin's key, so the value reaches the parser behind the route's own checks.
    const longValues = HOSTILE_STRINGS.filter((value) => value.length >= 1_000);
    const requests: FuzzRequest[] = [];
    const rng = prng(SEED);
    for (const op of await operationsServed()) {
      if (op.method !== 'GET') continue;
      const path = op.path.replace(/\{[^}]+\}/g, () => knownId(op.path, rng));
      const headers = { authorization: `Bearer ${keys[0]}` };
      for (const p of op.parameters.filter((p) => p.in === 'query')) {
        for (const value of longValues) {
          requests.push({
            method: 'GET',
            url: `${path}?${new URLSearchParams({ [p.name]: value })}`,
            headers,
          });
        }
      }
      if (op.path.includes('audio')) {
        for (const range of RANGES)
          requests.push({ method: 'GET', url: path, headers: { ...headers, range } });
      }
    }
    const total = requests.length;
    expect(total).toBeGreaterThan(200);
    const run = await send(() => requests.shift());
    expect(run.sent).toBe(total); // all within the time budget
    expectClean(run);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 120_000);
});

function describeRequest(r: FuzzRequest): string {
  return (
    `${r.method} ${r.url.slice(0, 120)}${r.url.length > 120 ? `…(${r.url.length})` : ''}` +
    `${r.headers.range ? ` range=${r.headers.range.slice(0, 40)}…(${r.headers.range.length})` : ''}` +
    `${r.body !== undefined ? ` body=${r.body.slice(0, 60)}…(${r.body.length})` : ''}`
  );
}

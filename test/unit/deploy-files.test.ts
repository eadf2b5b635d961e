/**
 * Docker cannot run where the tests run, so the deployment files are checked statically here, against
 * the config schema and config/asterisk/, so that they do not rot: docker-compose.yml, the two
 * Dockerfiles, the Asterisk entrypoint, .env.example and the ignore files. docs/operations.md explains
 * the choices checked.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, ENV_OVERRIDES } from '../../src/config/schema.js';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Variables the service reads that are not config overrides (grep src/ for process.env), and NODE_ENV. */
const OTHER_SERVICE_ENV: Record<string, string | undefined> = {
  CONFIG_FILE: 'src/config/load.ts',
  ADMIN_API_KEY: 'src/api/server.ts',
  NODE_ENV: undefined, // set by the image for the dependencies; the service itself does not read it
};

// --- docker-compose.yml ---------------------------------------------------------------------------

type Volume = string | { type?: string; source?: string; target: string; read_only?: boolean };
interface Service {
  build?: string | { context?: string; dockerfile?: string };
  image?: string;
  network_mode?: string;
  restart?: string;
  env_file?: string | (string | { path: string })[];
  environment?: Record<string, string | number | boolean | null> | string[];
  secrets?: unknown[];
  volumes?: Volume[];
  ports?: (string | number | { target: number; published?: string | number; host_ip?: string })[];
  command?: string | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  stop_grace_period?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml')) as Compose;
const services = compose.services;

function envOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const i = entry.indexOf('=');
        return i < 0 ? [entry, ''] : [entry.slice(0, i), entry.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

function mounts(service: Service): { source: string | undefined; target: string; named: boolean }[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      if (target === undefined) return { source: undefined, target: source!, named: false };
      return { source, target, named: !/^[./~]/.test(source!) };
    }
    return { source: v.source, target: v.target, named: (v.type ?? 'volume') === 'volume' && !!v.source };
  });
}

/** The mount whose target holds `path` (the deepest one). */
function mountFor(service: Service, path: string) {
  return mounts(service)
    .filter((m) => path === m.target || path.startsWith(`${m.target.replace(/\/$/, '')}/`))
    .sort((a, b) => b.target.length - a.target.length)[0];
}

function seconds(duration: string | undefined): number {
  if (!duration) return 10; // Docker's default
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'];
  }
  return total;
}

function dockerfileOf(service: Service): string | undefined {
  if (!service.build) return undefined;
  if (typeof service.build === 'string') return posix.join(service.build, 'Dockerfile');
  return posix.join(service.build.context ?? '.', service.build.dockerfile ?? 'Dockerfile');
}

/** Services running the call-center image: `callcenter`, and a standby built from the same image. */
const serviceImages = Object.entries(services).filter(
  ([name, s]) =>
    name === 'callcenter' ||
    (s.image !== undefined && s.image === services.callcenter?.image) ||
    dockerfileOf(s) === 'Dockerfile',
);

// --- Dockerfiles ----------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}
/** Instructions of a Dockerfile, continuation lines joined and comments dropped, split into stages. */
function dockerfile(path: string): Instruction[][] {
  const lines = read(path)
    .split('\n')
    .filter((line) => !/^\s*#/.test(line));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') stages.push([]);
    const stage = stages.at(-1);
    if (stage) stage.push({ op, args: m[2]!.trim() });
    else if (op !== 'ARG') throw new Error(`${path}: ${op} before FROM`);
  }
  return stages;
}
const args = (stage: Instruction[], op: string) => stage.filter((i) => i.op === op).map((i) => i.args);
const envPairs = (stage: Instruction[]) =>
  Object.fromEntries(
    args(stage, 'ENV').flatMap((a) => [...a.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
  );

const minimalConfig = configSchema.parse({
  ari: { url: 'http://127.0.0.1:8088', username: 'u', password: 'p' },
  redis: { url: 'redis://127.0.0.1:6379' },
  store: { path: ':memory:' },
});
const defaultJson = JSON.parse(read('config/default.json')) as { api?: { host?: string; port?: number } };
const asteriskConfigFiles = readdirSync(join(root, 'config/asterisk'));

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = posix.join(dir, name);
    return statSync(join(root, path)).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Names assigned in an env file, commented-out examples (`# NAME=`) included. */
function envFileNames(path: string): string[] {
  return [...read(path).matchAll(/^\s*#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
}

const isKnownServiceEnv = (name: string) => name in ENV_OVERRIDES || name in OTHER_SERVICE_ENV;

describe('docker-compose.yml', () => {
  it('has asterisk, redis and callcenter, each with a health check and a restart policy', () => {
    for (const name of ['asterisk', 'redis', 'callcenter']) {
      const service = services[name];
      expect(service, name).toBeDefined();
      expect(service!.healthcheck?.test, `${name} healthcheck`).toBeTruthy();
      expect(service!.healthcheck?.disable, `${name} healthcheck`).not.toBe(true);
      expect(['always', 'unless-stopped', 'on-failure'], `${name} restart`).toContain(service!.restart);
    }
  });

  it('declares every named volume a service mounts', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const m of mounts(service).filter((m) => m.named)) {
        expect(Object.keys(compose.volumes ?? {}), `${name}: volume ${m.source}`).toContain(m.source);
      }
    }
  });

  it('runs Redis with AOF on a volume, on loopback', () => {
    const redis = services.redis!;
    const command = Array.isArray(redis.command) ? redis.command.join(' ') : (redis.command ?? '');
    expect(command).toMatch(/--appendonly\s+"?yes"?/);
    expect(command).toMatch(/--bind\s+127\.0\.0\.1(\s|$)/);
    expect(command).toMatch(/--maxmemory-policy\s+noeviction/); // BullMQ
    expect(mountFor(redis, '/data')?.named).toBe(true);
  });

  it('gives the service volumes for the SQLite file, storage and recordings', () => {
    for (const [name, service] of serviceImages) {
      const env = envOf(service);
      for (const key of ['STORE_PATH', 'STORAGE_DIR', 'RECORDING_DIR', 'IVR_PROMPTS_DIR']) {
        const path = env[key];
        expect(path, `${name}: ${key}`).toMatch(/^\//);
        expect(mountFor(service, path!)?.named, `${name}: ${key}=${path} on a named volume`).toBe(true);
      }
      // The SQLite file's folder (its -wal and -shm files sit beside it) is on the volume, not the file.
      expect(mountFor(service, env.STORE_PATH!)!.target).not.toBe(env.STORE_PATH);
      // Recordings on a volume of their own: they outgrow everything else.
      expect(mountFor(service, env.RECORDING_DIR!)!.source).not.toBe(
        mountFor(service, env.STORE_PATH!)!.source,
      );
    }
  });

  it('shares the prompt volume: the service writes IVR_PROMPTS_DIR, Asterisk reads IVR_PROMPTS_PBX_DIR', () => {
    const env = envOf(services.callcenter!);
    const pbxDir = env.IVR_PROMPTS_PBX_DIR ?? minimalConfig.ivr.prompts.pbxDir;
    const forService = mountFor(services.callcenter!, env.IVR_PROMPTS_DIR!);
    const forAsterisk = mountFor(services.asterisk!, pbxDir);
    expect(forAsterisk?.target).toBe(pbxDir);
    expect(forService?.source).toBe(forAsterisk?.source);
  });

  it('shares the fax spool volume: the service at FAX_SPOOL_DIR, Asterisk at FAX_SPOOL_PBX_DIR', () => {
    for (const name of ['callcenter', 'callcenter-standby']) {
      const env = envOf(services[name]!);
      const pbxDir = env.FAX_SPOOL_PBX_DIR ?? minimalConfig.fax.spool.pbxDir;
      const forService = mountFor(services[name]!, env.FAX_SPOOL_DIR!);
      const forAsterisk = mountFor(services.asterisk!, pbxDir);
      expect(forAsterisk?.named, `${name}: Asterisk's fax spool on a named volume`).toBe(true);
      expect(forService?.source, `${name}: the same volume`).toBe(forAsterisk?.source);
    }
  });

  it('keeps the Asterisk recording spool on a volume', () => {
    expect(mountFor(services.asterisk!, '/var/spool/asterisk/recording')?.named).toBe(true);
  });

  it('passes the ARI password from an env file or a secret, never written in the compose file', () => {
    for (const [name, service] of serviceImages) {
      expect(!!service.env_file || (service.secrets?.length ?? 0) > 0, `${name}: env_file or secrets`).toBe(
        true,
      );
      expect(envOf(service).ARI_PASSWORD ?? '${', name).toMatch(/^\$\{/);
    }
    const asterisk = services.asterisk!;
    const fromEnv = /^\$\{ARI_PASSWORD(:?[?-].*)?\}$/.test(envOf(asterisk).ARI_PASSWORD ?? '');
    expect(fromEnv || !!asterisk.env_file || (asterisk.secrets?.length ?? 0) > 0).toBe(true);
    expect(envFileNames('.env.example')).toContain('ARI_PASSWORD');
  });

  it('sets only environment variables the service knows', () => {
    for (const [name, service] of serviceImages) {
      const unknown = Object.keys(envOf(service)).filter((key) => !isKnownServiceEnv(key));
      expect(unknown, `${name}: not in ENV_OVERRIDES nor the allow-list`).toEqual([]);
    }
    expect(envFileNames('.env.example').filter((key) => !isKnownServiceEnv(key))).toEqual([]);
  });

  it('allow-lists only variables that src/ reads', () => {
    for (const [key, file] of Object.entries(OTHER_SERVICE_ENV)) {
      if (file) expect(read(file), `${key} in ${file}`).toContain(key);
    }
  });

  it('lets the service drain: stop_grace_period exceeds the drain timeout plus the 10 s finalize wait', () => {
    for (const [name, service] of serviceImages) {
      const drainMs = Number(envOf(service).DRAIN_TIMEOUT_MS ?? minimalConfig.service.drainTimeoutMs);
      expect(seconds(service.stop_grace_period) * 1000, name).toBeGreaterThan(drainMs + 10_000);
    }
  });

  it('starts the service once Asterisk and Redis are healthy', () => {
    const dependsOn = services.callcenter!.depends_on as Record<string, { condition?: string }>;
    expect(dependsOn.asterisk?.condition).toBe('service_healthy');
    expect(dependsOn.redis?.condition).toBe('service_healthy');
  });

  it('publishes nothing but SIP and RTP, and those only without host networking', () => {
    const rtp = read('config/asterisk/rtp.conf');
    const rtpStart = Number(/rtpstart\s*=\s*(\d+)/.exec(rtp)?.[1]);
    const rtpEnd = Number(/rtpend\s*=\s*(\d+)/.exec(rtp)?.[1]);
    const sipOrRtp = (port: number) => port === 5060 || port === 5061 || (port >= rtpStart && port <= rtpEnd);
    for (const [name, service] of Object.entries(services)) {
      if (service.network_mode === 'host') {
        expect(service.ports ?? [], `${name}: host networking publishes nothing`).toEqual([]);
        continue;
      }
      for (const port of service.ports ?? []) {
        if (typeof port === 'object') {
          if (!sipOrRtp(port.target)) expect(port.host_ip, `${name}: ${port.target}`).toBe('127.0.0.1');
          continue;
        }
        const spec = String(port).replace(/\/(udp|tcp)$/, '');
        const container = Number(spec.split(':').at(-1)!.split('-')[0]);
        if (!sipOrRtp(container)) expect(spec, `${name}: ${spec}`).toMatch(/^127\.0\.0\.1:/);
      }
    }
  });

  it('keeps the API on loopback (host networking)', () => {
    const host = envOf(services.callcenter!).API_HOST ?? defaultJson.api?.host ?? minimalConfig.api.host;
    expect(host).toBe('127.0.0.1');
  });

  it('builds the Asterisk image from the repository root, so it can copy config/asterisk/', () => {
    expect(dockerfileOf(services.asterisk!)).toBe('docker/asterisk/Dockerfile');
    expect(dockerfileOf(services.callcenter!)).toBe('Dockerfile');
  });
});

describe('docker/asterisk/Dockerfile', () => {
  const stages = dockerfile('docker/asterisk/Dockerfile');
  const last = stages.at(-1)!;

  it("installs Debian's asterisk package", () => {
    expect(args(last, 'FROM')[0]).toMatch(/^debian:/);
    expect(args(last, 'RUN').join(' ')).toMatch(/apt-get install[^&]*\sasterisk(\s|$)/);
  });

  it('copies config/asterisk/ as /etc/asterisk', () => {
    expect(
      args(last, 'COPY').some((a) => /^(--\S+\s+)*config\/asterisk\/?\s+\/etc\/asterisk\/?$/.test(a)),
    ).toBe(true);
  });

  it('copies no other config into /etc/asterisk, and no file under docker/ duplicates config/asterisk/', () => {
    for (const copy of args(last, 'COPY')) {
      if (/\/etc\/asterisk\/?$/.test(copy)) expect(copy).toMatch(/config\/asterisk\/?\s+\/etc\/asterisk\/?$/);
    }
    const contents = new Set(asteriskConfigFiles.map((f) => read(`config/asterisk/${f}`).trim()));
    for (const file of filesUnder('docker')) {
      expect(asteriskConfigFiles, file).not.toContain(basename(file));
      expect(contents.has(read(file).trim()), `${file} has the content of a config/asterisk file`).toBe(
        false,
      );
    }
  });

  it('runs Asterisk as the asterisk user', () => {
    const user = args(last, 'USER').at(-1);
    if (user !== undefined) {
      expect(user).toMatch(/^asterisk(:|$)/);
      return;
    }
    // Or the entrypoint prepares as root, then drops to `asterisk` before starting it.
    const entrypoint = args(last, 'ENTRYPOINT').at(-1);
    expect(entrypoint).toBeDefined();
    const path = (JSON.parse(entrypoint!) as string[])[0]!;
    const copy = args(last, 'COPY').find((a) => a.endsWith(` ${path}`));
    expect(copy, `COPY of ${path}`).toBeDefined();
    const script = read(copy!.split(/\s+/).at(-2)!);
    expect(script).toMatch(/exec setpriv --reuid=asterisk --regid=asterisk --init-groups\b/);
    expect(args(last, 'RUN').join(' ')).toMatch(/chown -R asterisk:asterisk [^&]*\/var\/spool\/asterisk/);
  });

  it('overrides the development ARI password through the include ari.conf names', () => {
    const ari = read('config/asterisk/ari.conf');
    expect(ari).toMatch(/^#tryinclude ari_users\.conf$/m);
    const script = read('docker/asterisk/entrypoint.sh');
    expect(script).toContain('ari_users.conf');
    const user = /^\[(\w+)\]\(\+\)$/m.exec(script)?.[1];
    expect(user).toBeDefined();
    expect(ari).toMatch(new RegExp(`^\\[${user}\\]\\s*\\ntype = user`, 'm'));
    expect(script).toContain('ARI_PASSWORD');
  });

  it('has a health check', () => {
    expect(args(last, 'HEALTHCHECK').join(' ')).toContain('core waitfullybooted');
  });
});

describe('Dockerfile (the service)', () => {
  const stages = dockerfile('Dockerfile');
  const last = stages.at(-1)!;

  it('builds in several stages and runs the compiled service with plain node', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(args(stages[0]!, 'RUN').join(' ')).toMatch(/npm run build/);
    const cmd = JSON.parse(args(last, 'CMD').at(-1)!) as string[];
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toBe('dist/main.js');
    expect(cmd).not.toContain('tsx');
  });

  it('builds the web application and serves it from web/dist (web.dir)', () => {
    expect(args(stages[0]!, 'RUN').join(' ')).toMatch(/npm run build:web/);
    expect(args(last, 'COPY').some((c) => /^--from=\S+\s+\/app\/web\/dist\s+\.\/web\/dist$/.test(c))).toBe(
      true,
    );
    expect(minimalConfig.web.dir).toBe('web/dist');
  });

  it('runs as a user that is not root', () => {
    const user = args(last, 'USER').at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('checks health on /healthz, in the image and in compose', () => {
    const check = args(last, 'HEALTHCHECK').at(-1);
    expect(check).toBeDefined();
    // A script the image copies from the repository and the check runs: look into it.
    const scripts = args(last, 'COPY')
      .filter((copy) => !copy.startsWith('--from'))
      .flatMap((copy) => copy.split(/\s+/).slice(0, -1))
      .filter((src) => !src.startsWith('--') && check!.includes(basename(src)));
    const text = [check!, ...scripts.map((src) => read(src))].join('\n');
    expect(text).toContain('/healthz');
    const test = services.callcenter!.healthcheck!.test!;
    const composeText = Array.isArray(test) ? test.join(' ') : test;
    expect(
      composeText.includes('/healthz') || scripts.some((src) => composeText.includes(basename(src))),
    ).toBe(true);
  });

  it("exposes the config's API port", () => {
    const port = defaultJson.api?.port ?? minimalConfig.api.port;
    expect(args(last, 'EXPOSE').join(' ').split(/\s+/)).toContain(String(port));
  });

  it('carries the config file and the IVR flows the schema points at', () => {
    const copies = args(last, 'COPY');
    expect(args(last, 'WORKDIR').at(-1)).toBe('/app');
    expect(copies.some((c) => /\bconfig\/default\.json\s+\.\/config\/default\.json$/.test(c))).toBe(true);
    const flowsDir = minimalConfig.ivr.flowsDir;
    expect(copies.some((c) => c.endsWith(`${flowsDir} ./${flowsDir}`))).toBe(true);
  });

  it('sets only environment variables the service knows', () => {
    expect(Object.keys(envPairs(last)).filter((key) => !isKnownServiceEnv(key))).toEqual([]);
  });
});

describe('secrets stay out of git and the images', () => {
  const lines = (path: string) =>
    read(path)
      .split('\n')
      .map((l) => l.trim());

  it('.env is git-ignored and kept out of the build context', () => {
    expect(lines('.gitignore').some((l) => l === '.env' || l === '/.env')).toBe(true);
    expect(lines('.dockerignore')).toContain('.env');
  });

  it('.env.example holds no value for the secrets', () => {
    const text = read('.env.example');
    for (const name of ['ARI_PASSWORD', 'ADMIN_API_KEY']) {
      expect(text).not.toMatch(new RegExp(`^\\s*#?\\s*${name}=\\S`, 'm'));
    }
  });
});

import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { type Config, configSchema, ENV_OVERRIDES } from './schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

function setPath(target: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Json;
  }
  node[parts.at(-1)!] = value;
}

/** Applies ENV_OVERRIDES to a raw config object; a non-numeric number is reported, not coerced to NaN. */
export function applyEnv(raw: Json, env: NodeJS.ProcessEnv): Json {
  const out = structuredClone(raw);
  for (const [name, { path, type }] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n))
        throw new ConfigError(`config: ${name} (${path}): expected a number, got "${value}"`);
      setPath(out, path, n);
    } else if (type === 'boolean') {
      const v = value.toLowerCase();
      if (!['true', 'false', '1', '0', 'yes', 'no'].includes(v))
        throw new ConfigError(`config: ${name} (${path}): expected true or false, got "${value}"`);
      setPath(out, path, v === 'true' || v === '1' || v === 'yes');
    } else {
      setPath(out, path, value);
    }
  }
  return out;
}

/** One line per problem, naming the field and what was expected; never echoes a password. */
export function formatConfigIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.join('.') || '(root)';
      return `  - ${field}: ${issue.message}`;
    })
    .join('\n');
}

export function parseConfig(raw: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`${source} is invalid:\n${formatConfigIssues(result.error)}`);
  }
  return result.data;
}

/**
 * Reads the config file (CONFIG_FILE, default config/default.json), applies environment overrides and
 * validates. Throws ConfigError with a readable message.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, file = env.CONFIG_FILE): Config {
  const path = file ?? 'config/default.json';
  let raw: Json = {};
  try {
    const text = readFileSync(path, 'utf8');
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`${path}: expected a JSON object at the top level`);
    }
    raw = parsed as Json;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' && file === undefined) {
      raw = {}; // no default file: the environment alone may configure the service
    } else if (e.code === 'ENOENT') {
      throw new ConfigError(`${path}: config file not found`);
    } else {
      throw new ConfigError(`${path}: ${e.message}`);
    }
  }
  return parseConfig(applyEnv(raw, env), path);
}

import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type ApiKeyInfo, newApiKeySchema, ROLES, type Role, type Store } from '../store/index.js';

export const USAGE = `Usage:
  npm run keys -- create --name NAME --role ROLE [--agent ID]
                                                   create a key and print it (shown this once only);
                                                   --agent links it to that agent
  npm run keys -- list                             list keys (never the keys themselves)
  npm run keys -- revoke ID                        revoke a key
  npm run keys -- account ...                      people's accounts (npm run keys -- account --help)
Roles: ${ROLES.join(', ')}`;

/** Bad command-line input: the message plus the usage text go to the user, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type KeysCommand =
  | { kind: 'help' }
  | { kind: 'create'; name: string; role: Role; agentId?: string }
  | { kind: 'list' }
  | { kind: 'revoke'; id: string };

/** Parses the arguments without touching config or database, so bad input fails fast. */
export function parseKeysArgs(argv: string[]): KeysCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    // parseArgs reports unknown options and missing option values as TypeErrors.
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') return { kind: 'help' };

  const expectNoMore = (what: string) => {
    if (rest.length > 0) throw new UsageError(`${what} takes no further arguments, got: ${rest.join(' ')}`);
  };
  const rejectOptions = (what: string) => {
    if (values.name !== undefined || values.role !== undefined || values.agent !== undefined) {
      throw new UsageError(`--name, --role and --agent only apply to create, not ${what}`);
    }
  };
  switch (command) {
    case 'create': {
      expectNoMore('create');
      const input = newApiKeySchema.safeParse({
        name: values.name,
        role: values.role,
        agentId: values.agent,
      });
      if (!input.success) throw new UsageError(`create: invalid options\n${z.prettifyError(input.error)}`);
      return { kind: 'create', ...input.data };
    }
    case 'list':
      expectNoMore('list');
      rejectOptions('list');
      return { kind: 'list' };
    case 'revoke': {
      const [id, ...extra] = rest;
      if (!id) throw new UsageError('revoke needs the key id (see list)');
      if (extra.length > 0) throw new UsageError(`revoke takes one id, got: ${rest.join(' ')}`);
      rejectOptions('revoke');
      return { kind: 'revoke', id };
    }
    case undefined:
      throw new UsageError('missing command');
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      agent: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
}

const date = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

function table(keys: ApiKeyInfo[]): string[] {
  const rows = [
    ['ID', 'NAME', 'ROLE', 'AGENT', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'],
    ...keys.map((k) => [
      k.id,
      k.name,
      k.role,
      k.agentId ?? '-',
      k.prefix,
      date(k.createdAt),
      date(k.lastUsedAt),
      date(k.revokedAt),
    ]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) =>
    row
      .map((cell, col) => cell.padEnd(widths[col]!))
      .join('  ')
      .trimEnd(),
  );
}

/** Runs a parsed command against the store and returns the lines to print. */
export function runKeysCommand(command: Exclude<KeysCommand, { kind: 'help' }>, store: Store): string[] {
  switch (command.kind) {
    case 'create': {
      const { name, role, agentId } = command;
      const { id, key } = store.apiKeys.create(name, role, { agentId });
      const owner = agentId === undefined ? '' : `, agent ${agentId}`;
      return [
        `Created API key ${id} (${name}, ${role}${owner}).`,
        'Store the key now: it is not kept and cannot be shown again.',
        key,
      ];
    }
    case 'list': {
      const keys = store.apiKeys.list();
      return keys.length === 0 ? ['No API keys.'] : table(keys);
    }
    case 'revoke':
      if (!store.apiKeys.revoke(command.id)) throw new Error(`No API key with id ${command.id}`);
      return [`Revoked API key ${command.id}.`];
  }
}

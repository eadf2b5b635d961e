import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { passwordProblem } from '../accounts/password.js';
import { newAccountSchema, usernameSchema } from '../accounts/schemas.js';
import { type AccountService, COMMAND_LINE } from '../accounts/service.js';
import type { AccountListing } from '../store/index.js';
import { UsageError } from './keys-command.js';

export const ACCOUNT_USAGE = `Usage (people's accounts, e.g. the first admin of a fresh install):
  npm run keys -- account create --username NAME --role ROLE [--agent ID] [--password-stdin]
        create an account. Without --password-stdin a password is made up and printed this once, and
        must be changed at first sign-in; with it, the first line of standard input is the password
  npm run keys -- account reset-password --username NAME [--password-stdin]
        set a new password (made up, or from standard input) that must be changed at next sign-in;
        ends the account's sessions
  npm run keys -- account list     list accounts (never a password)`;

export type AccountCommand =
  | { kind: 'help' }
  | {
      kind: 'create';
      username: string;
      role: z.infer<typeof newAccountSchema>['role'];
      agentId?: string;
      passwordStdin: boolean;
    }
  | { kind: 'reset-password'; username: string; passwordStdin: boolean }
  | { kind: 'list' };

/** Parses `account …` arguments (without the word account), touching neither config nor database. */
export function parseAccountArgs(argv: string[]): AccountCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') return { kind: 'help' };
  if (rest.length > 0)
    throw new UsageError(`account ${command} takes no further arguments, got: ${rest.join(' ')}`);
  const onlyFor = (names: (keyof typeof values)[], what: string) => {
    const extra = (['username', 'role', 'agent', 'password-stdin'] as const).filter(
      (name) => values[name] !== undefined && !names.includes(name),
    );
    if (extra.length > 0) throw new UsageError(`--${extra.join(', --')} does not apply to account ${what}`);
  };
  switch (command) {
    case 'create': {
      onlyFor(['username', 'role', 'agent', 'password-stdin'], 'create');
      const input = newAccountSchema
        .pick({ username: true, role: true, agentId: true })
        .safeParse({ username: values.username, role: values.role, agentId: values.agent });
      if (!input.success)
        throw new UsageError(`account create: invalid options\n${z.prettifyError(input.error)}`);
      return { kind: 'create', ...input.data, passwordStdin: values['password-stdin'] === true };
    }
    case 'reset-password': {
      onlyFor(['username', 'password-stdin'], 'reset-password');
      const username = usernameSchema.safeParse(values.username);
      if (!username.success) throw new UsageError('account reset-password needs --username NAME');
      return {
        kind: 'reset-password',
        username: username.data,
        passwordStdin: values['password-stdin'] === true,
      };
    }
    case 'list':
      onlyFor([], 'list');
      return { kind: 'list' };
    case undefined:
      throw new UsageError('account: missing command (create, reset-password or list)');
    default:
      throw new UsageError(`unknown account command: ${command}`);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      username: { type: 'string' },
      role: { type: 'string' },
      agent: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
}

/** A password nobody chose: 16 random characters, kept only until the person changes it. */
function madeUpPassword(username: string, minLength: number): string {
  for (;;) {
    const password = randomBytes(Math.max(12, Math.ceil((minLength * 3) / 4))).toString('base64url');
    if (passwordProblem(password, username, minLength) === null) return password;
  }
}

const date = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

function table(accounts: AccountListing[]): string[] {
  const rows = [
    ['ID', 'USERNAME', 'ROLE', 'AGENT', 'STATE', 'SESSIONS', 'LAST SIGN-IN'],
    ...accounts.map((a) => [
      a.id,
      a.username,
      a.role,
      a.agentId ?? '-',
      a.disabledAt !== null ? 'disabled' : a.mustChangePassword ? 'must change password' : 'active',
      String(a.sessions),
      date(a.lastSignInAt),
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

/**
 * Runs a parsed command with the account service (the same rules as the API) and returns the lines to
 * print. `readPassword` gives the password from standard input when the command asks for it.
 */
export async function runAccountCommand(
  command: Exclude<AccountCommand, { kind: 'help' }>,
  accounts: AccountService,
  options: { minPasswordLength: number; readPassword: () => Promise<string> },
): Promise<string[]> {
  const password = async (username: string, passwordStdin: boolean) =>
    passwordStdin ? await options.readPassword() : madeUpPassword(username, options.minPasswordLength);
  switch (command.kind) {
    case 'create': {
      const { username, role, agentId, passwordStdin } = command;
      const chosen = await password(username, passwordStdin);
      const account = await accounts.create(
        { username, role, agentId, password: chosen, mustChangePassword: !passwordStdin },
        COMMAND_LINE,
      );
      const owner = agentId === undefined ? '' : `, agent ${agentId}`;
      const lines = [`Created account ${account.id} (${account.username}, ${role}${owner}).`];
      return passwordStdin
        ? lines
        : [...lines, 'Its password, shown this once; it must be changed at first sign-in:', chosen];
    }
    case 'reset-password': {
      const account = accounts.list().find((a) => a.username === command.username);
      if (!account) throw new Error(`No account named ${command.username}`);
      const chosen = await password(account.username, command.passwordStdin);
      await accounts.resetPassword(account.id, chosen, COMMAND_LINE);
      const lines = [
        `Reset the password of ${account.username}; its sessions are ended, and it must be changed at next sign-in.`,
      ];
      return command.passwordStdin ? lines : [...lines, 'The new password, shown this once:', chosen];
    }
    case 'list': {
      const list = accounts.list();
      return list.length === 0 ? ['No accounts.'] : table(list);
    }
  }
}

/** The first line of standard input (a pipe, or typed and ended with Ctrl-D). */
export async function readFirstLine(input: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0]!;
}

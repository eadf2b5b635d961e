import { Readable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountService } from '../../src/accounts/service.js';
import { parseAccountArgs, readFirstLine, runAccountCommand } from '../../src/cli/accounts-command.js';
import { UsageError } from '../../src/cli/keys-command.js';
import { parseConfig } from '../../src/config/load.js';
import { openStore, type Store } from '../../src/store/index.js';

describe('parseAccountArgs', () => {
  it('parses each command', () => {
    expect(parseAccountArgs(['create', '--username', ' Admin ', '--role', 'admin'])).toEqual({
      kind: 'create',
      username: 'admin',
      role: 'admin',
      passwordStdin: false,
    });
    expect(
      parseAccountArgs([
        'create',
        '--username',
        'ann',
        '--role',
        'agent',
        '--agent',
        'a101',
        '--password-stdin',
      ]),
    ).toEqual({ kind: 'create', username: 'ann', role: 'agent', agentId: 'a101', passwordStdin: true });
    expect(parseAccountArgs(['reset-password', '--username', 'ann'])).toEqual({
      kind: 'reset-password',
      username: 'ann',
      passwordStdin: false,
    });
    expect(parseAccountArgs(['list'])).toEqual({ kind: 'list' });
    expect(parseAccountArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], /missing command/],
    [['frobnicate'], /unknown account command/],
    [['create', '--username', 'ann'], /role/],
    [['create', '--username', 'a b', '--role', 'qa'], /username/],
    [['create', '--role', 'qa', '--password', 'x'], /password/],
    [['reset-password'], /needs --username/],
    [['reset-password', '--username', 'ann', '--role', 'qa'], /--role does not apply/],
    [['list', '--username', 'ann'], /does not apply to account list/],
    [['list', 'extra'], /no further arguments/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseAccountArgs(argv)).toThrow(UsageError);
    expect(() => parseAccountArgs(argv)).toThrow(message);
  });
});

describe('runAccountCommand', () => {
  let store: Store;
  let accounts: AccountService;
  const config = parseConfig({
    ari: { url: 'http://127.0.0.1:8088', username: 'u', password: 'p' },
    redis: { url: 'redis://127.0.0.1:6379' },
    store: { path: ':memory:' },
  }).auth;
  const options = (password = '') => ({ minPasswordLength: 10, readPassword: async () => password });

  beforeEach(() => {
    store = openStore(':memory:');
    accounts = new AccountService({
      store,
      logger: pino({ level: 'silent' }),
      now: Date.now,
      config,
      scrypt: { logN: 10, r: 8, p: 1 },
    });
  });
  afterEach(() => store.close());

  it('creates the first admin with a made-up password, to be changed at first sign-in', async () => {
    const lines = await runAccountCommand(
      { kind: 'create', username: 'admin', role: 'admin', passwordStdin: false },
      accounts,
      options(),
    );
    expect(lines[0]).toMatch(/^Created account \S+ \(admin, admin\)\.$/);
    const password = lines.at(-1)!;
    expect(password).toMatch(/^[\w-]{16}$/);
    const { session } = await accounts.signIn({ username: 'admin', password, address: 'cli' });
    expect(session).toMatchObject({ role: 'admin', mustChangePassword: true });
    expect(store.audit.list()[1]).toMatchObject({
      keyId: 'cli',
      action: 'account-create',
      targetId: 'admin',
    });
  });

  it('takes the password from standard input, with no change forced, and lists accounts', async () => {
    store.agents.create({
      id: 'a101',
      name: 'Ann',
      teamId: null,
      role: 'agent',
      endpoint: 'PJSIP/101',
      lineMode: 'per-call',
      inboundRole: 'none',
    });
    const lines = await runAccountCommand(
      { kind: 'create', username: 'demo.agent', role: 'agent', agentId: 'a101', passwordStdin: true },
      accounts,
      options('demo-agent-pass'),
    );
    expect(lines).toEqual([expect.stringMatching(/\(demo\.agent, agent, agent a101\)/)]);
    const { session } = await accounts.signIn({
      username: 'demo.agent',
      password: 'demo-agent-pass',
      address: 'x',
    });
    expect(session.mustChangePassword).toBe(false);
    const list = await runAccountCommand({ kind: 'list' }, accounts, options());
    expect(list[0]).toMatch(/^ID\s+USERNAME\s+ROLE\s+AGENT\s+STATE\s+SESSIONS\s+LAST SIGN-IN$/);
    expect(list[1]).toMatch(/demo\.agent\s+agent\s+a101\s+active\s+1\s+\d{4}-/);
  });

  it('resets a password, ending the sessions, and refuses what the API refuses', async () => {
    await runAccountCommand(
      { kind: 'create', username: 'ann', role: 'qa', passwordStdin: true },
      accounts,
      options('first-password-1'),
    );
    const { token } = await accounts.signIn({ username: 'ann', password: 'first-password-1', address: 'x' });
    const lines = await runAccountCommand(
      { kind: 'reset-password', username: 'ann', passwordStdin: false },
      accounts,
      options(),
    );
    expect(accounts.authenticate(token).ok).toBe(false);
    const { session } = await accounts.signIn({ username: 'ann', password: lines.at(-1)!, address: 'x' });
    expect(session.mustChangePassword).toBe(true);

    await expect(
      runAccountCommand(
        { kind: 'create', username: 'bob', role: 'qa', passwordStdin: true },
        accounts,
        options('short'),
      ),
    ).rejects.toMatchObject({ code: 'WEAK_PASSWORD' });
    await expect(
      runAccountCommand(
        { kind: 'reset-password', username: 'nobody', passwordStdin: false },
        accounts,
        options(),
      ),
    ).rejects.toThrow(/No account named nobody/);
  });

  it('reads the first line of standard input', async () => {
    expect(await readFirstLine(Readable.from(['pass', 'word\r\nrest\n']))).toBe('password');
    expect(await readFirstLine(Readable.from([]))).toBe('');
  });
});

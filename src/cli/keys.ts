/**
 * Manages API keys, and people's accounts, directly in the store, e.g. the first admin on a fresh install:
 *   npm run keys -- create --name ops --role admin
 *   npm run keys -- account create --username admin --role admin
 * Exit codes: 0 done, 1 failed (config, database, unknown key or account, refused input), 2 bad arguments.
 */
import pino from 'pino';
import { AccountError, AccountService } from '../accounts/service.js';
import { loadConfig } from '../config/load.js';
import { openStore, type Store } from '../store/index.js';
import { ACCOUNT_USAGE, parseAccountArgs, readFirstLine, runAccountCommand } from './accounts-command.js';
import { parseKeysArgs, runKeysCommand, USAGE, UsageError } from './keys-command.js';

async function main(argv: string[]): Promise<number> {
  const forAccounts = argv[0] === 'account';
  let store: Store | undefined;
  try {
    if (forAccounts) {
      const command = parseAccountArgs(argv.slice(1));
      if (command.kind === 'help') {
        console.log(ACCOUNT_USAGE);
        return 0;
      }
      const config = loadConfig();
      store = openStore(config.store.path);
      const accounts = new AccountService({
        store,
        logger: pino({ level: 'silent' }),
        now: Date.now,
        config: config.auth,
      });
      const lines = await runAccountCommand(command, accounts, {
        minPasswordLength: config.auth.minPasswordLength,
        readPassword: () => readFirstLine(process.stdin),
      });
      for (const line of lines) console.log(line);
      return 0;
    }
    const command = parseKeysArgs(argv);
    if (command.kind === 'help') {
      console.log(`${USAGE}\n\n${ACCOUNT_USAGE}`);
      return 0;
    }
    store = openStore(loadConfig().store.path);
    for (const line of runKeysCommand(command, store)) console.log(line);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n\n${forAccounts ? ACCOUNT_USAGE : USAGE}`);
      return 2;
    }
    const code = err instanceof AccountError ? ` (${err.code})` : '';
    console.error(`error: ${err instanceof Error ? err.message : String(err)}${code}`);
    return 1;
  } finally {
    store?.close();
  }
}

process.exitCode = await main(process.argv.slice(2));

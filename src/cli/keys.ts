/**
 * Manages API keys directly in the store, e.g. to create the first admin key on a fresh install:
 *   npm run keys -- create --name ops --role admin
 * Exit codes: 0 done, 1 failed (config, database, unknown key), 2 bad arguments.
 */
import { loadConfig } from '../config/load.js';
import { openStore, type Store } from '../store/index.js';
import { parseKeysArgs, runKeysCommand, USAGE, UsageError } from './keys-command.js';

function main(argv: string[]): number {
  let store: Store | undefined;
  try {
    const command = parseKeysArgs(argv);
    if (command.kind === 'help') {
      console.log(USAGE);
      return 0;
    }
    store = openStore(loadConfig().store.path);
    for (const line of runKeysCommand(command, store)) console.log(line);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    store?.close();
  }
}

process.exitCode = main(process.argv.slice(2));

// Online backup of the service's SQLite store (docs/operations.md). Safe while the service runs: SQLite's
// backup API copies a consistent snapshot, the WAL's committed pages included. In the container:
//   docker compose exec callcenter node backup-sqlite.mjs [TARGET]
// TARGET defaults to /data/backups/callcenter-<UTC time>.sqlite (on the callcenter-data volume). Checks
// the copy with PRAGMA integrity_check and prints its path; exits 1 on any failure.
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

const source = process.env.STORE_PATH || '/data/callcenter.sqlite';
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const target = process.argv[2] || `/data/backups/callcenter-${stamp}.sqlite`;
try {
  mkdirSync(dirname(target), { recursive: true });
  const db = new Database(source, { fileMustExist: true });
  try {
    await db.backup(target);
  } finally {
    db.close();
  }
  const copy = new Database(target, { fileMustExist: true });
  const check = copy.pragma('integrity_check', { simple: true });
  // A single file to carry away: no -wal or -shm beside it.
  copy.pragma('journal_mode = DELETE');
  copy.close();
  if (check !== 'ok') throw new Error(`integrity_check of ${target}: ${check}`);
  console.log(`${target} (${statSync(target).size} bytes)`);
} catch (err) {
  console.error(`backup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

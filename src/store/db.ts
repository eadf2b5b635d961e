import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { PRIVATE_DIR, PRIVATE_FILE } from '../lib/secrets.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Database = BetterSqlite3.Database;

/** How long a writer waits for another connection's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating if needed) the SQLite database at `path` and brings its schema up to date. A new file is
 * made 0600 in folders made 0700 (the store holds numbers and key hashes); SQLite gives its -wal and -shm
 * files the database file's mode.
 */
export function openDatabase(path: string): Database {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR });
    closeSync(openSync(path, 'a', PRIVATE_FILE));
  }
  const db = new BetterSqlite3(path);
  try {
    // WAL lets the API read while call handling writes; NORMAL sync is durable enough under WAL.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Applies the migrations not yet recorded in schema_migrations, each in its own transaction, and returns
 * the ids it applied. Safe against another process migrating the same file at the same time.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  assertOrdered(migrations);
  db.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      id         INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT
  `);
  const isApplied = db.prepare<[number], number>('SELECT 1 FROM schema_migrations WHERE id = ?').pluck();
  const record = db.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)',
  );

  const applied: number[] = [];
  // Checked once without a lock so an up-to-date database opens without taking the write lock.
  for (const migration of migrations.filter((m) => !isApplied.get(m.id))) {
    // IMMEDIATE takes the write lock before the re-check, so two processes cannot both apply it.
    db.transaction(() => {
      if (isApplied.get(migration.id)) return;
      db.exec(migration.sql);
      record.run(migration.id, migration.name, Date.now());
      applied.push(migration.id);
    }).immediate();
  }
  return applied;
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, i) => {
    const previous = migrations[i - 1];
    if (previous && migration.id <= previous.id) {
      throw new Error(`migration ${migration.id} (${migration.name}) must come after ${previous.id}`);
    }
  });
}

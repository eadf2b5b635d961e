export interface Migration {
  /** Applied in ascending order; never renumber or edit a migration that has shipped — add a new one. */
  id: number;
  name: string;
  sql: string;
}

/*
 * Conventions: STRICT tables; timestamps are INTEGER epoch milliseconds (cheap to compare and index);
 * JSON is stored as TEXT checked with json_valid. Roles and call states are not constrained in SQL, so
 * adding one needs no table rebuild; the application validates them.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'api keys, calls and call events',
    sql: `
      CREATE TABLE api_keys (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        role         TEXT NOT NULL,
        key_hash     TEXT NOT NULL UNIQUE,
        prefix       TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at   INTEGER
      ) STRICT;
      CREATE INDEX api_keys_prefix ON api_keys (prefix);

      CREATE TABLE calls (
        id            TEXT PRIMARY KEY,
        channel_id    TEXT NOT NULL,
        instance_id   TEXT NOT NULL,
        direction     TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
        caller_masked TEXT,
        dnis          TEXT,
        state         TEXT NOT NULL,
        started_at    INTEGER NOT NULL,
        answered_at   INTEGER,
        ended_at      INTEGER,
        end_reason    TEXT
      ) STRICT;
      CREATE INDEX calls_channel_id ON calls (channel_id);
      CREATE INDEX calls_ended_at ON calls (ended_at);

      CREATE TABLE call_events (
        id      INTEGER PRIMARY KEY,
        call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
        at      INTEGER NOT NULL,
        event   TEXT NOT NULL,
        detail  TEXT CHECK (detail IS NULL OR json_valid(detail))
      ) STRICT;
      CREATE INDEX call_events_call_id_at ON call_events (call_id, at);
    `,
  },
];

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
  {
    id: 2,
    name: 'ivr flows, sessions, stats, voice messages and callback requests',
    // IVR records do not reference calls(id): they are reports kept on their own terms, and the IVR may
    // write them in any order relative to the call record.
    sql: `
      CREATE TABLE ivr_flows (
        name       TEXT NOT NULL,
        version    INTEGER NOT NULL,
        document   TEXT NOT NULL CHECK (json_valid(document)),
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        PRIMARY KEY (name, version)
      ) STRICT;

      CREATE TABLE ivr_sessions (
        call_id       TEXT PRIMARY KEY,
        flow          TEXT NOT NULL,
        version       INTEGER NOT NULL,
        caller_masked TEXT,
        dnis          TEXT,
        started_at    INTEGER NOT NULL,
        ended_at      INTEGER,
        outcome       TEXT,
        path          TEXT CHECK (path IS NULL OR json_valid(path)),
        variables     TEXT CHECK (variables IS NULL OR json_valid(variables)),
        tags          TEXT CHECK (tags IS NULL OR json_valid(tags))
      ) STRICT;
      CREATE INDEX ivr_sessions_started_at ON ivr_sessions (started_at);

      CREATE TABLE ivr_node_stats (
        day      TEXT NOT NULL,
        flow     TEXT NOT NULL,
        node     TEXT NOT NULL,
        entries  INTEGER NOT NULL DEFAULT 0,
        timeouts INTEGER NOT NULL DEFAULT 0,
        invalid  INTEGER NOT NULL DEFAULT 0,
        hangups  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, flow, node)
      ) STRICT;

      CREATE TABLE ivr_overflow (
        day        TEXT NOT NULL,
        dnis       TEXT NOT NULL,
        overflowed INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, dnis)
      ) STRICT;

      CREATE TABLE voice_messages (
        id             TEXT PRIMARY KEY,
        call_id        TEXT NOT NULL,
        flow           TEXT NOT NULL,
        node           TEXT NOT NULL,
        caller_masked  TEXT,
        dnis           TEXT,
        recording_name TEXT NOT NULL UNIQUE,
        file_path      TEXT NOT NULL,
        duration_sec   REAL,
        size_bytes     INTEGER,
        created_at     INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX voice_messages_created_at ON voice_messages (created_at);

      CREATE TABLE callback_requests (
        id            TEXT PRIMARY KEY,
        call_id       TEXT NOT NULL,
        -- The full number, needed to dial back: confidential, never logged or shown by the API.
        number        TEXT NOT NULL,
        number_masked TEXT NOT NULL,
        source        TEXT NOT NULL,
        requested_at  INTEGER NOT NULL,
        due_at        INTEGER NOT NULL,
        status        TEXT NOT NULL DEFAULT 'pending'
      ) STRICT;
      CREATE INDEX callback_requests_status_due ON callback_requests (status, due_at);
    `,
  },
];

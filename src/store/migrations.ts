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
  {
    id: 3,
    name: 'teams, agents, agent state log, hotline calls; api keys linked to agents',
    // Agents are never deleted (deactivated instead), so the log, hotline records and keys can reference
    // them. A deleted team leaves its former, inactive members teamless (ON DELETE SET NULL); the
    // repository refuses to delete a team that still has active members.
    sql: `
      CREATE TABLE teams (
        id              TEXT PRIMARY KEY,
        name            TEXT NOT NULL UNIQUE,
        leader_agent_id TEXT REFERENCES agents (id),
        created_at      INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE agents (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        team_id      TEXT REFERENCES teams (id) ON DELETE SET NULL,
        role         TEXT NOT NULL,
        endpoint     TEXT NOT NULL,
        line_mode    TEXT NOT NULL,
        inbound_role TEXT NOT NULL,
        active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX agents_team_id ON agents (team_id);

      CREATE TABLE agent_state_log (
        id         INTEGER PRIMARY KEY,
        agent_id   TEXT NOT NULL REFERENCES agents (id),
        at         INTEGER NOT NULL,
        from_state TEXT NOT NULL,
        event      TEXT NOT NULL,
        to_state   TEXT NOT NULL,
        reason     TEXT,
        call_id    TEXT,
        "by"       TEXT NOT NULL
      ) STRICT;
      CREATE INDEX agent_state_log_agent_at ON agent_state_log (agent_id, at);

      CREATE TABLE hotline_calls (
        call_id       TEXT PRIMARY KEY,
        enqueued_at   INTEGER NOT NULL,
        answered_at   INTEGER,
        ended_at      INTEGER,
        agent_id      TEXT REFERENCES agents (id),
        outcome       TEXT,
        wait_ms       INTEGER,
        talk_ms       INTEGER,
        wrap_ms       INTEGER,
        caller_masked TEXT NOT NULL
      ) STRICT;
      CREATE INDEX hotline_calls_enqueued_at ON hotline_calls (enqueued_at);

      ALTER TABLE api_keys ADD COLUMN agent_id TEXT REFERENCES agents (id);
    `,
  },
  {
    id: 4,
    name: 'recordings, audit log, qa forms, tasks and scores',
    // Recordings hold copies of the agent, team, campaign and lead at the time of the call, without
    // foreign keys: they are evidence kept on their own terms (and for their retention), whatever happens
    // to the seats and campaigns later. The audit log is append-only.
    sql: `
      CREATE TABLE recordings (
        id            TEXT PRIMARY KEY,
        call_id       TEXT NOT NULL,
        name          TEXT NOT NULL UNIQUE,
        direction     TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
        agent_id      TEXT,
        team_id       TEXT,
        campaign_id   TEXT,
        lead_id       TEXT,
        number_masked TEXT,
        started_at    INTEGER NOT NULL,
        ended_at      INTEGER,
        duration_sec  REAL,
        size_bytes    INTEGER,
        sha256        TEXT,
        file_path     TEXT,
        format        TEXT NOT NULL DEFAULT 'wav',
        layout        TEXT NOT NULL DEFAULT 'mixed',
        disposition   TEXT,
        pauses        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(pauses)),
        legal_hold    INTEGER NOT NULL DEFAULT 0 CHECK (legal_hold IN (0, 1)),
        status        TEXT NOT NULL DEFAULT 'recording',
        error         TEXT,
        created_at    INTEGER NOT NULL,
        stored_at     INTEGER,
        purged_at     INTEGER
      ) STRICT;
      CREATE INDEX recordings_started_at ON recordings (started_at);
      CREATE INDEX recordings_agent_id ON recordings (agent_id, started_at);
      CREATE INDEX recordings_team_id ON recordings (team_id, started_at);
      CREATE INDEX recordings_campaign_id ON recordings (campaign_id, started_at);
      CREATE INDEX recordings_call_id ON recordings (call_id);
      CREATE INDEX recordings_status ON recordings (status, started_at);

      CREATE TABLE audit_log (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        key_id      TEXT NOT NULL,
        key_name    TEXT NOT NULL,
        role        TEXT NOT NULL,
        agent_id    TEXT,
        action      TEXT NOT NULL,
        target_type TEXT NOT NULL,
        target_id   TEXT NOT NULL,
        allowed     INTEGER NOT NULL CHECK (allowed IN (0, 1)),
        detail      TEXT CHECK (detail IS NULL OR json_valid(detail))
      ) STRICT;
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE INDEX audit_log_target ON audit_log (target_type, target_id, at);

      CREATE TABLE qa_forms (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        version    INTEGER NOT NULL,
        criteria   TEXT NOT NULL CHECK (json_valid(criteria)),
        active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created_at INTEGER NOT NULL,
        UNIQUE (name, version)
      ) STRICT;

      CREATE TABLE qa_tasks (
        id           TEXT PRIMARY KEY,
        recording_id TEXT NOT NULL REFERENCES recordings (id),
        form_id      TEXT NOT NULL REFERENCES qa_forms (id),
        assigned_to  TEXT,
        status       TEXT NOT NULL DEFAULT 'open',
        reason       TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        done_at      INTEGER,
        -- A recording is sampled for a form at most once, however often sampling runs.
        UNIQUE (recording_id, form_id)
      ) STRICT;
      CREATE INDEX qa_tasks_status ON qa_tasks (status, created_at);

      CREATE TABLE qa_scores (
        id           TEXT PRIMARY KEY,
        task_id      TEXT REFERENCES qa_tasks (id),
        recording_id TEXT NOT NULL REFERENCES recordings (id),
        form_id      TEXT NOT NULL REFERENCES qa_forms (id),
        form_version INTEGER NOT NULL,
        scorer       TEXT NOT NULL,
        answers      TEXT NOT NULL CHECK (json_valid(answers)),
        total        REAL NOT NULL,
        passed       INTEGER NOT NULL CHECK (passed IN (0, 1)),
        comment      TEXT,
        created_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX qa_scores_recording_id ON qa_scores (recording_id);
    `,
  },
  {
    id: 5,
    name: 'dialer: campaigns, leads, imports, dial attempts, do-not-call, lead purges',
    sql: `
      CREATE TABLE campaigns (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        state      TEXT NOT NULL CHECK (state IN ('draft', 'active', 'paused', 'finished')),
        settings   TEXT NOT NULL CHECK (json_valid(settings)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE lead_imports (
        id          TEXT PRIMARY KEY,
        campaign_id TEXT NOT NULL REFERENCES campaigns (id),
        list_name   TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
        rows_read   INTEGER NOT NULL DEFAULT 0,
        imported    INTEGER NOT NULL DEFAULT 0,
        rejected    INTEGER NOT NULL DEFAULT 0,
        duplicates  INTEGER NOT NULL DEFAULT 0,
        dnc         INTEGER NOT NULL DEFAULT 0,
        error       TEXT,
        started_at  INTEGER NOT NULL,
        finished_at INTEGER,
        by          TEXT NOT NULL
      ) STRICT;

      -- Every row an import did not take, with why; downloadable as a report until the import is purged.
      CREATE TABLE lead_import_errors (
        import_id TEXT NOT NULL REFERENCES lead_imports (id) ON DELETE CASCADE,
        line      INTEGER NOT NULL,
        kind      TEXT NOT NULL,
        reason    TEXT NOT NULL,
        raw       TEXT NOT NULL
      ) STRICT;
      CREATE INDEX lead_import_errors_import ON lead_import_errors (import_id, line);

      -- due_at: 0 for new leads; the time a retry or callback becomes due. agent_id / team_id: the
      -- distribution (both null: the campaign's shared pool).
      CREATE TABLE leads (
        id               TEXT PRIMARY KEY,
        campaign_id      TEXT NOT NULL REFERENCES campaigns (id),
        import_id        TEXT,
        phone            TEXT NOT NULL,
        name             TEXT,
        fields           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(fields)),
        state            TEXT NOT NULL,
        team_id          TEXT,
        agent_id         TEXT,
        due_at           INTEGER NOT NULL DEFAULT 0,
        attempts         INTEGER NOT NULL DEFAULT 0,
        reserved_by      TEXT,
        reserved_at      INTEGER,
        last_outcome     TEXT,
        last_disposition TEXT,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL,
        UNIQUE (campaign_id, phone)
      ) STRICT;
      CREATE INDEX leads_next ON leads (campaign_id, state, agent_id, team_id, due_at);
      CREATE INDEX leads_import ON leads (import_id);

      -- One row per lead offered to an agent. active_phone is set while the attempt is live (preview,
      -- ringing, talking) and cleared when it ends: its unique index keeps a number out of two calls.
      CREATE TABLE dial_attempts (
        id            TEXT PRIMARY KEY,
        lead_id       TEXT NOT NULL,
        campaign_id   TEXT NOT NULL,
        agent_id      TEXT NOT NULL,
        team_id       TEXT,
        active_phone  TEXT,
        number_masked TEXT NOT NULL,
        attempt_no    INTEGER NOT NULL,
        state         TEXT NOT NULL,
        call_id       TEXT,
        outcome       TEXT,
        skip_reason   TEXT,
        disposition   TEXT,
        notes         TEXT,
        callback_at   INTEGER,
        offered_at    INTEGER NOT NULL,
        dialed_at     INTEGER,
        answered_at   INTEGER,
        ended_at      INTEGER,
        disposed_at   INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX dial_attempts_active_phone ON dial_attempts (active_phone);
      CREATE INDEX dial_attempts_campaign ON dial_attempts (campaign_id, offered_at);
      CREATE INDEX dial_attempts_lead ON dial_attempts (lead_id);
      CREATE INDEX dial_attempts_agent ON dial_attempts (agent_id, offered_at);
      CREATE INDEX dial_attempts_state ON dial_attempts (state);

      -- scope: 'global' or a campaign id.
      CREATE TABLE dnc (
        scope    TEXT NOT NULL,
        phone    TEXT NOT NULL,
        reason   TEXT,
        added_by TEXT NOT NULL,
        added_at INTEGER NOT NULL,
        PRIMARY KEY (scope, phone)
      ) STRICT;
      CREATE INDEX dnc_phone ON dnc (phone);

      -- What a purge deleted, kept as anonymized counts only.
      CREATE TABLE lead_purges (
        id          TEXT PRIMARY KEY,
        at          INTEGER NOT NULL,
        campaign_id TEXT,
        by          TEXT NOT NULL,
        reason      TEXT NOT NULL,
        leads       INTEGER NOT NULL,
        stats       TEXT NOT NULL CHECK (json_valid(stats))
      ) STRICT;
    `,
  },
  {
    id: 6,
    name: 'accounts for people, their sessions, sign-in throttling',
    // Usernames are kept lower-case (the application folds them). A session row holds only the SHA-256
    // of its cookie token; its CSRF token is bound to it. Accounts are disabled, never deleted, so the
    // audit log's references stay meaningful. sign_in_throttle is keyed by 'account:<username>' (known
    // or not, so a refusal tells nothing) or 'address:<ip>'.
    sql: `
      CREATE TABLE accounts (
        id                   TEXT PRIMARY KEY,
        username             TEXT NOT NULL UNIQUE,
        role                 TEXT NOT NULL,
        agent_id             TEXT REFERENCES agents (id),
        password_hash        TEXT NOT NULL,
        must_change_password INTEGER NOT NULL CHECK (must_change_password IN (0, 1)),
        password_changed_at  INTEGER NOT NULL,
        disabled_at          INTEGER,
        last_sign_in_at      INTEGER,
        created_at           INTEGER NOT NULL,
        updated_at           INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX accounts_agent_id ON accounts (agent_id);

      CREATE TABLE account_sessions (
        id           TEXT PRIMARY KEY,
        account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        token_hash   TEXT NOT NULL UNIQUE,
        csrf_token   TEXT NOT NULL,
        address      TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX account_sessions_account_id ON account_sessions (account_id);
      CREATE INDEX account_sessions_expires_at ON account_sessions (expires_at);

      CREATE TABLE sign_in_throttle (
        key             TEXT PRIMARY KEY,
        failures        INTEGER NOT NULL,
        window_start    INTEGER NOT NULL,
        locked_until    INTEGER NOT NULL,
        lockouts        INTEGER NOT NULL,
        last_failure_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    id: 7,
    name: "sales on dial attempts, the caller's keyed number on calls, the agent workspace's indexes",
    // The sale's amount is kept in cents, exact for the commission reports. caller_key is an HMAC-SHA256
    // of an inbound caller's full number with the install's secret (src/lib/caller-key.ts): it finds the
    // same caller's earlier calls and is never the number itself. The partial indexes serve the agent's
    // workspace: the callbacks an agent promised, and the hotline calls they took.
    sql: `
      ALTER TABLE dial_attempts ADD COLUMN sale_amount_cents INTEGER
        CHECK (sale_amount_cents IS NULL OR sale_amount_cents >= 0);
      ALTER TABLE dial_attempts ADD COLUMN sale_product TEXT;

      ALTER TABLE calls ADD COLUMN caller_key TEXT;
      CREATE INDEX calls_caller_key ON calls (caller_key, started_at) WHERE caller_key IS NOT NULL;

      CREATE INDEX leads_callbacks ON leads (agent_id, due_at) WHERE state = 'callback';
      CREATE INDEX hotline_calls_agent ON hotline_calls (agent_id, answered_at) WHERE agent_id IS NOT NULL;
    `,
  },
  {
    id: 8,
    name: "a hotline call's dropped first leg and the leg after it",
    // A caller whose agent's line dropped mid-call is requeued: the row keeps the first agent, answer,
    // wait and talk, and records the drop and the agent who answered the caller next with their talk.
    sql: `
      ALTER TABLE hotline_calls ADD COLUMN dropped_at INTEGER;
      ALTER TABLE hotline_calls ADD COLUMN next_agent_id TEXT REFERENCES agents (id);
      ALTER TABLE hotline_calls ADD COLUMN next_answered_at INTEGER;
      ALTER TABLE hotline_calls ADD COLUMN next_talk_ms INTEGER;
    `,
  },
  {
    id: 9,
    name: "an agent's line kind (SIP phone, browser, remote number) and a remote seat's number",
    // endpoint stays NOT NULL (SQLite cannot relax it in place): a seat without one (browser, remote)
    // stores '' there, which the repository reads as null.
    sql: `
      ALTER TABLE agents ADD COLUMN line_kind TEXT NOT NULL DEFAULT 'sip'
        CHECK (line_kind IN ('sip', 'webrtc', 'remote'));
      ALTER TABLE agents ADD COLUMN remote_number TEXT;
    `,
  },
  {
    id: 10,
    name: "the agents' browser softphone credentials",
    // The SIP password is given back to the agent's browser, so it is kept encrypted (AES-GCM under the
    // key file softphone-key.secret in the storage folder), not hashed: the database alone does not reveal
    // it. Asterisk gets it over ARI (its memory store), never from a file.
    sql: `
      CREATE TABLE softphone_credentials (
        agent_id        TEXT PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
        username        TEXT NOT NULL UNIQUE,
        password_sealed TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        rotated_at      INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    id: 11,
    name: 'SMS campaigns, messages, opt-outs and inbound messages',
    // A message's id is stable from its creation: the queue's jobs name it, and its state is moved by
    // compare-and-set, so a job run twice sends once. provider_id is the provider's own id (receipts
    // name it); day is the local day it was submitted on (the daily cap per number). Opt-outs are SMS
    // only: the do-not-call list (dnc) still applies to SMS, but a "TD" reply does not stop calls.
    sql: `
      CREATE TABLE sms_campaigns (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        provider    TEXT NOT NULL,
        template    TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('draft', 'running', 'paused', 'finished')),
        send_window TEXT,
        created_by  TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE sms_messages (
        id           TEXT PRIMARY KEY,
        campaign_id  TEXT REFERENCES sms_campaigns (id),
        lead_id      TEXT,
        phone        TEXT NOT NULL,
        text         TEXT NOT NULL,
        provider     TEXT NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('queued', 'submitting', 'submitted', 'delivered',
                       'failed', 'expired', 'skipped', 'unconfirmed')),
        attempts     INTEGER NOT NULL DEFAULT 0,
        provider_id  TEXT,
        error        TEXT,
        day          TEXT,
        created_by   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        submitted_at INTEGER,
        done_at      INTEGER
      ) STRICT;
      CREATE INDEX sms_messages_campaign ON sms_messages (campaign_id, state);
      CREATE INDEX sms_messages_provider_id ON sms_messages (provider, provider_id) WHERE provider_id IS NOT NULL;
      CREATE INDEX sms_messages_phone_day ON sms_messages (phone, day) WHERE day IS NOT NULL;
      CREATE INDEX sms_messages_open ON sms_messages (state) WHERE state IN ('queued', 'submitting', 'unconfirmed');

      CREATE TABLE sms_opt_outs (
        phone  TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        at     INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE sms_inbound (
        id      TEXT PRIMARY KEY,
        phone   TEXT NOT NULL,
        text    TEXT NOT NULL,
        opt_out INTEGER NOT NULL,
        at      INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sms_inbound_phone ON sms_inbound (phone, at);
    `,
  },
  {
    id: 12,
    name: 'faxes sent and received',
    // One row per fax, either way. number is the full E.164 number (needed to send and to retry; never
    // shown: answers and logs use number_masked). lead_id links the fax to the customer by number, as
    // the latest lead with that phone; pdf_path is relative to fax.dir. leads_phone serves that lookup.
    sql: `
      CREATE TABLE faxes (
        id            TEXT PRIMARY KEY,
        direction     TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        state         TEXT NOT NULL,
        number        TEXT NOT NULL,
        number_masked TEXT NOT NULL,
        remote_station TEXT,
        lead_id       TEXT,
        pages         INTEGER,
        pages_done    INTEGER NOT NULL DEFAULT 0,
        attempts      INTEGER NOT NULL DEFAULT 0,
        due_at        INTEGER NOT NULL DEFAULT 0,
        error         TEXT,
        pdf_path      TEXT,
        file_name     TEXT,
        created_by    TEXT,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX faxes_created ON faxes (created_at);
      CREATE INDEX faxes_state ON faxes (state, due_at);
      CREATE INDEX faxes_lead ON faxes (lead_id) WHERE lead_id IS NOT NULL;
      CREATE INDEX leads_phone ON leads (phone);
    `,
  },
];

-- contact-guard ledger, schema version 1.
-- Times are integer microseconds since the Unix epoch (UTC). Discord ids are INTEGER;
-- message and attachment ids are TEXT (as the detector carries them).

CREATE TABLE guild_settings (
    guild_id                INTEGER PRIMARY KEY,
    report_channel_id       INTEGER,
    language                TEXT CHECK (language IN ('ja', 'en')),
    mode                    TEXT NOT NULL DEFAULT 'enforce' CHECK (mode IN ('enforce', 'shadow')),
    ladder_json             TEXT,            -- NULL: the default ladder
    evidence_retention_days INTEGER NOT NULL DEFAULT 180 CHECK (evidence_retention_days >= 1),
    moderator_role_id       INTEGER,
    scan_bots               INTEGER NOT NULL DEFAULT 0,
    updated_us              INTEGER NOT NULL
);

CREATE TABLE guild_exemptions (
    guild_id  INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('role', 'channel')),
    target_id INTEGER NOT NULL,
    PRIMARY KEY (guild_id, kind, target_id)
) WITHOUT ROWID;

CREATE TABLE guild_allow_list (
    guild_id INTEGER NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('domain', 'handle', 'number')),
    value    TEXT NOT NULL,
    PRIMARY KEY (guild_id, kind, value)
) WITHOUT ROWID;

-- AUTOINCREMENT: a strike id shown in a report must never be reused after a deletion.
CREATE TABLE strikes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL,
    member_id      INTEGER NOT NULL,
    channel_id     INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    category       TEXT NOT NULL,
    points         INTEGER NOT NULL CHECK (points >= 0),
    created_us     INTEGER NOT NULL,
    expires_us     INTEGER NOT NULL,
    step_threshold INTEGER,
    shadow         INTEGER NOT NULL DEFAULT 0,
    pardoned_us    INTEGER,
    pardoned_by    INTEGER,
    pardon_reason  TEXT
);
CREATE INDEX strikes_by_member ON strikes (guild_id, member_id, created_us);
CREATE INDEX strikes_by_created ON strikes (created_us);

-- One strike per message: the primary key is the idempotence guarantee.
CREATE TABLE strike_messages (
    guild_id   INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    strike_id  INTEGER NOT NULL REFERENCES strikes (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, message_id)
) WITHOUT ROWID;
CREATE INDEX strike_messages_by_strike ON strike_messages (strike_id);

CREATE TABLE evidence (
    strike_id        INTEGER PRIMARY KEY REFERENCES strikes (id) ON DELETE CASCADE,
    channel_id       INTEGER NOT NULL,
    original_text    TEXT NOT NULL,
    normalised_text  TEXT NOT NULL,
    findings_json    TEXT NOT NULL,             -- kinds, rule ids, spans, masked text
    attachments_json TEXT NOT NULL DEFAULT '[]', -- metadata only (v1)
    created_us       INTEGER NOT NULL
);

CREATE TABLE action_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    strike_id       INTEGER NOT NULL REFERENCES strikes (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    params_json     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'in_progress', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_us INTEGER NOT NULL,
    lease_until_us  INTEGER,
    created_us      INTEGER NOT NULL,
    updated_us      INTEGER NOT NULL
);
CREATE INDEX action_outbox_by_strike ON action_outbox (strike_id);
CREATE INDEX action_outbox_open ON action_outbox (status, next_attempt_us)
    WHERE status IN ('pending', 'in_progress');

CREATE TABLE case_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    actor_id   INTEGER,                 -- NULL: the bot itself
    action     TEXT NOT NULL,
    target_id  INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    strike_id  INTEGER REFERENCES strikes (id) ON DELETE SET NULL,
    created_us INTEGER NOT NULL
);
CREATE INDEX case_log_by_target ON case_log (guild_id, target_id, created_us);
CREATE INDEX case_log_by_strike ON case_log (strike_id);

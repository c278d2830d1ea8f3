-- Debrief team server metadata, schema 1.
-- Migrations are append-only: never edit this file once it has shipped.
-- Times are Unix milliseconds (UTC); ids are canonical UUID text.

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- Last position taken in this team's change feed. Writers bump it inside
    -- their transaction, which orders them (see store/mod.rs).
    feed_seq    INTEGER NOT NULL DEFAULT 0,
    created_ms  INTEGER NOT NULL
) STRICT;

CREATE TABLE members (
    id            TEXT PRIMARY KEY,
    team_id       TEXT NOT NULL REFERENCES teams(id),
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('member', 'manager', 'admin')),
    created_ms    INTEGER NOT NULL
) STRICT;
CREATE INDEX members_by_team ON members (team_id);

CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    team_id       TEXT NOT NULL REFERENCES teams(id),
    member_id     TEXT NOT NULL REFERENCES members(id),
    name          TEXT NOT NULL,
    -- SHA-256 of the device token; the token itself is never stored.
    token_hash    TEXT NOT NULL UNIQUE,
    created_ms    INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    revoked_ms    INTEGER
) STRICT;
CREATE INDEX devices_by_team ON devices (team_id);

CREATE TABLE invites (
    -- SHA-256 of the normalised code.
    code_hash   TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL REFERENCES teams(id),
    role        TEXT NOT NULL CHECK (role IN ('member', 'manager', 'admin')),
    max_uses    INTEGER NOT NULL CHECK (max_uses >= 1),
    uses        INTEGER NOT NULL DEFAULT 0,
    expires_ms  INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL
) STRICT;

-- One row per clip: the merged document (JSON, see merge.rs) plus the
-- columns the feed filters on.
CREATE TABLE clips (
    team_id      TEXT NOT NULL REFERENCES teams(id),
    clip_id      TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    author_id    TEXT NOT NULL REFERENCES members(id),
    visibility   TEXT NOT NULL CHECK (visibility IN ('team', 'private')),
    sha256       TEXT NOT NULL,
    media_ready  INTEGER NOT NULL CHECK (media_ready IN (0, 1)),
    doc          TEXT NOT NULL,
    PRIMARY KEY (team_id, clip_id)
) STRICT;
CREATE UNIQUE INDEX clips_feed ON clips (team_id, seq);
CREATE INDEX clips_by_media ON clips (team_id, sha256);

-- Every op ever applied, for idempotency (a replay is a no-op) and audit.
CREATE TABLE ops (
    team_id     TEXT NOT NULL,
    op_id       TEXT NOT NULL,
    clip_id     TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    hlc         TEXT NOT NULL,
    status      TEXT NOT NULL,
    body        TEXT NOT NULL,
    applied_ms  INTEGER NOT NULL,
    PRIMARY KEY (team_id, op_id)
) STRICT;

-- Content a team may read. The bytes are stored once by hash in the blob
-- store, whichever team sent them first.
CREATE TABLE media (
    team_id       TEXT NOT NULL REFERENCES teams(id),
    sha256        TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    PRIMARY KEY (team_id, sha256)
) STRICT;

-- Partial tus uploads: everything an instance needs to continue one.
CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    team_id       TEXT NOT NULL REFERENCES teams(id),
    device_id     TEXT NOT NULL,
    length        INTEGER NOT NULL,
    "offset"      INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    clip_id       TEXT,
    metadata      TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL,
    -- Set when the last byte arrived and the content was verified; the row
    -- stays until it expires so a client whose last response was lost can
    -- HEAD it and see the upload is done.
    completed_ms  INTEGER
) STRICT;
CREATE INDEX uploads_by_expiry ON uploads (expires_ms);

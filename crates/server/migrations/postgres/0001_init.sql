-- Debrief team server metadata on PostgreSQL, schema 1.
-- Migrations are append-only: never edit this file once it has shipped.
--
-- The same tables and columns as SQLite's schema 4 (../0001_init.sql to
-- ../0004_upload_parts.sql), so `debrief-server migrate` copies rows cell
-- by cell; the comments there explain each table. Differences:
-- - ids and hashes are TEXT COLLATE "C": byte order, like SQLite's, so
--   keyset paging (media GC, migrate) sees the same order on both engines
--   whatever the database's locale;
-- - team names are unique ignoring case through an index on lower(name);
-- - media_ready is a BOOLEAN, times and sizes are BIGINT.
-- The change feed's order comes from teams.feed_seq, taken with
-- `UPDATE ... RETURNING` by writers that locked the team's row first (see
-- src/store/postgres/mod.rs).

CREATE TABLE teams (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    feed_seq    BIGINT NOT NULL DEFAULT 0,
    created_ms  BIGINT NOT NULL
);
CREATE UNIQUE INDEX teams_by_name ON teams (lower(name));

CREATE TABLE members (
    id            TEXT COLLATE "C" PRIMARY KEY,
    team_id       TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('member', 'manager', 'admin')),
    created_ms    BIGINT NOT NULL
);
CREATE INDEX members_by_team ON members (team_id);

CREATE TABLE devices (
    id            TEXT COLLATE "C" PRIMARY KEY,
    team_id       TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    member_id     TEXT COLLATE "C" NOT NULL REFERENCES members(id),
    name          TEXT NOT NULL,
    token_hash    TEXT COLLATE "C" NOT NULL UNIQUE,
    created_ms    BIGINT NOT NULL,
    last_seen_ms  BIGINT NOT NULL,
    revoked_ms    BIGINT
);
CREATE INDEX devices_by_team ON devices (team_id);
CREATE INDEX devices_by_member ON devices (member_id);

CREATE TABLE invites (
    code_hash   TEXT COLLATE "C" PRIMARY KEY,
    team_id     TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    role        TEXT NOT NULL CHECK (role IN ('member', 'manager', 'admin')),
    max_uses    BIGINT NOT NULL CHECK (max_uses >= 1),
    uses        BIGINT NOT NULL DEFAULT 0,
    expires_ms  BIGINT NOT NULL,
    created_ms  BIGINT NOT NULL
);

CREATE TABLE clips (
    team_id           TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    clip_id           TEXT COLLATE "C" NOT NULL,
    seq               BIGINT NOT NULL,
    author_id         TEXT COLLATE "C" NOT NULL REFERENCES members(id),
    visibility        TEXT NOT NULL CHECK (visibility IN ('team', 'private')),
    sha256            TEXT COLLATE "C" NOT NULL,
    media_ready       BOOLEAN NOT NULL,
    doc               TEXT NOT NULL,
    thumbnail_sha256  TEXT COLLATE "C",
    deleted_ms        BIGINT,
    PRIMARY KEY (team_id, clip_id)
);
CREATE UNIQUE INDEX clips_feed ON clips (team_id, seq);
CREATE INDEX clips_by_media ON clips (team_id, sha256);
CREATE INDEX clips_by_thumbnail ON clips (team_id, thumbnail_sha256)
    WHERE thumbnail_sha256 IS NOT NULL;

CREATE TABLE ops (
    team_id     TEXT COLLATE "C" NOT NULL,
    op_id       TEXT COLLATE "C" NOT NULL,
    clip_id     TEXT COLLATE "C" NOT NULL,
    device_id   TEXT COLLATE "C" NOT NULL,
    hlc         TEXT NOT NULL,
    status      TEXT NOT NULL,
    body        TEXT NOT NULL,
    applied_ms  BIGINT NOT NULL,
    PRIMARY KEY (team_id, op_id)
);

CREATE TABLE media (
    team_id       TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    sha256        TEXT COLLATE "C" NOT NULL,
    bytes         BIGINT NOT NULL,
    content_type  TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    uploaded_ms   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, sha256)
);
CREATE INDEX media_by_sha256 ON media (sha256);

CREATE TABLE uploads (
    id            TEXT COLLATE "C" PRIMARY KEY,
    team_id       TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    device_id     TEXT COLLATE "C" NOT NULL,
    length        BIGINT NOT NULL,
    "offset"      BIGINT NOT NULL,
    sha256        TEXT COLLATE "C" NOT NULL,
    content_type  TEXT NOT NULL,
    clip_id       TEXT COLLATE "C",
    metadata      TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    expires_ms    BIGINT NOT NULL,
    completed_ms  BIGINT
);
CREATE INDEX uploads_by_expiry ON uploads (expires_ms);
CREATE INDEX uploads_by_sha256 ON uploads (sha256) WHERE completed_ms IS NULL;

CREATE TABLE upload_parts (
    upload_id     TEXT COLLATE "C" NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
    start_offset  BIGINT NOT NULL,
    end_offset    BIGINT NOT NULL,
    object_key    TEXT NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
);

CREATE TABLE media_claims (
    sha256      TEXT COLLATE "C" PRIMARY KEY,
    bytes       BIGINT NOT NULL,
    claimed_ms  BIGINT NOT NULL
);

CREATE TABLE challenges (
    team_id       TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    challenge_id  TEXT COLLATE "C" NOT NULL,
    seq           BIGINT NOT NULL,
    author_id     TEXT COLLATE "C" NOT NULL REFERENCES members(id),
    doc           TEXT NOT NULL,
    PRIMARY KEY (team_id, challenge_id)
);
CREATE UNIQUE INDEX challenges_feed ON challenges (team_id, seq);

CREATE TABLE comments (
    team_id     TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    comment_id  TEXT COLLATE "C" NOT NULL,
    clip_id     TEXT COLLATE "C" NOT NULL,
    seq         BIGINT NOT NULL,
    author_id   TEXT COLLATE "C" NOT NULL REFERENCES members(id),
    doc         TEXT NOT NULL,
    PRIMARY KEY (team_id, comment_id)
);
CREATE UNIQUE INDEX comments_feed ON comments (team_id, seq);
CREATE INDEX comments_by_clip ON comments (team_id, clip_id);

CREATE TABLE playbook (
    team_id  TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    clip_id  TEXT COLLATE "C" NOT NULL,
    seq      BIGINT NOT NULL,
    by_id    TEXT COLLATE "C" NOT NULL REFERENCES members(id),
    doc      TEXT NOT NULL,
    PRIMARY KEY (team_id, clip_id)
);
CREATE UNIQUE INDEX playbook_feed ON playbook (team_id, seq);

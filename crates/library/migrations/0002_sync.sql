-- Debrief device library, schema 2: what sync needs.
-- Migrations are append-only: never edit this file once it has shipped.

-- The server has this clip's media / thumbnail (uploaded, or it was there).
ALTER TABLE clips ADD COLUMN media_uploaded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clips ADD COLUMN thumb_uploaded INTEGER NOT NULL DEFAULT 0;
-- The user asked to keep this clip's media on the device.
ALTER TABLE clips ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
-- For least-recently-watched eviction of cached media.
ALTER TABLE clips ADD COLUMN last_watched_at TEXT;
-- Why the last sync attempt for this clip failed (shown to the user).
ALTER TABLE clips ADD COLUMN sync_error TEXT;

-- Clips deleted here or on the server: a late copy of their state from
-- the change feed must not bring them back.
CREATE TABLE tombstones (
    clip_id     TEXT PRIMARY KEY,
    deleted_at  TEXT NOT NULL
) STRICT;

-- Resumable media transfers, so an upload or download cut by a lost
-- signal or a killed process continues where it stopped.
CREATE TABLE transfers (
    direction     TEXT NOT NULL CHECK (direction IN ('up', 'down')),
    sha256        TEXT NOT NULL,
    clip_id       TEXT NOT NULL,
    what          TEXT NOT NULL CHECK (what IN ('media', 'thumbnail')),
    upload_url    TEXT,
    bytes_done    INTEGER NOT NULL DEFAULT 0,
    bytes_total   INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    permanent     INTEGER NOT NULL DEFAULT 0,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (direction, sha256)
) STRICT;

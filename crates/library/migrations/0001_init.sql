-- Debrief device library, schema 1.
-- Migrations are append-only: never edit this file once it has shipped.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- `seq` is the newest-first sort key (see clips.rs): recorded_at in ms
-- times 1024 plus a tie-breaker, so "newest first" is a rowid scan and the
-- full-text index (whose rowid is the same seq) yields matches in order.
CREATE TABLE clips (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    notes          TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL CHECK (kind IN ('debrief', 'playbook', 'challenge_answer')),
    challenge_id   TEXT,
    author         TEXT NOT NULL,
    author_id      TEXT,
    visibility     TEXT NOT NULL CHECK (visibility IN ('team', 'private')),
    recorded_at    TEXT NOT NULL,
    duration_ms    INTEGER NOT NULL CHECK (duration_ms >= 0),
    width          INTEGER NOT NULL CHECK (width >= 0),
    height         INTEGER NOT NULL CHECK (height >= 0),
    bytes          INTEGER NOT NULL CHECK (bytes >= 0),
    sha256         TEXT NOT NULL,
    video_codec    TEXT,
    audio_codec    TEXT,
    media_path     TEXT,
    thumb_path     TEXT,
    thumb_bytes    INTEGER NOT NULL DEFAULT 0,
    thumb_sha256   TEXT,
    media_state    TEXT NOT NULL CHECK (media_state IN ('recording', 'ready', 'recovered', 'remote', 'downloading', 'cached')),
    sync_state     TEXT NOT NULL CHECK (sync_state IN ('local', 'pending', 'uploading', 'synced', 'failed')),
    title_hlc      TEXT NOT NULL,
    notes_hlc      TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;

-- One row per tag *add* (an element of the add-wins observed-remove set);
-- a clip has a tag while at least one add of its key survives.
CREATE TABLE clip_tags (
    clip_seq  INTEGER NOT NULL REFERENCES clips(seq) ON DELETE CASCADE,
    key       TEXT NOT NULL,
    display   TEXT NOT NULL,
    add_id    TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    PRIMARY KEY (clip_seq, key, add_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX clip_tags_by_key ON clip_tags (key, clip_seq);

-- Full-text index; rowid = clips.seq. Kept in step by the code that writes
-- clips and tags, inside the same transaction.
CREATE VIRTUAL TABLE clip_fts USING fts5 (
    title, notes, tags, author,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

-- Every user change, written in the same transaction as the change, for
-- sync to push in order.
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id       TEXT NOT NULL UNIQUE,
    hlc         TEXT NOT NULL,
    clip_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_by_clip ON outbox (clip_id);

-- Files whose clip row is gone but which may still be on disk: deleted
-- after the transaction commits, and again at the next open if a crash
-- came in between.
CREATE TABLE pending_file_deletes (
    path TEXT PRIMARY KEY
) STRICT;

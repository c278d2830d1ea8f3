-- Debrief device library, schema 3: the coaching loop.
-- Migrations are append-only: never edit this file once it has shipped.

-- Challenges a manager posted. Made here (pending in the outbox) or
-- learnt from the change feed; a remote state replaces the row unless
-- this device still has ops for it waiting to be pushed.
CREATE TABLE challenges (
    id             TEXT PRIMARY KEY,
    title          TEXT NOT NULL,
    prompt         TEXT NOT NULL,
    due_at         TEXT,
    max_answer_ms  INTEGER,
    author         TEXT NOT NULL,
    author_id      TEXT,
    created_hlc    TEXT NOT NULL,
    deleted        INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Comments on clips. No foreign key to clips: a comment may arrive before
-- its clip; views join on clip_id.
CREATE TABLE comments (
    id           TEXT PRIMARY KEY,
    clip_id      TEXT NOT NULL,
    author       TEXT NOT NULL,
    author_id    TEXT,
    text         TEXT NOT NULL,
    at_ms        INTEGER,
    created_hlc  TEXT NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX comments_by_clip ON comments (clip_id, created_hlc);

-- A clip's playbook entry (kept after a demote, with in_playbook = 0).
-- Clips in the playbook are downloaded at every media-allowed sync and
-- never evicted, like pinned ones.
CREATE TABLE playbook (
    clip_id      TEXT PRIMARY KEY,
    in_playbook  INTEGER NOT NULL,
    section      TEXT,
    position     INTEGER,
    by_name      TEXT NOT NULL,
    hlc          TEXT NOT NULL
) STRICT;

-- The team's members as the server last listed them (for "who has not
-- answered yet").
CREATE TABLE members (
    member_id     TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL
) STRICT;

-- What the change feed brought that concerns this user, and refusals of
-- this device's changes. One per (kind, subject): a state seen again never
-- notifies twice.
CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL CHECK (kind IN ('new_challenge', 'new_answer', 'new_comment', 'new_playbook_clip', 'refused')),
    subject       TEXT NOT NULL,
    clip_id       TEXT,
    challenge_id  TEXT,
    text          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    read          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, subject)
) STRICT;

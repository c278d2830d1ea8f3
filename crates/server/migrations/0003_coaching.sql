-- Debrief team server metadata, schema 3: the coaching loop (protocol 2).
-- Append-only like every migration.
--
-- Each table holds one merged document per entity (JSON, see
-- src/coaching.rs) plus the columns the change feed filters on. `seq`
-- comes from the team's one counter (teams.feed_seq), so clips,
-- challenges, comments and playbook entries share one feed order.
-- ops.clip_id holds the id of the entity an op changed (for a challenge
-- op, the challenge's id).

CREATE TABLE challenges (
    team_id       TEXT NOT NULL REFERENCES teams(id),
    challenge_id  TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    author_id     TEXT NOT NULL REFERENCES members(id),
    doc           TEXT NOT NULL,
    PRIMARY KEY (team_id, challenge_id)
) STRICT;
CREATE UNIQUE INDEX challenges_feed ON challenges (team_id, seq);

CREATE TABLE comments (
    team_id     TEXT NOT NULL REFERENCES teams(id),
    comment_id  TEXT NOT NULL,
    clip_id     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    author_id   TEXT NOT NULL REFERENCES members(id),
    doc         TEXT NOT NULL,
    PRIMARY KEY (team_id, comment_id)
) STRICT;
CREATE UNIQUE INDEX comments_feed ON comments (team_id, seq);
CREATE INDEX comments_by_clip ON comments (team_id, clip_id);

-- One entry per clip that was ever promoted or demoted.
CREATE TABLE playbook (
    team_id  TEXT NOT NULL REFERENCES teams(id),
    clip_id  TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    by_id    TEXT NOT NULL REFERENCES members(id),
    doc      TEXT NOT NULL,
    PRIMARY KEY (team_id, clip_id)
) STRICT;
CREATE UNIQUE INDEX playbook_feed ON playbook (team_id, seq);

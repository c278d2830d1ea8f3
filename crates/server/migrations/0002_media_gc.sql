-- Debrief team server metadata, schema 2: what media garbage collection
-- needs (see src/gc.rs). Append-only like every migration.

-- Which content each clip uses, and since when it is deleted, as columns
-- so "does any clip of this team still use this hash?" is an index lookup
-- instead of a scan of every clip document.
ALTER TABLE clips ADD COLUMN thumbnail_sha256 TEXT;
ALTER TABLE clips ADD COLUMN deleted_ms INTEGER;
UPDATE clips SET thumbnail_sha256 = json_extract(doc, '$.thumbnail_sha256');
-- A clip deleted before this migration: its delete is its last op that was
-- applied (every op after a delete is superseded).
UPDATE clips SET deleted_ms = COALESCE((
    SELECT max(o.applied_ms) FROM ops o
    WHERE o.team_id = clips.team_id AND o.clip_id = clips.clip_id AND o.status = 'applied'
), 0)
WHERE json_extract(doc, '$.deleted_hlc') IS NOT NULL;
CREATE INDEX clips_by_thumbnail ON clips (team_id, thumbnail_sha256)
    WHERE thumbnail_sha256 IS NOT NULL;

-- When the team last finished an upload of this content: the grace period
-- of content that no clip uses yet runs from here.
ALTER TABLE media ADD COLUMN uploaded_ms INTEGER NOT NULL DEFAULT 0;
UPDATE media SET uploaded_ms = created_ms;
CREATE INDEX media_by_sha256 ON media (sha256);
CREATE INDEX uploads_by_sha256 ON uploads (sha256) WHERE completed_ms IS NULL;

-- Content being deleted from the blob store. While a row exists no upload
-- of that content may start; a row is only made while no team holds the
-- content and no upload of it is unfinished. So an upload can never finish
-- into a blob that is about to disappear.
CREATE TABLE media_claims (
    sha256      TEXT PRIMARY KEY,
    bytes       INTEGER NOT NULL,
    claimed_ms  INTEGER NOT NULL
) STRICT;

-- Debrief team server metadata, schema 4: the committed pieces of uploads
-- staged in an object store (see StagedPart in src/store/mod.rs), so any
-- instance can read or finish an upload another one began. Append-only
-- like every migration.

CREATE TABLE upload_parts (
    upload_id     TEXT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
    start_offset  INTEGER NOT NULL,
    end_offset    INTEGER NOT NULL,
    object_key    TEXT NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
) STRICT;

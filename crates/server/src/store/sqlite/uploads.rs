//! Partial tus uploads and per-team media records in SQLite.
//!
//! Every lookup is keyed by (team, id): another team's upload is simply
//! not found. Advancing the offset is a compare-and-set, so two writers
//! that raced past the in-process lock (or two instances later) cannot both
//! commit a chunk at the same offset.

use debrief_protocol::api::TeamId;
use rusqlite::{Connection, OptionalExtension, params};

use super::accounts::parse;
use super::db;
use crate::ids::UploadId;
use crate::store::{MediaRecord, StagedPart, StoreError, StoreResult, UploadRecord};

const SELECT: &str = "SELECT id, team_id, device_id, length, \"offset\", sha256, content_type, \
     clip_id, metadata, created_ms, expires_ms, completed_ms FROM uploads";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UploadRecord> {
    Ok(UploadRecord {
        id: parse(r.get(0)?)?,
        team_id: parse(r.get(1)?)?,
        device_id: parse(r.get(2)?)?,
        length: r.get::<_, i64>(3)? as u64,
        offset: r.get::<_, i64>(4)? as u64,
        sha256: r.get(5)?,
        content_type: r.get(6)?,
        clip_id: r.get::<_, Option<String>>(7)?.map(parse).transpose()?,
        metadata: r.get(8)?,
        created_ms: r.get(9)?,
        expires_ms: r.get(10)?,
        completed_ms: r.get(11)?,
        parts: Vec::new(),
    })
}

/// The upload's committed parts, in order.
fn with_parts(c: &Connection, mut rec: UploadRecord) -> StoreResult<UploadRecord> {
    let mut stmt = c
        .prepare_cached(
            "SELECT start_offset, end_offset, object_key FROM upload_parts \
             WHERE upload_id = ?1 ORDER BY start_offset",
        )
        .map_err(db)?;
    rec.parts = stmt
        .query_map([rec.id.as_str()], |r| {
            Ok(StagedPart {
                start: r.get::<_, i64>(0)? as u64,
                end: r.get::<_, i64>(1)? as u64,
                key: r.get(2)?,
            })
        })
        .map_err(db)?
        .collect::<rusqlite::Result<_>>()
        .map_err(db)?;
    Ok(rec)
}

fn not_found(id: &UploadId) -> StoreError {
    StoreError::NotFound(format!(
        "upload {id} not found (it finished, expired or was terminated); create a new upload"
    ))
}

pub fn media(c: &Connection, team: TeamId, sha256: &str) -> StoreResult<Option<MediaRecord>> {
    c.prepare_cached(
        "SELECT sha256, bytes, content_type FROM media WHERE team_id = ?1 AND sha256 = ?2",
    )
    .map_err(db)?
    .query_row(params![team.to_string(), sha256], |r| {
        Ok(MediaRecord {
            sha256: r.get(0)?,
            bytes: r.get::<_, i64>(1)? as u64,
            content_type: r.get(2)?,
        })
    })
    .optional()
    .map_err(db)
}

pub fn create(c: &mut Connection, u: &UploadRecord) -> StoreResult<()> {
    // One statement, so the claim check and the insert are atomic.
    let created = c.execute(
        "INSERT INTO uploads (id, team_id, device_id, length, \"offset\", sha256, content_type, \
         clip_id, metadata, created_ms, expires_ms) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 \
         WHERE NOT EXISTS (SELECT 1 FROM media_claims WHERE sha256 = ?6)",
        params![
            u.id.as_str(),
            u.team_id.to_string(),
            u.device_id.to_string(),
            u.length as i64,
            u.offset as i64,
            u.sha256,
            u.content_type,
            u.clip_id.map(|c| c.to_string()),
            u.metadata,
            u.created_ms,
            u.expires_ms
        ],
    )
    .map_err(db)?;
    if created == 0 {
        return Err(StoreError::Busy(format!(
            "the server is deleting an unused copy of content {} right now; retry the upload in a few seconds",
            u.sha256
        )));
    }
    Ok(())
}

pub fn get(c: &Connection, team: TeamId, id: &UploadId) -> StoreResult<UploadRecord> {
    let rec = c
        .prepare_cached(&format!("{SELECT} WHERE id = ?1 AND team_id = ?2"))
        .map_err(db)?
        .query_row(params![id.as_str(), team.to_string()], from_row)
        .optional()
        .map_err(db)?
        .ok_or_else(|| not_found(id))?;
    with_parts(c, rec)
}

pub fn advance(
    c: &mut Connection,
    team: TeamId,
    id: &UploadId,
    from: u64,
    to: u64,
    expires_ms: i64,
    part: Option<&str>,
) -> StoreResult<()> {
    // An offset may safely go backwards after a power cut (the client sends
    // those bytes again; they are durable in the blob store before this
    // runs), never forwards. So this one commit skips the WAL fsync
    // (synchronous = NORMAL): the next FULL commit makes it durable anyway.
    // The part record, if any, is in the same transaction, so it goes
    // backwards with the offset.
    c.pragma_update(None, "synchronous", "NORMAL").map_err(db)?;
    let changed = advance_tx(c, team, id, from, to, expires_ms, part);
    c.pragma_update(None, "synchronous", "FULL").map_err(db)?;
    if changed? {
        return Ok(());
    }
    let current = get(c, team, id)?;
    Err(StoreError::Conflict(format!(
        "upload {id} is at offset {} now, not {from}: another request wrote to it; HEAD it and resume",
        current.offset
    )))
}

fn advance_tx(
    c: &mut Connection,
    team: TeamId,
    id: &UploadId,
    from: u64,
    to: u64,
    expires_ms: i64,
    part: Option<&str>,
) -> StoreResult<bool> {
    let tx = c.transaction().map_err(db)?;
    let changed = tx
        .execute(
            "UPDATE uploads SET \"offset\" = ?4, expires_ms = ?5 \
             WHERE id = ?1 AND team_id = ?2 AND \"offset\" = ?3",
            params![
                id.as_str(),
                team.to_string(),
                from as i64,
                to as i64,
                expires_ms
            ],
        )
        .map_err(db)?;
    if changed != 1 {
        return Ok(false);
    }
    if let Some(key) = part {
        tx.execute(
            "INSERT INTO upload_parts (upload_id, start_offset, end_offset, object_key) \
             VALUES (?1, ?2, ?3, ?4)",
            params![id.as_str(), from as i64, to as i64, key],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)?;
    Ok(true)
}

pub fn delete(c: &mut Connection, team: TeamId, id: &UploadId) -> StoreResult<()> {
    let n = c
        .execute(
            "DELETE FROM uploads WHERE id = ?1 AND team_id = ?2",
            params![id.as_str(), team.to_string()],
        )
        .map_err(db)?;
    if n == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

pub fn expired(c: &Connection, now_ms: i64, limit: u32) -> StoreResult<Vec<UploadRecord>> {
    let mut stmt = c
        .prepare_cached(&format!(
            "{SELECT} WHERE expires_ms <= ?1 ORDER BY expires_ms LIMIT ?2"
        ))
        .map_err(db)?;
    let rows = stmt
        .query_map(params![now_ms, limit], from_row)
        .map_err(db)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db)?;
    rows.into_iter().map(|r| with_parts(c, r)).collect()
}

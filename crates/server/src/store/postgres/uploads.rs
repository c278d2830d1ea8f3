//! Partial tus uploads, their staged parts and per-team media records in
//! PostgreSQL. Every lookup is keyed by (team, id): another team's upload
//! is simply not found. The offset moves by compare-and-set, with the part
//! that holds the new bytes recorded in the same transaction.

use debrief_protocol::api::TeamId;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection};

use super::accounts::{col, parse};
use super::{db, lock_content};
use crate::ids::UploadId;
use crate::store::{MediaRecord, StagedPart, StoreError, StoreResult, UploadRecord};

const SELECT: &str = "SELECT id, team_id, device_id, length, \"offset\", sha256, content_type, \
     clip_id, metadata, created_ms, expires_ms, completed_ms FROM uploads";

fn from_row(r: &PgRow) -> StoreResult<UploadRecord> {
    Ok(UploadRecord {
        id: parse(&col::<String>(r, 0)?)?,
        team_id: parse(&col::<String>(r, 1)?)?,
        device_id: parse(&col::<String>(r, 2)?)?,
        length: col::<i64>(r, 3)? as u64,
        offset: col::<i64>(r, 4)? as u64,
        sha256: col(r, 5)?,
        content_type: col(r, 6)?,
        clip_id: col::<Option<String>>(r, 7)?
            .map(|c| parse(&c))
            .transpose()?,
        metadata: col(r, 8)?,
        created_ms: col(r, 9)?,
        expires_ms: col(r, 10)?,
        completed_ms: col(r, 11)?,
        parts: Vec::new(),
    })
}

async fn with_parts(c: &mut PgConnection, mut rec: UploadRecord) -> StoreResult<UploadRecord> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT start_offset, end_offset, object_key FROM upload_parts \
         WHERE upload_id = $1 ORDER BY start_offset",
    )
    .bind(rec.id.as_str())
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    rec.parts = rows
        .into_iter()
        .map(|(start, end, key)| StagedPart {
            start: start as u64,
            end: end as u64,
            key,
        })
        .collect();
    Ok(rec)
}

fn not_found(id: &UploadId) -> StoreError {
    StoreError::NotFound(format!(
        "upload {id} not found (it finished, expired or was terminated); create a new upload"
    ))
}

pub async fn media(
    c: &mut PgConnection,
    team: TeamId,
    sha256: &str,
) -> StoreResult<Option<MediaRecord>> {
    let row: Option<(String, i64, String)> = sqlx::query_as(
        "SELECT sha256, bytes, content_type FROM media WHERE team_id = $1 AND sha256 = $2",
    )
    .bind(team.to_string())
    .bind(sha256)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    Ok(row.map(|(sha256, bytes, content_type)| MediaRecord {
        sha256,
        bytes: bytes as u64,
        content_type,
    }))
}

pub async fn create(c: &mut PgConnection, u: &UploadRecord) -> StoreResult<()> {
    // Under the content's lock, so the media GC cannot claim it between
    // the check and the insert.
    lock_content(c, &u.sha256).await?;
    let created = sqlx::query(
        "INSERT INTO uploads (id, team_id, device_id, length, \"offset\", sha256, content_type, \
         clip_id, metadata, created_ms, expires_ms) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 \
         WHERE NOT EXISTS (SELECT 1 FROM media_claims WHERE sha256 = $6)",
    )
    .bind(u.id.as_str())
    .bind(u.team_id.to_string())
    .bind(u.device_id.to_string())
    .bind(u.length as i64)
    .bind(u.offset as i64)
    .bind(&u.sha256)
    .bind(&u.content_type)
    .bind(u.clip_id.map(|c| c.to_string()))
    .bind(&u.metadata)
    .bind(u.created_ms)
    .bind(u.expires_ms)
    .execute(&mut *c)
    .await
    .map_err(db)?
    .rows_affected();
    if created == 0 {
        return Err(StoreError::Busy(format!(
            "the server is deleting an unused copy of content {} right now; retry the upload in a few seconds",
            u.sha256
        )));
    }
    Ok(())
}

pub async fn get(c: &mut PgConnection, team: TeamId, id: &UploadId) -> StoreResult<UploadRecord> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "{SELECT} WHERE id = $1 AND team_id = $2"
    )))
    .bind(id.as_str())
    .bind(team.to_string())
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or_else(|| not_found(id))?;
    let rec = from_row(&row)?;
    with_parts(c, rec).await
}

pub async fn advance(
    c: &mut PgConnection,
    team: TeamId,
    id: &UploadId,
    from: u64,
    to: u64,
    expires_ms: i64,
    part: Option<&str>,
) -> StoreResult<()> {
    let changed = sqlx::query(
        "UPDATE uploads SET \"offset\" = $4, expires_ms = $5 \
         WHERE id = $1 AND team_id = $2 AND \"offset\" = $3",
    )
    .bind(id.as_str())
    .bind(team.to_string())
    .bind(from as i64)
    .bind(to as i64)
    .bind(expires_ms)
    .execute(&mut *c)
    .await
    .map_err(db)?
    .rows_affected();
    if changed == 1 {
        if let Some(key) = part {
            sqlx::query(
                "INSERT INTO upload_parts (upload_id, start_offset, end_offset, object_key) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id.as_str())
            .bind(from as i64)
            .bind(to as i64)
            .bind(key)
            .execute(&mut *c)
            .await
            .map_err(db)?;
        }
        return Ok(());
    }
    let current = get(c, team, id).await?;
    Err(StoreError::Conflict(format!(
        "upload {id} is at offset {} now, not {from}: another request wrote to it; HEAD it and resume",
        current.offset
    )))
}

pub async fn delete(c: &mut PgConnection, team: TeamId, id: &UploadId) -> StoreResult<()> {
    let n = sqlx::query("DELETE FROM uploads WHERE id = $1 AND team_id = $2")
        .bind(id.as_str())
        .bind(team.to_string())
        .execute(&mut *c)
        .await
        .map_err(db)?
        .rows_affected();
    if n == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

pub async fn expired(
    c: &mut PgConnection,
    now_ms: i64,
    limit: u32,
) -> StoreResult<Vec<UploadRecord>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{SELECT} WHERE expires_ms <= $1 ORDER BY expires_ms LIMIT $2"
    )))
    .bind(now_ms)
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let rec = from_row(r)?;
        out.push(with_parts(c, rec).await?);
    }
    Ok(out)
}

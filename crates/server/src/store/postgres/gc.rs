//! Media garbage collection in PostgreSQL (see [`crate::gc`] for the whole
//! protocol). Where SQLite runs each batch under its one writer lock, here
//! a batch locks what it decides about: the teams of its candidates (so no
//! op batch starts using the content meanwhile), then each content hash
//! (so no upload of it starts or finishes meanwhile), in sorted order, and
//! checks every candidate again under those locks.

use std::collections::BTreeSet;

use sqlx::{PgConnection, Postgres, Transaction};

use super::accounts::parse;
use super::{db, lock_content};
use crate::store::{
    BlobClaim, BlobInfo, MediaKey, MediaRecord, ReleaseMedia, ReleasedMedia, StoreResult,
};

/// Team records uploaded at or before $3 that no clip of the team used
/// since $3, after ($1, $2) in key order; $5/$6 narrow it to one record
/// (the check again under locks).
const CANDIDATES: &str = "SELECT m.team_id, m.sha256, m.bytes, m.content_type FROM media m \
     WHERE (m.team_id, m.sha256) > ($1, $2) AND m.uploaded_ms <= $3 \
     AND ($5::text IS NULL OR (m.team_id = $5 AND m.sha256 = $6)) \
     AND NOT EXISTS (SELECT 1 FROM clips c WHERE c.team_id = m.team_id AND c.sha256 = m.sha256 \
         AND (c.deleted_ms IS NULL OR c.deleted_ms > $3)) \
     AND NOT EXISTS (SELECT 1 FROM clips c WHERE c.team_id = m.team_id \
         AND c.thumbnail_sha256 = m.sha256 AND (c.deleted_ms IS NULL OR c.deleted_ms > $3)) \
     ORDER BY m.team_id, m.sha256 LIMIT $4";

async fn candidates(
    c: &mut PgConnection,
    after: (&str, &str),
    cutoff_ms: i64,
    limit: u32,
    only: Option<(&str, &str)>,
) -> StoreResult<Vec<(String, MediaRecord)>> {
    let rows: Vec<(String, String, i64, String)> = sqlx::query_as(CANDIDATES)
        .bind(after.0)
        .bind(after.1)
        .bind(cutoff_ms)
        .bind(i64::from(limit))
        .bind(only.map(|o| o.0))
        .bind(only.map(|o| o.1))
        .fetch_all(&mut *c)
        .await
        .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|(team, sha256, bytes, content_type)| {
            (
                team,
                MediaRecord {
                    sha256,
                    bytes: bytes as u64,
                    content_type,
                },
            )
        })
        .collect())
}

async fn exists(
    c: &mut PgConnection,
    sql: &'static str,
    a: &str,
    b: Option<&str>,
) -> StoreResult<bool> {
    let mut q = sqlx::query_scalar(sql).bind(a);
    if let Some(b) = b {
        q = q.bind(b);
    }
    q.fetch_one(&mut *c).await.map_err(db)
}

async fn uploading(c: &mut PgConnection, sha256: &str) -> StoreResult<bool> {
    exists(
        c,
        "SELECT EXISTS (SELECT 1 FROM uploads WHERE sha256 = $1 AND completed_ms IS NULL)",
        sha256,
        None,
    )
    .await
}

async fn claim(c: &mut PgConnection, sha256: &str, bytes: u64, now_ms: i64) -> StoreResult<bool> {
    let n = sqlx::query(
        "INSERT INTO media_claims (sha256, bytes, claimed_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha256)
    .bind(bytes as i64)
    .bind(now_ms)
    .execute(&mut *c)
    .await
    .map_err(db)?
    .rows_affected();
    Ok(n == 1)
}

/// Commit, or roll back a dry run.
pub async fn finish(tx: Transaction<'static, Postgres>, dry_run: bool) -> StoreResult<()> {
    if dry_run {
        tx.rollback().await.map_err(db)
    } else {
        tx.commit().await.map_err(db)
    }
}

pub async fn release(c: &mut PgConnection, req: &ReleaseMedia) -> StoreResult<ReleasedMedia> {
    let (after_team, after_sha) = match &req.after {
        Some(k) => (k.team_id.to_string(), k.sha256.clone()),
        None => (String::new(), String::new()),
    };
    let found = candidates(c, (&after_team, &after_sha), req.cutoff_ms, req.limit, None).await?;
    let mut out = ReleasedMedia {
        next: match found.last() {
            Some((team, m)) if found.len() == req.limit as usize => Some(MediaKey {
                team_id: parse(team)?,
                sha256: m.sha256.clone(),
            }),
            _ => None,
        },
        ..ReleasedMedia::default()
    };
    let teams: BTreeSet<&str> = found.iter().map(|(t, _)| t.as_str()).collect();
    let shas: BTreeSet<&str> = found.iter().map(|(_, m)| m.sha256.as_str()).collect();
    for team in &teams {
        sqlx::query("SELECT 1 FROM teams WHERE id = $1 FOR UPDATE")
            .bind(*team)
            .execute(&mut *c)
            .await
            .map_err(db)?;
    }
    for sha in &shas {
        lock_content(c, sha).await?;
    }
    for (team, media) in &found {
        // Still unused now that nothing can change it under us?
        let still = candidates(c, ("", ""), req.cutoff_ms, 1, Some((team, &media.sha256))).await?;
        if still.is_empty() {
            continue;
        }
        let held_elsewhere = exists(
            c,
            "SELECT EXISTS (SELECT 1 FROM media WHERE sha256 = $1 AND team_id <> $2)",
            &media.sha256,
            Some(team),
        )
        .await?;
        if !held_elsewhere && uploading(c, &media.sha256).await? {
            continue;
        }
        sqlx::query("DELETE FROM media WHERE team_id = $1 AND sha256 = $2")
            .bind(team)
            .bind(&media.sha256)
            .execute(&mut *c)
            .await
            .map_err(db)?;
        if !held_elsewhere && claim(c, &media.sha256, media.bytes, req.now_ms).await? {
            out.claims.push(BlobClaim {
                sha256: media.sha256.clone(),
                bytes: media.bytes,
                claimed_ms: req.now_ms,
            });
        }
        out.records.push((parse(team)?, media.clone()));
    }
    Ok(out)
}

pub async fn claim_orphans(
    c: &mut PgConnection,
    blobs: &[BlobInfo],
    now_ms: i64,
) -> StoreResult<Vec<BlobClaim>> {
    let mut sorted: Vec<&BlobInfo> = blobs.iter().collect();
    sorted.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    let mut out = Vec::new();
    for blob in sorted {
        lock_content(c, &blob.sha256).await?;
        let held = exists(
            c,
            "SELECT EXISTS (SELECT 1 FROM media WHERE sha256 = $1)",
            &blob.sha256,
            None,
        )
        .await?;
        if held || uploading(c, &blob.sha256).await? {
            continue;
        }
        if claim(c, &blob.sha256, blob.bytes, now_ms).await? {
            out.push(BlobClaim {
                sha256: blob.sha256.clone(),
                bytes: blob.bytes,
                claimed_ms: now_ms,
            });
        }
    }
    Ok(out)
}

pub async fn claims(c: &mut PgConnection, before_ms: i64) -> StoreResult<Vec<BlobClaim>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT sha256, bytes, claimed_ms FROM media_claims WHERE claimed_ms <= $1 ORDER BY sha256",
    )
    .bind(before_ms)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|(sha256, bytes, claimed_ms)| BlobClaim {
            sha256,
            bytes: bytes as u64,
            claimed_ms,
        })
        .collect())
}

pub async fn drop_claim(c: &mut PgConnection, sha256: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM media_claims WHERE sha256 = $1")
        .bind(sha256)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    Ok(())
}

//! Media garbage collection in SQLite: releasing team media records that no
//! clip uses, and claiming content for deletion (see [`crate::gc`] for the
//! whole protocol).
//!
//! Each batch is one IMMEDIATE transaction, so it is atomic against op
//! batches (a clip that starts using the content commits either before,
//! and keeps the record, or after, and finds it gone and waits for an
//! upload) and against upload creation (which refuses claimed content).

use debrief_protocol::api::TeamId;
use rusqlite::{Connection, Transaction, TransactionBehavior, params};

use super::accounts::parse;
use super::db;
use crate::store::{
    BlobClaim, BlobInfo, MediaKey, MediaRecord, ReleaseMedia, ReleasedMedia, StoreResult,
};

/// Team records uploaded at or before ?3 that no clip of the team used
/// since ?3, after (?1, ?2) in key order.
const CANDIDATES: &str = "SELECT m.team_id, m.sha256, m.bytes, m.content_type FROM media m \
     WHERE (m.team_id, m.sha256) > (?1, ?2) AND m.uploaded_ms <= ?3 \
     AND NOT EXISTS (SELECT 1 FROM clips c WHERE c.team_id = m.team_id AND c.sha256 = m.sha256 \
         AND (c.deleted_ms IS NULL OR c.deleted_ms > ?3)) \
     AND NOT EXISTS (SELECT 1 FROM clips c WHERE c.team_id = m.team_id \
         AND c.thumbnail_sha256 = m.sha256 AND (c.deleted_ms IS NULL OR c.deleted_ms > ?3)) \
     ORDER BY m.team_id, m.sha256 LIMIT ?4";

fn exists(tx: &Transaction<'_>, sql: &str, p: impl rusqlite::Params) -> StoreResult<bool> {
    tx.prepare_cached(sql)
        .map_err(db)?
        .query_row(p, |r| r.get(0))
        .map_err(db)
}

fn uploading(tx: &Transaction<'_>, sha256: &str) -> StoreResult<bool> {
    exists(
        tx,
        "SELECT EXISTS (SELECT 1 FROM uploads WHERE sha256 = ?1 AND completed_ms IS NULL)",
        [sha256],
    )
}

fn claim(tx: &Transaction<'_>, sha256: &str, bytes: u64, now_ms: i64) -> StoreResult<bool> {
    let n = tx
        .execute(
            "INSERT INTO media_claims (sha256, bytes, claimed_ms) VALUES (?1, ?2, ?3) \
             ON CONFLICT (sha256) DO NOTHING",
            params![sha256, bytes as i64, now_ms],
        )
        .map_err(db)?;
    Ok(n == 1)
}

fn finish<T>(tx: Transaction<'_>, dry_run: bool, out: T) -> StoreResult<T> {
    if dry_run {
        tx.rollback().map_err(db)?;
    } else {
        tx.commit().map_err(db)?;
    }
    Ok(out)
}

pub fn release(c: &mut Connection, req: &ReleaseMedia) -> StoreResult<ReleasedMedia> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let (after_team, after_sha) = match &req.after {
        Some(k) => (k.team_id.to_string(), k.sha256.clone()),
        None => (String::new(), String::new()),
    };
    let candidates: Vec<(TeamId, MediaRecord)> = {
        let mut stmt = tx.prepare_cached(CANDIDATES).map_err(db)?;
        stmt.query_map(
            params![after_team, after_sha, req.cutoff_ms, i64::from(req.limit)],
            |r| {
                Ok((
                    parse(r.get(0)?)?,
                    MediaRecord {
                        sha256: r.get(1)?,
                        bytes: r.get::<_, i64>(2)? as u64,
                        content_type: r.get(3)?,
                    },
                ))
            },
        )
        .map_err(db)?
        .collect::<rusqlite::Result<_>>()
        .map_err(db)?
    };
    let mut out = ReleasedMedia {
        next: match candidates.last() {
            Some((team, m)) if candidates.len() == req.limit as usize => Some(MediaKey {
                team_id: *team,
                sha256: m.sha256.clone(),
            }),
            _ => None,
        },
        ..ReleasedMedia::default()
    };
    for (team, media) in candidates {
        let team_s = team.to_string();
        let held_elsewhere = exists(
            &tx,
            "SELECT EXISTS (SELECT 1 FROM media WHERE sha256 = ?1 AND team_id != ?2)",
            params![media.sha256, team_s],
        )?;
        if !held_elsewhere && uploading(&tx, &media.sha256)? {
            continue;
        }
        tx.execute(
            "DELETE FROM media WHERE team_id = ?1 AND sha256 = ?2",
            params![team_s, media.sha256],
        )
        .map_err(db)?;
        if !held_elsewhere && claim(&tx, &media.sha256, media.bytes, req.now_ms)? {
            out.claims.push(BlobClaim {
                sha256: media.sha256.clone(),
                bytes: media.bytes,
                claimed_ms: req.now_ms,
            });
        }
        out.records.push((team, media));
    }
    finish(tx, req.dry_run, out)
}

pub fn claim_orphans(
    c: &mut Connection,
    blobs: &[BlobInfo],
    now_ms: i64,
    dry_run: bool,
) -> StoreResult<Vec<BlobClaim>> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let mut out = Vec::new();
    for blob in blobs {
        let held = exists(
            &tx,
            "SELECT EXISTS (SELECT 1 FROM media WHERE sha256 = ?1)",
            [&blob.sha256],
        )?;
        if held || uploading(&tx, &blob.sha256)? {
            continue;
        }
        if claim(&tx, &blob.sha256, blob.bytes, now_ms)? {
            out.push(BlobClaim {
                sha256: blob.sha256.clone(),
                bytes: blob.bytes,
                claimed_ms: now_ms,
            });
        }
    }
    finish(tx, dry_run, out)
}

pub fn claims(c: &Connection, before_ms: i64) -> StoreResult<Vec<BlobClaim>> {
    let mut stmt = c
        .prepare_cached(
            "SELECT sha256, bytes, claimed_ms FROM media_claims WHERE claimed_ms <= ?1 \
             ORDER BY sha256",
        )
        .map_err(db)?;
    stmt.query_map([before_ms], |r| {
        Ok(BlobClaim {
            sha256: r.get(0)?,
            bytes: r.get::<_, i64>(1)? as u64,
            claimed_ms: r.get(2)?,
        })
    })
    .map_err(db)?
    .collect::<rusqlite::Result<_>>()
    .map_err(db)
}

pub fn drop_claim(c: &mut Connection, sha256: &str) -> StoreResult<()> {
    c.execute("DELETE FROM media_claims WHERE sha256 = ?1", [sha256])
        .map_err(db)?;
    Ok(())
}

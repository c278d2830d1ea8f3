//! Op batches, finished uploads and the change feed in PostgreSQL.
//!
//! Writers lock the team's row first ([`super::lock_team`]) and then run
//! the shared batch code ([`crate::store::batch`]) over [`PgBatch`]. The
//! feed is one statement, so it reads one snapshot: a position is in it
//! only with every smaller position of the team (see the module comment of
//! [`super`]).

use debrief_protocol::Op;
use debrief_protocol::api::{Change, ChangesResponse, OpResult};
use sqlx::PgConnection;

use super::batch_tx::PgBatch;
use super::{db, lock_content, lock_team};
use crate::store::batch::{self, feed_entity};
use crate::store::{Caller, MediaRecord, StoreResult, UploadRecord};

pub async fn apply_ops(
    c: &mut PgConnection,
    caller: &Caller,
    ops: &[Op],
    now_ms: i64,
) -> StoreResult<Vec<OpResult>> {
    let team = caller.team_id.to_string();
    lock_team(c, &team).await?;
    let mut b = PgBatch { conn: c, team };
    batch::apply_ops(&mut b, caller, ops, now_ms).await
}

/// The same query as SQLite's (see `store/sqlite/clips.rs`).
const FEED: &str = "SELECT c.seq, 'clip', c.doc, m.display_name FROM clips c JOIN members m ON m.id = c.author_id \
     WHERE c.team_id = $1 AND c.seq > $2 \
     AND (c.author_id = $3 OR (c.visibility = 'team' AND c.media_ready)) \
     UNION ALL \
     SELECT h.seq, 'challenge', h.doc, m.display_name FROM challenges h JOIN members m ON m.id = h.author_id \
     WHERE $5 >= 2 AND h.team_id = $1 AND h.seq > $2 \
     UNION ALL \
     SELECT k.seq, 'comment', k.doc, m.display_name FROM comments k JOIN members m ON m.id = k.author_id \
     JOIN clips c ON c.team_id = k.team_id AND c.clip_id = k.clip_id \
     WHERE $5 >= 2 AND k.team_id = $1 AND k.seq > $2 \
     AND (c.author_id = $3 OR (c.visibility = 'team' AND c.media_ready)) \
     UNION ALL \
     SELECT p.seq, 'playbook', p.doc, m.display_name FROM playbook p JOIN members m ON m.id = p.by_id \
     JOIN clips c ON c.team_id = p.team_id AND c.clip_id = p.clip_id \
     WHERE $5 >= 2 AND p.team_id = $1 AND p.seq > $2 \
     AND (c.author_id = $3 OR (c.visibility = 'team' AND c.media_ready)) \
     ORDER BY 1 LIMIT $4";

pub async fn changes(
    c: &mut PgConnection,
    caller: &Caller,
    after: u64,
    limit: u32,
    protocol: u32,
) -> StoreResult<ChangesResponse> {
    let after_i = i64::try_from(after).unwrap_or(i64::MAX);
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(FEED)
        .bind(caller.team_id.to_string())
        .bind(after_i)
        .bind(caller.member_id.to_string())
        .bind(i64::from(limit) + 1)
        .bind(i64::from(protocol))
        .fetch_all(&mut *c)
        .await
        .map_err(db)?;
    let has_more = rows.len() > limit as usize;
    let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
    for (seq, kind, json, name) in rows.into_iter().take(limit as usize) {
        changes.push(Change {
            seq: seq as u64,
            entity: feed_entity(&kind, &json, name)?,
        });
    }
    let next_cursor = changes.last().map(|ch| ch.seq).unwrap_or(after);
    Ok(ChangesResponse {
        changes,
        next_cursor,
        has_more,
    })
}

pub async fn complete_upload(
    c: &mut PgConnection,
    upload: &UploadRecord,
    media: &MediaRecord,
    now_ms: i64,
) -> StoreResult<()> {
    let team = upload.team_id.to_string();
    lock_team(c, &team).await?;
    lock_content(c, &media.sha256).await?;
    sqlx::query(
        "INSERT INTO media (team_id, sha256, bytes, content_type, created_ms, uploaded_ms) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (team_id, sha256) DO UPDATE SET uploaded_ms = excluded.uploaded_ms",
    )
    .bind(&team)
    .bind(&media.sha256)
    .bind(media.bytes as i64)
    .bind(&media.content_type)
    .bind(now_ms)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    sqlx::query(
        "UPDATE uploads SET completed_ms = $3, \"offset\" = length WHERE id = $1 AND team_id = $2",
    )
    .bind(upload.id.as_str())
    .bind(&team)
    .bind(now_ms)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    let mut b = PgBatch { conn: c, team };
    batch::media_arrived(&mut b, &media.sha256).await
}

//! Ops, clip documents and the change feed in SQLite.
//!
//! A batch is one IMMEDIATE transaction running the shared batch code
//! ([`crate::store::batch`]) over [`SqliteBatch`]; any refusal rolls the
//! whole batch back.

use debrief_protocol::Op;
use debrief_protocol::api::{Change, ChangesResponse, OpResult};
use rusqlite::{Connection, TransactionBehavior, params};

use super::batch_tx::{SqliteBatch, run_now};
use super::db;
use crate::store::batch::{self, feed_entity};
use crate::store::{Caller, MediaRecord, StoreResult, UploadRecord};

pub fn apply_ops(
    c: &mut Connection,
    caller: &Caller,
    ops: &[Op],
    now_ms: i64,
) -> StoreResult<Vec<OpResult>> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let results = {
        let mut b = SqliteBatch {
            tx: &tx,
            team: caller.team_id.to_string(),
        };
        run_now(batch::apply_ops(&mut b, caller, ops, now_ms))?
    };
    tx.commit().map_err(db)?;
    Ok(results)
}

/// The feed: clips (every protocol), and for protocol 2 challenges,
/// comments and playbook entries, in the team's one order. Comments and
/// playbook entries are seen by whoever sees their clip.
pub fn changes(
    c: &Connection,
    caller: &Caller,
    after: u64,
    limit: u32,
    protocol: u32,
) -> StoreResult<ChangesResponse> {
    let mut stmt = c
        .prepare_cached(
            "SELECT c.seq, 'clip', c.doc, m.display_name FROM clips c JOIN members m ON m.id = c.author_id \
             WHERE c.team_id = ?1 AND c.seq > ?2 \
             AND (c.author_id = ?3 OR (c.visibility = 'team' AND c.media_ready = 1)) \
             UNION ALL \
             SELECT h.seq, 'challenge', h.doc, m.display_name FROM challenges h JOIN members m ON m.id = h.author_id \
             WHERE ?5 >= 2 AND h.team_id = ?1 AND h.seq > ?2 \
             UNION ALL \
             SELECT k.seq, 'comment', k.doc, m.display_name FROM comments k JOIN members m ON m.id = k.author_id \
             JOIN clips c ON c.team_id = k.team_id AND c.clip_id = k.clip_id \
             WHERE ?5 >= 2 AND k.team_id = ?1 AND k.seq > ?2 \
             AND (c.author_id = ?3 OR (c.visibility = 'team' AND c.media_ready = 1)) \
             UNION ALL \
             SELECT p.seq, 'playbook', p.doc, m.display_name FROM playbook p JOIN members m ON m.id = p.by_id \
             JOIN clips c ON c.team_id = p.team_id AND c.clip_id = p.clip_id \
             WHERE ?5 >= 2 AND p.team_id = ?1 AND p.seq > ?2 \
             AND (c.author_id = ?3 OR (c.visibility = 'team' AND c.media_ready = 1)) \
             ORDER BY 1 LIMIT ?4",
        )
        .map_err(db)?;
    let after_i = i64::try_from(after).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(
            params![
                caller.team_id.to_string(),
                after_i,
                caller.member_id.to_string(),
                i64::from(limit) + 1,
                protocol
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get(3)?,
                ))
            },
        )
        .map_err(db)?
        .collect::<rusqlite::Result<Vec<(i64, String, String, String)>>>()
        .map_err(db)?;
    let has_more = rows.len() > limit as usize;
    let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
    for (seq, kind, json, name) in rows.into_iter().take(limit as usize) {
        let entity = feed_entity(&kind, &json, name)?;
        changes.push(Change {
            seq: seq as u64,
            entity,
        });
    }
    let next_cursor = changes.last().map(|ch| ch.seq).unwrap_or(after);
    Ok(ChangesResponse {
        changes,
        next_cursor,
        has_more,
    })
}

pub fn complete_upload(
    c: &mut Connection,
    upload: &UploadRecord,
    media: &MediaRecord,
    now_ms: i64,
) -> StoreResult<()> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let team = upload.team_id.to_string();
    tx.execute(
        "INSERT INTO media (team_id, sha256, bytes, content_type, created_ms, uploaded_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?5) \
         ON CONFLICT (team_id, sha256) DO UPDATE SET uploaded_ms = excluded.uploaded_ms",
        params![
            team,
            media.sha256,
            media.bytes as i64,
            media.content_type,
            now_ms
        ],
    )
    .map_err(db)?;
    tx.execute(
        "UPDATE uploads SET completed_ms = ?3, \"offset\" = length WHERE id = ?1 AND team_id = ?2",
        params![upload.id.as_str(), team, now_ms],
    )
    .map_err(db)?;
    {
        let mut b = SqliteBatch {
            tx: &tx,
            team: team.clone(),
        };
        run_now(batch::media_arrived(&mut b, &media.sha256))?;
    }
    tx.commit().map_err(db)?;
    Ok(())
}

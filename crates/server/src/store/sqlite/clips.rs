//! Ops, clip documents and the change feed in SQLite.
//!
//! A batch is one IMMEDIATE transaction: each op is looked up by id first
//! (a replay is reported as a duplicate and changes nothing), then merged
//! into its clip document with [`crate::merge`]; any refusal rolls the whole
//! batch back. Each clip the batch changed gets one new feed position from
//! the team's counter, so the feed carries the latest state once, at the
//! position of its latest change.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use debrief_protocol::api::{Change, ChangesResponse, Entity, OpResult, OpStatus, TeamId};
use debrief_protocol::{ClipId, Op, Visibility};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::db;
use crate::merge::{self, Actor, ClipDoc};
use crate::store::{Caller, MediaRecord, StoreError, StoreResult, UploadRecord};

/// Take the next position in the team's change feed.
fn next_seq(tx: &Transaction<'_>, team: TeamId) -> StoreResult<i64> {
    tx.query_row(
        "UPDATE teams SET feed_seq = feed_seq + 1 WHERE id = ?1 RETURNING feed_seq",
        [team.to_string()],
        |r| r.get(0),
    )
    .map_err(db)
}

fn doc_json(doc: &ClipDoc) -> StoreResult<String> {
    serde_json::to_string(doc).map_err(StoreError::backend)
}

fn parse_doc(json: &str) -> StoreResult<ClipDoc> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Backend(format!("corrupt clip document: {e}")))
}

struct Working {
    doc: ClipDoc,
    media_ready: bool,
    changed: bool,
}

pub fn apply_ops(
    c: &mut Connection,
    caller: &Caller,
    ops: &[Op],
    now_ms: i64,
) -> StoreResult<Vec<OpResult>> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let team = caller.team_id.to_string();
    let actor = Actor {
        member_id: caller.member_id,
        role: caller.role,
    };
    let mut working: HashMap<ClipId, Working> = HashMap::new();
    let mut order: Vec<ClipId> = Vec::new();
    let mut results = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        let refuse = |source: StoreError| match source {
            StoreError::Backend(_) => source,
            other => StoreError::OpRefused {
                index,
                op_id: op.op_id,
                source: Box::new(other),
            },
        };
        let seen: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM ops WHERE team_id = ?1 AND op_id = ?2)",
                params![team, op.op_id.to_string()],
                |r| r.get(0),
            )
            .map_err(db)?;
        if seen {
            results.push(OpResult {
                op_id: op.op_id,
                status: OpStatus::Duplicate,
            });
            continue;
        }
        let clip_id = op.body.clip_id();
        if let Entry::Vacant(slot) = working.entry(clip_id) {
            let row: Option<(String, bool)> = tx
                .query_row(
                    "SELECT doc, media_ready FROM clips WHERE team_id = ?1 AND clip_id = ?2",
                    params![team, clip_id.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db)?;
            if let Some((json, media_ready)) = row {
                slot.insert(Working {
                    doc: parse_doc(&json)?,
                    media_ready,
                    changed: false,
                });
            }
        }
        let status = match working.get_mut(&clip_id) {
            Some(w) => {
                if !w.doc.visible_to(caller.member_id, w.media_ready) {
                    return Err(refuse(not_found(clip_id)));
                }
                let status = merge::apply(&mut w.doc, op, actor).map_err(refuse)?;
                w.changed |= status == OpStatus::Applied;
                status
            }
            None => {
                let doc = merge::create(op, actor).map_err(refuse)?;
                let media_ready: bool = tx
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM media WHERE team_id = ?1 AND sha256 = ?2)",
                        params![team, doc.sha256],
                        |r| r.get(0),
                    )
                    .map_err(db)?;
                working.insert(
                    clip_id,
                    Working {
                        doc,
                        media_ready,
                        changed: true,
                    },
                );
                OpStatus::Applied
            }
        };
        if !order.contains(&clip_id) {
            order.push(clip_id);
        }
        tx.execute(
            "INSERT INTO ops (team_id, op_id, clip_id, device_id, hlc, status, body, applied_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                team,
                op.op_id.to_string(),
                clip_id.to_string(),
                caller.device_id.to_string(),
                op.hlc.to_string(),
                status_name(status),
                serde_json::to_string(&op.body).map_err(StoreError::backend)?,
                now_ms
            ],
        )
        .map_err(db)?;
        results.push(OpResult {
            op_id: op.op_id,
            status,
        });
    }
    for clip_id in order {
        let w = &working[&clip_id];
        if !w.changed {
            continue;
        }
        let seq = next_seq(&tx, caller.team_id)?;
        tx.execute(
            "INSERT INTO clips (team_id, clip_id, seq, author_id, visibility, sha256, media_ready, doc, \
             thumbnail_sha256, deleted_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
             ON CONFLICT (team_id, clip_id) DO UPDATE SET seq = excluded.seq, \
             visibility = excluded.visibility, doc = excluded.doc, \
             deleted_ms = COALESCE(clips.deleted_ms, excluded.deleted_ms)",
            params![
                team,
                clip_id.to_string(),
                seq,
                w.doc.author.to_string(),
                visibility_name(w.doc.visibility),
                w.doc.sha256,
                w.media_ready,
                doc_json(&w.doc)?,
                w.doc.thumbnail_sha256,
                // When the server learnt of the delete: the media GC's grace
                // period for the clip's media runs from here.
                w.doc.deleted_hlc.map(|_| now_ms)
            ],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)?;
    Ok(results)
}

fn not_found(clip_id: ClipId) -> StoreError {
    StoreError::NotFound(format!("clip {clip_id} not found"))
}

fn status_name(s: OpStatus) -> &'static str {
    match s {
        OpStatus::Applied => "applied",
        OpStatus::Duplicate => "duplicate",
        OpStatus::Superseded => "superseded",
    }
}

fn visibility_name(v: Visibility) -> &'static str {
    v.as_str()
}

pub fn changes(
    c: &Connection,
    caller: &Caller,
    after: u64,
    limit: u32,
) -> StoreResult<ChangesResponse> {
    let mut stmt = c
        .prepare_cached(
            "SELECT c.seq, c.doc, m.display_name FROM clips c JOIN members m ON m.id = c.author_id \
             WHERE c.team_id = ?1 AND c.seq > ?2 \
             AND (c.author_id = ?3 OR (c.visibility = 'team' AND c.media_ready = 1)) \
             ORDER BY c.seq LIMIT ?4",
        )
        .map_err(db)?;
    let after_i = i64::try_from(after).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(
            params![
                caller.team_id.to_string(),
                after_i,
                caller.member_id.to_string(),
                i64::from(limit) + 1
            ],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?)),
        )
        .map_err(db)?
        .collect::<rusqlite::Result<Vec<(i64, String, String)>>>()
        .map_err(db)?;
    let has_more = rows.len() > limit as usize;
    let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
    for (seq, json, author_name) in rows.into_iter().take(limit as usize) {
        let doc = parse_doc(&json)?;
        changes.push(Change {
            seq: seq as u64,
            entity: Entity::Clip(doc.to_state(author_name)),
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
    let waiting: Vec<String> = {
        let mut stmt = tx
            .prepare("SELECT clip_id FROM clips WHERE team_id = ?1 AND sha256 = ?2 AND media_ready = 0 ORDER BY seq")
            .map_err(db)?;
        stmt.query_map(params![team, media.sha256], |r| r.get(0))
            .map_err(db)?
            .collect::<rusqlite::Result<_>>()
            .map_err(db)?
    };
    for clip in waiting {
        let seq = next_seq(&tx, upload.team_id)?;
        tx.execute(
            "UPDATE clips SET media_ready = 1, seq = ?3 WHERE team_id = ?1 AND clip_id = ?2",
            params![team, clip, seq],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)?;
    Ok(())
}

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
use debrief_protocol::{ClipId, Op, OpBody, Target, Visibility};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{coaching, db};
use crate::merge::{self, Actor, ClipDoc};
use crate::store::{Caller, MediaRecord, StoreError, StoreResult, UploadRecord};

/// Take the next position in the team's change feed.
pub(super) fn next_seq(tx: &Transaction<'_>, team: TeamId) -> StoreResult<i64> {
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

pub(super) fn parse_doc(json: &str) -> StoreResult<ClipDoc> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Backend(format!("corrupt clip document: {e}")))
}

pub(super) struct Working {
    pub doc: ClipDoc,
    pub media_ready: bool,
    pub changed: bool,
    /// Whether teammates could see it before this batch: when that flips,
    /// its comments and playbook entry are put into the feed again.
    pub was_team_visible: bool,
}

/// Everything one batch touched, written at its end.
#[derive(Default)]
pub(super) struct Batch {
    pub clips: HashMap<ClipId, Working>,
    pub coaching: coaching::Working,
    /// First-touch order, so a clip is in the feed before its comments.
    pub order: Vec<Target>,
}

impl Batch {
    /// The clip from this batch or the database (None: no such clip).
    pub fn load_clip(
        &mut self,
        tx: &Transaction<'_>,
        team: &str,
        clip_id: ClipId,
    ) -> StoreResult<Option<&mut Working>> {
        if let Entry::Vacant(slot) = self.clips.entry(clip_id) {
            let row: Option<(String, bool)> = tx
                .query_row(
                    "SELECT doc, media_ready FROM clips WHERE team_id = ?1 AND clip_id = ?2",
                    params![team, clip_id.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db)?;
            if let Some((json, media_ready)) = row {
                let doc = parse_doc(&json)?;
                slot.insert(Working {
                    was_team_visible: doc.team_visible(media_ready),
                    doc,
                    media_ready,
                    changed: false,
                });
            }
        }
        Ok(self.clips.get_mut(&clip_id))
    }
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
    let mut batch = Batch::default();
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
        let target = op.body.target();
        let status = match target {
            Target::Clip(clip_id) => {
                apply_clip_op(&tx, caller, actor, &mut batch, clip_id, op).map_err(refuse)?
            }
            _ => coaching::apply(&tx, caller, actor, &mut batch, op).map_err(refuse)?,
        };
        if !batch.order.contains(&target) {
            batch.order.push(target);
        }
        tx.execute(
            "INSERT INTO ops (team_id, op_id, clip_id, device_id, hlc, status, body, applied_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                team,
                op.op_id.to_string(),
                target.id_string(),
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
    for target in std::mem::take(&mut batch.order) {
        match target {
            Target::Clip(clip_id) => write_clip(&tx, caller.team_id, &batch, clip_id, now_ms)?,
            other => coaching::write(&tx, caller.team_id, &batch.coaching, other)?,
        }
    }
    tx.commit().map_err(db)?;
    Ok(results)
}

fn apply_clip_op(
    tx: &Transaction<'_>,
    caller: &Caller,
    actor: Actor,
    batch: &mut Batch,
    clip_id: ClipId,
    op: &Op,
) -> StoreResult<OpStatus> {
    let team = caller.team_id.to_string();
    if let OpBody::AnswerLinked { challenge_id, .. } = &op.body {
        let challenge = coaching::challenge(tx, &team, &mut batch.coaching, *challenge_id)?;
        if let Some(w) = batch.load_clip(tx, &team, clip_id)?
            && let Some(max) = challenge.max_answer_ms
            && w.doc.duration_ms > max
            && w.doc.visible_to(caller.member_id, w.media_ready)
        {
            return Err(StoreError::Invalid(format!(
                "clip {clip_id} is {} ms long; challenge {challenge_id} takes answers of at most {max} ms",
                w.doc.duration_ms
            )));
        }
    }
    match batch.load_clip(tx, &team, clip_id)? {
        Some(w) => {
            if !w.doc.visible_to(caller.member_id, w.media_ready) {
                return Err(not_found(clip_id));
            }
            let status = merge::apply(&mut w.doc, op, actor)?;
            w.changed |= status == OpStatus::Applied;
            Ok(status)
        }
        None => {
            let doc = merge::create(op, actor)?;
            let media_ready: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM media WHERE team_id = ?1 AND sha256 = ?2)",
                    params![team, doc.sha256],
                    |r| r.get(0),
                )
                .map_err(db)?;
            batch.clips.insert(
                clip_id,
                Working {
                    doc,
                    media_ready,
                    changed: true,
                    was_team_visible: false,
                },
            );
            Ok(OpStatus::Applied)
        }
    }
}

fn write_clip(
    tx: &Transaction<'_>,
    team_id: TeamId,
    batch: &Batch,
    clip_id: ClipId,
    now_ms: i64,
) -> StoreResult<()> {
    let w = &batch.clips[&clip_id];
    if !w.changed {
        return Ok(());
    }
    let team = team_id.to_string();
    let seq = next_seq(tx, team_id)?;
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
    if !w.was_team_visible && w.doc.team_visible(w.media_ready) {
        coaching::refeed_dependents(tx, team_id, &clip_id.to_string())?;
    }
    Ok(())
}

pub(super) fn not_found(clip_id: ClipId) -> StoreError {
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
        let entity = match kind.as_str() {
            "clip" => Entity::Clip(parse_doc(&json)?.to_state(name)),
            other => coaching::entity(other, &json, name)?,
        };
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
        // Teammates see the clip now, so its comments and playbook entry too.
        coaching::refeed_dependents(&tx, upload.team_id, &clip)?;
    }
    tx.commit().map_err(db)?;
    Ok(())
}

//! An op batch, written once for every engine: look each op up by id (a
//! replay is reported as a duplicate and changes nothing), merge it into
//! its document with [`crate::merge`] or [`crate::coaching`], and write each
//! changed document back with a new feed position from the team's counter,
//! so the feed carries the latest state once, at the position of its latest
//! change. Any refusal fails the whole batch; the engine rolls back.
//!
//! Engines provide [`BatchTx`]: a few loads and stores inside their writing
//! transaction, which must hold the team's feed counter (or the whole
//! database) from its first statement, so batches of one team apply one
//! after another and positions become visible in the order they are taken.
//! SQLite's implementation is synchronous underneath (its futures are
//! ready at once); PostgreSQL's awaits the network.

mod coaching;

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use debrief_protocol::api::{Entity, OpResult, OpStatus};
use debrief_protocol::{ClipId, Op, OpBody, Target};

use crate::merge::{self, Actor, ClipDoc};
use crate::store::{Caller, StoreError, StoreResult};

pub(crate) use coaching::entity;

/// The coaching documents, each in its own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocKind {
    Challenge,
    Comment,
    Playbook,
}

/// A clip as the engine stores it.
#[derive(Debug)]
pub(crate) struct ClipRow<'a> {
    pub clip_id: &'a str,
    pub seq: i64,
    pub author_id: String,
    pub visibility: &'static str,
    pub sha256: &'a str,
    pub media_ready: bool,
    pub doc: String,
    pub thumbnail_sha256: Option<&'a str>,
    /// When the server learnt of the delete; an engine keeps the first.
    pub deleted_ms: Option<i64>,
}

/// A challenge, comment or playbook entry as the engine stores it.
#[derive(Debug)]
pub(crate) struct DocRow {
    pub kind: DocKind,
    pub id: String,
    /// The clip a comment is on (None for the others).
    pub clip_id: Option<String>,
    pub seq: i64,
    /// Author (challenge, comment) or who promoted/demoted (playbook).
    pub by: String,
    pub doc: String,
}

/// One applied op, for idempotency and audit.
#[derive(Debug)]
pub(crate) struct OpRow {
    pub op_id: String,
    pub target: String,
    pub device_id: String,
    pub hlc: String,
    pub status: &'static str,
    pub body: String,
    pub applied_ms: i64,
}

/// What an engine offers a batch, inside its writing transaction, all
/// scoped to the caller's team.
#[allow(async_fn_in_trait)]
pub(crate) trait BatchTx {
    async fn op_seen(&mut self, op_id: &str) -> StoreResult<bool>;
    /// A clip's document (JSON) and whether its media is there.
    async fn clip(&mut self, clip_id: &str) -> StoreResult<Option<(String, bool)>>;
    async fn team_has_media(&mut self, sha256: &str) -> StoreResult<bool>;
    async fn doc(&mut self, kind: DocKind, id: &str) -> StoreResult<Option<String>>;
    async fn insert_op(&mut self, op: OpRow) -> StoreResult<()>;
    /// Take the next position in the team's change feed.
    async fn next_seq(&mut self) -> StoreResult<i64>;
    async fn upsert_clip(&mut self, row: ClipRow<'_>) -> StoreResult<()>;
    async fn upsert_doc(&mut self, row: DocRow) -> StoreResult<()>;
    /// Ids of the comments (or the playbook entry) of a clip, in feed order.
    async fn dependents(&mut self, kind: DocKind, clip_id: &str) -> StoreResult<Vec<String>>;
    async fn set_seq(&mut self, kind: DocKind, id: &str, seq: i64) -> StoreResult<()>;
    /// Clips waiting for this content, in feed order.
    async fn waiting_clips(&mut self, sha256: &str) -> StoreResult<Vec<String>>;
    async fn mark_media_ready(&mut self, clip_id: &str, seq: i64) -> StoreResult<()>;
}

pub(crate) fn parse_doc(json: &str) -> StoreResult<ClipDoc> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Backend(format!("corrupt clip document: {e}")))
}

pub(crate) struct Working {
    pub doc: ClipDoc,
    pub media_ready: bool,
    pub changed: bool,
    /// Whether teammates could see it before this batch: when that flips,
    /// its comments and playbook entry are put into the feed again.
    pub was_team_visible: bool,
}

/// Everything one batch touched, written at its end.
#[derive(Default)]
pub(crate) struct Batch {
    pub clips: HashMap<ClipId, Working>,
    pub coaching: coaching::Working,
    /// First-touch order, so a clip is in the feed before its comments.
    pub order: Vec<Target>,
}

impl Batch {
    /// The clip from this batch or the database (None: no such clip).
    pub async fn load_clip<T: BatchTx>(
        &mut self,
        tx: &mut T,
        clip_id: ClipId,
    ) -> StoreResult<Option<&mut Working>> {
        if let Entry::Vacant(slot) = self.clips.entry(clip_id)
            && let Some((json, media_ready)) = tx.clip(&clip_id.to_string()).await?
        {
            let doc = parse_doc(&json)?;
            slot.insert(Working {
                was_team_visible: doc.team_visible(media_ready),
                doc,
                media_ready,
                changed: false,
            });
        }
        Ok(self.clips.get_mut(&clip_id))
    }
}

pub(crate) async fn apply_ops<T: BatchTx>(
    tx: &mut T,
    caller: &Caller,
    ops: &[Op],
    now_ms: i64,
) -> StoreResult<Vec<OpResult>> {
    let actor = Actor {
        member_id: caller.member_id,
        role: caller.role,
    };
    let mut batch = Batch::default();
    let mut results = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        let refuse = |source: StoreError| match source {
            StoreError::Backend(_) | StoreError::Unavailable(_) => source,
            other => StoreError::OpRefused {
                index,
                op_id: op.op_id,
                source: Box::new(other),
            },
        };
        if tx.op_seen(&op.op_id.to_string()).await? {
            results.push(OpResult {
                op_id: op.op_id,
                status: OpStatus::Duplicate,
            });
            continue;
        }
        let target = op.body.target();
        let status = match target {
            Target::Clip(clip_id) => apply_clip_op(tx, caller, actor, &mut batch, clip_id, op)
                .await
                .map_err(refuse)?,
            _ => coaching::apply(tx, caller, actor, &mut batch, op)
                .await
                .map_err(refuse)?,
        };
        if !batch.order.contains(&target) {
            batch.order.push(target);
        }
        tx.insert_op(OpRow {
            op_id: op.op_id.to_string(),
            target: target.id_string(),
            device_id: caller.device_id.to_string(),
            hlc: op.hlc.to_string(),
            status: status_name(status),
            body: serde_json::to_string(&op.body).map_err(StoreError::backend)?,
            applied_ms: now_ms,
        })
        .await?;
        results.push(OpResult {
            op_id: op.op_id,
            status,
        });
    }
    for target in std::mem::take(&mut batch.order) {
        match target {
            Target::Clip(clip_id) => write_clip(tx, &batch, clip_id, now_ms).await?,
            other => coaching::write(tx, &batch.coaching, other).await?,
        }
    }
    Ok(results)
}

async fn apply_clip_op<T: BatchTx>(
    tx: &mut T,
    caller: &Caller,
    actor: Actor,
    batch: &mut Batch,
    clip_id: ClipId,
    op: &Op,
) -> StoreResult<OpStatus> {
    if let OpBody::AnswerLinked { challenge_id, .. } = &op.body {
        let challenge = coaching::challenge(tx, &mut batch.coaching, *challenge_id).await?;
        if let Some(w) = batch.load_clip(tx, clip_id).await?
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
    match batch.load_clip(tx, clip_id).await? {
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
            let media_ready = tx.team_has_media(&doc.sha256).await?;
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

async fn write_clip<T: BatchTx>(
    tx: &mut T,
    batch: &Batch,
    clip_id: ClipId,
    now_ms: i64,
) -> StoreResult<()> {
    let w = &batch.clips[&clip_id];
    if !w.changed {
        return Ok(());
    }
    let seq = tx.next_seq().await?;
    let id = clip_id.to_string();
    tx.upsert_clip(ClipRow {
        clip_id: &id,
        seq,
        author_id: w.doc.author.to_string(),
        visibility: w.doc.visibility.as_str(),
        sha256: &w.doc.sha256,
        media_ready: w.media_ready,
        doc: serde_json::to_string(&w.doc).map_err(StoreError::backend)?,
        thumbnail_sha256: w.doc.thumbnail_sha256.as_deref(),
        // When the server learnt of the delete: the media GC's grace
        // period for the clip's media runs from here.
        deleted_ms: w.doc.deleted_hlc.map(|_| now_ms),
    })
    .await?;
    if !w.was_team_visible && w.doc.team_visible(w.media_ready) {
        coaching::refeed_dependents(tx, &id).await?;
    }
    Ok(())
}

/// A team now has this content: the clips that waited for it get a new
/// feed position (teammates see them now), and so do their comments and
/// playbook entries.
pub(crate) async fn media_arrived<T: BatchTx>(tx: &mut T, sha256: &str) -> StoreResult<()> {
    for clip in tx.waiting_clips(sha256).await? {
        let seq = tx.next_seq().await?;
        tx.mark_media_ready(&clip, seq).await?;
        coaching::refeed_dependents(tx, &clip).await?;
    }
    Ok(())
}

pub(crate) fn not_found(clip_id: ClipId) -> StoreError {
    StoreError::NotFound(format!("clip {clip_id} not found"))
}

fn status_name(s: OpStatus) -> &'static str {
    match s {
        OpStatus::Applied => "applied",
        OpStatus::Duplicate => "duplicate",
        OpStatus::Superseded => "superseded",
    }
}

/// The wire form of a stored feed row of any kind.
pub(crate) fn feed_entity(kind: &str, json: &str, name: String) -> StoreResult<Entity> {
    match kind {
        "clip" => Ok(Entity::Clip(parse_doc(json)?.to_state(name))),
        other => entity(other, json, name),
    }
}

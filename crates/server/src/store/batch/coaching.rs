//! Challenges, comments and playbook entries in a batch: loading them,
//! handing them to [`crate::coaching`] to merge, and writing the changed
//! ones back with a new feed position each.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use debrief_protocol::api::{Entity, OpStatus};
use debrief_protocol::{ChallengeId, ClipId, CommentId, Op, OpBody, Target, Visibility};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Batch, BatchTx, DocKind, DocRow, not_found};
use crate::coaching::{self as rules, ChallengeDoc, CommentDoc, PlaybookDoc};
use crate::merge::Actor;
use crate::store::{Caller, StoreError, StoreResult};

pub(crate) struct Doc<T> {
    pub doc: T,
    pub changed: bool,
}

/// The coaching documents one batch touched.
#[derive(Default)]
pub(crate) struct Working {
    challenges: HashMap<ChallengeId, Doc<ChallengeDoc>>,
    comments: HashMap<CommentId, Doc<CommentDoc>>,
    playbook: HashMap<ClipId, Doc<PlaybookDoc>>,
}

fn parse<T: DeserializeOwned>(what: &str, json: &str) -> StoreResult<T> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Backend(format!("corrupt {what} document: {e}")))
}

fn to_json<T: Serialize>(doc: &T) -> StoreResult<String> {
    serde_json::to_string(doc).map_err(StoreError::backend)
}

fn what(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Challenge => "challenge",
        DocKind::Comment => "comment",
        DocKind::Playbook => "playbook",
    }
}

/// Load a document into `map` unless the batch has it already.
async fn load<'m, K, T, X>(
    tx: &mut X,
    map: &'m mut HashMap<K, Doc<T>>,
    key: K,
    kind: DocKind,
) -> StoreResult<Option<&'m mut Doc<T>>>
where
    K: std::hash::Hash + Eq + Copy + std::fmt::Display,
    T: DeserializeOwned,
    X: BatchTx,
{
    if let Entry::Vacant(slot) = map.entry(key)
        && let Some(json) = tx.doc(kind, &key.to_string()).await?
    {
        slot.insert(Doc {
            doc: parse(what(kind), &json)?,
            changed: false,
        });
    }
    Ok(map.get_mut(&key))
}

/// A live challenge of the team, for an answer to link to.
pub(super) async fn challenge<X: BatchTx>(
    tx: &mut X,
    w: &mut Working,
    id: ChallengeId,
) -> StoreResult<ChallengeDoc> {
    match load(tx, &mut w.challenges, id, DocKind::Challenge).await? {
        Some(d) if d.doc.deleted_hlc.is_none() => Ok(d.doc.clone()),
        Some(_) => Err(StoreError::NotFound(format!(
            "challenge {id} was deleted; it takes no more answers"
        ))),
        None => Err(StoreError::NotFound(format!("challenge {id} not found"))),
    }
}

/// Apply one challenge, comment or playbook op.
pub(super) async fn apply<X: BatchTx>(
    tx: &mut X,
    caller: &Caller,
    actor: Actor,
    batch: &mut Batch,
    op: &Op,
) -> StoreResult<OpStatus> {
    match op.body.target() {
        Target::Clip(_) => Err(StoreError::Invalid(format!(
            "{} is a clip op",
            op.body.kind_name()
        ))),
        Target::Challenge(id) => {
            match load(tx, &mut batch.coaching.challenges, id, DocKind::Challenge).await? {
                Some(d) => {
                    let status = rules::apply_challenge(&mut d.doc, op, actor)?;
                    d.changed |= status == OpStatus::Applied;
                    Ok(status)
                }
                None => {
                    let doc = rules::create_challenge(op, actor)?;
                    batch
                        .coaching
                        .challenges
                        .insert(id, Doc { doc, changed: true });
                    Ok(OpStatus::Applied)
                }
            }
        }
        Target::Comment(id) => {
            let clip_id = op.body.clip_id().expect("comment ops name their clip");
            let (deleted, duration_ms) = {
                let clip = batch
                    .load_clip(tx, clip_id)
                    .await?
                    .filter(|w| w.doc.visible_to(caller.member_id, w.media_ready))
                    .ok_or_else(|| not_found(clip_id))?;
                (clip.doc.deleted_hlc.is_some(), clip.doc.duration_ms)
            };
            match load(tx, &mut batch.coaching.comments, id, DocKind::Comment).await? {
                Some(d) => {
                    let status = rules::apply_comment(&mut d.doc, op, actor)?;
                    d.changed |= status == OpStatus::Applied;
                    Ok(status)
                }
                None => {
                    let doc = rules::create_comment(op, actor, duration_ms)?;
                    if deleted {
                        // The clip's delete wins: nothing to keep.
                        return Ok(OpStatus::Superseded);
                    }
                    batch
                        .coaching
                        .comments
                        .insert(id, Doc { doc, changed: true });
                    Ok(OpStatus::Applied)
                }
            }
        }
        Target::Playbook(clip_id) => {
            rules::check_playbook(op, actor)?;
            let (deleted, private) = {
                let clip = batch
                    .load_clip(tx, clip_id)
                    .await?
                    .filter(|w| w.doc.visible_to(caller.member_id, w.media_ready))
                    .ok_or_else(|| not_found(clip_id))?;
                (
                    clip.doc.deleted_hlc.is_some(),
                    clip.doc.visibility == Visibility::Private,
                )
            };
            if private && matches!(op.body, OpBody::PlaybookPromoted { .. }) {
                return Err(StoreError::Invalid(format!(
                    "clip {clip_id} is private; share it with the team before adding it to the playbook"
                )));
            }
            if deleted {
                return Ok(OpStatus::Superseded);
            }
            let entry = load(tx, &mut batch.coaching.playbook, clip_id, DocKind::Playbook).await?;
            let (new, status) = rules::apply_playbook(entry.as_ref().map(|d| &d.doc), op, actor);
            if let Some(doc) = new {
                batch
                    .coaching
                    .playbook
                    .insert(clip_id, Doc { doc, changed: true });
            }
            Ok(status)
        }
    }
}

/// Write a changed coaching document with a new feed position.
pub(super) async fn write<X: BatchTx>(tx: &mut X, w: &Working, target: Target) -> StoreResult<()> {
    let row = match target {
        Target::Clip(_) => return Ok(()),
        Target::Challenge(id) => {
            let Some(d) = w.challenges.get(&id).filter(|d| d.changed) else {
                return Ok(());
            };
            DocRow {
                kind: DocKind::Challenge,
                id: id.to_string(),
                clip_id: None,
                seq: 0,
                by: d.doc.author.to_string(),
                doc: to_json(&d.doc)?,
            }
        }
        Target::Comment(id) => {
            let Some(d) = w.comments.get(&id).filter(|d| d.changed) else {
                return Ok(());
            };
            DocRow {
                kind: DocKind::Comment,
                id: id.to_string(),
                clip_id: Some(d.doc.clip_id.to_string()),
                seq: 0,
                by: d.doc.author.to_string(),
                doc: to_json(&d.doc)?,
            }
        }
        Target::Playbook(clip_id) => {
            let Some(d) = w.playbook.get(&clip_id).filter(|d| d.changed) else {
                return Ok(());
            };
            DocRow {
                kind: DocKind::Playbook,
                id: clip_id.to_string(),
                clip_id: None,
                seq: 0,
                by: d.doc.by.to_string(),
                doc: to_json(&d.doc)?,
            }
        }
    };
    let seq = tx.next_seq().await?;
    tx.upsert_doc(DocRow { seq, ..row }).await
}

/// A clip just became visible to the team: put its comments and playbook
/// entry into the feed again, after it, so devices that read past their
/// first positions (when only the author could see them) get them now.
pub(super) async fn refeed_dependents<X: BatchTx>(tx: &mut X, clip_id: &str) -> StoreResult<()> {
    for kind in [DocKind::Comment, DocKind::Playbook] {
        for id in tx.dependents(kind, clip_id).await? {
            let seq = tx.next_seq().await?;
            tx.set_seq(kind, &id, seq).await?;
        }
    }
    Ok(())
}

/// The wire form of a stored coaching document.
pub(crate) fn entity(kind: &str, json: &str, name: String) -> StoreResult<Entity> {
    Ok(match kind {
        "challenge" => Entity::Challenge(parse::<ChallengeDoc>(kind, json)?.to_state(name)),
        "comment" => Entity::Comment(parse::<CommentDoc>(kind, json)?.to_state(name)),
        "playbook" => Entity::Playbook(parse::<PlaybookDoc>(kind, json)?.to_state(name)),
        other => {
            return Err(StoreError::Backend(format!(
                "unknown feed entity kind {other}"
            )));
        }
    })
}

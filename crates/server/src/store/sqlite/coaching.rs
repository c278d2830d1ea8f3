//! Challenges, comments and playbook entries in SQLite: loading them into
//! a batch, handing them to [`crate::coaching`] to merge, and writing the
//! changed ones back with a new feed position each.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use debrief_protocol::api::{Entity, OpStatus, TeamId};
use debrief_protocol::{ChallengeId, ClipId, CommentId, Op, OpBody, Target, Visibility};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::clips::{Batch, next_seq, not_found};
use super::db;
use crate::coaching::{self as rules, ChallengeDoc, CommentDoc, PlaybookDoc};
use crate::merge::Actor;
use crate::store::{Caller, StoreError, StoreResult};

pub(super) struct Doc<T> {
    pub doc: T,
    pub changed: bool,
}

/// The coaching documents one batch touched.
#[derive(Default)]
pub(super) struct Working {
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

/// Load a document into `map` unless the batch has it already.
fn load<'m, K, T>(
    tx: &Transaction<'_>,
    map: &'m mut HashMap<K, Doc<T>>,
    key: K,
    sql: &str,
    team: &str,
    what: &str,
) -> StoreResult<Option<&'m mut Doc<T>>>
where
    K: std::hash::Hash + Eq + Copy + std::fmt::Display,
    T: DeserializeOwned,
{
    if let Entry::Vacant(slot) = map.entry(key) {
        let json: Option<String> = tx
            .query_row(sql, params![team, key.to_string()], |r| r.get(0))
            .optional()
            .map_err(db)?;
        if let Some(json) = json {
            slot.insert(Doc {
                doc: parse(what, &json)?,
                changed: false,
            });
        }
    }
    Ok(map.get_mut(&key))
}

fn load_challenge<'m>(
    tx: &Transaction<'_>,
    team: &str,
    w: &'m mut Working,
    id: ChallengeId,
) -> StoreResult<Option<&'m mut Doc<ChallengeDoc>>> {
    load(
        tx,
        &mut w.challenges,
        id,
        "SELECT doc FROM challenges WHERE team_id = ?1 AND challenge_id = ?2",
        team,
        "challenge",
    )
}

/// A live challenge of the team, for an answer to link to.
pub(super) fn challenge(
    tx: &Transaction<'_>,
    team: &str,
    w: &mut Working,
    id: ChallengeId,
) -> StoreResult<ChallengeDoc> {
    match load_challenge(tx, team, w, id)? {
        Some(d) if d.doc.deleted_hlc.is_none() => Ok(d.doc.clone()),
        Some(_) => Err(StoreError::NotFound(format!(
            "challenge {id} was deleted; it takes no more answers"
        ))),
        None => Err(StoreError::NotFound(format!("challenge {id} not found"))),
    }
}

/// Apply one challenge, comment or playbook op.
pub(super) fn apply(
    tx: &Transaction<'_>,
    caller: &Caller,
    actor: Actor,
    batch: &mut Batch,
    op: &Op,
) -> StoreResult<OpStatus> {
    let team = caller.team_id.to_string();
    match op.body.target() {
        Target::Clip(_) => Err(StoreError::Invalid(format!(
            "{} is a clip op",
            op.body.kind_name()
        ))),
        Target::Challenge(id) => match load_challenge(tx, &team, &mut batch.coaching, id)? {
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
        },
        Target::Comment(id) => {
            let clip_id = op.body.clip_id().expect("comment ops name their clip");
            let (deleted, duration_ms) = {
                let clip = batch
                    .load_clip(tx, &team, clip_id)?
                    .filter(|w| w.doc.visible_to(caller.member_id, w.media_ready))
                    .ok_or_else(|| not_found(clip_id))?;
                (clip.doc.deleted_hlc.is_some(), clip.doc.duration_ms)
            };
            let existing = load(
                tx,
                &mut batch.coaching.comments,
                id,
                "SELECT doc FROM comments WHERE team_id = ?1 AND comment_id = ?2",
                &team,
                "comment",
            )?;
            match existing {
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
                    .load_clip(tx, &team, clip_id)?
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
            let entry = load(
                tx,
                &mut batch.coaching.playbook,
                clip_id,
                "SELECT doc FROM playbook WHERE team_id = ?1 AND clip_id = ?2",
                &team,
                "playbook",
            )?;
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
pub(super) fn write(
    tx: &Transaction<'_>,
    team_id: TeamId,
    w: &Working,
    target: Target,
) -> StoreResult<()> {
    let team = team_id.to_string();
    match target {
        Target::Clip(_) => Ok(()),
        Target::Challenge(id) => {
            let Some(d) = w.challenges.get(&id).filter(|d| d.changed) else {
                return Ok(());
            };
            let seq = next_seq(tx, team_id)?;
            tx.execute(
                "INSERT INTO challenges (team_id, challenge_id, seq, author_id, doc) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (team_id, challenge_id) DO UPDATE SET seq = excluded.seq, doc = excluded.doc",
                params![team, id.to_string(), seq, d.doc.author.to_string(), to_json(&d.doc)?],
            )
            .map_err(db)?;
            Ok(())
        }
        Target::Comment(id) => {
            let Some(d) = w.comments.get(&id).filter(|d| d.changed) else {
                return Ok(());
            };
            let seq = next_seq(tx, team_id)?;
            tx.execute(
                "INSERT INTO comments (team_id, comment_id, clip_id, seq, author_id, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (team_id, comment_id) DO UPDATE SET seq = excluded.seq, doc = excluded.doc",
                params![
                    team,
                    id.to_string(),
                    d.doc.clip_id.to_string(),
                    seq,
                    d.doc.author.to_string(),
                    to_json(&d.doc)?
                ],
            )
            .map_err(db)?;
            Ok(())
        }
        Target::Playbook(clip_id) => {
            let Some(d) = w.playbook.get(&clip_id).filter(|d| d.changed) else {
                return Ok(());
            };
            let seq = next_seq(tx, team_id)?;
            tx.execute(
                "INSERT INTO playbook (team_id, clip_id, seq, by_id, doc) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (team_id, clip_id) DO UPDATE SET seq = excluded.seq, by_id = excluded.by_id, doc = excluded.doc",
                params![team, clip_id.to_string(), seq, d.doc.by.to_string(), to_json(&d.doc)?],
            )
            .map_err(db)?;
            Ok(())
        }
    }
}

/// A clip just became visible to the team: put its comments and playbook
/// entry into the feed again, after it, so devices that read past their
/// first positions (when only the author could see them) get them now.
pub(super) fn refeed_dependents(
    tx: &Transaction<'_>,
    team_id: TeamId,
    clip_id: &str,
) -> StoreResult<()> {
    let team = team_id.to_string();
    for (table, key) in [("comments", "comment_id"), ("playbook", "clip_id")] {
        let keys: Vec<String> = {
            let mut stmt = tx
                .prepare_cached(&format!(
                    "SELECT {key} FROM {table} WHERE team_id = ?1 AND clip_id = ?2 ORDER BY seq"
                ))
                .map_err(db)?;
            stmt.query_map(params![team, clip_id], |r| r.get(0))
                .map_err(db)?
                .collect::<rusqlite::Result<_>>()
                .map_err(db)?
        };
        for k in keys {
            let seq = next_seq(tx, team_id)?;
            tx.execute(
                &format!("UPDATE {table} SET seq = ?3 WHERE team_id = ?1 AND {key} = ?2"),
                params![team, k, seq],
            )
            .map_err(db)?;
        }
    }
    Ok(())
}

/// The wire form of a stored coaching document.
pub(super) fn entity(kind: &str, json: &str, name: String) -> StoreResult<Entity> {
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

//! Merge rules and authorisation of the coaching loop (protocol 2):
//! challenges, comments and playbook entries. Pure like [`crate::merge`]:
//! the store loads the documents, these functions decide, the store saves.
//!
//! - Challenge fields are last-writer-wins registers by HLC; a delete wins.
//!   Only managers and admins create, edit or delete challenges.
//! - A comment's text is a last-writer-wins register; a delete wins. Anyone
//!   who can see the clip comments; only the comment's author edits or
//!   deletes it.
//! - A clip's playbook entry is one last-writer-wins register (in or out,
//!   section, position), so a concurrent promote and demote resolve to the
//!   later one. Only managers and admins change it.
//!
//! Refusals are [`StoreError::Forbidden`] (403) naming the role needed,
//! [`StoreError::NotFound`] for ids this team does not have, and
//! [`StoreError::Invalid`] (400) for bad input.

use debrief_protocol::api::{
    Author, ChallengeState, CommentState, MemberId, OpStatus, PlaybookState,
};
use debrief_protocol::coaching::{self, ManagerAction};
use debrief_protocol::{ChallengeId, ClipId, CommentId, Hlc, Op, OpBody};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::merge::Actor;
use crate::store::StoreError;

fn invalid(msg: String) -> StoreError {
    StoreError::Invalid(msg)
}

fn need_manager(action: ManagerAction, actor: Actor) -> Result<(), StoreError> {
    match action.refusal(actor.role) {
        None => Ok(()),
        Some(msg) => Err(StoreError::Forbidden(msg)),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChallengeDoc {
    pub challenge_id: ChallengeId,
    pub author: MemberId,
    pub title: String,
    pub title_hlc: Hlc,
    pub prompt: String,
    pub prompt_hlc: Hlc,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    pub due_hlc: Hlc,
    pub max_answer_ms: Option<u64>,
    pub max_hlc: Hlc,
    pub created_hlc: Hlc,
    pub deleted_hlc: Option<Hlc>,
}

impl ChallengeDoc {
    pub fn to_state(&self, author_name: String) -> ChallengeState {
        let updated = [self.title_hlc, self.prompt_hlc, self.due_hlc, self.max_hlc]
            .into_iter()
            .chain(self.deleted_hlc)
            .max()
            .unwrap_or(self.created_hlc);
        ChallengeState {
            challenge_id: self.challenge_id,
            title: self.title.clone(),
            prompt: self.prompt.clone(),
            due_at: self.due_at,
            max_answer_ms: self.max_answer_ms,
            author: Author {
                member_id: self.author,
                display_name: author_name,
            },
            updated_hlc: updated,
            created_hlc: self.created_hlc,
            deleted: self.deleted_hlc.is_some(),
        }
    }
}

fn check_challenge_fields(
    title: Option<&String>,
    prompt: Option<&String>,
    max_answer_ms: Option<u64>,
) -> Result<(), StoreError> {
    if let Some(t) = title {
        coaching::check_text("title", t, coaching::MAX_CHALLENGE_TITLE_CHARS, true)
            .map_err(invalid)?;
    }
    if let Some(p) = prompt {
        coaching::check_text("prompt", p, coaching::MAX_PROMPT_CHARS, true).map_err(invalid)?;
    }
    if let Some(ms) = max_answer_ms {
        coaching::check_answer_limit(ms).map_err(invalid)?;
    }
    Ok(())
}

/// A new challenge from a `challenge_created` op.
pub fn create_challenge(op: &Op, actor: Actor) -> Result<ChallengeDoc, StoreError> {
    let OpBody::ChallengeCreated {
        challenge_id,
        title,
        prompt,
        due_at,
        max_answer_ms,
    } = &op.body
    else {
        let what = match &op.body {
            OpBody::ChallengeEdited { .. } => ManagerAction::EditChallenge,
            _ => ManagerAction::DeleteChallenge,
        };
        // A member must hear about the role, not about a missing id.
        need_manager(what, actor)?;
        return Err(StoreError::NotFound(format!(
            "challenge {} not found",
            op.body.target().id_string()
        )));
    };
    need_manager(ManagerAction::CreateChallenge, actor)?;
    check_challenge_fields(Some(title), Some(prompt), *max_answer_ms)?;
    Ok(ChallengeDoc {
        challenge_id: *challenge_id,
        author: actor.member_id,
        title: title.trim().to_string(),
        title_hlc: op.hlc,
        prompt: prompt.clone(),
        prompt_hlc: op.hlc,
        due_at: *due_at,
        due_hlc: op.hlc,
        max_answer_ms: *max_answer_ms,
        max_hlc: op.hlc,
        created_hlc: op.hlc,
        deleted_hlc: None,
    })
}

/// Apply an op to an existing challenge.
pub fn apply_challenge(
    doc: &mut ChallengeDoc,
    op: &Op,
    actor: Actor,
) -> Result<OpStatus, StoreError> {
    match &op.body {
        OpBody::ChallengeCreated { challenge_id, .. } => {
            need_manager(ManagerAction::CreateChallenge, actor)?;
            Err(StoreError::Conflict(format!(
                "challenge {challenge_id} already exists; a new challenge needs a new id"
            )))
        }
        OpBody::ChallengeEdited {
            title,
            prompt,
            due_at,
            max_answer_ms,
            ..
        } => {
            need_manager(ManagerAction::EditChallenge, actor)?;
            if title.is_none() && prompt.is_none() && due_at.is_none() && max_answer_ms.is_none() {
                return Err(invalid(
                    "challenge_edited must change title, prompt, due_at or max_answer_ms".into(),
                ));
            }
            check_challenge_fields(title.as_ref(), prompt.as_ref(), *max_answer_ms)?;
            if doc.deleted_hlc.is_some() {
                return Ok(OpStatus::Superseded);
            }
            let mut changed = false;
            let hlc = op.hlc;
            if let Some(t) = title
                && hlc > doc.title_hlc
            {
                doc.title = t.trim().to_string();
                doc.title_hlc = hlc;
                changed = true;
            }
            if let Some(p) = prompt
                && hlc > doc.prompt_hlc
            {
                doc.prompt = p.clone();
                doc.prompt_hlc = hlc;
                changed = true;
            }
            if due_at.is_some() && hlc > doc.due_hlc {
                doc.due_at = *due_at;
                doc.due_hlc = hlc;
                changed = true;
            }
            if max_answer_ms.is_some() && hlc > doc.max_hlc {
                doc.max_answer_ms = *max_answer_ms;
                doc.max_hlc = hlc;
                changed = true;
            }
            Ok(applied_if(changed))
        }
        OpBody::ChallengeDeleted { .. } => {
            need_manager(ManagerAction::DeleteChallenge, actor)?;
            if doc.deleted_hlc.is_some() {
                return Ok(OpStatus::Superseded);
            }
            doc.deleted_hlc = Some(op.hlc);
            Ok(OpStatus::Applied)
        }
        other => Err(invalid(format!(
            "{} is not a challenge op",
            other.kind_name()
        ))),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentDoc {
    pub comment_id: CommentId,
    pub clip_id: ClipId,
    pub author: MemberId,
    pub text: String,
    pub text_hlc: Hlc,
    pub at_ms: Option<u64>,
    pub created_hlc: Hlc,
    pub deleted_hlc: Option<Hlc>,
}

impl CommentDoc {
    pub fn to_state(&self, author_name: String) -> CommentState {
        CommentState {
            comment_id: self.comment_id,
            clip_id: self.clip_id,
            author: Author {
                member_id: self.author,
                display_name: author_name,
            },
            text: if self.deleted_hlc.is_some() {
                String::new()
            } else {
                self.text.clone()
            },
            text_hlc: self.text_hlc,
            at_ms: self.at_ms,
            created_hlc: self.created_hlc,
            deleted: self.deleted_hlc.is_some(),
        }
    }
}

fn check_comment(text: &str) -> Result<(), StoreError> {
    coaching::check_text("comment", text, coaching::MAX_COMMENT_CHARS, true).map_err(invalid)
}

/// A new comment on a clip the actor can see, `clip_duration_ms` long.
pub fn create_comment(
    op: &Op,
    actor: Actor,
    clip_duration_ms: u64,
) -> Result<CommentDoc, StoreError> {
    let OpBody::CommentAdded {
        comment_id,
        clip_id,
        text,
        at_ms,
    } = &op.body
    else {
        return Err(StoreError::NotFound(format!(
            "comment {} not found",
            op.body.target().id_string()
        )));
    };
    check_comment(text)?;
    if let Some(at) = at_ms
        && *at > clip_duration_ms
    {
        return Err(invalid(format!(
            "the comment is at {at} ms but the clip is only {clip_duration_ms} ms long"
        )));
    }
    Ok(CommentDoc {
        comment_id: *comment_id,
        clip_id: *clip_id,
        author: actor.member_id,
        text: text.clone(),
        text_hlc: op.hlc,
        at_ms: *at_ms,
        created_hlc: op.hlc,
        deleted_hlc: None,
    })
}

pub fn apply_comment(doc: &mut CommentDoc, op: &Op, actor: Actor) -> Result<OpStatus, StoreError> {
    let (verb, clip_id) = match &op.body {
        OpBody::CommentAdded { comment_id, .. } => {
            return Err(StoreError::Conflict(format!(
                "comment {comment_id} already exists; a new comment needs a new id"
            )));
        }
        OpBody::CommentEdited { clip_id, text, .. } => {
            check_comment(text)?;
            ("edit", clip_id)
        }
        OpBody::CommentDeleted { clip_id, .. } => ("delete", clip_id),
        other => {
            return Err(invalid(format!(
                "{} is not a comment op",
                other.kind_name()
            )));
        }
    };
    if *clip_id != doc.clip_id {
        return Err(invalid(format!(
            "comment {} is on clip {}, not on clip {clip_id}",
            doc.comment_id, doc.clip_id
        )));
    }
    if doc.author != actor.member_id {
        return Err(StoreError::Forbidden(format!(
            "only the comment's author may {verb} comment {}",
            doc.comment_id
        )));
    }
    if doc.deleted_hlc.is_some() {
        return Ok(OpStatus::Superseded);
    }
    match &op.body {
        OpBody::CommentEdited { text, .. } if op.hlc > doc.text_hlc => {
            doc.text = text.clone();
            doc.text_hlc = op.hlc;
            Ok(OpStatus::Applied)
        }
        OpBody::CommentDeleted { .. } => {
            doc.deleted_hlc = Some(op.hlc);
            Ok(OpStatus::Applied)
        }
        _ => Ok(OpStatus::Superseded),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaybookDoc {
    pub clip_id: ClipId,
    pub in_playbook: bool,
    pub section: Option<String>,
    pub position: Option<i64>,
    pub by: MemberId,
    pub hlc: Hlc,
}

impl PlaybookDoc {
    pub fn to_state(&self, by_name: String) -> PlaybookState {
        PlaybookState {
            clip_id: self.clip_id,
            in_playbook: self.in_playbook,
            section: self.section.clone(),
            position: self.position,
            by: Author {
                member_id: self.by,
                display_name: by_name,
            },
            hlc: self.hlc,
        }
    }
}

/// Check a playbook op's role and input; the store has checked the clip.
pub fn check_playbook(op: &Op, actor: Actor) -> Result<(), StoreError> {
    need_manager(ManagerAction::EditPlaybook, actor)?;
    if let OpBody::PlaybookPromoted {
        section: Some(s), ..
    } = &op.body
    {
        coaching::check_section(s).map_err(invalid)?;
    }
    Ok(())
}

/// Merge a checked playbook op into the clip's entry (None: no entry yet).
pub fn apply_playbook(
    entry: Option<&PlaybookDoc>,
    op: &Op,
    actor: Actor,
) -> (Option<PlaybookDoc>, OpStatus) {
    if let Some(cur) = entry
        && op.hlc <= cur.hlc
    {
        return (None, OpStatus::Superseded);
    }
    let doc = match &op.body {
        OpBody::PlaybookPromoted {
            clip_id,
            section,
            position,
        } => PlaybookDoc {
            clip_id: *clip_id,
            in_playbook: true,
            section: section.clone(),
            position: *position,
            by: actor.member_id,
            hlc: op.hlc,
        },
        // Demoting a clip that never was promoted is recorded too, so an
        // older promote that arrives later still loses.
        OpBody::PlaybookDemoted { clip_id } => PlaybookDoc {
            clip_id: *clip_id,
            in_playbook: false,
            section: None,
            position: None,
            by: actor.member_id,
            hlc: op.hlc,
        },
        _ => return (None, OpStatus::Superseded),
    };
    (Some(doc), OpStatus::Applied)
}

fn applied_if(changed: bool) -> OpStatus {
    if changed {
        OpStatus::Applied
    } else {
        OpStatus::Superseded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use debrief_protocol::api::Role;
    use debrief_protocol::{DeviceId, OpId};

    fn actor(role: Role) -> Actor {
        Actor {
            member_id: MemberId::new(),
            role,
        }
    }

    fn op(wall_ms: u64, body: OpBody) -> Op {
        Op {
            op_id: OpId::new(),
            hlc: Hlc {
                wall_ms,
                counter: 0,
                node: DeviceId(uuid::Uuid::nil()),
            },
            body,
        }
    }

    #[test]
    fn only_managers_create_challenges_and_edits_are_last_writer_wins() {
        let id = ChallengeId::new();
        let created = op(
            10,
            OpBody::ChallengeCreated {
                challenge_id: id,
                title: "Pricing".into(),
                prompt: "Record it".into(),
                due_at: None,
                max_answer_ms: Some(120_000),
            },
        );
        let err = create_challenge(&created, actor(Role::Member)).unwrap_err();
        assert!(
            matches!(&err, StoreError::Forbidden(m) if m.contains("only managers")),
            "{err}"
        );
        let boss = actor(Role::Manager);
        let mut doc = create_challenge(&created, boss).unwrap();
        let edit = |wall, title: &str| {
            op(
                wall,
                OpBody::ChallengeEdited {
                    challenge_id: id,
                    title: Some(title.into()),
                    prompt: None,
                    due_at: None,
                    max_answer_ms: None,
                },
            )
        };
        assert_eq!(
            apply_challenge(&mut doc, &edit(30, "Late"), boss).unwrap(),
            OpStatus::Applied
        );
        assert_eq!(
            apply_challenge(&mut doc, &edit(20, "Early"), boss).unwrap(),
            OpStatus::Superseded
        );
        assert_eq!(doc.title, "Late");
        let del = op(15, OpBody::ChallengeDeleted { challenge_id: id });
        apply_challenge(&mut doc, &del, boss).unwrap();
        assert_eq!(
            apply_challenge(&mut doc, &edit(40, "After"), boss).unwrap(),
            OpStatus::Superseded
        );
        assert!(doc.to_state("B".into()).deleted);
    }

    #[test]
    fn comments_are_edited_only_by_their_author_and_stay_on_their_clip() {
        let (ana, ben) = (actor(Role::Member), actor(Role::Admin));
        let (comment_id, clip_id) = (CommentId::new(), ClipId::new());
        let add = op(
            1,
            OpBody::CommentAdded {
                comment_id,
                clip_id,
                text: "at 0:42, great".into(),
                at_ms: Some(42_000),
            },
        );
        assert!(matches!(
            create_comment(&add, ana, 10_000),
            Err(StoreError::Invalid(_))
        ));
        let mut doc = create_comment(&add, ana, 60_000).unwrap();
        let edit = op(
            2,
            OpBody::CommentEdited {
                comment_id,
                clip_id,
                text: "x".into(),
            },
        );
        assert!(matches!(
            apply_comment(&mut doc, &edit, ben),
            Err(StoreError::Forbidden(_))
        ));
        let elsewhere = op(
            3,
            OpBody::CommentDeleted {
                comment_id,
                clip_id: ClipId::new(),
            },
        );
        assert!(matches!(
            apply_comment(&mut doc, &elsewhere, ana),
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(
            apply_comment(&mut doc, &edit, ana).unwrap(),
            OpStatus::Applied
        );
        assert_eq!(doc.text, "x");
    }

    #[test]
    fn the_later_of_a_promote_and_a_demote_wins() {
        let boss = actor(Role::Manager);
        let clip_id = ClipId::new();
        let promote = op(
            20,
            OpBody::PlaybookPromoted {
                clip_id,
                section: Some("Objections".into()),
                position: Some(1),
            },
        );
        let demote = op(10, OpBody::PlaybookDemoted { clip_id });
        assert!(check_playbook(&promote, actor(Role::Member)).is_err());
        let (first, _) = apply_playbook(None, &promote, boss);
        let first = first.unwrap();
        let (second, status) = apply_playbook(Some(&first), &demote, boss);
        assert!(second.is_none());
        assert_eq!(status, OpStatus::Superseded);
        assert!(first.in_playbook);
    }
}

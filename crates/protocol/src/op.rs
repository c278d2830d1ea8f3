//! Ops: the unit of change a device records in its outbox and the server
//! applies. Each op has a unique id (so applying it twice is a no-op) and a
//! hybrid logical clock timestamp (so concurrent edits merge the same way
//! everywhere).
//!
//! Merge rules, which device and server both follow:
//! - tags are an add-wins observed-remove set: a `TagAdded` op *is* one add,
//!   identified by its op id; a `TagRemoved` op lists the add ids its device
//!   had seen, and removes only those. A concurrent add survives.
//! - title and notes are last-writer-wins registers ordered by HLC.
//! - a delete wins over every concurrent edit.
//!
//! Coaching (protocol 2): challenges and comments follow the same rules
//! (last-writer-wins fields, delete wins); a clip's challenge link and its
//! playbook entry are last-writer-wins registers, so a concurrent promote
//! and demote resolve to the later one by HLC. Who may do what (only
//! managers create challenges and edit the playbook, only a comment's
//! author edits it) is decided by the server; see `crate::coaching`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::clip::{ClipKind, Visibility};
use crate::hlc::Hlc;
use crate::ids::{ChallengeId, ClipId, CommentId, OpId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Op {
    pub op_id: OpId,
    pub hlc: Hlc,
    pub body: OpBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OpBody {
    ClipCreated {
        clip_id: ClipId,
        title: String,
        notes: String,
        kind: ClipKind,
        visibility: Visibility,
        #[serde(with = "time::serde::rfc3339")]
        recorded_at: OffsetDateTime,
        duration_ms: u64,
        width: u32,
        height: u32,
        bytes: u64,
        sha256: String,
        thumbnail_sha256: Option<String>,
    },
    ClipEdited {
        clip_id: ClipId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notes: Option<String>,
    },
    ClipShared {
        clip_id: ClipId,
    },
    ClipDeleted {
        clip_id: ClipId,
    },
    TagAdded {
        clip_id: ClipId,
        /// Display form; the matching key is derived with [`crate::Tag::parse`].
        tag: String,
    },
    TagRemoved {
        clip_id: ClipId,
        tag: String,
        /// The op ids of the adds of this tag the device had seen.
        removes: Vec<OpId>,
    },
    /// A manager asks the team for answers (protocol 2).
    ChallengeCreated {
        challenge_id: ChallengeId,
        title: String,
        prompt: String,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "time::serde::rfc3339::option"
        )]
        due_at: Option<OffsetDateTime>,
        /// Longest answer wanted, in milliseconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_answer_ms: Option<u64>,
    },
    ChallengeEdited {
        challenge_id: ChallengeId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prompt: Option<String>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "time::serde::rfc3339::option"
        )]
        due_at: Option<OffsetDateTime>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_answer_ms: Option<u64>,
    },
    ChallengeDeleted {
        challenge_id: ChallengeId,
    },
    /// The clip's author offers it as an answer to a challenge.
    AnswerLinked {
        clip_id: ClipId,
        challenge_id: ChallengeId,
    },
    /// A manager puts a clip into the playbook (or moves it within it).
    PlaybookPromoted {
        clip_id: ClipId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        section: Option<String>,
        /// Position within the section; lower comes first.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position: Option<i64>,
    },
    PlaybookDemoted {
        clip_id: ClipId,
    },
    CommentAdded {
        comment_id: CommentId,
        clip_id: ClipId,
        text: String,
        /// The moment of the clip the comment is about.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_ms: Option<u64>,
    },
    CommentEdited {
        comment_id: CommentId,
        clip_id: ClipId,
        text: String,
    },
    CommentDeleted {
        comment_id: CommentId,
        clip_id: ClipId,
    },
}

/// The entity an op changes: what the server merges it into and what the
/// device's outbox files it under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Clip(ClipId),
    Challenge(ChallengeId),
    Comment(CommentId),
    /// A clip's playbook entry (one per clip).
    Playbook(ClipId),
}

impl Target {
    /// The entity's id as text (ids of every kind are distinct UUIDs).
    pub fn id_string(&self) -> String {
        match self {
            Target::Clip(id) | Target::Playbook(id) => id.to_string(),
            Target::Challenge(id) => id.to_string(),
            Target::Comment(id) => id.to_string(),
        }
    }
}

impl OpBody {
    /// The snake_case name of the op, as it appears in the `type` field.
    pub fn kind_name(&self) -> &'static str {
        match self {
            OpBody::ClipCreated { .. } => "clip_created",
            OpBody::ClipEdited { .. } => "clip_edited",
            OpBody::ClipShared { .. } => "clip_shared",
            OpBody::ClipDeleted { .. } => "clip_deleted",
            OpBody::TagAdded { .. } => "tag_added",
            OpBody::TagRemoved { .. } => "tag_removed",
            OpBody::ChallengeCreated { .. } => "challenge_created",
            OpBody::ChallengeEdited { .. } => "challenge_edited",
            OpBody::ChallengeDeleted { .. } => "challenge_deleted",
            OpBody::AnswerLinked { .. } => "answer_linked",
            OpBody::PlaybookPromoted { .. } => "playbook_promoted",
            OpBody::PlaybookDemoted { .. } => "playbook_demoted",
            OpBody::CommentAdded { .. } => "comment_added",
            OpBody::CommentEdited { .. } => "comment_edited",
            OpBody::CommentDeleted { .. } => "comment_deleted",
        }
    }

    /// The entity this op changes.
    pub fn target(&self) -> Target {
        match self {
            OpBody::ClipCreated { clip_id, .. }
            | OpBody::ClipEdited { clip_id, .. }
            | OpBody::ClipShared { clip_id }
            | OpBody::ClipDeleted { clip_id }
            | OpBody::TagAdded { clip_id, .. }
            | OpBody::TagRemoved { clip_id, .. }
            | OpBody::AnswerLinked { clip_id, .. } => Target::Clip(*clip_id),
            OpBody::ChallengeCreated { challenge_id, .. }
            | OpBody::ChallengeEdited { challenge_id, .. }
            | OpBody::ChallengeDeleted { challenge_id } => Target::Challenge(*challenge_id),
            OpBody::PlaybookPromoted { clip_id, .. } | OpBody::PlaybookDemoted { clip_id } => {
                Target::Playbook(*clip_id)
            }
            OpBody::CommentAdded { comment_id, .. }
            | OpBody::CommentEdited { comment_id, .. }
            | OpBody::CommentDeleted { comment_id, .. } => Target::Comment(*comment_id),
        }
    }

    /// The clip this op is about, if any (challenge ops have none).
    pub fn clip_id(&self) -> Option<ClipId> {
        match self {
            OpBody::ClipCreated { clip_id, .. }
            | OpBody::ClipEdited { clip_id, .. }
            | OpBody::ClipShared { clip_id }
            | OpBody::ClipDeleted { clip_id }
            | OpBody::TagAdded { clip_id, .. }
            | OpBody::TagRemoved { clip_id, .. }
            | OpBody::AnswerLinked { clip_id, .. }
            | OpBody::PlaybookPromoted { clip_id, .. }
            | OpBody::PlaybookDemoted { clip_id }
            | OpBody::CommentAdded { clip_id, .. }
            | OpBody::CommentEdited { clip_id, .. }
            | OpBody::CommentDeleted { clip_id, .. } => Some(*clip_id),
            OpBody::ChallengeCreated { .. }
            | OpBody::ChallengeEdited { .. }
            | OpBody::ChallengeDeleted { .. } => None,
        }
    }

    /// Needs protocol 2 (a server that lists only 1 refuses it).
    pub fn is_coaching(&self) -> bool {
        !matches!(self.target(), Target::Clip(_)) || matches!(self, OpBody::AnswerLinked { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DeviceId;

    fn sample() -> Op {
        Op {
            op_id: OpId::new(),
            hlc: Hlc {
                wall_ms: 1,
                counter: 2,
                node: DeviceId::new(),
            },
            body: OpBody::TagAdded {
                clip_id: ClipId::new(),
                tag: "Pricing".into(),
            },
        }
    }

    #[test]
    fn ops_round_trip_with_a_type_tag() {
        let op = sample();
        let json = serde_json::to_value(&op).unwrap();
        assert_eq!(json["body"]["type"], "tag_added");
        assert_eq!(json["body"]["tag"], "Pricing");
        let back: Op = serde_json::from_value(json).unwrap();
        assert_eq!(back, op);
        assert_eq!(back.body.kind_name(), "tag_added");
    }

    #[test]
    fn coaching_ops_round_trip_and_name_their_target() {
        let challenge_id = ChallengeId::new();
        let body = OpBody::ChallengeCreated {
            challenge_id,
            title: "Pricing".into(),
            prompt: "How do you handle it?".into(),
            due_at: Some(time::macros::datetime!(2026-05-01 23:59:59 UTC)),
            max_answer_ms: Some(120_000),
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["type"], "challenge_created");
        assert_eq!(json["due_at"], "2026-05-01T23:59:59Z");
        assert_eq!(serde_json::from_value::<OpBody>(json).unwrap(), body);
        assert_eq!(body.target(), Target::Challenge(challenge_id));
        assert_eq!(body.clip_id(), None);
        assert!(body.is_coaching());
        // Optional fields may be left out.
        let min: OpBody = serde_json::from_value(serde_json::json!({
            "type": "challenge_created", "challenge_id": challenge_id,
            "title": "t", "prompt": "p"}))
        .unwrap();
        assert!(matches!(
            min,
            OpBody::ChallengeCreated {
                due_at: None,
                max_answer_ms: None,
                ..
            }
        ));
        let clip_id = ClipId::new();
        let comment_id = CommentId::new();
        let c = OpBody::CommentAdded {
            comment_id,
            clip_id,
            text: "great reframe".into(),
            at_ms: Some(42_000),
        };
        assert_eq!(c.target(), Target::Comment(comment_id));
        assert_eq!(c.clip_id(), Some(clip_id));
        let p = OpBody::PlaybookPromoted {
            clip_id,
            section: None,
            position: None,
        };
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"type": "playbook_promoted", "clip_id": clip_id})
        );
        assert_eq!(p.target(), Target::Playbook(clip_id));
        assert!(!OpBody::ClipShared { clip_id }.is_coaching());
        assert!(
            OpBody::AnswerLinked {
                clip_id,
                challenge_id
            }
            .is_coaching()
        );
    }

    #[test]
    fn unknown_fields_are_refused_and_named() {
        let mut json = serde_json::to_value(sample()).unwrap();
        json["body"]["colour"] = "red".into();
        let err = serde_json::from_value::<Op>(json).unwrap_err().to_string();
        assert!(err.contains("colour"), "{err}");
        let mut json = serde_json::to_value(sample()).unwrap();
        json["extra"] = 1.into();
        let err = serde_json::from_value::<Op>(json).unwrap_err().to_string();
        assert!(err.contains("extra"), "{err}");
    }
}

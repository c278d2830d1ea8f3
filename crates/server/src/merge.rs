//! The merge rules, applied to one clip document at a time. Pure: no I/O,
//! so every metadata store engine shares them and they are tested alone.
//!
//! The rules (the same the device follows, see `debrief_protocol::op`):
//! - tags are an add-wins observed-remove set. Each `TagAdded` op is one add
//!   element (its op id); a `TagRemoved` tombstones exactly the add ids it
//!   lists, so a concurrent add it did not see survives. Tombstones are kept,
//!   so a remove that overtakes its add still wins over that add.
//! - title and notes are last-writer-wins registers by HLC (the HLC's device
//!   id breaks ties, so two writes never compare equal).
//! - a delete wins over every edit, concurrent or later.
//!
//! Authorisation is decided here too, because it depends on the document:
//! the author or a manager/admin may edit, share and delete; any member
//! who can see the clip may tag it.

use std::collections::{BTreeMap, BTreeSet};

use debrief_protocol::api::{Author, ClipState, MemberId, OpStatus, Role, TagAdd};
use debrief_protocol::{
    ChallengeId, ClipId, ClipKind, Hlc, Op, OpBody, OpId, Tag, Visibility, is_sha256_hex,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::store::StoreError;

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_NOTES_CHARS: usize = 20_000;
pub const MAX_REMOVES: usize = 10_000;

/// Who is applying an op.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub member_id: MemberId,
    pub role: Role,
}

/// A stored tag add element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAdd {
    pub add_id: OpId,
    pub key: String,
    pub display: String,
    pub hlc: Hlc,
}

/// A clip's merged state as the metadata store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipDoc {
    pub clip_id: ClipId,
    pub author: MemberId,
    pub title: String,
    pub title_hlc: Hlc,
    pub notes: String,
    pub notes_hlc: Hlc,
    pub kind: ClipKind,
    pub visibility: Visibility,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub duration_ms: u64,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub sha256: String,
    pub thumbnail_sha256: Option<String>,
    pub adds: Vec<StoredAdd>,
    pub removed: BTreeSet<OpId>,
    pub created_hlc: Hlc,
    pub deleted_hlc: Option<Hlc>,
    /// The challenge this clip answers (schema 3; older documents have none).
    #[serde(default)]
    pub challenge_id: Option<ChallengeId>,
    #[serde(default)]
    pub challenge_hlc: Option<Hlc>,
}

impl ClipDoc {
    /// May `member` see this clip? Its author always; teammates once it is
    /// shared with the team and its media has arrived.
    pub fn visible_to(&self, member: MemberId, media_ready: bool) -> bool {
        self.author == member || (self.visibility == Visibility::Team && media_ready)
    }

    /// The wire form, with the author's display name filled in.
    pub fn to_state(&self, author_name: String) -> ClipState {
        let mut by_key: BTreeMap<&str, &StoredAdd> = BTreeMap::new();
        for add in &self.adds {
            let newer = by_key
                .get(add.key.as_str())
                .is_none_or(|cur| add.hlc > cur.hlc);
            if newer {
                by_key.insert(&add.key, add);
            }
        }
        ClipState {
            clip_id: self.clip_id,
            title: self.title.clone(),
            title_hlc: self.title_hlc,
            notes: self.notes.clone(),
            notes_hlc: self.notes_hlc,
            kind: self.kind,
            visibility: self.visibility,
            author: Author {
                member_id: self.author,
                display_name: author_name,
            },
            recorded_at: self.recorded_at,
            duration_ms: self.duration_ms,
            width: self.width,
            height: self.height,
            bytes: self.bytes,
            sha256: self.sha256.clone(),
            thumbnail_sha256: self.thumbnail_sha256.clone(),
            tags: by_key.values().map(|a| a.display.clone()).collect(),
            tag_adds: self
                .adds
                .iter()
                .map(|a| TagAdd {
                    add_id: a.add_id,
                    tag: a.display.clone(),
                    hlc: a.hlc,
                })
                .collect(),
            deleted: self.deleted_hlc.is_some(),
            created_hlc: self.created_hlc,
            deleted_hlc: self.deleted_hlc,
            challenge_id: self.challenge_id,
        }
    }

    /// Seen by the whole team (not only its author).
    pub fn team_visible(&self, media_ready: bool) -> bool {
        self.visibility == Visibility::Team && media_ready && self.deleted_hlc.is_none()
    }
}

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

fn check_text(field: &str, value: &str, max: usize) -> Result<(), StoreError> {
    let chars = value.chars().count();
    if chars > max {
        return Err(invalid(format!(
            "{field} is {chars} characters long; at most {max} are allowed"
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(invalid(format!(
            "{field} contains a control character; only text, newlines and tabs are allowed"
        )));
    }
    Ok(())
}

fn check_hash(field: &str, value: &str) -> Result<(), StoreError> {
    if is_sha256_hex(value) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{field} must be a SHA-256 digest as 64 lowercase hex characters, got '{}'",
            value.chars().take(80).collect::<String>()
        )))
    }
}

/// A new clip document from a `ClipCreated` op, authored by `actor`.
pub fn create(op: &Op, actor: Actor) -> Result<ClipDoc, StoreError> {
    let OpBody::ClipCreated {
        clip_id,
        title,
        notes,
        kind,
        visibility,
        recorded_at,
        duration_ms,
        width,
        height,
        bytes,
        sha256,
        thumbnail_sha256,
    } = &op.body
    else {
        return Err(StoreError::NotFound(format!(
            "clip {} not found: send its clip_created op first",
            op.body.target().id_string()
        )));
    };
    check_text("title", title, MAX_TITLE_CHARS)?;
    check_text("notes", notes, MAX_NOTES_CHARS)?;
    check_hash("sha256", sha256)?;
    if let Some(t) = thumbnail_sha256 {
        check_hash("thumbnail_sha256", t)?;
    }
    Ok(ClipDoc {
        clip_id: *clip_id,
        author: actor.member_id,
        title: title.clone(),
        title_hlc: op.hlc,
        notes: notes.clone(),
        notes_hlc: op.hlc,
        kind: *kind,
        visibility: *visibility,
        recorded_at: *recorded_at,
        duration_ms: *duration_ms,
        width: *width,
        height: *height,
        bytes: *bytes,
        sha256: sha256.clone(),
        thumbnail_sha256: thumbnail_sha256.clone(),
        adds: Vec::new(),
        removed: BTreeSet::new(),
        created_hlc: op.hlc,
        deleted_hlc: None,
        challenge_id: None,
        challenge_hlc: None,
    })
}

/// Apply an op to an existing clip the actor can see.
pub fn apply(doc: &mut ClipDoc, op: &Op, actor: Actor) -> Result<OpStatus, StoreError> {
    let may_moderate = doc.author == actor.member_id || actor.role.moderates();
    let need_moderation = |what: &str| {
        if may_moderate {
            Ok(())
        } else {
            Err(StoreError::Forbidden(format!(
                "only the clip's author or a manager may {what} clip {}",
                doc.clip_id
            )))
        }
    };
    // Validate and authorise first, whatever the merge outcome, so a
    // refused op is refused the same way before and after a delete.
    match &op.body {
        OpBody::ClipCreated { clip_id, .. } => {
            return Err(StoreError::Conflict(format!(
                "clip {clip_id} already exists; a clip is created once (a new clip needs a new id)"
            )));
        }
        OpBody::ClipEdited { title, notes, .. } => {
            need_moderation("edit")?;
            if title.is_none() && notes.is_none() {
                return Err(invalid("clip_edited must change title or notes (or both)"));
            }
            if let Some(t) = title {
                check_text("title", t, MAX_TITLE_CHARS)?;
            }
            if let Some(n) = notes {
                check_text("notes", n, MAX_NOTES_CHARS)?;
            }
        }
        OpBody::ClipShared { .. } => need_moderation("share")?,
        OpBody::ClipDeleted { .. } => need_moderation("delete")?,
        OpBody::TagAdded { tag, .. } => {
            Tag::parse(tag).map_err(|e| invalid(format!("tag: {e}")))?;
        }
        OpBody::TagRemoved { removes, .. } => {
            if removes.len() > MAX_REMOVES {
                return Err(invalid(format!(
                    "removes lists {} add ids; at most {MAX_REMOVES} are allowed",
                    removes.len()
                )));
            }
        }
        // The store checked the challenge (it exists, the clip fits).
        OpBody::AnswerLinked { .. } => {
            if doc.author != actor.member_id {
                return Err(StoreError::Forbidden(format!(
                    "only the clip's author may offer clip {} as a challenge answer",
                    doc.clip_id
                )));
            }
        }
        other => {
            return Err(invalid(format!("{} is not a clip op", other.kind_name())));
        }
    }
    if doc.deleted_hlc.is_some() {
        return Ok(OpStatus::Superseded);
    }
    let status = match &op.body {
        // Answered with a Conflict above; never reaches the merge.
        OpBody::ClipCreated { .. } => OpStatus::Superseded,
        OpBody::ClipEdited { title, notes, .. } => {
            let mut changed = false;
            if let Some(t) = title
                && op.hlc > doc.title_hlc
            {
                doc.title = t.clone();
                doc.title_hlc = op.hlc;
                changed = true;
            }
            if let Some(n) = notes
                && op.hlc > doc.notes_hlc
            {
                doc.notes = n.clone();
                doc.notes_hlc = op.hlc;
                changed = true;
            }
            applied_if(changed)
        }
        OpBody::ClipShared { .. } => {
            let changed = doc.visibility != Visibility::Team;
            doc.visibility = Visibility::Team;
            applied_if(changed)
        }
        OpBody::ClipDeleted { .. } => {
            doc.deleted_hlc = Some(op.hlc);
            OpStatus::Applied
        }
        OpBody::TagAdded { tag, .. } => {
            if doc.removed.contains(&op.op_id) {
                OpStatus::Superseded
            } else {
                let parsed = Tag::parse(tag).map_err(|e| invalid(format!("tag: {e}")))?;
                doc.adds.push(StoredAdd {
                    add_id: op.op_id,
                    key: parsed.key().to_string(),
                    display: parsed.display().to_string(),
                    hlc: op.hlc,
                });
                OpStatus::Applied
            }
        }
        OpBody::TagRemoved { removes, .. } => {
            let before = doc.adds.len();
            doc.removed.extend(removes.iter().copied());
            doc.adds.retain(|a| !doc.removed.contains(&a.add_id));
            applied_if(doc.adds.len() != before)
        }
        OpBody::AnswerLinked { challenge_id, .. } => {
            if doc.challenge_hlc.is_none_or(|h| op.hlc > h) {
                doc.challenge_id = Some(*challenge_id);
                doc.challenge_hlc = Some(op.hlc);
                OpStatus::Applied
            } else {
                OpStatus::Superseded
            }
        }
        // Refused above.
        _ => OpStatus::Superseded,
    };
    Ok(status)
}

fn applied_if(changed: bool) -> OpStatus {
    if changed {
        OpStatus::Applied
    } else {
        OpStatus::Superseded
    }
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;

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

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::clip::{ClipKind, Visibility};
use crate::hlc::Hlc;
use crate::ids::{ClipId, OpId};

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
        }
    }

    pub fn clip_id(&self) -> ClipId {
        match self {
            OpBody::ClipCreated { clip_id, .. }
            | OpBody::ClipEdited { clip_id, .. }
            | OpBody::ClipShared { clip_id }
            | OpBody::ClipDeleted { clip_id }
            | OpBody::TagAdded { clip_id, .. }
            | OpBody::TagRemoved { clip_id, .. } => *clip_id,
        }
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

//! Request and response bodies of the team server's HTTP API (`/v1`).
//!
//! The server refuses unknown fields (`deny_unknown_fields`) so a typo never
//! silently drops data; that is safe because a device first asks
//! `GET /v1/info` which protocol versions the server speaks and stops with an
//! "update" message when there is no common one. Adding a field is therefore
//! a new protocol version. Responses are read by the device, which should be
//! lenient, so response types do not deny unknown fields.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clip::{ClipKind, Visibility};
use crate::hlc::Hlc;
use crate::ids::{ChallengeId, ClipId, CommentId, DeviceId, IdParseError, OpId};
use crate::op::Op;

/// The protocol version this build speaks. `/v1/info` lists every version a
/// server understands.
///
/// - 1: clips and tags.
/// - 2: the coaching loop: challenge, answer, playbook and comment ops, and
///   `challenge`, `comment` and `playbook` entities in the change feed. A
///   device that speaks 2 asks `GET /v1/changes?protocol=2`; without it the
///   server sends only `clip` entities, so devices that speak only 1 keep
///   working against a newer server.
pub const PROTOCOL_VERSION: u32 = 2;

/// Every protocol version a server built from this crate speaks.
pub const SERVER_PROTOCOL_VERSIONS: &[u32] = &[1, 2];

macro_rules! server_id {
    ($name:ident, $what:literal) => {
        #[doc = concat!("Id of a ", $what, ", made by the server (UUIDv7).")]
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let err = || IdParseError {
                    what: $what,
                    input: s.to_string(),
                };
                if s.len() != 36 {
                    return Err(err());
                }
                Uuid::parse_str(s).map(Self).map_err(|_| err())
            }
        }
    };
}

server_id!(TeamId, "team");
server_id!(MemberId, "member");

/// A member's role in a team. Managers and admins may edit, share and
/// delete any visible clip; admins also manage the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: &'static [Role] = &[Role::Member, Role::Manager, Role::Admin];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// May edit, share and delete clips authored by someone else.
    pub fn moderates(&self) -> bool {
        matches!(self, Role::Manager | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .iter()
            .find(|r| r.as_str() == s)
            .copied()
            .ok_or_else(|| format!("unknown role '{s}' (expected one of: member, manager, admin)"))
    }
}

/// `GET /v1/info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoResponse {
    /// Always `debrief-server`.
    pub server: String,
    /// The server's version (semver).
    pub version: String,
    /// Every protocol version this server speaks.
    pub protocol_versions: Vec<u32>,
    /// Largest accepted upload, in bytes.
    pub max_upload_bytes: u64,
}

/// `POST /v1/join`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    /// The invite code, as typed (case, spaces and dashes do not matter).
    pub code: String,
    pub display_name: String,
    pub device_name: String,
    /// The device's own id (its HLC node), so ops it made before joining
    /// keep their clock identity. The server makes one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<DeviceId>,
}

/// Answer to a successful join. `token` is shown once and never again.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinResponse {
    pub token: String,
    pub team_id: TeamId,
    pub team_name: String,
    pub member_id: MemberId,
    pub device_id: DeviceId,
    pub role: Role,
    pub display_name: String,
}

impl fmt::Debug for JoinResponse {
    // The token is a secret: it must never reach a log through Debug.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinResponse")
            .field("token", &"<redacted>")
            .field("team_id", &self.team_id)
            .field("team_name", &self.team_name)
            .field("member_id", &self.member_id)
            .field("device_id", &self.device_id)
            .field("role", &self.role)
            .field("display_name", &self.display_name)
            .finish()
    }
}

/// `POST /v1/ops`: ops in the order the device made them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsRequest {
    pub ops: Vec<Op>,
}

/// What became of one op of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// Applied now; the merged state changed or may change.
    Applied,
    /// This op id was applied before; nothing happened.
    Duplicate,
    /// Accepted and recorded, but it lost the merge (an older HLC than the
    /// field's current value, or an edit of a deleted clip).
    Superseded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpResult {
    pub op_id: OpId,
    pub status: OpStatus,
}

/// Per-op results, in the order of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsResponse {
    pub results: Vec<OpResult>,
}

/// `GET /v1/changes`: entity states changed after the cursor, in the team's
/// one total order. Pass `next_cursor` as `after` to continue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangesResponse {
    pub changes: Vec<Change>,
    pub next_cursor: u64,
    /// More changes wait after `next_cursor`.
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Position in the team's change sequence (strictly increasing).
    pub seq: u64,
    pub entity: Entity,
}

/// The current state of one changed entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "state", rename_all = "snake_case")]
pub enum Entity {
    Clip(ClipState),
    /// Protocol 2.
    Challenge(ChallengeState),
    /// Protocol 2.
    Comment(CommentState),
    /// Protocol 2: a clip's playbook entry.
    Playbook(PlaybookState),
}

/// The merged state of a challenge (protocol 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChallengeState {
    pub challenge_id: ChallengeId,
    pub title: String,
    pub prompt: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub max_answer_ms: Option<u64>,
    pub author: Author,
    /// The latest write of any field (each field merges by its own clock).
    pub updated_hlc: Hlc,
    pub created_hlc: Hlc,
    pub deleted: bool,
}

/// The merged state of a comment on a clip (protocol 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentState {
    pub comment_id: CommentId,
    pub clip_id: ClipId,
    pub author: Author,
    pub text: String,
    pub text_hlc: Hlc,
    #[serde(default)]
    pub at_ms: Option<u64>,
    pub created_hlc: Hlc,
    pub deleted: bool,
}

/// Whether a clip is in the team playbook, and where (protocol 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaybookState {
    pub clip_id: ClipId,
    /// False once demoted (the entry stays, so a late promote loses by HLC).
    pub in_playbook: bool,
    #[serde(default)]
    pub section: Option<String>,
    #[serde(default)]
    pub position: Option<i64>,
    /// Who promoted or demoted it last.
    pub by: Author,
    pub hlc: Hlc,
}

/// `GET /v1/members`: the caller's team, for "who has not answered yet".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersResponse {
    pub members: Vec<MemberInfo>,
    /// The caller.
    pub you: MemberId,
}

/// `GET /v1/devices`: the devices (not revoked) the caller may see: an
/// admin sees the whole team's, everyone else their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicesResponse {
    pub devices: Vec<TeamDevice>,
    /// The calling device.
    pub you: DeviceId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDevice {
    pub device_id: DeviceId,
    pub device_name: String,
    pub member_id: MemberId,
    pub display_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub joined_at: OffsetDateTime,
    /// Last recorded activity (updated every few minutes, not per request).
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    pub member_id: MemberId,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub member_id: MemberId,
    pub display_name: String,
}

/// One live element of a clip's tag set: the add op that put it there.
/// Devices keep these so a later remove can list exactly the adds it saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagAdd {
    pub add_id: OpId,
    /// Display form of this add.
    pub tag: String,
    pub hlc: Hlc,
}

/// The merged state of a clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipState {
    pub clip_id: ClipId,
    pub title: String,
    pub title_hlc: Hlc,
    pub notes: String,
    pub notes_hlc: Hlc,
    pub kind: ClipKind,
    pub visibility: Visibility,
    pub author: Author,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub duration_ms: u64,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub sha256: String,
    pub thumbnail_sha256: Option<String>,
    /// Display strings of the clip's tags, each the display of its most
    /// recent add, sorted by matching key.
    pub tags: Vec<String>,
    pub tag_adds: Vec<TagAdd>,
    pub deleted: bool,
    pub created_hlc: Hlc,
    pub deleted_hlc: Option<Hlc>,
    /// The challenge this clip answers (protocol 2; absent from older servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<ChallengeId>,
}

/// Every error answer: `{"error": {"kind": ..., "message": ...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable kind, e.g. `unauthorized`, `device_revoked`,
    /// `not_found`, `bad_request`, `checksum_mismatch`.
    pub kind: String,
    /// What went wrong and what to do next, for people.
    pub message: String,
    /// The op a `/v1/ops` batch was refused for, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op_id: Option<OpId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_request_refuses_unknown_fields_and_debug_hides_token() {
        let err = serde_json::from_str::<JoinRequest>(
            r#"{"code":"a","display_name":"b","device_name":"c","admin":true}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("admin"), "{err}");
        let resp = JoinResponse {
            token: "secret-token".into(),
            team_id: TeamId::new(),
            team_name: "t".into(),
            member_id: MemberId::new(),
            device_id: DeviceId::new(),
            role: Role::Member,
            display_name: "d".into(),
        };
        assert!(!format!("{resp:?}").contains("secret-token"));
    }

    #[test]
    fn roles_and_ids_parse_strictly() {
        assert_eq!("manager".parse::<Role>().unwrap(), Role::Manager);
        assert!(
            "owner"
                .parse::<Role>()
                .unwrap_err()
                .contains("member, manager, admin")
        );
        let id = TeamId::new();
        assert_eq!(id.to_string().parse::<TeamId>().unwrap(), id);
        assert!("../x".parse::<MemberId>().is_err());
    }

    #[test]
    fn entity_is_adjacently_tagged() {
        let json = serde_json::json!({"type": "clip", "state": {}});
        let err = serde_json::from_value::<Entity>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing field"), "{err}");
    }
}

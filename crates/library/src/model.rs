//! The library's records as callers see them. `Clip` serialises to the
//! clip JSON of the CLI contract (see DESIGN.md "Contracts").

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use debrief_protocol::{ClipId, ClipKind, Visibility};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where a clip's media is, from this device's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaState {
    /// Being recorded right now (or interrupted; recovery will finish it).
    Recording,
    /// Made on this device and complete.
    Ready,
    /// Made on this device, interrupted, and recovered.
    Recovered,
    /// Known from the server; media not on this device.
    Remote,
    /// Being downloaded.
    Downloading,
    /// Downloaded from the server and verified.
    Cached,
}

/// Whether the team server has this clip's latest state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Not joined to a team yet: only on this device.
    Local,
    /// Has changes waiting to be pushed.
    Pending,
    /// Its media is being uploaded.
    Uploading,
    /// The server has everything.
    Synced,
    /// The last attempt failed; see `debrief status`.
    Failed,
}

macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(&self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(format!("unknown {} '{}'", stringify!($ty), other)),
                }
            }
        }
    };
}

text_enum!(MediaState {
    Recording => "recording", Ready => "ready", Recovered => "recovered",
    Remote => "remote", Downloading => "downloading", Cached => "cached",
});
text_enum!(SyncState {
    Local => "local", Pending => "pending", Uploading => "uploading", Synced => "synced", Failed => "failed",
});

impl MediaState {
    /// The media file is on this device and playable.
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            MediaState::Ready | MediaState::Recovered | MediaState::Cached
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clip {
    pub id: ClipId,
    pub title: String,
    pub notes: String,
    pub kind: ClipKind,
    pub challenge_id: Option<String>,
    pub visibility: Visibility,
    pub author: String,
    /// The team member who made it (`None` before this device joined a team).
    pub author_id: Option<String>,
    /// Display strings, sorted case-insensitively.
    pub tags: Vec<String>,
    pub duration_ms: u64,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub sha256: String,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    /// Absolute; `None` while the media is not on this device.
    pub media_path: Option<PathBuf>,
    pub thumbnail_path: Option<PathBuf>,
    pub thumbnail_sha256: Option<String>,
    pub media_state: MediaState,
    pub sync_state: SyncState,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Kept on this device: downloaded at the next media-allowed sync and never evicted.
    pub pinned: bool,
    /// Why the last sync attempt for this clip failed, if it did.
    pub sync_error: Option<String>,
}

/// Everything needed to add a clip whose files are staged (see [`crate::Staging`]).
#[derive(Debug, Clone)]
pub struct NewClip {
    pub title: String,
    pub notes: String,
    pub kind: ClipKind,
    pub visibility: Visibility,
    pub recorded_at: OffsetDateTime,
    pub duration_ms: u64,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub sha256: String,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    /// Whether a thumbnail JPEG was staged, and its SHA-256.
    pub thumbnail_sha256: Option<String>,
    pub media_state: MediaState,
    pub tags: Vec<debrief_protocol::Tag>,
}

/// A tag with the number of clips that carry it (for filter chips).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagCount {
    pub name: String,
    pub count: u64,
}

/// Bytes the library uses on disk for media and thumbnails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct StorageUsage {
    pub clips: u64,
    pub clips_with_media: u64,
    pub media_bytes: u64,
    pub thumbnail_bytes: u64,
    pub total_bytes: u64,
}

/// One page of a listing or search.
#[derive(Debug, Clone, Default)]
pub struct ClipQuery {
    /// Free text: terms are ANDed, each matched as a prefix.
    pub text: Option<String>,
    /// Every tag must be present (matched case-insensitively).
    pub tags: Vec<debrief_protocol::Tag>,
    pub limit: u32,
    pub offset: u32,
}

impl ClipQuery {
    pub fn page(limit: u32, offset: u32) -> Self {
        Self {
            limit,
            offset,
            ..Default::default()
        }
    }
}

/// A pending change for sync, as stored in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub seq: i64,
    pub op: debrief_protocol::Op,
}

/// Limits on free text, enforced at the library boundary.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_NOTES_CHARS: usize = 20_000;

//! The shapes that cross IPC, as the UI sees them.
//!
//! Why not send the core's `Clip` as is: the webview must not learn
//! absolute file paths (it gets loopback URLs instead, only for files that
//! are on this device), and every type here derives `specta::Type` so the
//! TypeScript bindings are generated, not hand-written. The enums mirror
//! the core's with exhaustive `From` matches, so a state added in the core
//! fails to compile here instead of reaching the UI unannounced.
//!
//! Byte counts and durations are `u64` in the core; they are typed as
//! value is far below 2^53 (9 PB, or 285,000 years of video).

pub mod coaching;
pub mod record;

use debrief_library::{Clip, StorageUsage, TagCount};
use debrief_mediaserver::MediaServer;
use serde::{Deserialize, Serialize};
use specta::Type;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ClipKind {
    Debrief,
    Playbook,
    ChallengeAnswer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Team,
    Private,
}

/// Where a clip's media is, from this device's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum MediaState {
    Recording,
    Ready,
    Recovered,
    Remote,
    Downloading,
    Cached,
}

/// Whether the team server has this clip's latest state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Local,
    Pending,
    Uploading,
    Synced,
    Failed,
}

/// A clip for display. `media_url`/`thumbnail_url` point at the app's
/// loopback media server and are `null` when the file is not on this device.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ClipView {
    pub id: String,
    pub title: String,
    pub notes: String,
    pub kind: ClipKind,
    pub visibility: Visibility,
    pub author: String,
    /// Display strings, sorted case-insensitively.
    pub tags: Vec<String>,
    pub duration_ms: u64,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub media_state: MediaState,
    pub sync_state: SyncState,
    /// RFC 3339, UTC.
    pub recorded_at: String,
    pub media_url: Option<String>,
    pub thumbnail_url: Option<String>,
    /// Kept on this device for offline viewing (downloaded when sync may
    /// move media; never evicted).
    pub pinned: bool,
}

impl ClipView {
    pub fn new(clip: Clip, media: &MediaServer) -> Self {
        let media_url = (clip.media_state.is_local() && clip.media_path.is_some())
            .then(|| media.media_url(clip.id));
        let thumbnail_url = clip
            .thumbnail_path
            .is_some()
            .then(|| media.thumbnail_url(clip.id));
        Self {
            id: clip.id.to_string(),
            title: clip.title,
            notes: clip.notes,
            kind: clip.kind.into(),
            visibility: clip.visibility.into(),
            author: clip.author,
            tags: clip.tags,
            duration_ms: clip.duration_ms,
            width: clip.width,
            height: clip.height,
            bytes: clip.bytes,
            media_state: clip.media_state.into(),
            sync_state: clip.sync_state.into(),
            recorded_at: clip
                .recorded_at
                .format(&Rfc3339)
                .unwrap_or_else(|_| clip.recorded_at.to_string()),
            media_url,
            thumbnail_url,
            pinned: clip.pinned,
        }
    }
}

/// What the library screen asks for: one page of a listing or search.
#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct ClipQuery {
    /// Free text; every word must match the start of a word in the title,
    /// notes, tags or author.
    pub text: Option<String>,
    /// Every tag must be on the clip.
    pub tags: Vec<String>,
    /// At most 1000 clips per page (0 means the default, 50).
    pub limit: u32,
    pub offset: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ClipPage {
    pub clips: Vec<ClipView>,
    /// Whether clips beyond this page match.
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct TagCountView {
    pub name: String,
    pub count: u64,
}

impl From<TagCount> for TagCountView {
    fn from(t: TagCount) -> Self {
        Self {
            name: t.name,
            count: t.count,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct StorageView {
    pub clips: u64,
    pub clips_with_media: u64,
    pub media_bytes: u64,
    pub thumbnail_bytes: u64,
    pub total_bytes: u64,
}

impl From<StorageUsage> for StorageView {
    fn from(s: StorageUsage) -> Self {
        Self {
            clips: s.clips,
            clips_with_media: s.clips_with_media,
            media_bytes: s.media_bytes,
            thumbnail_bytes: s.thumbnail_bytes,
            total_bytes: s.total_bytes,
        }
    }
}

/// The app's standing, for the status banner and the settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct AppStatus {
    /// Changes recorded on this device and not yet on the team server.
    pub pending_changes: u64,
    /// Notifications not read yet (the count on the Inbox).
    pub unread_notifications: u64,
    /// The library folder on this device.
    pub data_dir: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct ImportRequest {
    /// Absolute path of an MP4 (H.264 or HEVC video; AAC or Opus audio).
    pub path: String,
    /// Default: the file name without its extension.
    pub title: Option<String>,
    pub tags: Vec<String>,
    /// Keep the clip to this user's own devices.
    pub private: bool,
}

impl From<debrief_protocol::ClipKind> for ClipKind {
    fn from(k: debrief_protocol::ClipKind) -> Self {
        use debrief_protocol::ClipKind as K;
        match k {
            K::Debrief => Self::Debrief,
            K::Playbook => Self::Playbook,
            K::ChallengeAnswer => Self::ChallengeAnswer,
        }
    }
}

impl From<debrief_protocol::Visibility> for Visibility {
    fn from(v: debrief_protocol::Visibility) -> Self {
        use debrief_protocol::Visibility as V;
        match v {
            V::Team => Self::Team,
            V::Private => Self::Private,
        }
    }
}

impl From<debrief_library::MediaState> for MediaState {
    fn from(m: debrief_library::MediaState) -> Self {
        use debrief_library::MediaState as M;
        match m {
            M::Recording => Self::Recording,
            M::Ready => Self::Ready,
            M::Recovered => Self::Recovered,
            M::Remote => Self::Remote,
            M::Downloading => Self::Downloading,
            M::Cached => Self::Cached,
        }
    }
}

impl From<debrief_library::SyncState> for SyncState {
    fn from(s: debrief_library::SyncState) -> Self {
        use debrief_library::SyncState as S;
        match s {
            S::Local => Self::Local,
            S::Pending => Self::Pending,
            S::Uploading => Self::Uploading,
            S::Synced => Self::Synced,
            S::Failed => Self::Failed,
        }
    }
}

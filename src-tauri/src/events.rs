//! Events the shell pushes to the UI. Typed through tauri-specta, so the
//! UI listens with `events.libraryChanged.listen(...)` from the bindings.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri_specta::Event;

/// What happened to a clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum LibraryChange {
    Added,
    Updated,
    Deleted,
}

/// The library changed: every view showing clips should refresh. Emitted
/// after each change a command makes; the sync engine will emit it for
/// changes pulled from the team server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, Event)]
pub struct LibraryChanged {
    pub change: LibraryChange,
    pub clip_id: String,
}

/// Sync status changed: pushed by the background sync several times a
/// second while a round runs (live transfer bytes), and after each round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, Event)]
pub struct SyncStatusChanged {
    pub status: crate::team_dto::SyncStatusView,
}

/// A sync round finished; when `round.changed`, views showing clips
/// should reload (clips arrived, uploads finished, badges moved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, Event)]
pub struct SyncRoundFinished {
    pub round: crate::team_dto::RoundView,
}

/// Bytes of a clip's video downloaded so far, while the player (or the
/// playbook) fetches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, Event)]
pub struct DownloadProgress {
    pub clip_id: String,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// What a coaching change touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum CoachingSubject {
    /// A challenge was posted, edited or deleted, or answered (`id`: the challenge).
    Challenge,
    /// The playbook changed (`id`: the clip promoted, demoted or moved; empty after a reorder).
    Playbook,
    /// A comment was added, edited or deleted (`id`: the clip it is on).
    Comment,
    /// Notifications were marked read (`id` empty).
    Notifications,
}

/// A coaching change made in this app: views showing challenges, the
/// playbook, a clip's comments or the unread count should refresh. Changes
/// pulled from the team server arrive as a `SyncRoundFinished` with
/// `round.changed` instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, Event)]
pub struct CoachingChanged {
    pub subject: CoachingSubject,
    pub id: String,
}

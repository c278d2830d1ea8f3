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

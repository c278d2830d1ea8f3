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

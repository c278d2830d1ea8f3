//! The commands the web UI may call. Each parses its input, takes the app
//! state, makes one call into `debrief-device` and maps the result; the
//! logic lives in the core where it is tested without a window.
//!
//! Adding a command: write it here with `#[tauri::command]` and
//! `#[specta::specta]`, list it in `bindings::builder`, allow it in
//! `capabilities/main.json`, and regenerate `ui/src/bindings.ts`
//! (`DEBRIEF_UPDATE_BINDINGS=1 cargo test -p debrief-app bindings`).

pub mod coaching;
pub mod record;
pub mod team;

use std::path::PathBuf;

use debrief_device::{ImportOptions, ListOptions};
use tauri::State;

use crate::dto::{
    AppStatus, ClipPage, ClipQuery, ClipView, ImportRequest, StorageView, TagCountView,
};
use crate::error::IpcError;
use crate::events::LibraryChange;
use crate::state::AppState;

/// The most clips one page may hold (the library's own cap).
const MAX_PAGE: u32 = 1000;

/// One page of the library, newest first, optionally searched and filtered.
#[tauri::command]
#[specta::specta]
pub async fn list_clips(
    state: State<'_, AppState>,
    query: ClipQuery,
) -> Result<ClipPage, IpcError> {
    let limit = match query.limit {
        0 => 50,
        n => n.min(MAX_PAGE),
    };
    let opts = ListOptions {
        query: query.text,
        tags: query.tags,
        // One clip more than asked tells whether another page exists.
        limit: limit + 1,
        offset: query.offset,
    };
    let mut clips = state.run(move |d| d.list(&opts)).await?;
    let has_more = clips.len() > limit as usize;
    clips.truncate(limit as usize);
    let clips = clips
        .into_iter()
        .map(|c| state.view(c))
        .collect::<Result<_, _>>()?;
    Ok(ClipPage { clips, has_more })
}

#[tauri::command]
#[specta::specta]
pub async fn get_clip(state: State<'_, AppState>, id: String) -> Result<ClipView, IpcError> {
    let clip = state.run(move |d| d.show(&id)).await?;
    state.view(clip)
}

/// Add and remove tags in one change.
#[tauri::command]
#[specta::specta]
pub async fn tag_clip(
    state: State<'_, AppState>,
    id: String,
    add: Vec<String>,
    remove: Vec<String>,
) -> Result<ClipView, IpcError> {
    let clip = state.run(move |d| d.tag(&id, &add, &remove)).await?;
    state.notify(LibraryChange::Updated, &clip.id.to_string());
    state.view(clip)
}

/// Change the title and/or the notes; `null` leaves a field as it is.
#[tauri::command]
#[specta::specta]
pub async fn edit_clip(
    state: State<'_, AppState>,
    id: String,
    title: Option<String>,
    notes: Option<String>,
) -> Result<ClipView, IpcError> {
    let clip = state
        .run(move |d| d.edit(&id, title.as_deref(), notes.as_deref()))
        .await?;
    state.notify(LibraryChange::Updated, &clip.id.to_string());
    state.view(clip)
}

/// Make a private clip visible to the team.
#[tauri::command]
#[specta::specta]
pub async fn share_clip(state: State<'_, AppState>, id: String) -> Result<ClipView, IpcError> {
    let clip = state.run(move |d| d.share(&id)).await?;
    state.notify(LibraryChange::Updated, &clip.id.to_string());
    state.view(clip)
}

/// Delete a clip and its files.
#[tauri::command]
#[specta::specta]
pub async fn delete_clip(state: State<'_, AppState>, id: String) -> Result<(), IpcError> {
    let target = id.clone();
    state.run(move |d| d.delete(&target)).await?;
    state.notify(LibraryChange::Deleted, &id);
    Ok(())
}

/// Every tag with the number of clips carrying it, for the filter chips.
#[tauri::command]
#[specta::specta]
pub async fn list_tags(state: State<'_, AppState>) -> Result<Vec<TagCountView>, IpcError> {
    let tags = state.run(|d| d.tags()).await?;
    Ok(tags.into_iter().map(Into::into).collect())
}

#[tauri::command]
#[specta::specta]
pub async fn storage_usage(state: State<'_, AppState>) -> Result<StorageView, IpcError> {
    Ok(state.run(|d| d.storage()).await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn app_status(state: State<'_, AppState>) -> Result<AppStatus, IpcError> {
    let (pending_changes, unread) = state
        .run(|d| Ok((d.pending_ops()?, d.unread_counts()?.total)))
        .await?;
    Ok(AppStatus {
        pending_changes,
        unread_notifications: unread,
        data_dir: state.data_dir()?.display().to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

/// Copy a video file into the library (it is probed, hashed and given a
/// thumbnail on the way).
#[tauri::command]
#[specta::specta]
pub async fn import_clip(
    state: State<'_, AppState>,
    request: ImportRequest,
) -> Result<ClipView, IpcError> {
    let path = PathBuf::from(request.path.trim());
    let opts = ImportOptions {
        title: request.title.filter(|t| !t.trim().is_empty()),
        notes: None,
        tags: request.tags,
        private: request.private,
    };
    let clip = state.run(move |d| d.import(&path, &opts)).await?;
    state.notify(LibraryChange::Added, &clip.id.to_string());
    state.view(clip)
}

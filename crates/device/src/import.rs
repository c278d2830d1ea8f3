//! Importing a media file into the library.
//!
//! The source is probed first (cheap, catches a wrong file before any
//! copying), copied into staging while its SHA-256 is computed, and the
//! *copy* is probed again, so what the library records is exactly what it
//! stores even if the source changed in between. A thumbnail is made from
//! the copy. Nothing reaches the library unless every step succeeds: the
//! staging area is removed on any error, and a crash is cleaned up at the
//! next open (see `debrief_library::files`).

use std::path::Path;

use debrief_library::{Clip, Library, MediaState, NewClip, copy_and_hash};
use debrief_media::{MediaInfo, probe_file};
use debrief_protocol::{ClipKind, Visibility};
use time::OffsetDateTime;

use crate::error::{DeviceError, Result};
use crate::parse_tags;

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Default: the file name without its extension.
    pub title: Option<String>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub private: bool,
}

pub(crate) fn import(lib: &mut Library, src: &Path, opts: &ImportOptions) -> Result<Clip> {
    let tags = parse_tags(&opts.tags)?;
    let bad = |source| DeviceError::BadMedia {
        path: src.to_path_buf(),
        source,
    };
    probe_file(src).map_err(bad)?;
    let title = match &opts.title {
        Some(t) => t.clone(),
        None => default_title(src),
    };
    let recorded_fallback = file_time(src);

    let t0 = std::time::Instant::now();
    let staging = lib.stage()?;
    let (bytes, sha256) = copy_and_hash(src, &staging.media_part())?;
    let t_copy = t0.elapsed();
    let info: MediaInfo = probe_file(&staging.media_part()).map_err(bad)?;
    let thumbnail_sha256 = match debrief_media::make_thumbnail(&staging.media_part(), &info) {
        Ok(thumb) => {
            std::fs::write(staging.thumb_part(), &thumb.jpeg)
                .map_err(|e| debrief_library::LibraryError::io("write", staging.thumb_part(), e))?;
            Some(debrief_library::files::hash_file(&staging.thumb_part())?)
        }
        Err(e) => {
            // The clip is still worth keeping; the UI shows a placeholder.
            tracing::warn!(error = %e, "no thumbnail for imported file");
            None
        }
    };
    let t_thumb = t0.elapsed();
    let new = NewClip {
        title,
        notes: opts.notes.clone().unwrap_or_default(),
        kind: ClipKind::Debrief,
        visibility: if opts.private {
            Visibility::Private
        } else {
            Visibility::Team
        },
        recorded_at: info.creation_time.unwrap_or(recorded_fallback),
        duration_ms: info.duration_ms,
        width: info.width,
        height: info.height,
        bytes,
        sha256,
        video_codec: Some(info.video_codec.to_string()),
        audio_codec: info.audio_codec.map(|a| a.to_string()),
        thumbnail_sha256,
        media_state: MediaState::Ready,
        tags,
    };
    let clip = lib.add_clip(staging, new)?;
    tracing::debug!(
        bytes,
        copy_ms = t_copy.as_millis() as u64,
        thumb_ms = (t_thumb - t_copy).as_millis() as u64,
        commit_ms = (t0.elapsed() - t_thumb).as_millis() as u64,
        "import phases"
    );
    Ok(clip)
}

fn default_title(src: &Path) -> String {
    let stem: String = src
        .file_stem()
        .map(|s| {
            s.to_string_lossy()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect::<String>()
                .trim()
                .to_string()
        })
        .unwrap_or_default();
    if stem.is_empty() {
        "Untitled debrief".to_string()
    } else {
        stem.chars()
            .take(debrief_library::MAX_TITLE_CHARS)
            .collect()
    }
}

fn file_time(src: &Path) -> OffsetDateTime {
    std::fs::metadata(src)
        .and_then(|m| m.modified())
        .map(OffsetDateTime::from)
        .unwrap_or_else(|_| OffsetDateTime::now_utc())
}

//! A finished recording: finalised, read back, with a thumbnail; and the
//! recovery of an interrupted one, which ends the same way.
//!
//! Both paths call [`complete`]: finalise the file in place (see
//! [`super::mp4`]), then judge it with this crate's own prober (what the
//! library will also do on import) and make the thumbnail from an early
//! keyframe. The result keeps the recording folder locked until the caller
//! has stored the clip and calls [`FinishedRecording::remove`]; if it is
//! dropped instead, the folder stays and the next [`super::scan_interrupted`]
//! finds it again (recovering it then is a quick, idempotent check).

use std::fs;
use std::path::{Path, PathBuf};

use debrief_protocol::ClipId;

use super::error::{RecordError, StopReason};
use super::mp4::{ScanError, Verify, finalise};
use super::store::{RecordingDir, RecordingManifest};
use crate::probe::{AudioCodec, VideoCodec, probe_file};
use crate::thumbnail::{Thumbnail, make_thumbnail};

/// A recording that is saved and playable.
#[derive(Debug)]
pub struct FinishedRecording {
    pub clip_id: ClipId,
    /// The finalised fast-start MP4 (inside the recording's folder).
    pub path: PathBuf,
    pub manifest: RecordingManifest,
    pub duration_ms: u64,
    pub width: u32,
    pub height: u32,
    pub video_codec: VideoCodec,
    pub audio_codec: Option<AudioCodec>,
    pub bytes: u64,
    /// JPEG of an early keyframe; `None` if it could not be made (the
    /// recording itself is fine).
    pub thumbnail: Option<Thumbnail>,
    pub stop_reason: StopReason,
    /// What to tell the user, when the stop was not a plain one.
    pub message: Option<String>,
    /// Other things worth saying (e.g. the microphone stopped part way).
    pub warnings: Vec<String>,
    /// True when this came from [`recover`].
    pub recovered: bool,
    pub video_frames: u64,
    pub frames_dropped: u64,
    /// Bytes of a torn tail cut off during recovery.
    pub dropped_bytes: u64,
    dir: RecordingDir,
}

/// What the recorder knows beyond the file.
#[derive(Debug, Default)]
pub(crate) struct Extras {
    pub frames_dropped: u64,
    pub warnings: Vec<String>,
}

/// Finalises the recording in `dir` and reads it back. With nothing
/// recorded the folder is removed; with a damaged file it is left alone.
pub(crate) fn complete(
    dir: RecordingDir,
    verify: Verify,
    reason: StopReason,
    extras: Extras,
) -> Result<FinishedRecording, RecordError> {
    let path = dir.media_path();
    let finalised = match finalise(&path, verify) {
        Ok(finalised) => finalised,
        Err(ScanError::NothingRecorded) => {
            dir.remove()?;
            return Err(RecordError::NothingRecorded);
        }
        Err(ScanError::Io(e)) => return Err(RecordError::io("finalise", &path, e)),
        Err(source) => {
            return Err(RecordError::Unrecoverable {
                clip_id: dir.clip_id,
                path: dir.dir.clone(),
                source,
            });
        }
    };
    let info = probe_file(&path)?;
    let thumbnail = match make_thumbnail(&path, &info) {
        Ok(thumbnail) => Some(thumbnail),
        Err(err) => {
            tracing::warn!(%err, path = %path.display(), "no thumbnail for the recording");
            None
        }
    };
    let mut warnings = extras.warnings;
    if let Some(why) = &finalised.dropped_reason {
        warnings.push(format!("the unfinished last second was dropped ({why})"));
    }
    let recorded = std::time::Duration::from_millis(info.duration_ms);
    Ok(FinishedRecording {
        clip_id: dir.clip_id,
        path,
        manifest: dir.manifest.clone(),
        duration_ms: info.duration_ms,
        width: info.width,
        height: info.height,
        video_codec: info.video_codec,
        audio_codec: info.audio_codec,
        bytes: finalised.bytes,
        thumbnail,
        message: reason.message(recorded),
        recovered: reason == StopReason::Recovered,
        stop_reason: reason,
        warnings,
        video_frames: finalised.video_frames,
        frames_dropped: extras.frames_dropped,
        dropped_bytes: finalised.dropped_bytes,
        dir,
    })
}

/// Recovers the interrupted recording `clip_id` under `data_dir`: keeps
/// every complete fragment, drops a torn tail, and finalises the file like
/// a normal stop. Safe to repeat and to interrupt. Fails with
/// [`RecordError::InProgress`] while a process still holds it.
pub fn recover(data_dir: &Path, clip_id: ClipId) -> Result<FinishedRecording, RecordError> {
    let dir = RecordingDir::open(data_dir, clip_id)?;
    complete(
        dir,
        Verify::Checksums,
        StopReason::Recovered,
        Extras::default(),
    )
}

impl FinishedRecording {
    /// Puts the media at `dest` (e.g. the library's staging path) without
    /// giving up this copy: a hard link when possible, else a synced copy.
    pub fn place_into(&self, dest: &Path) -> Result<(), RecordError> {
        if fs::hard_link(&self.path, dest).is_ok() {
            return Ok(());
        }
        fs::copy(&self.path, dest)
            .and_then(|_| fs::File::open(dest)?.sync_all())
            .map_err(|e| RecordError::io("copy the recording to", dest, e))
    }

    /// Deletes the recording's folder: call once the clip is stored.
    pub fn remove(self) -> Result<(), RecordError> {
        self.dir.remove()
    }

    /// The recording's folder.
    pub fn folder(&self) -> &Path {
        &self.dir.dir
    }
}

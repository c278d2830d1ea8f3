//! Where recordings live on disk while they are made, and how an
//! interrupted one is found and recovered.
//!
//! ```text
//! <data dir>/recordings/<clip id>/
//!     recording.mp4   fragmented while recording; fast-start once finalised
//!     manifest.json   title, notes, tags, attributes, start time, settings
//!     lock            exclusively locked (File::lock) while a process owns it
//! ```
//!
//! A folder is created complete under a hidden name (`.starting-<id>`),
//! with its lock held, and only then renamed into place; so a folder under
//! its real name always has a manifest, a lock file and a valid file header.
//! The lock is held by the recorder until the file is finalised and then by
//! the [`FinishedRecording`](super::FinishedRecording) until the caller has
//! stored the clip and calls `remove`. A folder whose lock nobody holds is
//! therefore a recording whose process died (or whose clip was not stored
//! yet): [`scan_interrupted`] lists those, and [`recover`] finalises one
//! (idempotent; see [`super::mp4`]). Nothing is deleted by a scan or a
//! recovery except a start that never began (no frame was ever written).
//! Locks are advisory and per open file: two recorders in one process
//! exclude each other too.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use debrief_protocol::ClipId;
use time::OffsetDateTime;

use super::error::RecordError;

pub(crate) const RECORDINGS_DIR: &str = "recordings";
const STARTING_PREFIX: &str = ".starting-";
pub(crate) const MEDIA_FILE: &str = "recording.mp4";
const MANIFEST_FILE: &str = "manifest.json";
const LOCK_FILE: &str = "lock";

/// What the user said about a recording before it was made.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RecordingMeta {
    pub title: String,
    pub notes: String,
    pub tags: Vec<String>,
    /// Anything else the caller needs back after a crash (visibility,
    /// challenge id, ...). Opaque to this crate.
    pub attributes: std::collections::BTreeMap<String, String>,
}

/// The settings a recording was made with, for the record.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RecordingSettings {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub video_bitrate_bps: u32,
    pub audio_bitrate_bps: Option<u32>,
    pub max_length_ms: u64,
}

/// The manifest stored next to a recording.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordingManifest {
    pub version: u32,
    pub clip_id: ClipId,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(default)]
    pub meta: RecordingMeta,
    #[serde(default)]
    pub settings: RecordingSettings,
}

/// A recording folder this process owns (its lock is held).
#[derive(Debug)]
pub(crate) struct RecordingDir {
    pub clip_id: ClipId,
    pub dir: PathBuf,
    pub manifest: RecordingManifest,
    /// Held for as long as this value lives.
    _lock: File,
}

/// The recordings folder of a data directory.
pub fn recordings_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(RECORDINGS_DIR)
}

impl RecordingDir {
    pub(crate) fn media_path(&self) -> PathBuf {
        self.dir.join(MEDIA_FILE)
    }

    /// Creates a recording folder: everything is made under a hidden name
    /// by `populate` (given the folder), then renamed into place.
    pub(crate) fn create<T>(
        data_dir: &Path,
        manifest: RecordingManifest,
        populate: impl FnOnce(&Path) -> Result<T, RecordError>,
    ) -> Result<(Self, T), RecordError> {
        let root = recordings_dir(data_dir);
        if !root.exists() {
            fs::create_dir_all(&root).map_err(|e| RecordError::io("create", &root, e))?;
            sync_dir(data_dir)?;
        }
        let clip_id = manifest.clip_id;
        let staging = root.join(format!("{STARTING_PREFIX}{clip_id}"));
        let dir = root.join(clip_id.to_string());
        if dir.exists() {
            return Err(RecordError::InProgress { clip_id });
        }
        fs::create_dir(&staging).map_err(|e| RecordError::io("create", &staging, e))?;
        let built = (|| {
            let lock = create_locked(&staging.join(LOCK_FILE))?;
            write_manifest(&staging, &manifest)?;
            let value = populate(&staging)?;
            sync_dir(&staging)?;
            fs::rename(&staging, &dir).map_err(|e| RecordError::io("rename", &staging, e))?;
            sync_dir(&root)?;
            Ok((lock, value))
        })();
        match built {
            Ok((lock, value)) => Ok((
                Self {
                    clip_id,
                    dir,
                    manifest,
                    _lock: lock,
                },
                value,
            )),
            Err(err) => {
                let _ = fs::remove_dir_all(&staging);
                Err(err)
            }
        }
    }

    /// Takes over the folder of an interrupted recording.
    pub(crate) fn open(data_dir: &Path, clip_id: ClipId) -> Result<Self, RecordError> {
        let dir = recordings_dir(data_dir).join(clip_id.to_string());
        let lock_path = dir.join(LOCK_FILE);
        let lock = match OpenOptions::new().read(true).write(true).open(&lock_path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !dir.exists() => {
                return Err(RecordError::NotFound { clip_id });
            }
            Err(e) => return Err(RecordError::io("open", &lock_path, e)),
        };
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(RecordError::InProgress { clip_id }),
            Err(TryLockError::Error(e)) => return Err(RecordError::io("lock", &lock_path, e)),
        }
        let manifest = read_manifest(&dir).unwrap_or_else(|| {
            // A damaged manifest does not cost the recording: keep the media.
            tracing::warn!(%clip_id, "the recording's manifest is unreadable; recovering without it");
            RecordingManifest {
                version: 1,
                clip_id,
                started_at: modified_time(&dir.join(MEDIA_FILE)),
                meta: RecordingMeta::default(),
                settings: RecordingSettings::default(),
            }
        });
        Ok(Self {
            clip_id,
            dir,
            manifest,
            _lock: lock,
        })
    }

    /// Deletes the folder, then releases the lock.
    pub(crate) fn remove(self) -> Result<(), RecordError> {
        fs::remove_dir_all(&self.dir).map_err(|e| RecordError::io("delete", &self.dir, e))?;
        if let Some(parent) = self.dir.parent() {
            let _ = sync_dir(parent);
        }
        Ok(())
    }
}

/// A recording found on disk that no process is recording or holding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterruptedRecording {
    pub clip_id: ClipId,
    pub dir: PathBuf,
    /// `None` if the manifest is unreadable (the media is still recovered).
    pub manifest: Option<RecordingManifest>,
    pub media_bytes: u64,
    /// True if it was already finalised (it stopped cleanly but was never
    /// stored as a clip): recovering it is then only a quick check.
    pub finalised: bool,
}

/// Lists the recordings under `data_dir` that need [`recover`](super::recover), oldest
/// first. Also removes folders of starts that never began.
pub fn scan_interrupted(data_dir: &Path) -> Result<Vec<InterruptedRecording>, RecordError> {
    let root = recordings_dir(data_dir);
    let entries = match fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(RecordError::io("read", &root, e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| RecordError::io("read", &root, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if let Some(rest) = name.strip_prefix(STARTING_PREFIX) {
            if rest.parse::<ClipId>().is_ok() && !is_locked(&path.join(LOCK_FILE)) {
                // Never renamed into place: no frame was ever recorded here.
                let _ = fs::remove_dir_all(&path);
            }
            continue;
        }
        let Ok(clip_id) = name.parse::<ClipId>() else {
            continue;
        };
        if !path.is_dir() || is_locked(&path.join(LOCK_FILE)) {
            continue;
        }
        let media = path.join(MEDIA_FILE);
        found.push(InterruptedRecording {
            clip_id,
            manifest: read_manifest(&path),
            media_bytes: fs::metadata(&media).map(|m| m.len()).unwrap_or(0),
            finalised: super::mp4::is_finalised(&media),
            dir: path,
        });
    }
    found.sort_by_key(|r| r.clip_id);
    Ok(found)
}

/// Deletes a recording's folder (after its clip was stored, or to discard
/// it). Refused while a process holds it.
pub fn remove_recording(data_dir: &Path, clip_id: ClipId) -> Result<(), RecordError> {
    RecordingDir::open(data_dir, clip_id)?.remove()
}

fn is_locked(lock_path: &Path) -> bool {
    match File::open(lock_path) {
        Ok(file) => matches!(file.try_lock(), Err(TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

fn create_locked(path: &Path) -> Result<File, RecordError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| RecordError::io("create", path, e))?;
    file.lock().map_err(|e| RecordError::io("lock", path, e))?;
    Ok(file)
}

fn write_manifest(dir: &Path, manifest: &RecordingManifest) -> Result<(), RecordError> {
    let path = dir.join(MANIFEST_FILE);
    let tmp = dir.join(format!("{MANIFEST_FILE}.tmp"));
    let json = serde_json::to_vec_pretty(manifest)
        .map_err(|e| RecordError::Internal(format!("manifest: {e}")))?;
    let mut file = File::create(&tmp).map_err(|e| RecordError::io("create", &tmp, e))?;
    file.write_all(&json)
        .and_then(|()| file.sync_all())
        .map_err(|e| RecordError::io("write", &tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| RecordError::io("rename", &tmp, e))
}

fn read_manifest(dir: &Path) -> Option<RecordingManifest> {
    let bytes = fs::read(dir.join(MANIFEST_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn modified_time(path: &Path) -> OffsetDateTime {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .map(OffsetDateTime::from)
        .unwrap_or_else(|_| OffsetDateTime::now_utc())
}

/// Makes a folder's entries durable (new names survive power loss).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), RecordError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| RecordError::io("sync", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

//! The device facade: the operations a rep performs (import, record,
//! search, tag, sync, ...), offered once for both shells. The CLI and the
//! Tauri app are thin layers over [`Device`]; nothing here knows about
//! either.

mod coaching;
pub mod config;
mod error;
mod fetch;
mod import;
mod prefs;
mod record;
mod roster;
mod session;
mod sources;
mod team;

use std::path::{Path, PathBuf};

use debrief_library::{Clip, ClipQuery, Library, OpenOptions, StorageUsage, TagCount};
use debrief_protocol::{ClipId, Tag};

pub use coaching::{
    ChallengeEditInput, ChallengeInput, ClipCoaching, PlaybookPlace, parse_due, parse_length,
    parse_timestamp,
};
pub use config::Config;
pub use debrief_capture::{AudioLevel, DeviceList, list_devices};
pub use debrief_library::Account;
pub use debrief_media::record::{RecorderState, RecorderStatus};
pub use debrief_sync::network::detect as detect_network;
pub use debrief_sync::{LiveTransfer, LoopTiming, RoundOutcome, SyncError, SyncLoop, SyncOptions};
pub use debrief_sync::{NetworkKind, SyncReport, SyncStatus};
pub use error::{DeviceError, Result};
pub use fetch::{ClipFetch, MediaBlock};
pub use import::ImportOptions;
pub use prefs::{MIN_STORAGE_BUDGET, PreferenceChange};
pub use record::{RecordOptions, RecordedClip, Recording, SYNTHETIC_MIC};
pub use roster::DeviceRoster;
pub use session::{LiveStatus, PreviewImage, PreviewState, RecordingSlot};
pub use sources::{
    CaptureChoices, SourceChoice, TEST_PATTERN_LABEL, TEST_TONE_LABEL, capture_choices,
};
pub use team::{block_on, host_name};

#[derive(Debug)]
pub struct Device {
    library: Library,
    config: Config,
    recovered: Vec<RecordedClip>,
}

/// What `list`/search takes from a user.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub query: Option<String>,
    pub tags: Vec<String>,
    pub limit: u32,
    pub offset: u32,
}

impl Device {
    /// Open the device's library in `data_dir` (created if needed).
    pub fn open(data_dir: &Path) -> Result<Self> {
        let config = Config::load(data_dir)?;
        let library = Library::open_with(
            data_dir,
            OpenOptions {
                author: config.author.clone(),
            },
        )?;
        let mut device = Self {
            library,
            config,
            recovered: Vec::new(),
        };
        // A recording interrupted by a crash, a kill or a dead battery is
        // finished and stored now; callers announce `recovered()`.
        device.recovered = device.recover_interrupted().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not look for interrupted recordings");
            Vec::new()
        });
        Ok(device)
    }

    /// Recordings recovered when this device was opened.
    pub fn recovered(&self) -> &[RecordedClip] {
        &self.recovered
    }

    pub fn data_dir(&self) -> &Path {
        self.library.root()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The underlying library, for read-only views the facade does not wrap.
    pub fn library(&self) -> &Library {
        &self.library
    }

    pub fn list(&self, opts: &ListOptions) -> Result<Vec<Clip>> {
        let tags = parse_tags(&opts.tags)?;
        let q = ClipQuery {
            text: opts.query.clone(),
            tags,
            limit: opts.limit,
            offset: opts.offset,
        };
        Ok(self.library.list(&q)?)
    }

    pub fn show(&self, id: &str) -> Result<Clip> {
        Ok(self.library.clip_by_str(id)?)
    }

    pub fn tag(&mut self, id: &str, add: &[String], remove: &[String]) -> Result<Clip> {
        let id = parse_id(id)?;
        let add = parse_tags(add)?;
        let remove = parse_tags(remove)?;
        Ok(self.library.tag(id, &add, &remove)?)
    }

    pub fn edit(&mut self, id: &str, title: Option<&str>, notes: Option<&str>) -> Result<Clip> {
        Ok(self.library.edit(parse_id(id)?, title, notes)?)
    }

    pub fn share(&mut self, id: &str) -> Result<Clip> {
        Ok(self.library.share(parse_id(id)?)?)
    }

    pub fn delete(&mut self, id: &str) -> Result<()> {
        Ok(self.library.delete(parse_id(id)?)?)
    }

    pub fn tags(&self) -> Result<Vec<TagCount>> {
        Ok(self.library.tag_counts()?)
    }

    pub fn storage(&self) -> Result<StorageUsage> {
        Ok(self.library.storage()?)
    }

    /// What this device keeps for offline viewing: playbook clips, then
    /// pinned ones.
    pub fn kept_offline(&self, limit: u32) -> Result<Vec<Clip>> {
        Ok(self.library.kept_offline(limit)?)
    }

    /// Ops waiting to be pushed to the team server.
    pub fn pending_ops(&self) -> Result<u64> {
        Ok(self.library.outbox_len()?)
    }

    pub fn import(&mut self, path: &Path, opts: &ImportOptions) -> Result<Clip> {
        import::import(&mut self.library, path, opts)
    }

    pub fn media_path(&self, clip: &Clip) -> Option<PathBuf> {
        clip.media_path.clone()
    }
}

pub(crate) fn parse_id(id: &str) -> Result<ClipId> {
    id.parse()
        .map_err(|e| DeviceError::Library(debrief_library::LibraryError::BadId(e)))
}

pub(crate) fn parse_tags(names: &[String]) -> Result<Vec<Tag>> {
    names
        .iter()
        .map(|n| Tag::parse(n).map_err(|e| DeviceError::Library(e.into())))
        .collect()
}

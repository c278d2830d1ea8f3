//! Errors and stop reasons of recording.
//!
//! A [`RecordError`] means an operation failed (nothing to show, or the
//! user must act); a [`StopReason`] explains why a recording that *was*
//! saved ended, so the UI can say e.g. "the disk is full: recording stopped
//! at 1:42 and was saved".

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use debrief_protocol::ClipId;

use super::codec::EncodeError;
use super::mp4::ScanError;
use crate::error::{ProbeError, ThumbnailError};

/// Why recording, stopping or recovering failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(
        "only {} MB is free where recordings are saved and at least {} MB is needed: delete or offload some clips, then try again",
        free_bytes / 1_000_000,
        needed_bytes / 1_000_000
    )]
    LowDiskSpace { free_bytes: u64, needed_bytes: u64 },

    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("the disk is full and nothing could be saved: free up space and record again")]
    DiskFullBeforeFirstFrame,

    #[error("the disk is full, so {} could not be written: free up space and try again", path.display())]
    NoSpace { path: PathBuf },

    #[error("{0}")]
    Encode(#[from] EncodeError),

    #[error("invalid recording settings: {0}")]
    InvalidConfig(String),

    #[error(
        "recording {clip_id} is still in progress in this or another Debrief window; stop it there first"
    )]
    InProgress { clip_id: ClipId },

    #[error("there is no interrupted recording {clip_id} to recover")]
    NotFound { clip_id: ClipId },

    #[error("the recording stopped before its first frame was saved, so there was nothing to keep")]
    NothingRecorded,

    #[error(
        "recording {clip_id} cannot be recovered ({source}); its folder was left in place: {}",
        path.display()
    )]
    Unrecoverable {
        clip_id: ClipId,
        path: PathBuf,
        #[source]
        source: ScanError,
    },

    #[error("the recording was saved but cannot be read back ({0}); try recording again")]
    Unreadable(#[from] ProbeError),

    #[error("the recording was saved but its thumbnail failed: {0}")]
    Thumbnail(#[from] ThumbnailError),

    #[error(
        "the recorder stopped unexpectedly ({0}); what was recorded is recovered at the next start"
    )]
    Internal(String),
}

impl RecordError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        if super::mp4::is_disk_full(&source) {
            return Self::NoSpace { path: path.into() };
        }
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// True when freeing disk space is what the user should do.
    pub fn is_disk_space(&self) -> bool {
        match self {
            Self::LowDiskSpace { .. } | Self::DiskFullBeforeFirstFrame | Self::NoSpace { .. } => {
                true
            }
            Self::Io { source, .. } => super::mp4::is_disk_full(source),
            _ => false,
        }
    }
}

/// Why a saved recording ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StopReason {
    /// The user stopped it.
    Requested,
    /// It reached the maximum length.
    MaxLength,
    /// A write failed because the disk is full.
    DiskFull,
    /// Free space fell below the safety margin.
    LowDiskSpace,
    /// The camera (or its stand-in) stopped delivering.
    SourceEnded { message: String },
    /// The encoder failed.
    EncoderFailed { message: String },
    /// Writing failed for another reason than a full disk.
    WriteFailed { message: String },
    /// It was interrupted (crash, kill, power loss) and recovered.
    Recovered,
}

impl StopReason {
    /// A sentence for the user, or `None` when nothing unusual happened.
    pub fn message(&self, recorded: Duration) -> Option<String> {
        let at = clock_time(recorded);
        let text = match self {
            Self::Requested => return None,
            Self::MaxLength => {
                format!("the recording reached its maximum length ({at}) and was saved")
            }
            Self::DiskFull => format!("the disk is full: recording stopped at {at} and was saved"),
            Self::LowDiskSpace => {
                format!("the disk is almost full: recording stopped at {at} and was saved")
            }
            Self::SourceEnded { message } => {
                format!("the camera stopped ({message}): recording stopped at {at} and was saved")
            }
            Self::EncoderFailed { message } => {
                format!("encoding failed ({message}): recording stopped at {at} and was saved")
            }
            Self::WriteFailed { message } => {
                format!(
                    "saving failed ({message}): recording stopped at {at}; what was saved is kept"
                )
            }
            Self::Recovered => format!("an interrupted recording was recovered ({at})"),
        };
        Some(text)
    }
}

/// `m:ss` (or `h:mm:ss`) for messages.
pub fn clock_time(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_happened_and_when() {
        let at = Duration::from_secs(102);
        assert_eq!(
            StopReason::DiskFull.message(at).unwrap(),
            "the disk is full: recording stopped at 1:42 and was saved"
        );
        assert_eq!(StopReason::Requested.message(at), None);
        assert_eq!(clock_time(Duration::from_secs(3723)), "1:02:03");
        let err = RecordError::LowDiskSpace {
            free_bytes: 150_000_000,
            needed_bytes: 200_000_000,
        };
        assert!(err.is_disk_space());
        assert!(err.to_string().starts_with("only 150 MB is free"), "{err}");
    }
}

//! One error type for everything a user can ask the device to do. Shells
//! show `to_string()` and branch on [`DeviceError::kind`], a stable
//! snake_case name that the app's typed IPC error carries as `kind`.

use std::path::PathBuf;

use debrief_library::LibraryError;

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(transparent)]
    Library(#[from] LibraryError),

    /// Errors about reaching the file already name it; the rest get the path in front.
    #[error("{}", bad_media_message(path, source))]
    BadMedia {
        path: PathBuf,
        source: debrief_media::ProbeError,
    },

    #[error("{0}")]
    InvalidInput(String),

    #[error("cannot read the configuration {path}: {message}")]
    Config { path: PathBuf, message: String },

    #[error(transparent)]
    Sync(#[from] debrief_sync::SyncError),

    /// A sync round ran but some items failed (details in `debrief status`).
    #[error("{0}")]
    SyncIncomplete(String),
}

impl DeviceError {
    /// Stable machine-readable category.
    pub fn kind(&self) -> &'static str {
        match self {
            DeviceError::Library(e) => match e {
                LibraryError::ClipNotFound(_) => "not_found",
                LibraryError::BadId(_) => "bad_id",
                LibraryError::BadTag(_) => "bad_tag",
                LibraryError::InvalidInput(_) => "invalid_input",
                LibraryError::NotPermitted(_) => "not_permitted",
                LibraryError::SchemaTooNew { .. } => "schema_too_new",
                LibraryError::Busy => "busy",
                LibraryError::DiskFull { .. } => "disk_full",
                LibraryError::Corrupt(_) => "corrupt",
                LibraryError::Open { .. } | LibraryError::Io { .. } | LibraryError::Sqlite(_) => {
                    "io"
                }
            },
            DeviceError::BadMedia { source, .. } if source.is_missing_file() => "file_not_found",
            DeviceError::BadMedia { .. } => "bad_media",
            DeviceError::InvalidInput(_) => "invalid_input",
            DeviceError::Config { .. } => "config",
            DeviceError::Sync(e) => e.kind(),
            DeviceError::SyncIncomplete(_) => "sync_incomplete",
        }
    }
}

fn bad_media_message(path: &std::path::Path, source: &debrief_media::ProbeError) -> String {
    if source.is_file_access() {
        source.to_string()
    } else {
        format!("{}: {source}", path.display())
    }
}

pub type Result<T, E = DeviceError> = std::result::Result<T, E>;

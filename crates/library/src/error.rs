//! The library's error type. Each variant says what happened and what the
//! user can do about it; callers branch on the variant, users read the text.

use std::io;
use std::path::PathBuf;

use debrief_protocol::{IdParseError, TagError};

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("no clip with id {0} in this library; `debrief list` shows the ids")]
    ClipNotFound(String),

    /// A challenge or comment this device does not know.
    #[error("{0}")]
    NotFound(String),

    #[error(transparent)]
    BadId(#[from] IdParseError),

    #[error(transparent)]
    BadTag(#[from] TagError),

    #[error("{0}")]
    InvalidInput(String),

    #[error("{0}")]
    NotPermitted(String),

    /// The user's role in the team does not allow it (only managers and
    /// admins post challenges and edit the playbook); the message names
    /// the role needed.
    #[error("{0}")]
    Forbidden(String),

    #[error(
        "the library at {path} was written by a newer version of Debrief (schema {found}, this version knows up to {supported}); update Debrief, or use another --data-dir. Nothing was changed."
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("cannot open the library database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },

    #[error("the library is busy: another Debrief process is writing to it; try again in a moment")]
    Busy,

    #[error(
        "the disk is full while {action} {path}; free some space and try again (nothing was saved)"
    )]
    DiskFull { action: &'static str, path: PathBuf },

    #[error("could not {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    #[error("the library database is damaged: {0}")]
    Corrupt(String),

    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for LibraryError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => LibraryError::Busy,
            Some(ErrorCode::DiskFull) => LibraryError::DiskFull {
                action: "writing",
                path: PathBuf::from("the library database"),
            },
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                LibraryError::Corrupt(e.to_string())
            }
            _ => LibraryError::Sqlite(e),
        }
    }
}

impl LibraryError {
    /// Wrap an I/O error with what we were doing, recognising a full disk.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if is_disk_full(&source) {
            LibraryError::DiskFull {
                action: disk_full_action(action),
                path,
            }
        } else {
            LibraryError::Io {
                action,
                path,
                source,
            }
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            LibraryError::ClipNotFound(_) | LibraryError::NotFound(_)
        )
    }
}

pub(crate) fn is_disk_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

fn disk_full_action(action: &'static str) -> &'static str {
    match action {
        "copy into" | "write" | "create" => "writing",
        other => other,
    }
}

pub type Result<T, E = LibraryError> = std::result::Result<T, E>;

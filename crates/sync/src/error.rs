//! Sync errors, classified: a transient error (network gone, server busy,
//! a cut connection) is retried with backoff; a permanent one (wrong token,
//! revoked device, file too large, checksum mismatch) is shown to the user
//! and not retried forever.

use debrief_library::LibraryError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("this device has not joined a team: run `debrief join SERVER_URL INVITE_CODE` first")]
    NotJoined,

    #[error("'{url}' is not a usable server address: {reason}")]
    BadUrl { url: String, reason: String },

    #[error(
        "refusing to send this device's token over plain http to {host}: use an https:// address (plain http is only allowed to this computer, e.g. http://127.0.0.1)"
    )]
    InsecureUrl { host: String },

    #[error(
        "the server refused this device's token ({message}); join the team again with a new invite code"
    )]
    Unauthorized { message: String },

    #[error(
        "this device was revoked by a team admin; the team's clips were removed from it. Join again with a new invite code to continue"
    )]
    Revoked,

    #[error(
        "the server speaks protocol versions {server:?} but this Debrief speaks {ours}; update {}",
        if server.iter().all(|v| v < ours) { "the server" } else { "Debrief" }
    )]
    IncompatibleServer { server: Vec<u32>, ours: u32 },

    #[error("cannot reach the team server at {url}: {detail}; sync will retry when it is back")]
    Unreachable { url: String, detail: String },

    #[error("the server answered {status} ({kind}): {message}")]
    Server {
        status: u16,
        kind: String,
        message: String,
        op_id: Option<debrief_protocol::OpId>,
    },

    #[error("the server sent something this Debrief does not understand ({0}); update Debrief")]
    BadResponse(String),

    #[error(
        "{what}: the data received does not match its SHA-256 (expected {expected}, got {got}); it was discarded and will be fetched again"
    )]
    HashMismatch {
        what: String,
        expected: String,
        got: String,
    },

    #[error(
        "the disk is full while downloading {what}; free some space (or lower the storage budget) and sync again. Nothing was lost"
    )]
    DiskFull { what: String },

    #[error("cannot store the device token: {0}")]
    TokenStore(String),

    #[error(transparent)]
    Library(#[from] LibraryError),

    #[error("{action}: {source}")]
    Io {
        action: String,
        source: std::io::Error,
    },
}

impl SyncError {
    /// Retrying cannot help: the user (or an admin) must act.
    pub fn is_permanent(&self) -> bool {
        match self {
            SyncError::Unreachable { .. }
            | SyncError::HashMismatch { .. }
            | SyncError::Io { .. } => false,
            SyncError::Server { status, .. } => {
                !matches!(status, 408 | 409 | 423 | 425 | 429 | 500..=599)
            }
            SyncError::Library(LibraryError::Busy) => false,
            _ => true,
        }
    }

    /// Stable machine-readable category (for `--json` and the app).
    pub fn kind(&self) -> &'static str {
        match self {
            SyncError::NotJoined => "not_joined",
            SyncError::BadUrl { .. } => "bad_url",
            SyncError::InsecureUrl { .. } => "insecure_url",
            SyncError::Unauthorized { .. } => "unauthorized",
            SyncError::Revoked => "revoked",
            SyncError::IncompatibleServer { .. } => "incompatible_server",
            SyncError::Unreachable { .. } => "unreachable",
            SyncError::Server { .. } => "server",
            SyncError::BadResponse(_) => "bad_response",
            SyncError::HashMismatch { .. } => "hash_mismatch",
            SyncError::DiskFull { .. } => "disk_full",
            SyncError::TokenStore(_) => "token_store",
            SyncError::Library(LibraryError::DiskFull { .. }) => "disk_full",
            SyncError::Library(_) => "library",
            SyncError::Io { .. } => "io",
        }
    }

    pub(crate) fn io(action: impl Into<String>, source: std::io::Error) -> Self {
        if matches!(
            source.kind(),
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
        ) {
            return SyncError::DiskFull {
                what: action.into(),
            };
        }
        SyncError::Io {
            action: action.into(),
            source,
        }
    }
}

pub type Result<T, E = SyncError> = std::result::Result<T, E>;

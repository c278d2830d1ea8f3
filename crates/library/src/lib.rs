//! The device's library: the single source of truth for clips, tags,
//! search and pending sync changes on one device.
//!
//! Layout of a data directory:
//! - `library.sqlite3` (WAL mode, foreign keys on, synchronous=FULL so a
//!   committed change survives power loss);
//! - `media/<clip-id>.mp4`, `thumbs/<clip-id>.jpg`;
//! - `incoming/` for files being added (see [`files`]).
//!
//! Invariants: every user change and its outbox op commit in one
//! transaction; a clip row exists only once its files are in place; files
//! without a clip row are removed at the next open (never silently kept
//! forever, never removed while their writer is alive).

mod cache;
mod clips;
mod coaching;
mod coaching_edits;
mod comments;
mod error;
pub mod files;
pub mod fixtures;
mod model;
mod notifications;
mod outbox;
mod remote;
mod remote_coaching;
mod schema;
mod search;
mod tags;
mod transfers;
mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use debrief_protocol::{DeviceId, Hlc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

pub use cache::{DOWNLOADS_DIR, DownloadNeed};
pub use coaching::{Answer, Challenge, ChallengeDetail, Member, NewChallenge, PlaybookEntry};
pub use coaching_edits::ChallengeEdit;
pub use comments::Comment;
pub use error::{LibraryError, Result};
pub use files::{Staging, copy_and_hash};
pub use model::*;
pub use notifications::{Notification, UnreadCounts};
pub use remote::{Account, ApplyReport, RemoteClip, RemoteTagAdd, UploadNeed};
pub use remote_coaching::{RemoteChallenge, RemoteChange, RemoteComment, RemotePlaybook};
pub use schema::latest_version as latest_schema_version;
pub use transfers::{Direction, Transfer};

pub const DB_FILE: &str = "library.sqlite3";
pub const MEDIA_DIR: &str = "media";
pub const THUMBS_DIR: &str = "thumbs";
pub const INCOMING_DIR: &str = "incoming";

/// How long a writer waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Options for [`Library::open_with`].
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Name shown as the author of clips made here before joining a team.
    pub author: Option<String>,
}

#[derive(Debug)]
pub struct Library {
    conn: Connection,
    root: PathBuf,
    device_id: DeviceId,
    author: String,
}

impl Library {
    /// Open (creating if needed) the library in `root`.
    pub fn open(root: &Path) -> Result<Self> {
        Self::open_with(root, OpenOptions::default())
    }

    pub fn open_with(root: &Path, opts: OpenOptions) -> Result<Self> {
        for dir in [
            root.to_path_buf(),
            root.join(MEDIA_DIR),
            root.join(THUMBS_DIR),
            root.join(INCOMING_DIR),
        ] {
            std::fs::create_dir_all(&dir)
                .map_err(|e| LibraryError::io("create the folder", &dir, e))?;
        }
        let root = std::fs::canonicalize(root).map_err(|e| LibraryError::io("resolve", root, e))?;
        let db_path = root.join(DB_FILE);
        let mut conn = open_connection(&db_path)?;
        schema::migrate(&mut conn, &db_path)?;
        let device_id = ensure_device_id(&mut conn)?;
        let author = match opts.author {
            Some(a) => a,
            None => default_author(),
        };
        let mut lib = Self {
            conn,
            root,
            device_id,
            author,
        };
        // In a team, what this member makes here carries their team name
        // at once (the server would stamp it anyway); the configured name
        // is for what is made before joining.
        if let Some(account) = lib.account()? {
            lib.author = account.display_name;
        }
        lib.finish_interrupted_work()?;
        Ok(lib)
    }

    /// The data directory (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn device_id(&self) -> DeviceId {
        self.device_id
    }

    pub fn author(&self) -> &str {
        &self.author
    }

    /// The last HLC this device issued (for sync to merge remote clocks).
    pub fn last_hlc(&self) -> Result<Hlc> {
        writer::read_hlc(&self.conn, self.device_id)
    }

    /// Finish what a crash interrupted: unlink files of deleted clips and
    /// remove files of imports whose process died before committing.
    fn finish_interrupted_work(&mut self) -> Result<()> {
        files::process_pending_deletes(&self.conn, &self.root)?;
        files::sweep_incoming(&self.conn, &self.root)?;
        Ok(())
    }

    pub(crate) fn abs(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

fn open_connection(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|source| LibraryError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // journal_mode returns a row; the others do not.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(|source| match source.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => LibraryError::Corrupt(format!(
            "{} is not a Debrief library database (or is damaged); move it away or use another --data-dir",
            path.display()
        )),
        _ => LibraryError::Open { path: path.to_path_buf(), source },
    })?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "database is not in WAL mode");
    }
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")?;
    Ok(conn)
}

fn ensure_device_id(conn: &mut Connection) -> Result<DeviceId> {
    let existing: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(s) = existing {
        return s
            .parse()
            .map_err(|e| LibraryError::Corrupt(format!("stored device id: {e}")));
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let raced: Option<String> = tx
        .query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |r| {
            r.get(0)
        })
        .optional()?;
    let id = match raced {
        Some(s) => s
            .parse()
            .map_err(|e| LibraryError::Corrupt(format!("stored device id: {e}")))?,
        None => {
            let id = DeviceId::new();
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('device_id', ?1)",
                [id.to_string()],
            )?;
            id
        }
    };
    tx.commit()?;
    Ok(id)
}

fn default_author() -> String {
    for var in ["USER", "USERNAME"] {
        if let Ok(v) = std::env::var(var) {
            let v = v.trim();
            if !v.is_empty() {
                return v.to_string();
            }
        }
    }
    "Me".to_string()
}

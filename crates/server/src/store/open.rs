//! Choosing and opening the stores from `--database-url` and `--media-url`
//! (or `DEBRIEF_SERVER_DATABASE_URL`, `DEBRIEF_SERVER_MEDIA_URL`, or
//! `database_url` / `media_url` in the TOML file).
//!
//! - metadata: unset means SQLite at `DATA_DIR/server.sqlite3`;
//!   `postgres://` (or `postgresql://`) means PostgreSQL; `sqlite:///PATH`
//!   names another SQLite file.
//! - media: unset means the folder `DATA_DIR/media`; `s3://BUCKET[/PREFIX]`
//!   means an S3-compatible bucket, with endpoint, region and credentials
//!   from the standard `AWS_*` variables; `file:///PATH` names another
//!   folder.
//!
//! Both are checked when opened (a connection, a listing), so a typo, an
//! unreachable host, a missing database or bucket or wrong credentials stop
//! a command at once with a message that says what to fix, instead of
//! failing request by request later.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::fs::FsBlobStore;
use super::object::{ObjectBlobStore, Problem};
use super::postgres::{ConnectProblem, PgStore};
use super::sqlite::SqliteStore;
use super::{BlobStore, MetadataStore, StoreError};

/// Where metadata lives.
#[derive(Clone, PartialEq, Eq)]
pub enum MetaTarget {
    Sqlite(PathBuf),
    /// The URL as given (with its password; never shown).
    Postgres(String),
}

impl std::fmt::Debug for MetaTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetaTarget::Sqlite(p) => write!(f, "SQLite {}", p.display()),
            MetaTarget::Postgres(url) => write!(f, "PostgreSQL {}", redact(url)),
        }
    }
}

/// Where media lives.
#[derive(Clone, PartialEq, Eq)]
pub enum MediaTarget {
    Folder(PathBuf),
    S3 { bucket: String, prefix: String },
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "--database-url (DEBRIEF_SERVER_DATABASE_URL, database_url) '{shown}' is not usable: {reason}; \
         use postgres://USER:PASSWORD@HOST:PORT/DATABASE, or sqlite:///PATH/server.sqlite3 \
         (unset: SQLite in the data dir)"
    )]
    DatabaseUrl { shown: String, reason: String },
    #[error(
        "cannot reach PostgreSQL at {at} ({detail}): check that it is running and that the host and \
         port in --database-url are right"
    )]
    DatabaseUnreachable { at: String, detail: String },
    #[error(
        "PostgreSQL at {at} refused the login ({detail}): check the user and password in --database-url"
    )]
    DatabaseLogin { at: String, detail: String },
    #[error(
        "PostgreSQL at {at} has no such database ({detail}): create it (e.g. `createdb NAME`) or fix \
         the database name in --database-url"
    )]
    DatabaseMissing { at: String, detail: String },
    #[error(
        "TLS to PostgreSQL at {at} failed ({detail}): check sslmode (and sslrootcert) in --database-url"
    )]
    DatabaseTls { at: String, detail: String },
    #[error("cannot use PostgreSQL at {at}: {detail}")]
    Database { at: String, detail: String },
    #[error(
        "--media-url (DEBRIEF_SERVER_MEDIA_URL, media_url) '{shown}' is not usable: {reason}; \
         use s3://BUCKET[/PREFIX] (endpoint and credentials from AWS_ENDPOINT_URL, \
         AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION), or file:///PATH (unset: the data \
         dir's media folder)"
    )]
    MediaUrl { shown: String, reason: String },
    #[error(
        "bucket '{bucket}' does not exist at {endpoint}: create it (e.g. `aws s3 mb s3://{bucket}`) \
         or fix the bucket in --media-url"
    )]
    BucketMissing { bucket: String, endpoint: String },
    #[error(
        "the object store at {endpoint} refused the credentials for bucket '{bucket}' ({detail}): \
         check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that they may list, read and write \
         the bucket"
    )]
    MediaCredentials {
        bucket: String,
        endpoint: String,
        detail: String,
    },
    #[error(
        "cannot reach the object store at {endpoint} ({detail}): check AWS_ENDPOINT_URL (with \
         AWS_ALLOW_HTTP=true for a plain http:// endpoint) and the network"
    )]
    MediaUnreachable { endpoint: String, detail: String },
    #[error("cannot use bucket '{bucket}' at {endpoint}: {detail}")]
    Media {
        bucket: String,
        endpoint: String,
        detail: String,
    },
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl std::fmt::Debug for MediaTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MediaTarget::Folder(p) => write!(f, "folder {}", p.display()),
            MediaTarget::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// A URL with its password (if any) replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => url.chars().take(200).collect(),
    }
}

fn local_path(u: &url::Url) -> Option<PathBuf> {
    (u.host_str().is_none_or(str::is_empty))
        .then(|| u.to_file_path().ok())
        .flatten()
}

pub fn database_target(url: Option<&str>, data_dir: &Path) -> Result<MetaTarget, OpenError> {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(MetaTarget::Sqlite(data_dir.join("server.sqlite3")));
    };
    let bad = |reason: String| OpenError::DatabaseUrl {
        shown: redact(url),
        reason,
    };
    let parsed = url::Url::parse(url).map_err(|e| bad(format!("not a URL ({e})")))?;
    match parsed.scheme() {
        "postgres" | "postgresql" => {
            if parsed.host_str().is_none_or(str::is_empty) && !url.contains("host=") {
                return Err(bad("it names no host".into()));
            }
            Ok(MetaTarget::Postgres(url.to_string()))
        }
        "sqlite" => local_path(&parsed).map(MetaTarget::Sqlite).ok_or_else(|| {
            bad(
                "a sqlite URL needs an absolute path, like sqlite:///srv/debrief/server.sqlite3"
                    .into(),
            )
        }),
        other => Err(bad(format!("unsupported scheme '{other}'"))),
    }
}

pub fn media_target(url: Option<&str>, data_dir: &Path) -> Result<MediaTarget, OpenError> {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(MediaTarget::Folder(data_dir.join("media")));
    };
    let bad = |reason: String| OpenError::MediaUrl {
        shown: redact(url),
        reason,
    };
    let parsed = url::Url::parse(url).map_err(|e| bad(format!("not a URL ({e})")))?;
    match parsed.scheme() {
        "s3" => {
            let bucket = parsed.host_str().unwrap_or_default().to_string();
            // S3's rules for bucket names (3-63 of a-z, 0-9, '.', '-').
            let valid = (3..=63).contains(&bucket.len())
                && bucket.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
                });
            if !valid {
                return Err(bad(format!(
                    "'{bucket}' is not a bucket name (3 to 63 lowercase letters, digits, dots and dashes)"
                )));
            }
            if parsed.password().is_some() || !parsed.username().is_empty() {
                return Err(bad(
                    "credentials do not go in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
                ));
            }
            let prefix = parsed.path().trim_matches('/').to_string();
            Ok(MediaTarget::S3 { bucket, prefix })
        }
        "file" => local_path(&parsed).map(MediaTarget::Folder).ok_or_else(|| {
            bad("a file URL needs an absolute path, like file:///srv/debrief/media".into())
        }),
        other => Err(bad(format!("unsupported scheme '{other}'"))),
    }
}

/// Open (and migrate) the metadata store.
pub async fn open_metadata(
    target: &MetaTarget,
    pool_size: u32,
) -> Result<Arc<dyn MetadataStore>, OpenError> {
    match target {
        MetaTarget::Sqlite(path) => {
            let path = path.clone();
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
                .await
                .map_err(StoreError::backend)??;
            Ok(Arc::new(store))
        }
        MetaTarget::Postgres(url) => {
            let at = postgres_at(url);
            match PgStore::connect(url, pool_size).await {
                Ok(store) => Ok(Arc::new(store)),
                Err(p) => Err(match p {
                    ConnectProblem::Unreachable(detail) => {
                        OpenError::DatabaseUnreachable { at, detail }
                    }
                    ConnectProblem::Auth(detail) => OpenError::DatabaseLogin { at, detail },
                    ConnectProblem::NoDatabase(detail) => OpenError::DatabaseMissing { at, detail },
                    ConnectProblem::Tls(detail) => OpenError::DatabaseTls { at, detail },
                    ConnectProblem::Other(detail) => OpenError::Database { at, detail },
                }),
            }
        }
    }
}

/// `host:port/database` of a PostgreSQL URL, for messages.
fn postgres_at(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}:{}{}",
            u.host_str().unwrap_or("localhost"),
            u.port().unwrap_or(5432),
            u.path()
        ),
        Err(_) => redact(url),
    }
}

/// The S3 endpoint in use, for messages.
fn endpoint() -> String {
    ["AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
        .iter()
        .find_map(|k| std::env::var(k).ok())
        .unwrap_or_else(|| "AWS S3 (no AWS_ENDPOINT_URL set)".into())
}

/// Open the media store and check it answers.
pub async fn open_media(target: &MediaTarget) -> Result<Arc<dyn BlobStore>, OpenError> {
    match target {
        MediaTarget::Folder(path) => {
            let path = path.clone();
            let store = tokio::task::spawn_blocking(move || FsBlobStore::open(&path))
                .await
                .map_err(StoreError::backend)??;
            Ok(Arc::new(store))
        }
        MediaTarget::S3 { bucket, prefix } => {
            let store = ObjectBlobStore::s3(bucket, prefix)?;
            let (bucket, endpoint) = (bucket.clone(), endpoint());
            match store.probe().await {
                Ok(()) => Ok(Arc::new(store)),
                Err(Problem::BucketMissing) => Err(OpenError::BucketMissing { bucket, endpoint }),
                Err(Problem::Credentials(detail)) => Err(OpenError::MediaCredentials {
                    bucket,
                    endpoint,
                    detail,
                }),
                Err(Problem::Unreachable(detail)) => {
                    Err(OpenError::MediaUnreachable { endpoint, detail })
                }
                Err(Problem::Other(detail)) => Err(OpenError::Media {
                    bucket,
                    endpoint,
                    detail,
                }),
            }
        }
    }
}

/// Both stores, as the settings and the data dir say.
#[derive(Debug, Clone)]
pub struct Stores {
    pub meta: Arc<dyn MetadataStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub meta_target: MetaTarget,
    pub media_target: MediaTarget,
}

pub async fn open_stores(
    database_url: Option<&str>,
    media_url: Option<&str>,
    pool_size: u32,
    data_dir: &Path,
) -> Result<Stores, OpenError> {
    let meta_target = database_target(database_url, data_dir)?;
    let media_target = media_target(media_url, data_dir)?;
    let meta = open_metadata(&meta_target, pool_size).await?;
    let blobs = open_media(&media_target).await?;
    Ok(Stores {
        meta,
        blobs,
        meta_target,
        media_target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_engines_and_bad_ones_say_what_to_do() {
        let dir = Path::new("/data");
        assert_eq!(
            database_target(None, dir).unwrap(),
            MetaTarget::Sqlite("/data/server.sqlite3".into())
        );
        assert_eq!(
            database_target(Some("postgres://u:p@db:5432/debrief"), dir).unwrap(),
            MetaTarget::Postgres("postgres://u:p@db:5432/debrief".into())
        );
        assert_eq!(
            database_target(Some("sqlite:///srv/x.sqlite3"), dir).unwrap(),
            MetaTarget::Sqlite("/srv/x.sqlite3".into())
        );
        let err = database_target(Some("mysql://u:secret@db/x"), dir)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unsupported scheme 'mysql'"), "{err}");
        assert!(err.contains("use postgres://"), "{err}");
        assert!(!err.contains("secret"), "passwords never show: {err}");
        let err = database_target(Some("db.example.com"), dir)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a URL"), "{err}");

        assert_eq!(
            media_target(None, dir).unwrap(),
            MediaTarget::Folder("/data/media".into())
        );
        assert_eq!(
            media_target(Some("s3://team-media/prod/eu/"), dir).unwrap(),
            MediaTarget::S3 {
                bucket: "team-media".into(),
                prefix: "prod/eu".into()
            }
        );
        assert_eq!(
            media_target(Some("file:///mnt/media"), dir).unwrap(),
            MediaTarget::Folder("/mnt/media".into())
        );
        for (url, needle) in [
            ("gs://bucket", "unsupported scheme 'gs'"),
            ("s3://AB", "'AB' is not a bucket name"),
            ("s3://key:secret@bucket", "credentials do not go in the URL"),
        ] {
            let err = media_target(Some(url), dir).unwrap_err().to_string();
            assert!(err.contains(needle), "{url}: {err}");
            assert!(err.contains("use s3://BUCKET"), "{err}");
            assert!(!err.contains("secret@"), "{err}");
        }
    }

    #[test]
    fn targets_show_no_password() {
        let t = database_target(Some("postgres://app:hunter2@db/x"), Path::new("/d")).unwrap();
        assert_eq!(format!("{t:?}"), "PostgreSQL postgres://app:***@db/x");
    }

    #[test]
    fn redaction_hides_passwords_only() {
        assert_eq!(
            redact("postgres://app:hunter2@db:5432/x?sslmode=require"),
            "postgres://app:***@db:5432/x?sslmode=require"
        );
        assert_eq!(redact("postgres://db/x"), "postgres://db/x");
    }
}

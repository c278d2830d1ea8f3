//! Which stores a test server uses. By default: SQLite and a media folder
//! in its temporary data dir. With `DEBRIEF_TEST_DATABASE_URL` (an admin
//! URL of a PostgreSQL server, e.g. postgres://debrief@127.0.0.1:PORT/postgres)
//! and `DEBRIEF_TEST_MEDIA_URL` (`s3://` of an S3-compatible server, with
//! the `AWS_*` variables set), as `scripts/scale-test.sh` sets them, every
//! data dir gets a fresh database and a fresh bucket instead, so the same
//! tests run against PostgreSQL + S3.
//!
//! The choice is written into the data dir (`.test-backend`), so a server
//! restarted on that dir, and `debrief-server` commands run on it (with
//! [`Backend::env`]), use the same stores.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use debrief_server::Settings;
use debrief_server::config::DatabaseUrl;
use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::signer::Signer;
use object_store::{ObjectStore, ObjectStoreExt};
use serde::{Deserialize, Serialize};
use sqlx::Connection;

const MARK: &str = ".test-backend";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Backend {
    pub database_url: Option<String>,
    pub media_url: Option<String>,
}

/// The admin database URL and the media URL base, when PostgreSQL + S3
/// tests are on.
pub fn scale_env() -> Option<(String, String)> {
    match (
        std::env::var("DEBRIEF_TEST_DATABASE_URL"),
        std::env::var("DEBRIEF_TEST_MEDIA_URL"),
    ) {
        (Ok(db), Ok(media)) if !db.is_empty() && !media.is_empty() => Some((db, media)),
        _ => None,
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::now_v7().simple())
}

/// `url` with its path (the database name) replaced.
fn with_database(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).expect("DEBRIEF_TEST_DATABASE_URL is a URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

/// A new empty database on the test PostgreSQL server; its URL.
pub async fn fresh_database(admin_url: &str) -> String {
    let name = unique("t_");
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to DEBRIEF_TEST_DATABASE_URL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    admin.close().await.ok();
    with_database(admin_url, &name)
}

/// A client for a bucket of the test S3 server (endpoint and credentials
/// from the `AWS_*` variables).
pub fn s3(bucket: &str) -> AmazonS3 {
    AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .expect("an S3 client from the AWS_* variables")
}

/// Create or delete a bucket with a presigned request (object_store has no
/// bucket API; a presigned URL for the empty key is the bucket's URL).
pub async fn bucket_request(bucket: &str, method: reqwest::Method) -> reqwest::StatusCode {
    let url = s3(bucket)
        .signed_url(
            http::Method::from_bytes(method.as_str().as_bytes()).unwrap(),
            &ObjectPath::from(""),
            Duration::from_secs(300),
        )
        .await
        .expect("a presigned URL");
    reqwest::Client::new()
        .request(method, url.as_str())
        .send()
        .await
        .expect("reach the test S3 server")
        .status()
}

pub async fn create_bucket(bucket: &str) {
    let status = bucket_request(bucket, reqwest::Method::PUT).await;
    assert!(status.is_success(), "creating bucket {bucket}: {status}");
}

/// Empty a bucket and delete it.
pub async fn delete_bucket(bucket: &str) {
    let store = s3(bucket);
    let all: Vec<ObjectPath> = store
        .list(None)
        .map_ok(|m| m.location)
        .try_collect()
        .await
        .unwrap();
    for p in all {
        store.delete(&p).await.unwrap();
    }
    let status = bucket_request(bucket, reqwest::Method::DELETE).await;
    assert!(status.is_success(), "deleting bucket {bucket}: {status}");
}

/// A new empty bucket on the test S3 server; its `s3://` URL (with the
/// prefix of `base`, if any).
pub async fn fresh_bucket(base: &str) -> String {
    let prefix = url::Url::parse(base)
        .map(|u| u.path().trim_matches('/').to_string())
        .unwrap_or_default();
    let bucket = unique("t-");
    create_bucket(&bucket).await;
    format!("s3://{bucket}/{prefix}")
}

impl Backend {
    /// Fresh stores when PostgreSQL + S3 tests are on; the data dir's
    /// defaults otherwise.
    pub async fn fresh() -> Self {
        match scale_env() {
            Some((db, media)) => Self {
                database_url: Some(fresh_database(&db).await),
                media_url: Some(fresh_bucket(&media).await),
            },
            None => Self::default(),
        }
    }

    /// The stores of `dir`: the ones chosen before, or fresh ones (then
    /// remembered in `dir`).
    pub async fn for_dir(dir: &Path) -> Self {
        if let Ok(text) = std::fs::read_to_string(dir.join(MARK)) {
            return serde_json::from_str(&text).expect("a readable .test-backend");
        }
        let b = Self::fresh().await;
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(MARK), serde_json::to_string(&b).unwrap()).unwrap();
        b
    }

    /// [`Backend::for_dir`] from synchronous code (tests that only run
    /// the binary).
    pub fn for_dir_blocking(dir: &Path) -> Self {
        let dir = dir.to_path_buf();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(Self::for_dir(&dir))
        })
        .join()
        .unwrap()
    }

    pub fn is_scale(&self) -> bool {
        self.database_url.is_some()
    }

    /// Point `settings` at these stores.
    pub fn apply(&self, settings: &mut Settings) {
        settings.database_url = self.database_url.clone().map(DatabaseUrl);
        settings.media_url = self.media_url.clone();
        settings.database_pool_size = 4;
    }

    /// The environment that makes `debrief-server` use these stores.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(u) = &self.database_url {
            out.push(("DEBRIEF_SERVER_DATABASE_URL", u.clone()));
        }
        if let Some(u) = &self.media_url {
            out.push(("DEBRIEF_SERVER_MEDIA_URL", u.clone()));
        }
        out
    }

    /// The bucket and key prefix, when media is in S3.
    pub fn bucket(&self) -> Option<(String, String)> {
        let u = url::Url::parse(self.media_url.as_deref()?).ok()?;
        if u.scheme() != "s3" {
            return None;
        }
        Some((
            u.host_str()?.to_string(),
            u.path().trim_matches('/').to_string(),
        ))
    }

    fn object_store(&self) -> Option<(Arc<dyn ObjectStore>, String)> {
        let (bucket, prefix) = self.bucket()?;
        let p = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        Some((Arc::new(s3(&bucket)), p))
    }

    async fn objects(&self, under: &str) -> Vec<(String, u64)> {
        let (store, prefix) = self.object_store().expect("S3 media");
        store
            .list(Some(&ObjectPath::from(format!("{prefix}{under}"))))
            .map_ok(|m| (m.location.to_string(), m.size))
            .try_collect()
            .await
            .unwrap()
    }

    /// The media folder, when media is in a folder (`file://` or the data
    /// dir's own).
    fn media_root(&self, dir: &Path) -> std::path::PathBuf {
        match self
            .media_url
            .as_deref()
            .and_then(|u| u.strip_prefix("file://"))
        {
            Some(path) => path.into(),
            None => dir.join("media"),
        }
    }

    fn blob_file(&self, dir: &Path, sha256: &str) -> std::path::PathBuf {
        self.media_root(dir)
            .join("blobs")
            .join(&sha256[0..2])
            .join(&sha256[2..4])
            .join(sha256)
    }

    /// Overwrite stored content with other bytes (a damaged disk).
    pub async fn corrupt_blob(&self, dir: &Path, sha256: &str) {
        match self.object_store() {
            Some((store, prefix)) => {
                store
                    .put(
                        &ObjectPath::from(format!("{prefix}blobs/{sha256}")),
                        bytes::Bytes::from_static(b"not the content").into(),
                    )
                    .await
                    .unwrap();
            }
            None => std::fs::write(self.blob_file(dir, sha256), b"not the content").unwrap(),
        }
    }

    /// Whether stored content `sha256` exists.
    pub async fn blob_exists(&self, dir: &Path, sha256: &str) -> bool {
        match self.object_store() {
            Some((store, prefix)) => store
                .head(&ObjectPath::from(format!("{prefix}blobs/{sha256}")))
                .await
                .is_ok(),
            None => self.blob_file(dir, sha256).exists(),
        }
    }

    /// Bytes staged for upload `id` (committed or not).
    pub async fn staged_bytes(&self, dir: &Path, id: &str) -> u64 {
        if self.object_store().is_some() {
            return self
                .objects(&format!("staging/{id}"))
                .await
                .iter()
                .map(|(_, n)| n)
                .sum();
        }
        std::fs::metadata(self.media_root(dir).join("staging").join(id))
            .map(|m| m.len())
            .unwrap_or(0)
    }

    /// How many uploads have staged bytes.
    pub async fn staged_uploads(&self, dir: &Path) -> usize {
        if self.object_store().is_some() {
            let mut ids: Vec<String> = self
                .objects("staging")
                .await
                .into_iter()
                .filter_map(|(p, _)| {
                    let rest = p.split("staging/").nth(1)?;
                    Some(rest.split('/').next()?.to_string())
                })
                .collect();
            ids.sort();
            ids.dedup();
            return ids.len();
        }
        std::fs::read_dir(self.media_root(dir).join("staging"))
            .unwrap()
            .count()
    }

    /// Make the media store unusable (the folder or the bucket is gone).
    pub async fn break_media(&self, dir: &Path) {
        match self.bucket() {
            Some((bucket, _)) => delete_bucket(&bucket).await,
            None => std::fs::remove_dir_all(self.media_root(dir)).unwrap(),
        }
    }

    /// Whether `needle` appears anywhere in the stored metadata.
    pub async fn metadata_contains(&self, dir: &Path, needle: &str) -> bool {
        match &self.database_url {
            Some(url) => {
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
                )
                .fetch_all(&mut c)
                .await
                .unwrap();
                assert!(tables.len() >= 10, "{tables:?}");
                for t in tables {
                    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT count(*) FROM \"{t}\" x WHERE strpos(x::text, $1) > 0"
                    )))
                    .bind(needle)
                    .fetch_one(&mut c)
                    .await
                    .unwrap();
                    if n > 0 {
                        return true;
                    }
                }
                false
            }
            None => {
                let db = std::fs::read(dir.join("server.sqlite3")).unwrap();
                let wal = std::fs::read(dir.join("server.sqlite3-wal")).unwrap_or_default();
                [db, wal]
                    .iter()
                    .any(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
            }
        }
    }
}

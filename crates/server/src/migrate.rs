//! `debrief-server migrate`: copy a server's metadata and media from the
//! stores it uses now to new ones (typically SQLite + a folder to
//! PostgreSQL + S3), then verify the copy.
//!
//! Order and guarantees:
//! 1. media first, every stored object, each streamed from the source,
//!    hashed on the way and stored in the target whole or not at all;
//!    objects the target already holds with the right size are skipped;
//! 2. then every table of [`rows::TABLES`], parents first, in pages, each
//!    page one upsert transaction, so metadata only ever names media that
//!    is already there;
//! 3. then the check: every table has as many rows in the target as in
//!    the source, and every object in the target has the source's size and
//!    hashes to its name.
//!
//! A run that is interrupted (killed, a network failure) leaves a target
//! that a second run completes: copied objects are skipped, rows are
//! upserted on their keys, so nothing is duplicated. Servers should be
//! stopped (or at least not writing) while it runs, or the counts cannot
//! agree; a later run catches up with what changed.

use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::store::rows::{self, Row};
use crate::store::{BlobInfo, BlobStore, ByteStream, MetadataStore, StoreError};

/// Rows per page and per target transaction.
const PAGE_ROWS: u32 = 1000;
/// Objects listed per page.
const PAGE_OBJECTS: u32 = 500;
/// Objects copied (or verified) at once.
const PARALLEL: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error(
        "media {sha256} in the source store does not match its name (its bytes hash to {actual}): \
         the source is damaged; restore that file from a backup, or delete it, and run migrate again"
    )]
    SourceCorrupt { sha256: String, actual: String },
    #[error(
        "verification failed: {problems}; run migrate again (it copies only what is missing), and \
         stop the servers that write to the source first"
    )]
    Verify { problems: String },
}

/// One line of progress, printed as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The n-th object of the source: copied, or already in the target.
    Media {
        n: u64,
        sha256: String,
        bytes: u64,
        copied: bool,
    },
    Table {
        name: &'static str,
        rows: u64,
    },
    Verified {
        tables: usize,
        rows: u64,
        objects: u64,
        bytes: u64,
    },
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Progress::Media {
                n,
                sha256,
                bytes,
                copied,
            } => write!(
                f,
                "media {n}: {sha256} ({bytes} bytes) {}",
                if *copied { "copied" } else { "already there" }
            ),
            Progress::Table { name, rows } => write!(f, "table {name}: {rows} rows copied"),
            Progress::Verified {
                tables,
                rows,
                objects,
                bytes,
            } => write!(
                f,
                "verified: {rows} rows in {tables} tables match, {objects} media files ({bytes} bytes) match their SHA-256"
            ),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MigrateReport {
    pub media_objects: u64,
    pub media_copied: u64,
    pub media_bytes_copied: u64,
    pub rows: u64,
    pub tables: Vec<TableCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableCount {
    pub table: &'static str,
    pub rows: u64,
}

impl MigrateReport {
    pub fn summary(&self) -> String {
        format!(
            "migrated {} rows in {} tables and {} media files ({} copied now, {} bytes); the target is verified",
            self.rows,
            self.tables.len(),
            self.media_objects,
            self.media_copied,
            self.media_bytes_copied
        )
    }
}

/// The stores of one side.
#[derive(Debug, Clone)]
pub struct Side {
    pub meta: Arc<dyn MetadataStore>,
    pub blobs: Arc<dyn BlobStore>,
}

/// Copy everything from `from` to `to` and verify. `copy_media` false
/// leaves media where it is (both sides share one media store).
pub async fn migrate(
    from: &Side,
    to: &Side,
    copy_media: bool,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<MigrateReport, MigrateError> {
    let mut report = MigrateReport::default();
    if copy_media {
        copy_all_media(from, to, &mut report, progress).await?;
    }
    for table in rows::TABLES {
        let mut after: Option<Row> = None;
        let mut n = 0u64;
        loop {
            let page = from
                .meta
                .export_rows(table, after.clone(), PAGE_ROWS)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(table.key_of(last));
            let len = page.len();
            n += len as u64;
            to.meta.import_rows(table, page).await?;
            if len < PAGE_ROWS as usize {
                break;
            }
        }
        progress(Progress::Table {
            name: table.name,
            rows: n,
        });
    }
    verify(from, to, copy_media, &mut report, progress).await?;
    Ok(report)
}

/// Every object of a store, page by page.
async fn each_page(
    blobs: &dyn BlobStore,
    mut f: impl AsyncFnMut(Vec<BlobInfo>) -> Result<(), MigrateError>,
) -> Result<(), MigrateError> {
    let mut after: Option<String> = None;
    loop {
        let page = blobs.list(after.as_deref(), PAGE_OBJECTS).await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = Some(last.sha256.clone());
        let full = page.len() == PAGE_OBJECTS as usize;
        f(page).await?;
        if !full {
            return Ok(());
        }
    }
}

/// A stream that hashes what passes through it.
fn hashing(stream: ByteStream, hasher: Arc<std::sync::Mutex<Sha256>>) -> ByteStream {
    Box::pin(stream.inspect_ok(move |b| {
        hasher.lock().unwrap_or_else(|p| p.into_inner()).update(b);
    }))
}

fn hex(h: Sha256) -> String {
    data_encoding::HEXLOWER.encode(&h.finalize())
}

/// Copy one object unless the target has it; true when copied.
async fn copy_one(from: &Side, to: &Side, blob: &BlobInfo) -> Result<bool, MigrateError> {
    if to.blobs.size(&blob.sha256).await? == Some(blob.bytes) {
        return Ok(false);
    }
    let hasher = Arc::new(std::sync::Mutex::new(Sha256::new()));
    let source = from.blobs.read(&blob.sha256, 0, blob.bytes).await?;
    let stored = to
        .blobs
        .put(&blob.sha256, hashing(source, hasher.clone()))
        .await?;
    let actual = hex(std::mem::take(
        &mut *hasher.lock().unwrap_or_else(|p| p.into_inner()),
    ));
    if actual != blob.sha256 || stored != blob.bytes {
        // Never leave wrong bytes under a content address.
        to.blobs.delete(&blob.sha256).await?;
        return Err(MigrateError::SourceCorrupt {
            sha256: blob.sha256.clone(),
            actual,
        });
    }
    Ok(true)
}

async fn copy_all_media(
    from: &Side,
    to: &Side,
    report: &mut MigrateReport,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), MigrateError> {
    each_page(from.blobs.as_ref(), async |page| {
        let mut done = futures_util::stream::iter(page)
            .map(|blob| async move {
                let copied = copy_one(from, to, &blob).await?;
                Ok::<_, MigrateError>((blob, copied))
            })
            .buffered(PARALLEL);
        while let Some(item) = done.next().await {
            let (blob, copied) = item?;
            report.media_objects += 1;
            if copied {
                report.media_copied += 1;
                report.media_bytes_copied += blob.bytes;
            }
            progress(Progress::Media {
                n: report.media_objects,
                sha256: blob.sha256,
                bytes: blob.bytes,
                copied,
            });
        }
        Ok(())
    })
    .await
}

/// The SHA-256 of stored content.
async fn hash_of(blobs: &dyn BlobStore, blob: &BlobInfo) -> Result<String, StoreError> {
    let mut h = Sha256::new();
    let mut s = blobs.read(&blob.sha256, 0, blob.bytes).await?;
    while let Some(chunk) = s.next().await {
        h.update(&chunk.map_err(StoreError::backend)?);
    }
    Ok(hex(h))
}

async fn verify(
    from: &Side,
    to: &Side,
    check_media: bool,
    report: &mut MigrateReport,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), MigrateError> {
    let mut problems = Vec::new();
    for table in rows::TABLES {
        let (a, b) = (
            from.meta.count_rows(table).await?,
            to.meta.count_rows(table).await?,
        );
        if a != b {
            problems.push(format!(
                "table {} has {a} rows in the source but {b} in the target",
                table.name
            ));
        }
        report.rows += a;
        report.tables.push(TableCount {
            table: table.name,
            rows: a,
        });
    }
    let (mut objects, mut bytes) = (0u64, 0u64);
    if check_media {
        let mut bad = Vec::new();
        each_page(from.blobs.as_ref(), async |page| {
            let mut checked = futures_util::stream::iter(page)
                .map(|blob| async move {
                    let size = to.blobs.size(&blob.sha256).await?;
                    let ok = match size {
                        Some(n) if n == blob.bytes => {
                            hash_of(to.blobs.as_ref(), &blob).await? == blob.sha256
                        }
                        _ => false,
                    };
                    Ok::<_, MigrateError>((blob, ok))
                })
                .buffer_unordered(PARALLEL);
            while let Some(item) = checked.next().await {
                let (blob, ok) = item?;
                objects += 1;
                bytes += blob.bytes;
                if !ok {
                    bad.push(blob.sha256);
                }
            }
            Ok(())
        })
        .await?;
        if !bad.is_empty() {
            problems.push(format!(
                "{} media files are missing from the target or differ: {}",
                bad.len(),
                bad.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if !problems.is_empty() {
        return Err(MigrateError::Verify {
            problems: problems.join("; "),
        });
    }
    progress(Progress::Verified {
        tables: report.tables.len(),
        rows: report.rows,
        objects,
        bytes,
    });
    Ok(())
}

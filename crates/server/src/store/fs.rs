//! The embedded blob store: a local folder.
//!
//! Layout under the root: `staging/<upload-id>` holds a partial upload;
//! `blobs/<aa>/<bb>/<sha256>` holds complete content, moved there by an
//! atomic rename once its hash is verified. Names are built only from
//! validated upload ids (32 hex characters) and validated SHA-256 digests,
//! so no client input can reach outside the root.
//!
//! Writes run on one blocking thread per chunk that receives the body over
//! a small bounded channel: memory stays flat whatever the upload size, the
//! async workers never block on disk, and the bytes are fsynced before the
//! caller commits the new offset.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::Bytes;
use debrief_protocol::is_sha256_hex;
use futures_util::StreamExt;
use tokio::io::AsyncSeekExt;
use tokio_util::io::ReaderStream;

mod listing;

use super::{BlobInfo, BlobStore, ByteStream, StoreError, StoreResult, UploadRecord, Written};
use crate::ids::UploadId;

/// Read buffer for downloads and hashing.
const READ_CHUNK: usize = 256 * 1024;
/// Chunks queued between the body reader and the disk writer.
const QUEUE: usize = 16;
/// Start writing received bytes to disk every this many bytes, so the sync
/// before a chunk is acknowledged finds little left to write.
const EARLY_FLUSH_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Backend(format!("{what} {}: {e}", path.display()))
}

impl FsBlobStore {
    /// A store rooted at `root`, created if missing.
    pub fn open(root: &Path) -> StoreResult<Self> {
        for sub in ["staging", "blobs"] {
            let dir = root.join(sub);
            std::fs::create_dir_all(&dir).map_err(|e| io_err("cannot create", &dir, e))?;
        }
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    fn staged_path(&self, id: &UploadId) -> PathBuf {
        self.root.join("staging").join(id.as_str())
    }

    fn blob_path(&self, sha256: &str) -> StoreResult<PathBuf> {
        if !is_sha256_hex(sha256) {
            return Err(StoreError::Invalid(format!(
                "'{sha256}' is not a SHA-256 digest"
            )));
        }
        Ok(self
            .root
            .join("blobs")
            .join(&sha256[0..2])
            .join(&sha256[2..4])
            .join(sha256))
    }

    /// Move the staged file, cut to its `committed` bytes, to the content's
    /// place; when the content is there already, drop the staged file.
    async fn promote(&self, id: &UploadId, committed: u64, sha256: &str) -> StoreResult<()> {
        let staged = self.staged_path(id);
        let target = self.blob_path(sha256)?;
        tokio::task::spawn_blocking(move || {
            if target.exists() {
                return std::fs::remove_file(&staged)
                    .map_err(|e| io_err("cannot remove", &staged, e));
            }
            let len = std::fs::metadata(&staged)
                .map_err(|e| io_err("cannot stat", &staged, e))?
                .len();
            if len > committed {
                // An uncommitted tail (a chunk whose commit failed) must not
                // become part of the content.
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&staged)
                    .map_err(|e| io_err("cannot open", &staged, e))?;
                file.set_len(committed)
                    .and_then(|()| file.sync_data())
                    .map_err(|e| io_err("cannot truncate", &staged, e))?;
            }
            let dir = target.parent().expect("blob paths have a parent");
            std::fs::create_dir_all(dir).map_err(|e| io_err("cannot create", dir, e))?;
            std::fs::rename(&staged, &target).map_err(|e| io_err("cannot move", &staged, e))?;
            // Make the rename itself durable before the media is announced.
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| io_err("cannot sync", dir, e))
        })
        .await
        .map_err(StoreError::backend)?
    }
}

/// Ask the kernel to start writing a range to disk now, without waiting.
/// On Linux `POSIX_FADV_DONTNEED` starts asynchronous writeback of the
/// range's dirty pages (and drops them from the page cache once clean, so
/// uploads do not crowd out hotter data). Elsewhere the final sync does it
/// all. Purely a performance hint: errors surface at the final sync.
#[cfg(target_os = "linux")]
fn start_writeback(file: &std::fs::File, offset: u64, len: u64) {
    use std::num::NonZeroU64;
    let _ = rustix::fs::fadvise(
        file,
        offset,
        NonZeroU64::new(len),
        rustix::fs::Advice::DontNeed,
    );
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &std::fs::File, _offset: u64, _len: u64) {}

fn write_blocking(
    path: &Path,
    offset: u64,
    mut rx: tokio::sync::mpsc::Receiver<Bytes>,
) -> StoreResult<u64> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| io_err("cannot open", path, e))?;
    let len = file
        .metadata()
        .map_err(|e| io_err("cannot stat", path, e))?
        .len();
    if len < offset {
        return Err(StoreError::Backend(format!(
            "{} holds {len} bytes but the upload's committed offset is {offset}: staged bytes were lost",
            path.display()
        )));
    }
    file.set_len(offset)
        .map_err(|e| io_err("cannot truncate", path, e))?;
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| io_err("cannot seek", path, e))?;
    let mut written = 0u64;
    let mut flushed_to = offset;
    while let Some(chunk) = rx.blocking_recv() {
        file.write_all(&chunk)
            .map_err(|e| io_err("cannot write", path, e))?;
        written += chunk.len() as u64;
        let end = offset + written;
        if end - flushed_to >= EARLY_FLUSH_BYTES {
            start_writeback(&file, flushed_to, end - flushed_to);
            flushed_to = end;
        }
    }
    file.sync_data()
        .map_err(|e| io_err("cannot sync", path, e))?;
    Ok(written)
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn check(&self) -> StoreResult<()> {
        let meta = tokio::fs::metadata(self.root.join("blobs"))
            .await
            .map_err(|e| io_err("cannot read", &self.root, e))?;
        if meta.is_dir() {
            Ok(())
        } else {
            Err(StoreError::Backend(format!(
                "{} is not a folder",
                self.root.display()
            )))
        }
    }

    async fn write_staged(
        &self,
        id: &UploadId,
        offset: u64,
        mut body: ByteStream,
    ) -> StoreResult<Written> {
        let path = self.staged_path(id);
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(QUEUE);
        let writer = tokio::task::spawn_blocking(move || write_blocking(&path, offset, rx));
        let mut body_error = None;
        while let Some(item) = body.next().await {
            match item {
                Ok(chunk) => {
                    if tx.send(chunk).await.is_err() {
                        break; // the writer failed; its error is reported below
                    }
                }
                Err(e) => {
                    body_error = Some(e);
                    break;
                }
            }
        }
        drop(tx);
        let bytes = writer.await.map_err(StoreError::backend)??;
        Ok(Written {
            bytes,
            body_error,
            part: None,
        })
    }

    async fn discard_written(
        &self,
        id: &UploadId,
        offset: u64,
        _written: &Written,
    ) -> StoreResult<()> {
        let path = self.staged_path(id);
        tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| io_err("cannot open", &path, e))?;
            file.set_len(offset)
                .map_err(|e| io_err("cannot truncate", &path, e))?;
            file.sync_data()
                .map_err(|e| io_err("cannot sync", &path, e))
        })
        .await
        .map_err(StoreError::backend)?
    }

    async fn read_staged(&self, upload: &UploadRecord) -> StoreResult<ByteStream> {
        use tokio::io::AsyncReadExt;
        let path = self.staged_path(&upload.id);
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| io_err("cannot open", &path, e))?;
        // Only the committed bytes: a tail past the offset is not the upload's.
        Ok(Box::pin(ReaderStream::with_capacity(
            file.take(upload.offset),
            READ_CHUNK,
        )))
    }

    async fn promote_staged(&self, upload: &UploadRecord, sha256: &str) -> StoreResult<()> {
        self.promote(&upload.id, upload.offset, sha256).await
    }

    async fn delete_staged(&self, id: &UploadId) -> StoreResult<()> {
        let path = self.staged_path(id);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("cannot remove", &path, e)),
        }
    }

    async fn put(&self, sha256: &str, body: ByteStream) -> StoreResult<u64> {
        // Through a staged file of its own, so the content appears whole
        // (by rename) or not at all.
        let id = UploadId::new();
        let written = self.write_staged(&id, 0, body).await?;
        if let Some(e) = written.body_error {
            self.delete_staged(&id).await?;
            return Err(StoreError::Backend(format!(
                "reading the content to store failed: {e}"
            )));
        }
        self.promote(&id, written.bytes, sha256).await?;
        Ok(written.bytes)
    }

    async fn size(&self, sha256: &str) -> StoreResult<Option<u64>> {
        let path = self.blob_path(sha256)?;
        match tokio::fs::metadata(&path).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("cannot stat", &path, e)),
        }
    }

    async fn read(&self, sha256: &str, start: u64, len: u64) -> StoreResult<ByteStream> {
        use tokio::io::AsyncReadExt;
        let path = self.blob_path(sha256)?;
        let mut file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| io_err("cannot open", &path, e))?;
        file.seek(SeekFrom::Start(start))
            .await
            .map_err(|e| io_err("cannot seek", &path, e))?;
        Ok(Box::pin(ReaderStream::with_capacity(
            file.take(len),
            READ_CHUNK,
        )))
    }

    async fn delete(&self, sha256: &str) -> StoreResult<()> {
        let path = self.blob_path(sha256)?;
        tokio::task::spawn_blocking(move || listing::delete(&path))
            .await
            .map_err(StoreError::backend)?
    }

    async fn list(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<BlobInfo>> {
        let blobs = self.root.join("blobs");
        let after = after.map(str::to_string);
        tokio::task::spawn_blocking(move || listing::list(&blobs, after.as_deref(), limit as usize))
            .await
            .map_err(StoreError::backend)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{body, collect, upload_record};

    /// The record of an upload committed up to `offset`.
    fn rec(id: &UploadId, offset: u64) -> UploadRecord {
        upload_record(id, offset, Vec::new())
    }

    #[tokio::test]
    async fn staged_writes_overwrite_uncommitted_tails_and_promote_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        let id = UploadId::new();
        let w = store
            .write_staged(&id, 0, body(vec![Ok(Bytes::from_static(b"hello "))]))
            .await
            .unwrap();
        assert_eq!(w.bytes, 6);
        // An uncommitted tail ("XXX") is discarded by the next write at 6.
        store
            .write_staged(&id, 6, body(vec![Ok(Bytes::from_static(b"XXX"))]))
            .await
            .unwrap();
        let cut = store
            .write_staged(
                &id,
                6,
                body(vec![
                    Ok(Bytes::from_static(b"world")),
                    Err(std::io::Error::other("client went away")),
                ]),
            )
            .await
            .unwrap();
        assert_eq!(cut.bytes, 5);
        assert!(cut.body_error.is_some());
        // A tail past the committed offset is never read as the upload's.
        store
            .write_staged(&id, 11, body(vec![Ok(Bytes::from_static(b"TAIL"))]))
            .await
            .unwrap();
        assert_eq!(
            collect(store.read_staged(&rec(&id, 11)).await.unwrap()).await,
            b"hello world"
        );
        // Writing past what is staged means bytes were lost: refuse.
        let err = store
            .write_staged(&id, 100, body(vec![]))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("staged bytes were lost"), "{err}");
        let sha = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
        store.promote_staged(&rec(&id, 11), sha).await.unwrap();
        assert_eq!(store.size(sha).await.unwrap(), Some(11));
        assert_eq!(collect(store.read(sha, 6, 3).await.unwrap()).await, b"wor");
        // Promoting the same content again drops the second copy.
        let again = UploadId::new();
        store
            .write_staged(
                &again,
                0,
                body(vec![Ok(Bytes::from_static(b"hello world"))]),
            )
            .await
            .unwrap();
        store.promote_staged(&rec(&again, 11), sha).await.unwrap();
        assert!(!store.staged_path(&again).exists());
        // Listing resumes after any hash; deleting is idempotent.
        let other = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde0";
        let third = "00aa27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
        for (s, body_bytes) in [(other, "x"), (third, "yy")] {
            let n = store
                .put(s, body(vec![Ok(Bytes::from(body_bytes))]))
                .await
                .unwrap();
            assert_eq!(n, body_bytes.len() as u64);
        }
        assert_eq!(
            std::fs::read_dir(dir.path().join("staging"))
                .unwrap()
                .count(),
            0,
            "promoting and putting leave nothing staged behind"
        );
        std::fs::write(dir.path().join("blobs/b9/4d/not-a-hash"), b"?").unwrap();
        let names = |v: Vec<BlobInfo>| v.into_iter().map(|b| b.sha256).collect::<Vec<_>>();
        let all = store.list(None, 10).await.unwrap();
        assert_eq!(all[0].bytes, 2);
        assert!(all[0].modified_ms > 0);
        assert_eq!(names(all), [third, other, sha]);
        assert_eq!(names(store.list(None, 2).await.unwrap()), [third, other]);
        assert_eq!(
            names(store.list(Some(third), 10).await.unwrap()),
            [other, sha]
        );
        assert_eq!(names(store.list(Some(other), 10).await.unwrap()), [sha]);
        assert!(store.list(Some(sha), 10).await.unwrap().is_empty());
        store.delete(other).await.unwrap();
        store.delete(other).await.unwrap();
        assert_eq!(store.size(other).await.unwrap(), None);
        assert_eq!(names(store.list(None, 10).await.unwrap()), [third, sha]);
        assert!(store.size(&"../".repeat(21)).await.is_err());
    }
}

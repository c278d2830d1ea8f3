//! Media in an object store (S3 or anything that speaks its API), through
//! the `object_store` crate, so several server instances share one store.
//!
//! Layout under the configured prefix: `blobs/<sha256>` holds complete
//! content; `staging/<upload-id>/<start>-<nonce>` holds one PATCH worth of
//! a partial upload. Objects cannot be appended to or cut, so each chunk is
//! a new object under a unique name, and the metadata store's commit names
//! the one that counts ([`StagedPart`]): a chunk that lost a race with
//! another instance, or whose commit never happened, is just an object no
//! record names, removed with its upload. Finishing an upload copies its
//! one part into place server-side, or streams several parts into one
//! multipart upload; either way the content appears whole or not at all.
//!
//! Bodies stream through: a chunk is sent as one PUT when it is small and
//! as a multipart upload of [`PART_BYTES`] parts otherwise, with at most
//! [`PARTS_IN_FLIGHT`] parts in flight, so memory stays flat whatever the
//! size. Transient failures are retried with backoff inside `object_store`
//! (its `RetryConfig`); what still fails is reported as
//! [`StoreError::Unavailable`] (503, Retry-After) for connection trouble
//! and [`StoreError::Backend`] (500) for the rest, both logged.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use debrief_protocol::is_sha256_hex;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload,
    RetryConfig, WriteMultipart,
};

use super::{BlobInfo, BlobStore, ByteStream, StoreError, StoreResult, UploadRecord, Written};
use crate::ids::UploadId;

/// Multipart part size (S3's minimum is 5 MiB for all but the last part).
pub const PART_BYTES: usize = 8 << 20;
/// Parts uploaded at once per request.
pub const PARTS_IN_FLIGHT: usize = 2;
/// A long PATCH is committed every this many bytes, so an instance that
/// dies mid-request loses at most this much of it.
pub const COMMIT_EVERY: u64 = 16 << 20;
/// S3's limit for a single server-side copy; larger parts are streamed.
const MAX_COPY_BYTES: u64 = 5 << 30;

#[derive(Debug, Clone)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    /// Key prefix inside the bucket, without slashes at either end ("" for
    /// the bucket's root).
    prefix: String,
    /// `s3://bucket/prefix`, for messages.
    shown: String,
}

/// How the media store failed to open or answer, for a precise message.
#[derive(Debug)]
pub enum Problem {
    BucketMissing,
    Credentials(String),
    Unreachable(String),
    Other(String),
}

/// Why a request failed. `object_store` reports some S3 answers (listing
/// errors among them) only inside a generic error's text, so the text is
/// read for S3's error codes and HTTP statuses as well.
fn classify(e: &object_store::Error) -> Problem {
    let text = e.to_string();
    let says = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    match e {
        object_store::Error::NotFound { .. } => Problem::BucketMissing,
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => Problem::Credentials(text),
        _ if says(&["NoSuchBucket"]) => Problem::BucketMissing,
        _ if says(&[
            "SignatureDoesNotMatch",
            "InvalidAccessKeyId",
            "AccessDenied",
            "status code: 401",
            "status code: 403",
        ]) =>
        {
            Problem::Credentials(text)
        }
        // Another 4xx: the request itself was refused; retrying won't help.
        _ if says(&["status code: 4"]) => Problem::Other(text),
        object_store::Error::Generic { .. } => Problem::Unreachable(text),
        _ => Problem::Other(text),
    }
}

fn unavailable(what: &str, e: object_store::Error) -> StoreError {
    match classify(&e) {
        Problem::Unreachable(m) => StoreError::Unavailable(format!("{what}: {m}")),
        Problem::BucketMissing => StoreError::Backend(format!("{what}: the bucket is gone ({e})")),
        Problem::Credentials(m) | Problem::Other(m) => StoreError::Backend(format!("{what}: {m}")),
    }
}

impl ObjectBlobStore {
    /// An S3 bucket (with an optional key prefix); endpoint, region and
    /// credentials come from the standard `AWS_*` variables
    /// (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ALLOW_HTTP`, ...).
    pub fn s3(bucket: &str, prefix: &str) -> StoreResult<Self> {
        // Whole-request timeouts would cut long media downloads short; a
        // read that stalls for a minute is what counts as dead instead.
        let options = ClientOptions::new()
            .with_timeout_disabled()
            .with_connect_timeout(Duration::from_secs(5))
            .with_read_timeout(Duration::from_secs(60));
        let mut builder = AmazonS3Builder::new().with_client_options(options);
        for (key, value) in std::env::vars() {
            if key.starts_with("AWS_")
                && let Ok(k) = key.to_ascii_lowercase().parse()
            {
                builder = builder.with_config(k, value);
            }
        }
        let store = builder
            .with_bucket_name(bucket)
            .with_retry(RetryConfig {
                backoff: BackoffConfig {
                    init_backoff: Duration::from_millis(100),
                    max_backoff: Duration::from_secs(5),
                    base: 2.0,
                },
                max_retries: 4,
                retry_timeout: Duration::from_secs(30),
            })
            .build()
            .map_err(|e| StoreError::Invalid(format!("cannot use bucket '{bucket}': {e}")))?;
        Ok(Self::new(
            Arc::new(store),
            prefix,
            format!("s3://{bucket}/{prefix}"),
        ))
    }

    /// Any `object_store` implementation (tests use the in-memory one).
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str, shown: String) -> Self {
        Self {
            store,
            prefix: prefix.trim_matches('/').to_string(),
            shown: shown.trim_end_matches('/').to_string(),
        }
    }

    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn path(&self, rel: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(rel)
        } else {
            Path::from(format!("{}/{rel}", self.prefix))
        }
    }

    fn blob(&self, sha256: &str) -> StoreResult<Path> {
        if !is_sha256_hex(sha256) {
            return Err(StoreError::Invalid(format!(
                "'{sha256}' is not a SHA-256 digest"
            )));
        }
        Ok(self.path(&format!("blobs/{sha256}")))
    }

    fn staged_dir(&self, id: &UploadId) -> Path {
        self.path(&format!("staging/{id}"))
    }

    /// Whether the store answers with the bucket and credentials given,
    /// and if not, why.
    pub async fn probe(&self) -> Result<(), Problem> {
        self.store
            .list_with_delimiter(Some(&self.path("blobs")))
            .await
            .map(|_| ())
            .map_err(|e| classify(&e))
    }

    /// Write `body` to the object at `path`. With `keep_partial`, a body
    /// that fails part-way still leaves what arrived (a tus chunk keeps its
    /// bytes); without, nothing is stored and the body's error is returned.
    /// Returns the bytes stored and the body's error, if any.
    async fn write_object(
        &self,
        path: &Path,
        mut body: ByteStream,
        keep_partial: bool,
    ) -> StoreResult<(u64, Option<std::io::Error>)> {
        let mut first: Vec<Bytes> = Vec::new();
        let mut buffered = 0usize;
        let mut body_error = None;
        // Bodies up to one part (thumbnails, checksummed chunks, a tus
        // client's usual PATCH) go as one PUT: a multipart upload costs
        // two more requests and a copy inside the store.
        while buffered <= PART_BYTES {
            match body.next().await {
                Some(Ok(b)) => {
                    buffered += b.len();
                    first.push(b);
                }
                Some(Err(e)) => {
                    body_error = Some(e);
                    break;
                }
                None => break,
            }
        }
        if buffered <= PART_BYTES || body_error.is_some() {
            if let Some(e) = body_error.take_if(|_| !keep_partial) {
                return Err(StoreError::Backend(format!(
                    "reading the content to store failed: {e}"
                )));
            }
            if buffered == 0 && keep_partial {
                return Ok((0, body_error));
            }
            let payload: PutPayload = first.into_iter().collect();
            self.store
                .put(path, payload)
                .await
                .map_err(|e| unavailable("storing an object", e))?;
            return Ok((buffered as u64, body_error));
        }
        let upload = self
            .store
            .put_multipart(path)
            .await
            .map_err(|e| unavailable("starting a multipart upload", e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut total = 0u64;
        for b in first {
            total += b.len() as u64;
            writer.put(b);
        }
        let failed = loop {
            if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                break Some(unavailable("uploading a part", e));
            }
            match body.next().await {
                Some(Ok(b)) => {
                    total += b.len() as u64;
                    writer.put(b);
                }
                Some(Err(e)) if keep_partial => {
                    body_error = Some(e);
                    break None;
                }
                Some(Err(e)) => {
                    break Some(StoreError::Backend(format!(
                        "reading the content to store failed: {e}"
                    )));
                }
                None => break None,
            }
        };
        if let Some(err) = failed {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(error = %abort, object = %path, "could not abort a multipart upload");
            }
            return Err(err);
        }
        writer
            .finish()
            .await
            .map_err(|e| unavailable("completing a multipart upload", e))?;
        Ok((total, body_error))
    }

    /// The bytes of one object, `range` of it if given.
    async fn stream(&self, path: Path, range: Option<GetRange>) -> StoreResult<ByteStream> {
        let opts = GetOptions {
            range,
            ..GetOptions::default()
        };
        let got = self
            .store
            .get_opts(&path, opts)
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => {
                    StoreError::Backend(format!("object {path} is missing from {}", self.shown))
                }
                other => unavailable("reading an object", other),
            })?;
        Ok(Box::pin(got.into_stream().map_err(std::io::Error::other)))
    }

    /// The committed parts of an upload, checked to cover `0..offset`.
    fn committed(&self, upload: &UploadRecord) -> StoreResult<Vec<Path>> {
        let mut at = 0;
        let mut out = Vec::with_capacity(upload.parts.len());
        for p in &upload.parts {
            if p.start != at || p.end < p.start {
                break;
            }
            at = p.end;
            out.push(self.path(&p.key));
        }
        if at != upload.offset {
            return Err(StoreError::Backend(format!(
                "upload {}'s recorded parts cover {at} of its {} committed bytes",
                upload.id, upload.offset
            )));
        }
        Ok(out)
    }

    /// One stream over several objects in order, each opened when the one
    /// before it ends.
    fn concat(&self, parts: Vec<Path>) -> ByteStream {
        let this = self.clone();
        Box::pin(
            futures_util::stream::iter(parts)
                .then(move |p| {
                    let this = this.clone();
                    async move { this.stream(p, None).await.map_err(std::io::Error::other) }
                })
                .try_flatten(),
        )
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn check(&self) -> StoreResult<()> {
        self.probe().await.map_err(|p| match p {
            Problem::BucketMissing => {
                StoreError::Backend(format!("{}: the bucket does not exist", self.shown))
            }
            Problem::Credentials(m) | Problem::Other(m) => {
                StoreError::Backend(format!("{}: {m}", self.shown))
            }
            Problem::Unreachable(m) => StoreError::Unavailable(format!("{}: {m}", self.shown)),
        })
    }

    async fn write_staged(
        &self,
        id: &UploadId,
        offset: u64,
        body: ByteStream,
    ) -> StoreResult<Written> {
        let nonce = UploadId::new();
        let key = format!("staging/{id}/{offset:020}-{}", &nonce.as_str()[..12]);
        let (bytes, body_error) = self.write_object(&self.path(&key), body, true).await?;
        Ok(Written {
            bytes,
            body_error,
            part: (bytes > 0).then_some(key),
        })
    }

    fn commit_every(&self) -> Option<u64> {
        Some(COMMIT_EVERY)
    }

    async fn discard_written(
        &self,
        _id: &UploadId,
        _offset: u64,
        written: &Written,
    ) -> StoreResult<()> {
        match &written.part {
            Some(key) => match self.store.delete(&self.path(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(unavailable("deleting a staged part", e)),
            },
            None => Ok(()),
        }
    }

    async fn read_staged(&self, upload: &UploadRecord) -> StoreResult<ByteStream> {
        Ok(self.concat(self.committed(upload)?))
    }

    async fn promote_staged(&self, upload: &UploadRecord, sha256: &str) -> StoreResult<()> {
        let target = self.blob(sha256)?;
        let exists = match self.store.head(&target).await {
            Ok(_) => true,
            Err(object_store::Error::NotFound { .. }) => false,
            Err(e) => return Err(unavailable("looking for stored content", e)),
        };
        if !exists {
            let parts = self.committed(upload)?;
            match parts.as_slice() {
                [one] if upload.offset <= MAX_COPY_BYTES => self
                    .store
                    .copy(one, &target)
                    .await
                    .map_err(|e| unavailable("copying a staged part into place", e))?,
                _ => {
                    let (n, _) = self
                        .write_object(&target, self.concat(parts), false)
                        .await?;
                    if n != upload.offset {
                        return Err(StoreError::Backend(format!(
                            "assembling upload {} stored {n} of {} bytes",
                            upload.id, upload.offset
                        )));
                    }
                }
            }
        }
        self.delete_staged(&upload.id).await
    }

    async fn delete_staged(&self, id: &UploadId) -> StoreResult<()> {
        let dir = self.staged_dir(id);
        let objects: Vec<Path> = self
            .store
            .list(Some(&dir))
            .map_ok(|m| m.location)
            .try_collect()
            .await
            .map_err(|e| unavailable("listing staged parts", e))?;
        for path in objects {
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(unavailable("deleting a staged part", e)),
            }
        }
        Ok(())
    }

    async fn put(&self, sha256: &str, body: ByteStream) -> StoreResult<u64> {
        let target = self.blob(sha256)?;
        let (n, _) = self.write_object(&target, body, false).await?;
        Ok(n)
    }

    async fn size(&self, sha256: &str) -> StoreResult<Option<u64>> {
        match self.store.head(&self.blob(sha256)?).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(unavailable("looking for stored content", e)),
        }
    }

    async fn read(&self, sha256: &str, start: u64, len: u64) -> StoreResult<ByteStream> {
        if len == 0 {
            // S3 refuses empty ranges; there is nothing to fetch anyway.
            return Ok(Box::pin(futures_util::stream::empty()));
        }
        let path = self.blob(sha256)?;
        self.stream(path, Some(GetRange::Bounded(start..start + len)))
            .await
    }

    async fn delete(&self, sha256: &str) -> StoreResult<()> {
        match self.store.delete(&self.blob(sha256)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(unavailable("deleting content", e)),
        }
    }

    async fn list(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<BlobInfo>> {
        let dir = self.path("blobs");
        let listing = match after {
            // ListObjectsV2's StartAfter: the listing resumes in the store.
            Some(a) => self
                .store
                .list_with_offset(Some(&dir), &self.path(&format!("blobs/{a}"))),
            None => self.store.list(Some(&dir)),
        };
        let mut listing = std::pin::pin!(listing);
        let mut out = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| unavailable("listing content", e))?;
            let Some(name) = meta.location.filename() else {
                continue;
            };
            if !is_sha256_hex(name) || after.is_some_and(|a| name <= a) {
                continue;
            }
            out.push(BlobInfo {
                sha256: name.to_string(),
                bytes: meta.size,
                modified_ms: meta.last_modified.timestamp_millis(),
            });
            if out.len() >= limit as usize {
                break;
            }
        }
        out.sort_by(|a, b| a.sha256.cmp(&b.sha256));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StagedPart;
    use crate::store::test_support::{body, collect, upload_record};
    use object_store::memory::InMemory;

    fn record(id: &UploadId, parts: Vec<StagedPart>) -> UploadRecord {
        upload_record(id, 0, parts)
    }

    fn part(w: &Written, start: u64) -> StagedPart {
        StagedPart {
            start,
            end: start + w.bytes,
            key: w.part.clone().unwrap(),
        }
    }

    #[tokio::test]
    async fn only_committed_parts_make_the_content() {
        let mem = Arc::new(InMemory::new());
        let store = ObjectBlobStore::new(mem.clone(), "/team/a/", "mem://".into());
        let id = UploadId::new();
        let a = store
            .write_staged(&id, 0, body(vec![Ok(Bytes::from_static(b"hello "))]))
            .await
            .unwrap();
        // Two writers race at offset 6; only the one the commit names counts.
        let loser = store
            .write_staged(&id, 6, body(vec![Ok(Bytes::from_static(b"XXXXX"))]))
            .await
            .unwrap();
        let b = store
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
        assert_eq!((b.bytes, b.body_error.is_some()), (5, true));
        assert_ne!(loser.part, b.part, "every chunk is an object of its own");
        let rec = record(&id, vec![part(&a, 0), part(&b, 6)]);
        assert_eq!(
            collect(store.read_staged(&rec).await.unwrap()).await,
            b"hello world"
        );
        // A record that does not cover its offset is refused, not guessed at.
        let mut gap = rec.clone();
        gap.parts.remove(0);
        assert!(store.read_staged(&gap).await.is_err());
        store.discard_written(&id, 6, &loser).await.unwrap();
        let sha = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
        store.promote_staged(&rec, sha).await.unwrap();
        assert_eq!(store.size(sha).await.unwrap(), Some(11));
        assert_eq!(collect(store.read(sha, 6, 3).await.unwrap()).await, b"wor");
        assert!(
            collect(store.read(sha, 3, 0).await.unwrap())
                .await
                .is_empty()
        );
        // Nothing staged is left, and everything lives under the prefix.
        let all: Vec<String> = mem
            .list(None)
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, [format!("team/a/blobs/{sha}")]);
        let listed = store.list(None, 10).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(store.list(Some(sha), 10).await.unwrap().is_empty());
        store.delete(sha).await.unwrap();
        store.delete(sha).await.unwrap();
        assert_eq!(store.size(sha).await.unwrap(), None);
    }

    #[tokio::test]
    async fn large_bodies_go_in_parts_and_a_failed_put_leaves_nothing() {
        let mem = Arc::new(InMemory::new());
        let store = ObjectBlobStore::new(mem.clone(), "", "mem://".into());
        let big: Vec<u8> = (0..PART_BYTES * 2 + 17).map(|i| (i % 251) as u8).collect();
        let chunks: Vec<std::io::Result<Bytes>> = big
            .chunks(1 << 20)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let sha = "00aa27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
        assert_eq!(
            store.put(sha, body(chunks)).await.unwrap(),
            big.len() as u64
        );
        assert_eq!(
            collect(store.read(sha, 0, big.len() as u64).await.unwrap()).await,
            big
        );
        let other = "11aa27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
        let cut = body(vec![
            Ok(Bytes::from(vec![1u8; PART_BYTES + 5])),
            Err(std::io::Error::other("source failed")),
        ]);
        assert!(store.put(other, cut).await.is_err());
        assert_eq!(store.size(other).await.unwrap(), None, "no partial content");
        assert!(store.blob("../x").is_err());
    }
}

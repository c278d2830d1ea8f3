//! Resumable uploads: appending a chunk, verifying, storing by hash.
//!
//! Invariants:
//! - the committed offset (metadata store) never runs ahead of durable
//!   bytes (blob store): bytes are written and synced first, then the
//!   offset is advanced with a compare-and-set;
//! - a chunk that carried `Upload-Checksum` is all-or-nothing: a mismatch or
//!   a cut body discards it and the offset stays; a chunk without one keeps
//!   every byte that arrived, so a dropped connection resumes mid-chunk;
//! - one request at a time writes to an upload on an instance (others get
//!   423 Locked and tus clients retry); across instances the offset's
//!   compare-and-set decides, and an object store's chunk is a new object
//!   that only counts once its commit names it, so a loser's bytes can
//!   never be mistaken for the winner's;
//! - when the last byte arrives the whole file's SHA-256 must equal the
//!   declared one, or nothing is stored and the upload is gone.
//!
//! The whole-file hash is carried along in memory between chunks while
//! this instance sees every chunk in order; otherwise (another instance
//! took part, or a restart) the staged bytes are read back once at the end.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use bytes::Bytes;
use futures_util::StreamExt;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::clock::now_ms;
use crate::error::AppError;
use crate::ids::UploadId;
use crate::store::{ByteStream, MediaRecord, StagedPart, UploadRecord, Written};

/// A client that sends nothing for this long loses the upload lock; what
/// it sent so far is kept.
const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Hash states kept between chunks; beyond this the table is reset and the
/// affected uploads are re-read at the end instead.
const MAX_CACHED_HASHERS: usize = 10_000;

#[derive(Debug, Default)]
pub struct UploadTable {
    busy: Mutex<HashSet<UploadId>>,
    hashers: Mutex<HashMap<UploadId, (u64, Sha256)>>,
}

/// Holds an upload's write lock; released on drop.
#[derive(Debug)]
pub struct UploadClaim<'a> {
    table: &'a UploadTable,
    id: UploadId,
}

impl Drop for UploadClaim<'_> {
    fn drop(&mut self) {
        self.table
            .busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}

impl UploadTable {
    /// Whether a request is writing this upload right now.
    pub fn is_busy(&self, id: &UploadId) -> bool {
        self.busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
    }

    /// Wait (up to `limit`) until no request is writing this upload, so an
    /// offset read right after a cut connection includes the bytes that
    /// request is still committing. A client that reconnects at once would
    /// otherwise see the older offset and send those bytes again.
    pub async fn settle(&self, id: &UploadId, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.is_busy(id) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub fn claim(&self, id: &UploadId) -> Result<UploadClaim<'_>, AppError> {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        if !busy.insert(id.clone()) {
            return Err(AppError::new(
                StatusCode::LOCKED,
                "upload_busy",
                format!("another request is writing to upload {id}; retry in a moment"),
            ));
        }
        Ok(UploadClaim {
            table: self,
            id: id.clone(),
        })
    }

    fn take_hasher(&self, id: &UploadId, offset: u64) -> Option<Sha256> {
        let mut map = self.hashers.lock().unwrap_or_else(|p| p.into_inner());
        match map.remove(id) {
            Some((at, h)) if at == offset => Some(h),
            _ => None,
        }
    }

    fn put_hasher(&self, id: &UploadId, offset: u64, hasher: Sha256) {
        let mut map = self.hashers.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_CACHED_HASHERS {
            map.clear();
        }
        map.insert(id.clone(), (offset, hasher));
    }

    pub fn forget(&self, id: &UploadId) {
        self.hashers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }

    /// A new upload starts with an empty hash state at offset 0.
    pub fn started(&self, id: &UploadId) {
        self.put_hasher(id, 0, Sha256::new());
    }
}

/// `Upload-Checksum: ALGO BASE64DIGEST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkChecksum {
    Sha1(Vec<u8>),
    Sha256(Vec<u8>),
}

impl ChunkChecksum {
    pub fn parse(header: &str) -> Result<Self, AppError> {
        let (algo, b64) = header.trim().split_once(' ').ok_or_else(|| {
            AppError::bad_request("Upload-Checksum must be '<algorithm> <base64 digest>', e.g. 'sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk='")
        })?;
        let digest = data_encoding::BASE64
            .decode(b64.trim().as_bytes())
            .map_err(|_| {
                AppError::bad_request(format!("Upload-Checksum digest '{b64}' is not base64"))
            })?;
        let (checksum, want) = match algo {
            "sha1" => (ChunkChecksum::Sha1(digest), 20),
            "sha256" => (ChunkChecksum::Sha256(digest), 32),
            other => {
                return Err(AppError::bad_request(format!(
                    "checksum algorithm '{other}' is not supported; use sha1 or sha256 (see Tus-Checksum-Algorithm)"
                )));
            }
        };
        let len = match &checksum {
            ChunkChecksum::Sha1(d) | ChunkChecksum::Sha256(d) => d.len(),
        };
        if len != want {
            return Err(AppError::bad_request(format!(
                "Upload-Checksum {algo} digest is {len} bytes; {algo} digests are {want} bytes"
            )));
        }
        Ok(checksum)
    }
}

enum ChunkHasher {
    Sha1(Sha1),
    Sha256(Sha256),
}

/// What the body wrapper saw, read back after the blob store consumed it.
#[derive(Default)]
struct Seen {
    whole: Option<Sha256>,
    chunk: Option<ChunkHasher>,
    overflow: bool,
    shutdown: bool,
}

/// The request body as a stream for the blob store, hashing as it goes and
/// ending with an error on overflow, idle timeout or server shutdown.
fn watch_body(state: &AppState, body: Body, remaining: u64, seen: Arc<Mutex<Seen>>) -> ByteStream {
    let stream = body.into_data_stream();
    let shutdown = state.shutdown.clone();
    let state = state.clone();
    let s = futures_util::stream::unfold(
        (stream, 0u64, seen, false),
        move |(mut stream, mut total, seen, done)| {
            let shutdown = shutdown.clone();
            let state = state.clone();
            async move {
                if done {
                    return None;
                }
                let next = tokio::select! {
                    () = shutdown.cancelled() => {
                        seen.lock().unwrap_or_else(|p| p.into_inner()).shutdown = true;
                        return Some((Err(std::io::Error::other("server is shutting down")), (stream, total, seen, true)));
                    }
                    r = tokio::time::timeout(BODY_IDLE_TIMEOUT, stream.next()) => r,
                };
                let item: std::io::Result<Bytes> = match next {
                    Err(_) => Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "client sent nothing for 60 s",
                    )),
                    Ok(None) => return None,
                    Ok(Some(Err(e))) => Err(std::io::Error::other(e)),
                    Ok(Some(Ok(bytes))) => {
                        total += bytes.len() as u64;
                        state.metrics.add_upload_bytes_received(bytes.len() as u64);
                        let mut s = seen.lock().unwrap_or_else(|p| p.into_inner());
                        if total > remaining {
                            s.overflow = true;
                            Err(std::io::Error::other("body goes past Upload-Length"))
                        } else {
                            if let Some(h) = s.whole.as_mut() {
                                h.update(&bytes);
                            }
                            match s.chunk.as_mut() {
                                Some(ChunkHasher::Sha1(h)) => h.update(&bytes),
                                Some(ChunkHasher::Sha256(h)) => h.update(&bytes),
                                None => {}
                            }
                            Ok(bytes)
                        }
                    }
                };
                let done = item.is_err();
                Some((item, (stream, total, seen, done)))
            }
        },
    );
    Box::pin(s)
}

/// Write one chunk at `offset` (already checked against the record) and
/// commit it; finish the upload when it was the last one. Returns the
/// record as it is afterwards.
pub async fn append_chunk(
    state: &AppState,
    rec: UploadRecord,
    checksum: Option<ChunkChecksum>,
    body: Body,
) -> Result<UploadRecord, AppError> {
    let _active = state.metrics.upload_started();
    let offset = rec.offset;
    let whole = state.uploads.take_hasher(&rec.id, offset);
    let whole_before = whole.clone();
    let seen = Arc::new(Mutex::new(Seen {
        whole,
        chunk: checksum.as_ref().map(|c| match c {
            ChunkChecksum::Sha1(_) => ChunkHasher::Sha1(Sha1::new()),
            ChunkChecksum::Sha256(_) => ChunkHasher::Sha256(Sha256::new()),
        }),
        ..Seen::default()
    }));
    let stream = watch_body(state, body, rec.length - offset, seen.clone());
    // A long un-checksummed body is committed piece by piece where the
    // store asks for it (object stores), so an instance that dies mid-way
    // loses at most one piece; the last piece is handled below like a
    // whole chunk.
    let (rec, written) = match (&checksum, state.blobs.commit_every()) {
        (None, Some(every)) => write_in_pieces(state, rec, stream, every).await?,
        _ => {
            let written = state.blobs.write_staged(&rec.id, offset, stream).await?;
            (rec, written)
        }
    };
    // The hash state from before the chunk only fits while nothing of it
    // was committed; otherwise the staged bytes are read back at the end.
    let whole_before = whole_before.filter(|_| rec.offset == offset);
    let offset = rec.offset;
    let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|p| p.into_inner()));
    let discard =
        |err: AppError| discard_chunk(state, rec.id.clone(), offset, &written, whole_before, err);
    if seen.overflow {
        return discard(AppError::too_large(format!(
            "the body goes past the declared Upload-Length ({} bytes; {} remain after offset {offset})",
            rec.length,
            rec.length - offset
        )))
        .await;
    }
    if let Some(expected) = &checksum {
        if let Some(e) = &written.body_error {
            return discard(cut_short(&seen, e)).await;
        }
        let matches = match (expected, seen.chunk) {
            (ChunkChecksum::Sha1(want), Some(ChunkHasher::Sha1(h))) => {
                h.finalize().as_slice() == want.as_slice()
            }
            (ChunkChecksum::Sha256(want), Some(ChunkHasher::Sha256(h))) => {
                h.finalize().as_slice() == want.as_slice()
            }
            _ => false,
        };
        if !matches {
            return discard(AppError::new(
                StatusCode::from_u16(460).expect("460 is a valid status"),
                "checksum_mismatch",
                format!("the chunk's checksum does not match its bytes; it was discarded and the upload stays at offset {offset}: send it again"),
            ))
            .await;
        }
    }
    let mut rec = commit(state, rec, &written).await?;
    let new_offset = rec.offset;
    if let Some(h) = seen.whole {
        state.uploads.put_hasher(&rec.id, new_offset, h);
    }
    if let Some(e) = &written.body_error {
        tracing::info!(upload = %rec.id, committed = new_offset, error = %e, "upload body ended early; kept what arrived");
        if seen.shutdown {
            return Err(cut_short_shutdown(new_offset));
        }
        return Ok(rec);
    }
    if new_offset == rec.length {
        finish(state, &rec).await?;
        rec.completed_ms = Some(now_ms());
    }
    Ok(rec)
}

/// Write the body as pieces of at most `every` bytes, committing each
/// full piece at once; returns the record after those commits and the last
/// piece, written but not committed.
async fn write_in_pieces(
    state: &AppState,
    mut rec: UploadRecord,
    body: ByteStream,
    every: u64,
) -> Result<(UploadRecord, Written), AppError> {
    let pieces = Pieces::new(body);
    loop {
        let written = state
            .blobs
            .write_staged(&rec.id, rec.offset, pieces.next(every))
            .await?;
        if written.bytes < every || written.body_error.is_some() || pieces.ended() {
            return Ok((rec, written));
        }
        rec = commit(state, rec, &written).await?;
    }
}

/// Move the upload's committed offset past what `written` holds (nothing
/// to do when it holds nothing).
async fn commit(
    state: &AppState,
    rec: UploadRecord,
    written: &Written,
) -> Result<UploadRecord, AppError> {
    let offset = rec.offset;
    let new_offset = offset + written.bytes;
    let expires_ms = now_ms() + state.settings.upload_expiry().as_millis() as i64;
    let mut parts = rec.parts.clone();
    if written.bytes > 0 {
        let advanced = state
            .meta
            .advance_upload(
                rec.team_id,
                &rec.id,
                offset,
                new_offset,
                expires_ms,
                written.part.as_deref(),
            )
            .await;
        if let Err(e) = advanced {
            // Another instance committed at this offset first (or the
            // database failed): the part this request wrote is nobody's.
            // (A folder store's staged file is shared: the next write cuts
            // it back to the committed offset, so nothing is cut here.)
            if written.part.is_some()
                && let Err(cleanup) = state.blobs.discard_written(&rec.id, offset, written).await
            {
                tracing::warn!(upload = %rec.id, error = %cleanup, "could not discard an uncommitted chunk");
            }
            return Err(e.into());
        }
        state.metrics.add_upload_bytes(written.bytes);
        if let Some(key) = &written.part {
            parts.push(StagedPart {
                start: offset,
                end: new_offset,
                key: key.clone(),
            });
        }
    }
    Ok(UploadRecord {
        offset: new_offset,
        expires_ms,
        parts,
        ..rec
    })
}

/// Cuts one body into consecutive pieces of a given size.
struct Pieces {
    inner: Arc<tokio::sync::Mutex<PiecesInner>>,
}

struct PiecesInner {
    body: ByteStream,
    /// Received past the end of the previous piece.
    leftover: Option<Bytes>,
    ended: bool,
}

impl Pieces {
    fn new(body: ByteStream) -> Self {
        Self {
            inner: Arc::new(tokio::sync::Mutex::new(PiecesInner {
                body,
                leftover: None,
                ended: false,
            })),
        }
    }

    /// The next `limit` bytes of the body (fewer at its end).
    fn next(&self, limit: u64) -> ByteStream {
        let inner = self.inner.clone();
        Box::pin(futures_util::stream::unfold(
            (inner, limit),
            |(inner, left)| async move {
                if left == 0 {
                    return None;
                }
                let mut g = inner.lock().await;
                let item = match g.leftover.take() {
                    Some(b) => Some(Ok(b)),
                    None if g.ended => None,
                    None => g.body.next().await,
                };
                match item {
                    None => {
                        g.ended = true;
                        None
                    }
                    Some(Err(e)) => {
                        g.ended = true;
                        drop(g);
                        Some((Err(e), (inner, 0)))
                    }
                    Some(Ok(mut b)) => {
                        if b.len() as u64 > left {
                            g.leftover = Some(b.split_off(left as usize));
                        }
                        let n = b.len() as u64;
                        drop(g);
                        Some((Ok(b), (inner, left - n)))
                    }
                }
            },
        ))
    }

    /// Whether the body is known to have no more bytes.
    fn ended(&self) -> bool {
        self.inner
            .try_lock()
            .map(|g| g.ended && g.leftover.is_none())
            .unwrap_or(false)
    }
}

/// Throw a chunk away: the staged bytes and the hash state go back to
/// where they were at `offset`.
async fn discard_chunk(
    state: &AppState,
    id: UploadId,
    offset: u64,
    written: &Written,
    whole_before: Option<Sha256>,
    err: AppError,
) -> Result<UploadRecord, AppError> {
    if let Some(h) = whole_before {
        state.uploads.put_hasher(&id, offset, h);
    }
    state.blobs.discard_written(&id, offset, written).await?;
    Err(err)
}

fn cut_short(seen: &Seen, e: &std::io::Error) -> AppError {
    if seen.shutdown {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is restarting; the chunk was discarded, resume from the upload's offset",
        )
    } else {
        AppError::bad_request(format!(
            "the body ended early ({e}); the chunk was discarded"
        ))
    }
}

fn cut_short_shutdown(offset: u64) -> AppError {
    let mut e = AppError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "shutting_down",
        format!("the server is restarting; {offset} bytes are committed: resume from there"),
    );
    e.retry_after_secs = Some(5);
    e
}

/// Verify the whole file and store it by hash, or drop it entirely.
pub async fn finish(state: &AppState, rec: &UploadRecord) -> Result<(), AppError> {
    let digest = match state.uploads.take_hasher(&rec.id, rec.length) {
        Some(h) => h.finalize(),
        None => {
            let mut h = Sha256::new();
            let mut staged = state.blobs.read_staged(rec).await?;
            while let Some(chunk) = staged.next().await {
                h.update(&chunk.map_err(AppError::internal)?);
            }
            h.finalize()
        }
    };
    let actual = data_encoding::HEXLOWER.encode(&digest);
    if actual != rec.sha256 {
        state.blobs.delete_staged(&rec.id).await?;
        state.meta.delete_upload(rec.team_id, &rec.id).await?;
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "content_mismatch",
            format!(
                "the uploaded file's SHA-256 is {actual} but the upload declared {}; nothing was stored \
                 and the upload is gone: check the file and upload it again",
                rec.sha256
            ),
        ));
    }
    state.blobs.promote_staged(rec, &rec.sha256).await?;
    let media = MediaRecord {
        sha256: rec.sha256.clone(),
        bytes: rec.length,
        content_type: rec.content_type.clone(),
    };
    state.meta.complete_upload(rec, media, now_ms()).await?;
    state.metrics.upload_completed();
    tracing::info!(upload = %rec.id, sha256 = %rec.sha256, bytes = rec.length, "upload complete");
    Ok(())
}

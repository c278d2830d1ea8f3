//! A tus 1.0 client (core + creation + checksum + termination) for media
//! uploads that survive lost signals and killed processes.
//!
//! Resuming: the upload URL is recorded as soon as it is created; a later
//! attempt (same process or the next one) asks the server for its offset
//! with HEAD before sending anything, so nothing the server has is sent
//! again. Media goes in large PATCH requests streamed from disk (memory
//! stays flat) without a per-request checksum, because the server keeps
//! every byte of an un-checksummed request that arrives before a cut: only
//! bytes still in flight are lost. Small files (thumbnails), and media when
//! `checksum` is set, go in chunks that carry `Upload-Checksum: sha1`, which
//! the server verifies and discards whole on mismatch or cut. Either way the
//! server checks the whole file's SHA-256 before it stores anything.
//!
//! The network timeout applies to PATCHes as "no progress for that long"
//! (see [`crate::watchdog`]), so a slow link is not mistaken for a dead one.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use reqwest::StatusCode;
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use url::Url;

use crate::client::{Client, check};
use crate::error::{Result, SyncError};
use crate::watchdog::{self, Watchdog};

const TUS_VERSION: &str = "1.0.0";

/// How to cut a file into PATCH requests.
#[derive(Debug, Clone, Copy)]
pub struct UploadOptions {
    /// Largest PATCH body for media.
    pub patch_bytes: u64,
    /// Send media in checksummed chunks of `checksum_chunk_bytes`.
    pub checksum: bool,
    pub checksum_chunk_bytes: u64,
    /// Files up to this size always go in one checksummed request.
    pub small_file_bytes: u64,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            patch_bytes: 64 << 20,
            checksum: false,
            checksum_chunk_bytes: 4 << 20,
            small_file_bytes: 1 << 20,
        }
    }
}

/// What to upload.
#[derive(Debug, Clone)]
pub struct UploadJob<'a> {
    pub path: &'a Path,
    pub sha256: &'a str,
    pub content_type: &'a str,
    pub clip_id: Option<String>,
    pub total: u64,
}

/// Where an upload stands, reported after every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadProgress {
    pub url: Option<String>,
    pub offset: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadOutcome {
    /// The server already had this content; nothing was sent.
    AlreadyThere,
    /// Uploaded; `resumed_from` is the offset the server already had.
    Uploaded { resumed_from: u64 },
}

/// Upload one file, resuming at `resume_url` if given. `live` counts body
/// bytes handed to the network (for progress bars and benchmarks).
pub async fn upload(
    client: &Client,
    job: &UploadJob<'_>,
    resume_url: Option<&str>,
    opts: &UploadOptions,
    live: &Arc<AtomicU64>,
    on_progress: &mut (dyn FnMut(&UploadProgress) + Send),
) -> Result<UploadOutcome> {
    if client.has_media(job.sha256).await? {
        return Ok(UploadOutcome::AlreadyThere);
    }
    let mut url = None;
    let mut offset = 0;
    if let Some(u) = resume_url {
        let u = client
            .base()
            .join(u)
            .map_err(|e| SyncError::BadResponse(format!("upload URL: {e}")))?;
        if let Some(o) = head_offset(client, &u).await? {
            url = Some(u);
            offset = o;
        }
    }
    let url = match url {
        Some(u) => u,
        None => {
            let u = create(client, job).await?;
            on_progress(&UploadProgress {
                url: Some(u.to_string()),
                offset: 0,
                total: job.total,
            });
            u
        }
    };
    let resumed_from = offset;
    let mut file = tokio::fs::File::open(job.path)
        .await
        .map_err(|e| SyncError::io(format!("open {}", job.path.display()), e))?;
    let checksummed = opts.checksum || job.total <= opts.small_file_bytes;
    let step = if checksummed {
        opts.checksum_chunk_bytes.max(1)
    } else {
        opts.patch_bytes.max(1)
    };
    let mut conflicts = 0;
    let mut mismatches = 0;
    while offset < job.total {
        let len = step.min(job.total - offset);
        let sent = if checksummed {
            patch_checksummed(client, &url, &mut file, offset, len, live).await
        } else {
            patch_streamed(client, &url, job.path, offset, len, live).await
        };
        match sent {
            Ok(new_offset) => {
                offset = new_offset;
                on_progress(&UploadProgress {
                    url: Some(url.to_string()),
                    offset,
                    total: job.total,
                });
            }
            // Our idea of the offset was wrong (e.g. an earlier request
            // landed after all): ask the server and carry on from there.
            Err(SyncError::Server { status: 409, .. }) if conflicts < 3 => {
                conflicts += 1;
                offset = head_offset(client, &url)
                    .await?
                    .ok_or_else(|| SyncError::BadResponse("the upload vanished".into()))?;
            }
            Err(SyncError::Server { status: 460, .. }) if mismatches < 3 => mismatches += 1,
            // Anything else, including the server finding that the whole
            // file's SHA-256 does not match (422, permanent), goes up.
            Err(e) => return Err(e),
        }
    }
    Ok(UploadOutcome::Uploaded { resumed_from })
}

/// The server's offset for an upload, or `None` if it no longer exists.
async fn head_offset(client: &Client, url: &Url) -> Result<Option<u64>> {
    let resp = client
        .authed(
            client
                .http
                .head(url.clone())
                .header("Tus-Resumable", TUS_VERSION),
        )
        .send()
        .await
        .map_err(|e| client.unreachable(e))?;
    if matches!(resp.status(), StatusCode::NOT_FOUND | StatusCode::GONE) {
        return Ok(None);
    }
    let resp = check(resp).await?;
    Ok(Some(upload_offset(&resp)?))
}

async fn create(client: &Client, job: &UploadJob<'_>) -> Result<Url> {
    let mut meta = vec![
        format!("sha256 {}", B64.encode(job.sha256)),
        format!("content_type {}", B64.encode(job.content_type)),
    ];
    if let Some(c) = &job.clip_id {
        meta.push(format!("clip_id {}", B64.encode(c)));
    }
    let req = client
        .http
        .post(client.url("v1/uploads"))
        .header("Tus-Resumable", TUS_VERSION)
        .header("Upload-Length", job.total.to_string())
        .header("Upload-Metadata", meta.join(","));
    let resp = check(
        client
            .authed(req)
            .send()
            .await
            .map_err(|e| client.unreachable(e))?,
    )
    .await?;
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            SyncError::BadResponse("the server created an upload without a Location".into())
        })?;
    client
        .base()
        .join(location)
        .map_err(|e| SyncError::BadResponse(format!("upload Location '{location}': {e}")))
}

fn upload_offset(resp: &reqwest::Response) -> Result<u64> {
    resp.headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| SyncError::BadResponse("the server answered without Upload-Offset".into()))
}

/// A PATCH on the upload client (no whole-request deadline: the
/// [`Watchdog`] enforces the timeout as "no progress").
fn patch_request(client: &Client, url: &Url, offset: u64) -> reqwest::RequestBuilder {
    client
        .authed(client.upload_http.patch(url.clone()))
        .header("Tus-Resumable", TUS_VERSION)
        .header("Upload-Offset", offset.to_string())
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/offset+octet-stream",
        )
}

/// Send a PATCH whose body reports to `dog`; returns the new offset.
async fn send_patch(client: &Client, req: reqwest::RequestBuilder, dog: &Watchdog) -> Result<u64> {
    dog.run(client, async {
        let resp = req.send().await.map_err(|e| client.unreachable(e))?;
        dog.answered();
        upload_offset(&check(resp).await?)
    })
    .await
}

/// One PATCH streamed straight from the file: memory stays flat.
async fn patch_streamed(
    client: &Client,
    url: &Url,
    path: &Path,
    offset: u64,
    len: u64,
    live: &Arc<AtomicU64>,
) -> Result<u64> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| SyncError::io(format!("open {}", path.display()), e))?;
    file.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(|e| SyncError::io(format!("read {}", path.display()), e))?;
    let dog = Watchdog::new();
    let pieces = tokio_util::io::ReaderStream::with_capacity(file.take(len), watchdog::PIECE);
    let req = patch_request(client, url, offset)
        .header(reqwest::header::CONTENT_LENGTH, len)
        .body(dog.body(pieces, len, live.clone()));
    send_patch(client, req, &dog).await
}

/// One checksummed chunk, read into memory (chunks are small).
async fn patch_checksummed(
    client: &Client,
    url: &Url,
    file: &mut tokio::fs::File,
    offset: u64,
    len: u64,
    live: &Arc<AtomicU64>,
) -> Result<u64> {
    let mut buf = vec![0u8; len as usize];
    file.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(|e| SyncError::io("read the upload", e))?;
    file.read_exact(&mut buf)
        .await
        .map_err(|e| SyncError::io("read the upload", e))?;
    let sum = B64.encode(Sha1::digest(&buf));
    let dog = Watchdog::new();
    let req = patch_request(client, url, offset)
        .header("Upload-Checksum", format!("sha1 {sum}"))
        .header(reqwest::header::CONTENT_LENGTH, len)
        .body(dog.body(watchdog::pieces(buf.into()), len, live.clone()));
    send_patch(client, req, &dog).await
}

/// Give up an upload the server holds (tus termination).
pub async fn terminate(client: &Client, url: &str) -> Result<()> {
    let url = client
        .base()
        .join(url)
        .map_err(|e| SyncError::BadResponse(e.to_string()))?;
    let resp = client
        .authed(client.http.delete(url).header("Tus-Resumable", TUS_VERSION))
        .send()
        .await
        .map_err(|e| client.unreachable(e))?;
    if resp.status() == StatusCode::NOT_FOUND {
        return Ok(());
    }
    check(resp).await.map(|_| ())
}

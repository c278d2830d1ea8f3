//! Downloads of media by content hash with HTTP Range, resumable across
//! cuts and restarts: bytes go to a `.part` file named by the hash, a later
//! attempt continues from its length (with `If-Range` on the hash, so a
//! changed file is never spliced onto an old prefix), and the caller moves
//! the file into place only after its SHA-256 matches.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::client::{Client, check};
use crate::error::{Result, SyncError};

/// Download `sha256` (of `expected_len` bytes) into `part`, resuming what
/// is there. On success `part` holds exactly the content and was fsynced.
pub async fn download(
    client: &Client,
    sha256: &str,
    expected_len: u64,
    part: &Path,
    live: &Arc<AtomicU64>,
) -> Result<()> {
    let what = format!("media {}", &sha256[..12.min(sha256.len())]);
    let mut got = Received {
        len: tokio::fs::metadata(part)
            .await
            .map(|m| m.len())
            .unwrap_or(0),
        hasher: Sha256::new(),
    };
    if got.len > expected_len {
        got.len = 0;
    }
    if got.len > 0 {
        hash_prefix(part, got.len, &mut got.hasher).await?;
    }
    let have = got.len;
    if have < expected_len {
        let mut req = client.authed(client.http.get(client.url(&format!("v1/media/{sha256}"))));
        if have > 0 {
            req = req
                .header(reqwest::header::RANGE, format!("bytes={have}-"))
                .header(reqwest::header::IF_RANGE, format!("\"{sha256}\""));
        }
        let resp = req.send().await.map_err(|e| client.unreachable(e))?;
        let resp = if resp.status() == StatusCode::RANGE_NOT_SATISFIABLE {
            None
        } else {
            Some(check(resp).await?)
        };
        if let Some(resp) = resp
            && let Err(e) = receive(client, resp, part, expected_len, &what, &mut got, live).await
        {
            if matches!(e, SyncError::DiskFull { .. }) {
                // The partial file must not keep the last free space: the
                // library (and the user's next recording) need it more than
                // a resume does. The file is closed by now, so removing it
                // gives the space back.
                let _ = tokio::fs::remove_file(part).await;
            }
            return Err(e);
        }
    }
    let Received { len: have, hasher } = got;
    if have != expected_len {
        return Err(SyncError::Unreachable {
            url: client.base().to_string(),
            detail: format!("the download of {what} stopped at {have} of {expected_len} bytes"),
        });
    }
    let got = hex::encode(hasher.finalize());
    if got != sha256 {
        let _ = tokio::fs::remove_file(part).await;
        return Err(SyncError::HashMismatch {
            what,
            expected: sha256.to_string(),
            got,
        });
    }
    Ok(())
}

/// What is on disk in the `.part` file, and its running hash.
struct Received {
    len: u64,
    hasher: Sha256,
}

/// Write a response body to `part` (appending on 206, else from the start),
/// hashing as it goes. The file is fsynced on success and closed when this
/// returns, also on error.
async fn receive(
    client: &Client,
    resp: reqwest::Response,
    part: &Path,
    expected_len: u64,
    what: &str,
    got: &mut Received,
    live: &Arc<AtomicU64>,
) -> Result<()> {
    let append = resp.status() == StatusCode::PARTIAL_CONTENT;
    if !append {
        got.len = 0;
        got.hasher = Sha256::new();
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(part)
        .await
        .map_err(|e| SyncError::io(format!("write {what}"), e))?;
    let mut body = resp.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| client.unreachable(e))?;
        if got.len + chunk.len() as u64 > expected_len {
            drop(file);
            let _ = tokio::fs::remove_file(part).await;
            return Err(SyncError::BadResponse(format!(
                "the server sent more than the {expected_len} bytes of {what}"
            )));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| SyncError::io(format!("write {what}"), e))?;
        got.hasher.update(&chunk);
        got.len += chunk.len() as u64;
        live.fetch_add(chunk.len() as u64, Ordering::Relaxed);
    }
    file.flush()
        .await
        .map_err(|e| SyncError::io(format!("write {what}"), e))?;
    file.sync_all()
        .await
        .map_err(|e| SyncError::io(format!("write {what}"), e))?;
    Ok(())
}

/// Fetch a small file (a thumbnail) whole, verified.
pub async fn fetch_small(client: &Client, sha256: &str, max_len: u64) -> Result<Vec<u8>> {
    let resp = client
        .authed(client.http.get(client.url(&format!("v1/media/{sha256}"))))
        .send()
        .await
        .map_err(|e| client.unreachable(e))?;
    let resp = check(resp).await?;
    if resp.content_length().is_some_and(|l| l > max_len) {
        return Err(SyncError::BadResponse(format!(
            "a thumbnail of {} bytes is larger than {max_len}",
            resp.content_length().unwrap_or(0)
        )));
    }
    let bytes = resp.bytes().await.map_err(|e| client.unreachable(e))?;
    let got = hex::encode(Sha256::digest(&bytes));
    if got != sha256 {
        return Err(SyncError::HashMismatch {
            what: "a thumbnail".into(),
            expected: sha256.to_string(),
            got,
        });
    }
    Ok(bytes.to_vec())
}

async fn hash_prefix(path: &Path, len: u64, hasher: &mut Sha256) -> Result<()> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| SyncError::io("read a partial download", e))?;
    let mut reader = file.take(len);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader
            .read(&mut buf)
            .await
            .map_err(|e| SyncError::io("read a partial download", e))?;
        if n == 0 {
            return Ok(());
        }
        hasher.update(&buf[..n]);
    }
}

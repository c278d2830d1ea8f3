//! Listing and deleting complete content in the folder store, for the media
//! garbage collector.
//!
//! Content lives at `blobs/<aa>/<bb>/<sha256>`, so walking the two levels of
//! folders in name order yields hashes in order, and a listing can resume
//! after any hash by skipping the folders that sort before its prefix.
//! Anything else found there (temporary files, stray names) is ignored.

use std::path::Path;
use std::time::UNIX_EPOCH;

use debrief_protocol::is_sha256_hex;

use super::io_err;
use crate::store::{BlobInfo, StoreResult};

fn is_hex_pair(name: &str) -> bool {
    name.len() == 2
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Sub-folders of `dir` named by two hex digits, sorted; none if `dir` is missing.
fn hex_dirs(dir: &Path) -> StoreResult<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err("cannot list", dir, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_err("cannot list", dir, e))?;
        if let Some(name) = entry.file_name().to_str()
            && is_hex_pair(name)
            && entry.path().is_dir()
        {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

/// Up to `limit` stored hashes after `after`, in order.
pub(super) fn list(blobs: &Path, after: Option<&str>, limit: usize) -> StoreResult<Vec<BlobInfo>> {
    let after = after.unwrap_or("");
    let prefix = |n: usize| &after[..after.len().min(n)];
    let mut out = Vec::new();
    for a in hex_dirs(blobs)? {
        if a.as_str() < prefix(2) {
            continue;
        }
        for b in hex_dirs(&blobs.join(&a))? {
            if format!("{a}{b}").as_str() < prefix(4) {
                continue;
            }
            let dir = blobs.join(&a).join(&b);
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .map_err(|e| io_err("cannot list", &dir, e))?
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| {
                    is_sha256_hex(n) && n.starts_with(&format!("{a}{b}")) && n.as_str() > after
                })
                .collect();
            names.sort();
            for name in names {
                let path = dir.join(&name);
                let meta = match std::fs::metadata(&path) {
                    Ok(m) => m,
                    // Deleted since the listing: simply not there.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io_err("cannot stat", &path, e)),
                };
                let modified_ms = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map(|d| d.as_millis() as i64)
                    .unwrap_or(0);
                out.push(BlobInfo {
                    sha256: name,
                    bytes: meta.len(),
                    modified_ms,
                });
                if out.len() >= limit {
                    return Ok(out);
                }
            }
        }
    }
    Ok(out)
}

/// Remove one stored file; a missing one is already deleted.
pub(super) fn delete(path: &Path) -> StoreResult<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err("cannot remove", path, e)),
    }
}

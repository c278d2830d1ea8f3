//! The life of a clip's files, crash-safe.
//!
//! Adding: a writer first takes an exclusive lock on
//! `incoming/<id>.lock` (created under a temporary name, locked, then
//! renamed, so the lock is held from the moment the name exists), writes
//! `incoming/<id>.mp4.part` and `incoming/<id>.jpg.part`, fsyncs them, moves
//! them into `media/` and `thumbs/`, commits the clip row, and only then
//! removes the lock file. At open, a lock file nobody holds means its
//! writer died: its parts, and its placed files if no row was committed,
//! are removed. Part files with no lock file are leftovers of a finished
//! writer and are removed too.
//!
//! Deleting: see `pending_file_deletes` in the schema.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use debrief_protocol::ClipId;
use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::error::{LibraryError, Result};
use crate::{INCOMING_DIR, Library};

/// Files being added to the library for one clip. Dropping it without
/// [`Library::add_clip`] removes the staged files.
#[derive(Debug)]
pub struct Staging {
    clip_id: ClipId,
    dir: PathBuf,
    lock: Option<File>,
    finished: bool,
}

impl Staging {
    pub fn clip_id(&self) -> ClipId {
        self.clip_id
    }

    /// Where to write the media file.
    pub fn media_part(&self) -> PathBuf {
        self.dir.join(format!("{}.mp4.part", self.clip_id))
    }

    /// Where to write the thumbnail JPEG.
    pub fn thumb_part(&self) -> PathBuf {
        self.dir.join(format!("{}.jpg.part", self.clip_id))
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.join(format!("{}.lock", self.clip_id))
    }

    pub(crate) fn finish(mut self) {
        self.finished = true;
        // Drop removes the lock file (the parts were moved away).
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.finished {
            let _ = fs::remove_file(self.media_part());
            let _ = fs::remove_file(self.thumb_part());
        }
        // The lock file goes last: while it exists, a sweeper leaves our files alone.
        let _ = fs::remove_file(self.lock_path());
        self.lock.take();
    }
}

impl Library {
    /// Start adding a clip with a fresh id.
    pub fn stage(&self) -> Result<Staging> {
        self.stage_for(ClipId::new())
    }

    /// Start adding a clip with a given id (e.g. a recording's).
    pub fn stage_for(&self, clip_id: ClipId) -> Result<Staging> {
        let dir = self.root.join(INCOMING_DIR);
        let tmp = dir.join(format!("{clip_id}.lock.tmp"));
        let lock = File::create(&tmp).map_err(|e| LibraryError::io("create", &tmp, e))?;
        lock.lock().map_err(|e| LibraryError::io("lock", &tmp, e))?;
        let path = dir.join(format!("{clip_id}.lock"));
        fs::rename(&tmp, &path).map_err(|e| LibraryError::io("rename", &tmp, e))?;
        Ok(Staging {
            clip_id,
            dir,
            lock: Some(lock),
            finished: false,
        })
    }
}

pub(crate) struct Placed {
    pub thumb_bytes: u64,
}

/// Make the staged files durable and move them to their final names.
pub(crate) fn place_staged(
    staging: &Staging,
    root: &Path,
    media_rel: &str,
    thumb_rel: Option<&str>,
) -> Result<Placed> {
    let media_part = staging.media_part();
    sync_file(&media_part)?;
    let mut thumb_bytes = 0;
    if thumb_rel.is_some() {
        let thumb_part = staging.thumb_part();
        sync_file(&thumb_part)?;
        thumb_bytes = fs::metadata(&thumb_part)
            .map_err(|e| LibraryError::io("read", &thumb_part, e))?
            .len();
    }
    let media = root.join(media_rel);
    fs::rename(&media_part, &media).map_err(|e| LibraryError::io("move", &media_part, e))?;
    if let Some(rel) = thumb_rel {
        let thumb = root.join(rel);
        if let Err(e) = fs::rename(staging.thumb_part(), &thumb) {
            let _ = fs::rename(&media, &media_part);
            return Err(LibraryError::io("move", staging.thumb_part(), e));
        }
    }
    for dir in [
        media.parent(),
        thumb_rel
            .and_then(|r| root.join(r).parent().map(Path::to_path_buf))
            .as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        sync_dir(dir)?;
    }
    Ok(Placed { thumb_bytes })
}

/// Undo [`place_staged`] after the row failed to commit.
pub(crate) fn unplace_staged(
    staging: &Staging,
    root: &Path,
    media_rel: &str,
    thumb_rel: Option<&str>,
) {
    let _ = fs::rename(root.join(media_rel), staging.media_part());
    if let Some(rel) = thumb_rel {
        let _ = fs::rename(root.join(rel), staging.thumb_part());
    }
}

pub(crate) fn sync_path(path: &Path) -> Result<()> {
    sync_file(path)
}

fn sync_file(path: &Path) -> Result<()> {
    let f = File::open(path).map_err(|e| LibraryError::io("open", path, e))?;
    f.sync_all()
        .map_err(|e| LibraryError::io("flush to disk", path, e))
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    // Directory fsync makes renames durable; not supported everywhere, so
    // only real I/O errors count.
    match File::open(dir).and_then(|d| d.sync_all()) {
        Ok(()) => Ok(()),
        Err(e)
            if e.kind() == io::ErrorKind::InvalidInput
                || e.kind() == io::ErrorKind::PermissionDenied =>
        {
            Ok(())
        }
        Err(e) => Err(LibraryError::io("flush to disk", dir, e)),
    }
}

/// Unlink the files of deleted clips (after the delete committed).
pub(crate) fn process_pending_deletes(conn: &Connection, root: &Path) -> Result<()> {
    let paths: Vec<String> = {
        let mut stmt = conn.prepare_cached("SELECT path FROM pending_file_deletes")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    for rel in paths {
        let Some(path) = safe_join(root, &rel) else {
            tracing::warn!(rel, "ignoring a pending delete outside the library");
            conn.execute("DELETE FROM pending_file_deletes WHERE path = ?1", [&rel])?;
            continue;
        };
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(LibraryError::io("delete", &path, e)),
        }
        conn.execute("DELETE FROM pending_file_deletes WHERE path = ?1", [&rel])?;
    }
    Ok(())
}

/// A relative path from the database, joined to the root only if it stays
/// inside it (no `..`, no absolute paths).
pub(crate) fn safe_join(root: &Path, rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    if p.components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
    {
        Some(root.join(p))
    } else {
        None
    }
}

/// Clean `incoming/` of work whose writer is gone.
pub(crate) fn sweep_incoming(conn: &Connection, root: &Path) -> Result<()> {
    let dir = root.join(INCOMING_DIR);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(LibraryError::io("read", &dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| LibraryError::io("read", &dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((id, ext)) = name.split_once('.') else {
            continue;
        };
        let Ok(clip_id) = id.parse::<ClipId>() else {
            continue;
        };
        match ext {
            "lock" | "lock.tmp" => {
                let path = entry.path();
                let Ok(f) = File::options().read(true).write(true).open(&path) else {
                    continue;
                };
                if f.try_lock().is_err() {
                    continue; // its writer is alive
                }
                remove_abandoned(conn, root, clip_id)?;
                let _ = fs::remove_file(&path);
            }
            _ => {
                // A part whose lock file is gone belongs to a finished writer.
                let lock = dir.join(format!("{clip_id}.lock"));
                let tmp = dir.join(format!("{clip_id}.lock.tmp"));
                if !lock.exists() && !tmp.exists() {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }
    Ok(())
}

fn remove_abandoned(conn: &Connection, root: &Path, clip_id: ClipId) -> Result<()> {
    let dir = root.join(INCOMING_DIR);
    for suffix in ["mp4.part", "jpg.part"] {
        let _ = fs::remove_file(dir.join(format!("{clip_id}.{suffix}")));
    }
    let committed: Option<i64> = conn
        .query_row(
            "SELECT seq FROM clips WHERE id = ?1",
            [clip_id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if committed.is_none() {
        let _ = fs::remove_file(root.join(crate::MEDIA_DIR).join(format!("{clip_id}.mp4")));
        let _ = fs::remove_file(root.join(crate::THUMBS_DIR).join(format!("{clip_id}.jpg")));
        tracing::info!(%clip_id, "removed the files of an interrupted import");
    }
    Ok(())
}

/// Copy `src` to `dst` (created, must not exist) while computing its
/// SHA-256, returning (bytes, lowercase hex digest).
///
/// Three stages on their own threads, joined by bounded channels and a
/// small pool of 1 MiB buffers (memory is flat whatever the file size):
/// read -> hash -> write. Hashing is the slowest stage (SHA-256 runs at
/// about 1 GB/s even with SHA-NI), so reading and writing hide behind it.
/// Every [`FLUSH_EVERY`] bytes a flusher thread asks the kernel to write
/// back what is already copied, so the fsync before the clip is recorded
/// finds little left to do.
pub fn copy_and_hash(src: &Path, dst: &Path) -> Result<(u64, String)> {
    const CHUNK: usize = 1 << 20;
    const BUFFERS: usize = 8;
    const FLUSH_EVERY: u64 = 32 << 20;
    let mut input = File::open(src).map_err(|e| LibraryError::io("open", src, e))?;
    let mut output = File::options()
        .write(true)
        .create_new(true)
        .open(dst)
        .map_err(|e| LibraryError::io("create", dst, e))?;
    let flush_handle = output
        .try_clone()
        .map_err(|e| LibraryError::io("open", dst, e))?;
    let (to_hash, hash_rx) = mpsc::sync_channel::<(Vec<u8>, usize)>(BUFFERS);
    let (to_write, write_rx) = mpsc::sync_channel::<(Vec<u8>, usize)>(BUFFERS);
    let (to_pool, pool) = mpsc::sync_channel::<Vec<u8>>(BUFFERS);
    let (to_flush, flush_rx) = mpsc::sync_channel::<()>(1);
    for _ in 0..BUFFERS {
        to_pool
            .send(vec![0u8; CHUNK])
            .expect("fresh channel has room");
    }
    let dst_owned = dst.to_path_buf();
    std::thread::scope(|s| {
        s.spawn(move || {
            // Best effort: a failed early write-back only makes the final fsync slower.
            for () in flush_rx {
                let _ = flush_handle.sync_data();
            }
        });
        let hasher = s.spawn(move || {
            let mut hasher = Sha256::new();
            for (buf, n) in hash_rx {
                hasher.update(&buf[..n]);
                if to_write.send((buf, n)).is_err() {
                    break;
                }
            }
            hex::encode(hasher.finalize())
        });
        let writer = s.spawn(move || -> Result<()> {
            let mut since_flush = 0u64;
            for (buf, n) in write_rx {
                output
                    .write_all(&buf[..n])
                    .map_err(|e| LibraryError::io("copy into", &dst_owned, e))?;
                since_flush += n as u64;
                if since_flush >= FLUSH_EVERY {
                    since_flush = 0;
                    let _ = to_flush.try_send(());
                }
                let _ = to_pool.send(buf);
            }
            output
                .flush()
                .map_err(|e| LibraryError::io("copy into", &dst_owned, e))
        });
        let mut total = 0u64;
        let read_result = (|| -> Result<()> {
            while let Ok(mut buf) = pool.recv() {
                let n = read_full(&mut input, &mut buf)
                    .map_err(|e| LibraryError::io("read", src, e))?;
                if n == 0 {
                    break;
                }
                total += n as u64;
                if to_hash.send((buf, n)).is_err() {
                    break; // the writer failed; its error is reported below
                }
            }
            Ok(())
        })();
        drop(to_hash);
        drop(pool);
        let digest = hasher.join();
        let write_result = writer.join().unwrap_or_else(|_| {
            Err(LibraryError::InvalidInput(
                "the copy thread panicked".into(),
            ))
        });
        read_result?;
        write_result?;
        let digest =
            digest.map_err(|_| LibraryError::InvalidInput("the hashing thread panicked".into()))?;
        Ok((total, digest))
    })
}

fn read_full(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// SHA-256 of bytes in memory, lowercase hex.
pub fn hash_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 of a file, streamed.
pub fn hash_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).map_err(|e| LibraryError::io("open", path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = read_full(&mut f, &mut buf).map_err(|e| LibraryError::io("read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

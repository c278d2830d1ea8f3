//! Media on the device that came from the server: what to download,
//! finishing a verified download, pinning, and keeping the cache within a
//! storage budget.
//!
//! Downloads are written to `downloads/<sha256>.part` (named by content,
//! so a resumed download continues whichever clip asked for it) and moved
//! into `media/` only after the caller verified the SHA-256. Eviction
//! removes least-recently-watched media first and never touches pinned
//! clips, playbook clips (kept for offline viewing before the next call)
//! or the user's own clips the server does not have yet. A clip is in the
//! playbook when a manager promoted it (the `playbook` table) or when it was
//! shared with kind `playbook`.

use std::path::PathBuf;

use debrief_protocol::ClipId;
use rusqlite::{OptionalExtension, params};

use crate::clips::{fmt_time, seq_of};
use crate::error::{LibraryError, Result};
use crate::writer::Writer;
use crate::{Library, MEDIA_DIR, THUMBS_DIR, files};

pub const DOWNLOADS_DIR: &str = "downloads";

/// A file this device wants from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadNeed {
    pub clip_id: ClipId,
    pub sha256: String,
    pub bytes: u64,
    pub thumbnail: bool,
}

impl Library {
    /// Where a download of this content is written while it is in progress.
    pub fn download_part_path(&self, sha256: &str) -> Result<PathBuf> {
        if !debrief_protocol::is_sha256_hex(sha256) {
            return Err(LibraryError::InvalidInput(format!(
                "'{sha256}' is not a SHA-256 digest"
            )));
        }
        let dir = self.root.join(DOWNLOADS_DIR);
        std::fs::create_dir_all(&dir)
            .map_err(|e| LibraryError::io("create the folder", &dir, e))?;
        Ok(dir.join(format!("{sha256}.part")))
    }

    /// Thumbnails of clips known from the server that are not here yet.
    pub fn wanted_thumbnails(&self) -> Result<Vec<DownloadNeed>> {
        self.needs("thumb_path IS NULL AND thumb_sha256 IS NOT NULL", true)
    }

    /// Media of pinned and playbook clips that is not on this device yet.
    pub fn wanted_media(&self) -> Result<Vec<DownloadNeed>> {
        self.needs(
            "media_path IS NULL AND media_state IN ('remote', 'downloading') AND (pinned = 1 OR kind = 'playbook' OR id IN \
             (SELECT clip_id FROM playbook WHERE in_playbook = 1))",
            false,
        )
    }

    fn needs(&self, filter: &str, thumbnail: bool) -> Result<Vec<DownloadNeed>> {
        let cols = if thumbnail {
            "id, thumb_sha256, 0"
        } else {
            "id, sha256, bytes"
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {cols} FROM clips WHERE {filter} ORDER BY seq DESC"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sha256, bytes) = row?;
            out.push(DownloadNeed {
                clip_id: id.parse()?,
                sha256,
                bytes: bytes as u64,
                thumbnail,
            });
        }
        Ok(out)
    }

    /// Mark a clip's media as being downloaded (for the badge), or back to remote.
    pub fn set_downloading(&mut self, id: ClipId, downloading: bool) -> Result<()> {
        let (from, to) = if downloading {
            ("remote", "downloading")
        } else {
            ("downloading", "remote")
        };
        self.conn.execute(
            "UPDATE clips SET media_state = ?1 WHERE id = ?2 AND media_state = ?3",
            params![to, id.to_string(), from],
        )?;
        Ok(())
    }

    /// Move a verified download into place as the clip's media.
    pub fn finish_media_download(
        &mut self,
        id: ClipId,
        verified_part: &std::path::Path,
    ) -> Result<()> {
        let rel = format!("{MEDIA_DIR}/{id}.mp4");
        let dest = self.root.join(&rel);
        files::sync_path(verified_part)?;
        std::fs::rename(verified_part, &dest)
            .map_err(|e| LibraryError::io("move", verified_part, e))?;
        files::sync_dir(&self.root.join(MEDIA_DIR))?;
        let n = self.conn.execute(
            "UPDATE clips SET media_path = ?1, media_state = 'cached', last_watched_at = coalesce(last_watched_at, ?2) WHERE id = ?3 AND media_path IS NULL",
            params![rel, fmt_time(time::OffsetDateTime::now_utc()), id.to_string()],
        )?;
        if n == 0 {
            // The clip was deleted (or already has media) meanwhile: do not keep an orphan.
            let _ = std::fs::remove_file(&dest);
        }
        Ok(())
    }

    /// Store a verified thumbnail for a clip known from the server.
    pub fn store_thumbnail(&mut self, id: ClipId, jpeg: &[u8]) -> Result<()> {
        let rel = format!("{THUMBS_DIR}/{id}.jpg");
        let dest = self.root.join(&rel);
        let tmp = self.root.join(THUMBS_DIR).join(format!("{id}.jpg.tmp"));
        std::fs::write(&tmp, jpeg).map_err(|e| LibraryError::io("write", &tmp, e))?;
        std::fs::rename(&tmp, &dest).map_err(|e| LibraryError::io("move", &tmp, e))?;
        let n = self.conn.execute(
            "UPDATE clips SET thumb_path = ?1, thumb_bytes = ?2 WHERE id = ?3 AND thumb_path IS NULL",
            params![rel, jpeg.len() as i64, id.to_string()],
        )?;
        if n == 0 {
            let _ = std::fs::remove_file(&dest);
        }
        Ok(())
    }

    /// Keep (or stop keeping) a clip's media on this device.
    pub fn set_pinned(&mut self, id: ClipId, pinned: bool) -> Result<crate::Clip> {
        let n = self.conn.execute(
            "UPDATE clips SET pinned = ?1 WHERE id = ?2",
            params![pinned as i64, id.to_string()],
        )?;
        if n == 0 {
            return Err(LibraryError::ClipNotFound(id.to_string()));
        }
        self.clip(id)
    }

    /// The user watched a clip: it moves to the back of the eviction queue.
    pub fn mark_watched(&mut self, id: ClipId) -> Result<()> {
        self.conn.execute(
            "UPDATE clips SET last_watched_at = ?1 WHERE id = ?2",
            params![fmt_time(time::OffsetDateTime::now_utc()), id.to_string()],
        )?;
        Ok(())
    }

    /// Remove downloaded media, least recently watched first, until the
    /// media on this device fits in `budget_bytes`. Pinned and playbook clips and clips
    /// whose media the server does not have are never removed. Returns the
    /// clips whose media was removed (they become "on server only").
    pub fn evict_to_budget(&mut self, budget_bytes: u64) -> Result<Vec<ClipId>> {
        let used = self.storage()?.media_bytes;
        if used <= budget_bytes {
            return Ok(Vec::new());
        }
        let mut excess = used - budget_bytes;
        let candidates: Vec<(String, i64)> = {
            let mut stmt = self.conn.prepare(
                "SELECT id, bytes FROM clips WHERE media_path IS NOT NULL AND pinned = 0 AND kind <> 'playbook' AND media_uploaded = 1 \
                 AND id NOT IN (SELECT clip_id FROM playbook WHERE in_playbook = 1) \
                 AND media_state IN ('cached', 'ready', 'recovered') AND sync_state = 'synced' \
                 ORDER BY coalesce(last_watched_at, created_at), seq",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut evicted = Vec::new();
        for (id, bytes) in candidates {
            if excess == 0 {
                break;
            }
            let clip_id: ClipId = id.parse()?;
            let w = Writer::begin(&mut self.conn, self.device_id)?;
            let seq = seq_of(&w, clip_id)?;
            let path: Option<String> =
                w.tx.query_row("SELECT media_path FROM clips WHERE seq = ?1", [seq], |r| {
                    r.get(0)
                })
                .optional()?
                .flatten();
            if let Some(p) = path {
                w.tx.execute(
                    "INSERT OR IGNORE INTO pending_file_deletes (path) VALUES (?1)",
                    [p],
                )?;
            }
            w.tx.execute(
                "UPDATE clips SET media_path = NULL, media_state = 'remote' WHERE seq = ?1",
                [seq],
            )?;
            w.commit()?;
            excess = excess.saturating_sub(bytes as u64);
            evicted.push(clip_id);
        }
        files::process_pending_deletes(&self.conn, &self.root)?;
        Ok(evicted)
    }

    /// Remove everything of the team from this device (a revoked device:
    /// the lost-phone case). The device id is kept.
    pub fn wipe(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "INSERT OR IGNORE INTO pending_file_deletes (path) SELECT media_path FROM clips WHERE media_path IS NOT NULL; \
             INSERT OR IGNORE INTO pending_file_deletes (path) SELECT thumb_path FROM clips WHERE thumb_path IS NOT NULL; \
             DELETE FROM clip_fts; DELETE FROM clips; DELETE FROM outbox; DELETE FROM tombstones; DELETE FROM transfers; \
             DELETE FROM challenges; DELETE FROM comments; DELETE FROM playbook; DELETE FROM members; DELETE FROM notifications; \
             DELETE FROM meta WHERE key IN ('account', 'cursor');",
        )?;
        tx.commit()?;
        files::process_pending_deletes(&self.conn, &self.root)?;
        let downloads = self.root.join(DOWNLOADS_DIR);
        if downloads.exists() {
            std::fs::remove_dir_all(&downloads)
                .map_err(|e| LibraryError::io("delete", &downloads, e))?;
        }
        Ok(())
    }
}

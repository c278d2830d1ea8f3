//! What sync needs from the library: the team account, the change-feed
//! cursor, applying remote clip states, acknowledging pushed ops, and the
//! per-clip sync state.
//!
//! Merging a remote clip state with local changes that have not been
//! pushed yet follows the protocol's rules (see `debrief_protocol::op`):
//! title and notes take the later HLC; the tag set becomes the server's
//! live adds, plus this device's adds still in the outbox, minus the adds
//! its pending removes name; a remote delete wins over everything. Each
//! page of changes is applied, and the cursor advanced, in one transaction.

use std::collections::BTreeSet;

use debrief_protocol::{ClipId, ClipKind, Hlc, OpBody, OpId, Visibility};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::clips::{fmt_time, free_seq, refresh_fts};
use crate::error::{LibraryError, Result};
use crate::model::{MediaState, SyncState};
use crate::remote_coaching::RemoteChange;
use crate::writer::Writer;
use crate::{Library, files};

/// The team this device belongs to. The device token is a secret and is
/// stored elsewhere (keyring or a 0600 file), never in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub server_url: String,
    pub team_id: String,
    pub team_name: String,
    pub member_id: String,
    pub display_name: String,
    pub role: String,
    pub device_name: String,
}

/// A clip as the server last merged it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteClip {
    pub id: ClipId,
    pub title: String,
    pub title_hlc: Hlc,
    pub notes: String,
    pub notes_hlc: Hlc,
    pub kind: ClipKind,
    pub visibility: Visibility,
    pub author: String,
    pub author_id: String,
    pub recorded_at: OffsetDateTime,
    pub duration_ms: u64,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub sha256: String,
    pub thumbnail_sha256: Option<String>,
    pub tag_adds: Vec<RemoteTagAdd>,
    pub deleted: bool,
    /// The challenge it answers (protocol 2).
    pub challenge_id: Option<debrief_protocol::ChallengeId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTagAdd {
    pub add_id: OpId,
    pub display: String,
    pub hlc: Hlc,
}

/// What applying a page of changes did, for status and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyReport {
    pub inserted: u32,
    pub updated: u32,
    pub deleted: u32,
    pub skipped: u32,
}

impl Library {
    pub fn account(&self) -> Result<Option<Account>> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'account'", [], |r| {
                r.get(0)
            })
            .optional()?;
        json.map(|j| {
            serde_json::from_str(&j)
                .map_err(|e| LibraryError::Corrupt(format!("stored account: {e}")))
        })
        .transpose()
    }

    /// Join a team: remember the account, and make every clip made before
    /// joining the joining member's, waiting to be uploaded.
    pub fn set_account(&mut self, account: &Account) -> Result<()> {
        let json = serde_json::to_string(account)
            .map_err(|e| LibraryError::InvalidInput(e.to_string()))?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("INSERT INTO meta (key, value) VALUES ('account', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [json])?;
        tx.execute(
            "UPDATE clips SET author = ?1, author_id = ?2, sync_state = 'pending' WHERE author_id IS NULL AND media_path IS NOT NULL",
            params![account.display_name, account.member_id],
        )?;
        let seqs: Vec<i64> = tx
            .prepare("SELECT seq FROM clips WHERE author_id = ?1")?
            .query_map([&account.member_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        tx.commit()?;
        self.author = account.display_name.clone();
        // The author is searchable: re-index the clips that changed hands.
        let w = Writer::begin(&mut self.conn, self.device_id)?;
        for seq in seqs {
            refresh_fts(&w, seq)?;
        }
        w.commit()?;
        Ok(())
    }

    /// Leave the team: forget the account and the cursor. Clips stay.
    pub fn clear_account(&mut self) -> Result<()> {
        self.conn
            .execute("DELETE FROM meta WHERE key IN ('account', 'cursor')", [])?;
        self.conn.execute("UPDATE clips SET sync_state = 'local' WHERE media_path IS NOT NULL AND media_uploaded = 0", [])?;
        Ok(())
    }

    /// The change-feed position this device has applied up to.
    pub fn cursor(&self) -> Result<u64> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'cursor'", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Apply one page of remote clip states and advance the cursor, atomically.
    pub fn apply_remote(&mut self, clips: &[RemoteClip], next_cursor: u64) -> Result<ApplyReport> {
        let changes: Vec<RemoteChange> = clips.iter().cloned().map(RemoteChange::Clip).collect();
        self.apply_remote_changes(&changes, next_cursor)
    }

    /// Apply one page of the change feed (clips, challenges, comments,
    /// playbook entries, in feed order), record the notifications it
    /// brings, and advance the cursor, atomically.
    pub fn apply_remote_changes(
        &mut self,
        changes: &[RemoteChange],
        next_cursor: u64,
    ) -> Result<ApplyReport> {
        let mut report = ApplyReport::default();
        let mut deleted_files = false;
        let me = self.member_id()?;
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        for change in changes {
            match change {
                RemoteChange::Clip(r) => {
                    deleted_files |= apply_clip(&mut w, r, &mut report, me.as_deref())?;
                }
                other => crate::remote_coaching::apply(&mut w, other, &mut report, me.as_deref())?,
            }
        }
        w.tx.execute(
            "INSERT INTO meta (key, value) VALUES ('cursor', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [next_cursor.to_string()],
        )?;
        w.commit()?;
        if deleted_files {
            files::process_pending_deletes(&self.conn, &self.root)?;
        }
        Ok(report)
    }

    /// The server acknowledged these ops: drop them from the outbox and
    /// refresh the sync state of the clips they touched.
    pub fn ack_ops(&mut self, op_ids: &[OpId]) -> Result<()> {
        let w = Writer::begin(&mut self.conn, self.device_id)?;
        let mut clips = BTreeSet::new();
        for id in op_ids {
            let clip: Option<String> =
                w.tx.query_row(
                    "DELETE FROM outbox WHERE op_id = ?1 RETURNING clip_id",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            clips.extend(clip);
        }
        for clip in clips {
            if let Some(seq) =
                w.tx.query_row("SELECT seq FROM clips WHERE id = ?1", [&clip], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()?
            {
                recompute_sync_state(&w, seq)?;
            }
        }
        w.commit()?;
        Ok(())
    }

    /// The server refused an op for good (e.g. the user may not edit that
    /// clip, or a member tried to post a challenge). Drop it so the rest of
    /// the outbox can go, undo what it did here (a refused challenge,
    /// comment, playbook change or answer link is removed), tell the user
    /// (a `refused` notification, and on the clip when it concerns one),
    /// and make the server's state win again: field clocks are reset and
    /// the change feed is read again from the start. Returns the clip the
    /// op concerned, if any.
    pub fn refuse_op(&mut self, op_id: OpId, reason: &str) -> Result<Option<ClipId>> {
        let w = Writer::begin(&mut self.conn, self.device_id)?;
        let row: Option<(String, String, String)> =
            w.tx.query_row(
                "DELETE FROM outbox WHERE op_id = ?1 RETURNING clip_id, kind, body",
                [op_id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((target, kind, body)) = row else {
            w.commit()?;
            return Ok(None);
        };
        let clip: Option<String> = serde_json::from_str::<debrief_protocol::Op>(&body)
            .ok()
            .and_then(|op| op.body.clip_id())
            .map(|c| c.to_string());
        match kind.as_str() {
            "challenge_created" => {
                w.tx.execute("DELETE FROM challenges WHERE id = ?1", [&target])?;
            }
            "comment_added" => {
                w.tx.execute("DELETE FROM comments WHERE id = ?1", [&target])?;
            }
            "playbook_promoted" | "playbook_demoted" => {
                w.tx.execute("DELETE FROM playbook WHERE clip_id = ?1", [&target])?;
            }
            // The server's state of the challenge comes back with the
            // feed, read again from the start below.
            "challenge_edited" | "challenge_deleted" => {}
            "answer_linked" => {
                w.tx.execute(
                    "UPDATE clips SET challenge_id = NULL WHERE id = ?1",
                    [&target],
                )?;
            }
            _ => {}
        }
        crate::notifications::notify(
            &w.tx,
            crate::notifications::Notice {
                kind: "refused",
                subject: &op_id.to_string(),
                clip_id: clip.as_deref(),
                challenge_id: None,
                text: format!("refused ({}): {reason}", kind.replace('_', " ")),
            },
        )?;
        // Comments are not part of their clip's own sync state.
        let clip_change = clip.is_some() && !kind.starts_with("comment_");
        if clip_change {
            w.tx.execute("UPDATE clips SET sync_error = ?1, sync_state = 'failed', title_hlc = '', notes_hlc = '' WHERE id = ?2", params![reason, target])?;
        }
        w.tx.execute("DELETE FROM meta WHERE key = 'cursor'", [])?;
        w.commit()?;
        Ok(if clip_change {
            Some(target.parse()?)
        } else {
            None
        })
    }

    /// Record that the server has a clip's media (or thumbnail).
    pub fn mark_uploaded(&mut self, id: ClipId, thumbnail: bool) -> Result<()> {
        let column = if thumbnail {
            "thumb_uploaded"
        } else {
            "media_uploaded"
        };
        let w = Writer::begin(&mut self.conn, self.device_id)?;
        let n = w.tx.execute(
            &format!("UPDATE clips SET {column} = 1, sync_error = NULL WHERE id = ?1"),
            [id.to_string()],
        )?;
        if n == 0 {
            return Err(LibraryError::ClipNotFound(id.to_string()));
        }
        let seq = crate::clips::seq_of(&w, id)?;
        recompute_sync_state(&w, seq)?;
        w.commit()?;
        Ok(())
    }

    /// Set a clip's sync state explicitly (uploading, failed) with an optional reason.
    pub fn set_sync_state(
        &mut self,
        id: ClipId,
        state: SyncState,
        error: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE clips SET sync_state = ?1, sync_error = ?2 WHERE id = ?3",
            params![state.as_str(), error, id.to_string()],
        )?;
        Ok(())
    }

    /// Clips whose media or thumbnail this device must upload.
    pub fn pending_uploads(&self) -> Result<Vec<UploadNeed>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, sha256, bytes, media_path, media_uploaded, thumb_sha256, thumb_path, thumb_bytes, thumb_uploaded FROM clips \
             WHERE media_path IS NOT NULL AND media_state IN ('ready', 'recovered') AND (media_uploaded = 0 OR (thumb_uploaded = 0 AND thumb_path IS NOT NULL)) \
             ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)? != 0,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)? != 0,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sha, bytes, media, media_up, tsha, tpath, tbytes, thumb_up) = row?;
            let clip_id: ClipId = id.parse()?;
            if !media_up
                && let Some(path) = media
                    .as_deref()
                    .and_then(|p| files::safe_join(&self.root, p))
            {
                out.push(UploadNeed {
                    clip_id,
                    thumbnail: false,
                    sha256: sha.clone(),
                    bytes: bytes as u64,
                    path,
                    content_type: "video/mp4",
                });
            }
            if !thumb_up
                && let (Some(tsha), Some(path)) = (
                    tsha,
                    tpath
                        .as_deref()
                        .and_then(|p| files::safe_join(&self.root, p)),
                )
            {
                out.push(UploadNeed {
                    clip_id,
                    thumbnail: true,
                    sha256: tsha,
                    bytes: tbytes as u64,
                    path,
                    content_type: "image/jpeg",
                });
            }
        }
        Ok(out)
    }
}

/// One file the server does not have yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadNeed {
    pub clip_id: ClipId,
    pub thumbnail: bool,
    pub sha256: String,
    pub bytes: u64,
    pub path: std::path::PathBuf,
    pub content_type: &'static str,
}

/// Merge one remote clip state; true when files wait to be deleted.
fn apply_clip(
    w: &mut Writer<'_>,
    r: &RemoteClip,
    report: &mut ApplyReport,
    me: Option<&str>,
) -> Result<bool> {
    for hlc in [r.title_hlc, r.notes_hlc]
        .into_iter()
        .chain(r.tag_adds.iter().map(|a| a.hlc))
    {
        w.observe(hlc);
    }
    let local: Option<(i64, String, String)> =
        w.tx.query_row(
            "SELECT seq, title_hlc, notes_hlc FROM clips WHERE id = ?1",
            [r.id.to_string()],
            |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)),
        )
        .optional()?;
    if r.deleted {
        let mut deleted = false;
        if let Some((seq, _, _)) = local {
            delete_row(w, seq)?;
            deleted = true;
            report.deleted += 1;
        }
        w.tx.execute(
            "INSERT OR IGNORE INTO tombstones (clip_id, deleted_at) VALUES (?1, ?2)",
            params![r.id.to_string(), fmt_time(w.now)],
        )?;
        w.tx.execute("DELETE FROM outbox WHERE clip_id = ?1", [r.id.to_string()])?;
        w.tx.execute(
            "DELETE FROM comments WHERE clip_id = ?1",
            [r.id.to_string()],
        )?;
        w.tx.execute(
            "DELETE FROM playbook WHERE clip_id = ?1",
            [r.id.to_string()],
        )?;
        return Ok(deleted);
    }
    let tombstoned: bool = w.tx.query_row(
        "SELECT count(*) FROM tombstones WHERE clip_id = ?1",
        [r.id.to_string()],
        |x| x.get::<_, i64>(0),
    )? > 0;
    if tombstoned {
        report.skipped += 1;
        return Ok(false);
    }
    let seq = match local {
        None => {
            insert_remote(w, r)?;
            report.inserted += 1;
            w.tx.query_row(
                "SELECT seq FROM clips WHERE id = ?1",
                [r.id.to_string()],
                |x| x.get(0),
            )?
        }
        Some((seq, title_hlc, notes_hlc)) => {
            if r.title_hlc.to_string() > title_hlc {
                w.tx.execute(
                    "UPDATE clips SET title = ?1, title_hlc = ?2 WHERE seq = ?3",
                    params![r.title, r.title_hlc.to_string(), seq],
                )?;
            }
            if r.notes_hlc.to_string() > notes_hlc {
                w.tx.execute(
                    "UPDATE clips SET notes = ?1, notes_hlc = ?2 WHERE seq = ?3",
                    params![r.notes, r.notes_hlc.to_string(), seq],
                )?;
            }
            let pending_share: i64 = w.tx.query_row(
                "SELECT count(*) FROM outbox WHERE clip_id = ?1 AND kind = 'clip_shared'",
                [r.id.to_string()],
                |x| x.get(0),
            )?;
            if pending_share == 0 {
                w.tx.execute(
                    "UPDATE clips SET visibility = ?1 WHERE seq = ?2",
                    params![r.visibility.as_str(), seq],
                )?;
            }
            // Whether the server has our media is learnt from uploads,
            // not from the feed: it shows a clip to its author's own
            // devices before the media arrives.
            w.tx.execute(
                "UPDATE clips SET author = ?1, author_id = ?2, thumb_sha256 = coalesce(thumb_sha256, ?3), updated_at = ?4 WHERE seq = ?5",
                params![r.author, r.author_id, r.thumbnail_sha256, fmt_time(w.now), seq],
            )?;
            report.updated += 1;
            seq
        }
    };
    if let Some(challenge) = r.challenge_id {
        crate::remote_coaching::link_answer(w, r, seq, challenge, me)?;
    }
    merge_tags(w, seq, r)?;
    refresh_fts(w, seq)?;
    recompute_sync_state(w, seq)?;
    Ok(false)
}

fn insert_remote(w: &Writer<'_>, r: &RemoteClip) -> Result<()> {
    let seq = free_seq(w, r.recorded_at)?;
    let now = fmt_time(w.now);
    w.tx.execute(
        "INSERT INTO clips (seq, id, title, notes, kind, author, author_id, visibility, recorded_at, duration_ms, width, height, bytes, sha256, \
         media_path, thumb_path, thumb_sha256, media_state, sync_state, title_hlc, notes_hlc, created_at, updated_at, media_uploaded, thumb_uploaded) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, NULL, NULL, ?15, 'remote', 'synced', ?16, ?17, ?18, ?18, 1, ?19)",
        params![
            seq,
            r.id.to_string(),
            r.title,
            r.notes,
            r.kind.as_str(),
            r.author,
            r.author_id,
            r.visibility.as_str(),
            fmt_time(r.recorded_at),
            r.duration_ms as i64,
            r.width,
            r.height,
            r.bytes as i64,
            r.sha256,
            r.thumbnail_sha256,
            r.title_hlc.to_string(),
            r.notes_hlc.to_string(),
            now,
            r.thumbnail_sha256.is_some() as i64,
        ],
    )?;
    Ok(())
}

/// Replace a clip's tag adds with the server's live adds, plus our adds
/// not pushed yet, minus the adds our not-yet-pushed removes name.
fn merge_tags(w: &Writer<'_>, seq: i64, r: &RemoteClip) -> Result<()> {
    let mut pending_adds = Vec::new();
    let mut pending_removed = BTreeSet::new();
    {
        let mut stmt = w.tx.prepare_cached("SELECT body FROM outbox WHERE clip_id = ?1 AND kind IN ('tag_added', 'tag_removed') ORDER BY seq")?;
        let bodies: Vec<String> = stmt
            .query_map([r.id.to_string()], |x| x.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for body in bodies {
            let op: debrief_protocol::Op = serde_json::from_str(&body)
                .map_err(|e| LibraryError::Corrupt(format!("outbox op: {e}")))?;
            match op.body {
                OpBody::TagAdded { tag, .. } => pending_adds.push((op.op_id, tag, op.hlc)),
                OpBody::TagRemoved { removes, .. } => pending_removed.extend(removes),
                _ => {}
            }
        }
    }
    w.tx.execute("DELETE FROM clip_tags WHERE clip_seq = ?1", [seq])?;
    let adds = r
        .tag_adds
        .iter()
        .map(|a| (a.add_id, a.display.clone(), a.hlc))
        .chain(pending_adds);
    for (add_id, shown, hlc) in adds {
        if pending_removed.contains(&add_id) {
            continue;
        }
        let Ok(tag) = debrief_protocol::Tag::parse(&shown) else {
            tracing::warn!(tag = %shown, "ignoring an invalid tag from the server");
            continue;
        };
        w.tx.execute(
            "INSERT OR IGNORE INTO clip_tags (clip_seq, key, display, add_id, hlc) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![seq, tag.key(), tag.display(), add_id.to_string(), hlc.to_string()],
        )?;
    }
    Ok(())
}

fn delete_row(w: &Writer<'_>, seq: i64) -> Result<()> {
    let (media, thumb): (Option<String>, Option<String>) = w.tx.query_row(
        "SELECT media_path, thumb_path FROM clips WHERE seq = ?1",
        [seq],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    for path in [media, thumb].into_iter().flatten() {
        w.tx.execute(
            "INSERT OR IGNORE INTO pending_file_deletes (path) VALUES (?1)",
            [path],
        )?;
    }
    w.tx.execute("DELETE FROM clip_fts WHERE rowid = ?1", [seq])?;
    w.tx.execute("DELETE FROM clips WHERE seq = ?1", [seq])?;
    Ok(())
}

/// Derive a clip's sync state from the facts: not joined -> local;
/// something to push or upload -> pending (unless sync marked it
/// uploading or failed); else synced.
pub(crate) fn recompute_sync_state(w: &Writer<'_>, seq: i64) -> Result<()> {
    let joined: bool =
        w.tx.query_row("SELECT count(*) FROM meta WHERE key = 'account'", [], |r| {
            r.get::<_, i64>(0)
        })? > 0;
    let (id, media_state, media_up, thumb_up, has_thumb, current): (String, String, bool, bool, bool, String) = w.tx.query_row(
        "SELECT id, media_state, media_uploaded, thumb_uploaded, thumb_path IS NOT NULL, sync_state FROM clips WHERE seq = ?1",
        [seq],
        |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? != 0, r.get::<_, i64>(3)? != 0, r.get::<_, i64>(4)? != 0, r.get(5)?)),
    )?;
    let ops: i64 = w.tx.query_row(
        "SELECT count(*) FROM outbox WHERE clip_id = ?1",
        [&id],
        |r| r.get(0),
    )?;
    let own_media = matches!(
        media_state.parse::<MediaState>(),
        Ok(MediaState::Ready | MediaState::Recovered)
    );
    let waiting = ops > 0 || (own_media && (!media_up || (has_thumb && !thumb_up)));
    let state = if !joined {
        SyncState::Local
    } else if waiting {
        match current.as_str() {
            "uploading" | "failed" => return Ok(()),
            _ => SyncState::Pending,
        }
    } else {
        SyncState::Synced
    };
    w.tx.execute("UPDATE clips SET sync_state = ?1, sync_error = CASE WHEN ?1 = 'synced' THEN NULL ELSE sync_error END WHERE seq = ?2", params![state.as_str(), seq])?;
    Ok(())
}

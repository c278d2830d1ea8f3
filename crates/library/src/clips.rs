//! Clip rows: create, read, edit, share, delete.
//!
//! `seq`, the integer primary key, doubles as the newest-first sort key:
//! `recorded_at` in milliseconds shifted left by [`SEQ_SHIFT`] bits plus
//! the smallest free tie-breaker. Listing newest first is then a reverse
//! rowid scan, and the FTS index (rowid = seq) yields matches already in
//! order, so a page of search results stops after `limit` rows instead of
//! sorting every match.

use std::path::PathBuf;

use debrief_protocol::{ClipId, ClipKind, OpBody, Visibility};
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{LibraryError, Result};
use crate::files::{self, Staging};
use crate::model::*;
use crate::writer::Writer;
use crate::{Library, MEDIA_DIR, THUMBS_DIR};

const SEQ_SHIFT: u32 = 20;
const MAX_SEQ_MS: i64 = (1 << (62 - SEQ_SHIFT)) - 1;

pub(crate) const CLIP_COLUMNS: &str = "c.seq, c.id, c.title, c.notes, c.kind, c.challenge_id, c.author, c.visibility, \
     c.recorded_at, c.duration_ms, c.width, c.height, c.bytes, c.sha256, c.video_codec, c.audio_codec, \
     c.media_path, c.thumb_path, c.thumb_sha256, c.media_state, c.sync_state, c.created_at, c.updated_at, \
     (SELECT json_group_array(display) FROM (SELECT display, max(hlc) FROM clip_tags t WHERE t.clip_seq = c.seq GROUP BY key ORDER BY key)), \
     c.pinned, c.sync_error, c.author_id";

pub(crate) fn fmt_time(t: OffsetDateTime) -> String {
    // Millisecond precision, always UTC with a 'Z': sorts as text.
    let t = t.to_offset(time::UtcOffset::UTC);
    let t = t
        .replace_nanosecond(t.millisecond() as u32 * 1_000_000)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

fn parse_time(s: &str) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn parse_text<T: std::str::FromStr>(s: String) -> rusqlite::Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            e.to_string().into(),
        )
    })
}

impl Library {
    pub(crate) fn row_to_clip(&self, r: &Row<'_>) -> rusqlite::Result<Clip> {
        let tags_json: String = r.get(23)?;
        let tags: Vec<String> = serde_json::from_str(&tags_json).unwrap_or_default();
        let media_rel: Option<String> = r.get(16)?;
        let thumb_rel: Option<String> = r.get(17)?;
        Ok(Clip {
            id: parse_text(r.get::<_, String>(1)?)?,
            title: r.get(2)?,
            notes: r.get(3)?,
            kind: parse_text(r.get::<_, String>(4)?)?,
            challenge_id: r.get(5)?,
            author: r.get(6)?,
            visibility: parse_text(r.get::<_, String>(7)?)?,
            recorded_at: parse_time(&r.get::<_, String>(8)?)?,
            duration_ms: r.get::<_, i64>(9)? as u64,
            width: r.get::<_, i64>(10)? as u32,
            height: r.get::<_, i64>(11)? as u32,
            bytes: r.get::<_, i64>(12)? as u64,
            sha256: r.get(13)?,
            video_codec: r.get(14)?,
            audio_codec: r.get(15)?,
            media_path: media_rel.map(|p| self.abs(&p)),
            thumbnail_path: thumb_rel.map(|p| self.abs(&p)),
            thumbnail_sha256: r.get(18)?,
            media_state: parse_text(r.get::<_, String>(19)?)?,
            sync_state: parse_text(r.get::<_, String>(20)?)?,
            created_at: parse_time(&r.get::<_, String>(21)?)?,
            updated_at: parse_time(&r.get::<_, String>(22)?)?,
            tags,
            pinned: r.get::<_, i64>(24)? != 0,
            sync_error: r.get(25)?,
            author_id: r.get(26)?,
        })
    }

    /// The clip with this id, with its tags.
    pub fn clip(&self, id: ClipId) -> Result<Clip> {
        let sql = format!("SELECT {CLIP_COLUMNS} FROM clips c WHERE c.id = ?1");
        self.conn
            .query_row(&sql, [id.to_string()], |r| self.row_to_clip(r))
            .optional()?
            .ok_or_else(|| LibraryError::ClipNotFound(id.to_string()))
    }

    /// What this device keeps for offline viewing: the team's playbook
    /// (promoted by a manager, or shared with kind `playbook`) first, then
    /// the clips pinned here, each group newest first.
    pub fn kept_offline(&self, limit: u32) -> Result<Vec<Clip>> {
        let sql = format!(
            "SELECT {CLIP_COLUMNS}, (c.kind = 'playbook' OR c.id IN \
             (SELECT clip_id FROM playbook WHERE in_playbook = 1)) AS in_book \
             FROM clips c WHERE in_book OR c.pinned = 1 \
             ORDER BY in_book DESC, c.seq DESC LIMIT {}",
            limit.clamp(1, 1000)
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], |r| self.row_to_clip(r))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Parse a clip id typed by a user and look the clip up.
    pub fn clip_by_str(&self, id: &str) -> Result<Clip> {
        self.clip(id.parse()?)
    }

    /// Add a clip whose media (and optional thumbnail) are staged in
    /// `staging`. The files move into `media/` and `thumbs/` and the row,
    /// its tags and its outbox ops commit together; on any failure the
    /// files go back to staging and nothing is recorded.
    pub fn add_clip(&mut self, staging: Staging, mut new: NewClip) -> Result<Clip> {
        new.title = new.title.trim().to_string();
        validate_title(&new.title)?;
        validate_notes(&new.notes)?;
        if !debrief_protocol::is_sha256_hex(&new.sha256) {
            return Err(LibraryError::InvalidInput(format!(
                "'{}' is not a SHA-256 digest",
                new.sha256
            )));
        }
        let id = staging.clip_id();
        let media_rel = format!("{MEDIA_DIR}/{id}.mp4");
        let thumb_rel = new
            .thumbnail_sha256
            .as_ref()
            .map(|_| format!("{THUMBS_DIR}/{id}.jpg"));
        let placed = files::place_staged(&staging, &self.root, &media_rel, thumb_rel.as_deref())?;
        match self.insert_clip_row(
            id,
            &new,
            &media_rel,
            thumb_rel.as_deref(),
            placed.thumb_bytes,
        ) {
            Ok(()) => {
                staging.finish();
                self.clip(id)
            }
            Err(e) => {
                files::unplace_staged(&staging, &self.root, &media_rel, thumb_rel.as_deref());
                Err(e)
            }
        }
    }

    fn insert_clip_row(
        &mut self,
        id: ClipId,
        new: &NewClip,
        media_rel: &str,
        thumb_rel: Option<&str>,
        thumb_bytes: u64,
    ) -> Result<()> {
        let author = self.author.clone();
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        let seq = free_seq(&w, new.recorded_at)?;
        let created = w.emit(OpBody::ClipCreated {
            clip_id: id,
            title: new.title.clone(),
            notes: new.notes.clone(),
            kind: new.kind,
            visibility: new.visibility,
            recorded_at: new.recorded_at,
            duration_ms: new.duration_ms,
            width: new.width,
            height: new.height,
            bytes: new.bytes,
            sha256: new.sha256.clone(),
            thumbnail_sha256: new.thumbnail_sha256.clone(),
        })?;
        let now = fmt_time(w.now);
        w.tx.execute(
            "INSERT INTO clips (seq, id, title, notes, kind, author, visibility, recorded_at, duration_ms, width, height, bytes, sha256, \
             video_codec, audio_codec, media_path, thumb_path, thumb_bytes, thumb_sha256, media_state, sync_state, title_hlc, notes_hlc, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?22, ?23, ?23)",
            params![
                seq,
                id.to_string(),
                new.title,
                new.notes,
                new.kind.as_str(),
                author,
                new.visibility.as_str(),
                fmt_time(new.recorded_at),
                new.duration_ms as i64,
                new.width,
                new.height,
                new.bytes as i64,
                new.sha256,
                new.video_codec,
                new.audio_codec,
                media_rel,
                thumb_rel,
                thumb_bytes as i64,
                new.thumbnail_sha256,
                new.media_state.as_str(),
                SyncState::Local.as_str(),
                created.hlc.to_string(),
                now,
            ],
        )?;
        for tag in &new.tags {
            crate::tags::add_tag(&mut w, seq, id, tag)?;
        }
        refresh_fts(&w, seq)?;
        w.commit()?;
        Ok(())
    }

    /// Change a clip's title and/or notes. Unchanged fields emit nothing.
    pub fn edit(&mut self, id: ClipId, title: Option<&str>, notes: Option<&str>) -> Result<Clip> {
        if let Some(t) = title {
            validate_title(t)?;
        }
        if let Some(n) = notes {
            validate_notes(n)?;
        }
        let current = self.clip(id)?;
        self.check_may_moderate(&current, "change the title or notes of")?;
        let title = title
            .map(|t| t.trim().to_string())
            .filter(|t| *t != current.title);
        let notes = notes.map(str::to_string).filter(|n| *n != current.notes);
        if title.is_none() && notes.is_none() {
            return Ok(current);
        }
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        let seq = seq_of(&w, id)?;
        let op = w.emit(OpBody::ClipEdited {
            clip_id: id,
            title: title.clone(),
            notes: notes.clone(),
        })?;
        let hlc = op.hlc.to_string();
        if let Some(t) = &title {
            w.tx.execute(
                "UPDATE clips SET title = ?1, title_hlc = ?2 WHERE seq = ?3",
                params![t, hlc, seq],
            )?;
        }
        if let Some(n) = &notes {
            w.tx.execute(
                "UPDATE clips SET notes = ?1, notes_hlc = ?2 WHERE seq = ?3",
                params![n, hlc, seq],
            )?;
        }
        touch(&w, seq)?;
        refresh_fts(&w, seq)?;
        w.commit()?;
        self.clip(id)
    }

    /// Make a private clip visible to the team. Sharing a team clip is a no-op.
    pub fn share(&mut self, id: ClipId) -> Result<Clip> {
        let current = self.clip(id)?;
        self.check_may_moderate(&current, "share")?;
        if current.visibility == Visibility::Team {
            return Ok(current);
        }
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        let seq = seq_of(&w, id)?;
        w.emit(OpBody::ClipShared { clip_id: id })?;
        w.tx.execute("UPDATE clips SET visibility = 'team' WHERE seq = ?1", [seq])?;
        touch(&w, seq)?;
        w.commit()?;
        self.clip(id)
    }

    /// Delete a clip and its files. The row goes first, together with a note
    /// of the files to remove; the files are unlinked after the commit, and
    /// at the next open if a crash comes in between.
    pub fn delete(&mut self, id: ClipId) -> Result<()> {
        let current = self.clip(id)?;
        self.check_may_moderate(&current, "delete")?;
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        let (seq, media, thumb): (i64, Option<String>, Option<String>) =
            w.tx.query_row(
                "SELECT seq, media_path, thumb_path FROM clips WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| LibraryError::ClipNotFound(id.to_string()))?;
        w.emit(OpBody::ClipDeleted { clip_id: id })?;
        for path in [media, thumb].into_iter().flatten() {
            w.tx.execute(
                "INSERT OR IGNORE INTO pending_file_deletes (path) VALUES (?1)",
                [path],
            )?;
        }
        w.tx.execute("DELETE FROM clip_fts WHERE rowid = ?1", [seq])?;
        w.tx.execute("DELETE FROM clips WHERE seq = ?1", [seq])?;
        w.commit()?;
        files::process_pending_deletes(&self.conn, &self.root)
    }

    /// Only a clip's author, or a manager or admin of the team, may edit,
    /// share or delete it (the server enforces the same rule; checking here
    /// tells the user at once instead of at the next sync). Before joining
    /// a team every clip on the device is the user's own.
    pub(crate) fn check_may_moderate(&self, clip: &Clip, what: &str) -> Result<()> {
        let Some(account) = self.account()? else {
            return Ok(());
        };
        let own = clip
            .author_id
            .as_deref()
            .is_none_or(|a| a == account.member_id);
        if own || matches!(account.role.as_str(), "manager" | "admin") {
            return Ok(());
        }
        Err(LibraryError::NotPermitted(format!(
            "only {} (its author) or a team manager can {what} \"{}\"; add a tag instead",
            clip.author, clip.title
        )))
    }

    /// How many clips the library holds.
    pub fn count(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM clips", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Bytes used by media and thumbnails on this device.
    pub fn storage(&self) -> Result<StorageUsage> {
        let (clips, with_media, media, thumbs): (i64, i64, i64, i64) = self.conn.query_row(
            "SELECT count(*), count(media_path), coalesce(sum(CASE WHEN media_path IS NOT NULL THEN bytes END), 0), coalesce(sum(thumb_bytes), 0) FROM clips",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        Ok(StorageUsage {
            clips: clips as u64,
            clips_with_media: with_media as u64,
            media_bytes: media as u64,
            thumbnail_bytes: thumbs as u64,
            total_bytes: (media + thumbs) as u64,
        })
    }

    /// The absolute path a clip's media has (or will have) in this library.
    pub fn media_path_for(&self, id: ClipId) -> PathBuf {
        self.root.join(MEDIA_DIR).join(format!("{id}.mp4"))
    }
}

pub(crate) fn seq_of(w: &Writer<'_>, id: ClipId) -> Result<i64> {
    w.tx.query_row(
        "SELECT seq FROM clips WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| LibraryError::ClipNotFound(id.to_string()))
}

/// Mark a clip changed: bump `updated_at`, and a clip the server had is
/// pending again.
pub(crate) fn touch(w: &Writer<'_>, seq: i64) -> Result<()> {
    w.tx.execute(
        "UPDATE clips SET updated_at = ?1, sync_state = CASE WHEN sync_state IN ('synced', 'failed') THEN 'pending' ELSE sync_state END WHERE seq = ?2",
        params![fmt_time(w.now), seq],
    )?;
    Ok(())
}

/// Re-index one clip's searchable text (title, notes, tags, author).
pub(crate) fn refresh_fts(w: &Writer<'_>, seq: i64) -> Result<()> {
    w.tx.execute("DELETE FROM clip_fts WHERE rowid = ?1", [seq])?;
    w.tx.execute(
        "INSERT INTO clip_fts (rowid, title, notes, tags, author) \
         SELECT c.seq, c.title, c.notes, coalesce((SELECT group_concat(display, ' ') FROM clip_tags t WHERE t.clip_seq = c.seq), ''), c.author \
         FROM clips c WHERE c.seq = ?1",
        [seq],
    )?;
    Ok(())
}

pub(crate) fn free_seq(w: &Writer<'_>, recorded_at: OffsetDateTime) -> Result<i64> {
    let ms = (recorded_at.unix_timestamp_nanos() / 1_000_000).clamp(0, MAX_SEQ_MS as i128) as i64;
    let base = ms << SEQ_SHIFT;
    let top = base + (1 << SEQ_SHIFT);
    let max: Option<i64> = w.tx.query_row(
        "SELECT max(seq) FROM clips WHERE seq >= ?1 AND seq < ?2",
        params![base, top],
        |r| r.get(0),
    )?;
    match max {
        None => Ok(base),
        Some(m) if m + 1 < top => Ok(m + 1),
        // A million clips recorded in the same millisecond: find any gap.
        Some(_) => w
            .tx
            .query_row(
                "SELECT s.seq + 1 FROM clips s WHERE s.seq >= ?1 AND s.seq + 1 < ?2 AND NOT EXISTS (SELECT 1 FROM clips n WHERE n.seq = s.seq + 1) LIMIT 1",
                params![base, top],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| LibraryError::InvalidInput("too many clips share this recording time".into())),
    }
}

pub(crate) fn validate_title(title: &str) -> Result<()> {
    let t = title.trim();
    if t.is_empty() {
        return Err(LibraryError::InvalidInput(
            "the title is empty; give the clip a short title".into(),
        ));
    }
    let n = t.chars().count();
    if n > MAX_TITLE_CHARS {
        return Err(LibraryError::InvalidInput(format!(
            "the title is {n} characters long; titles are at most {MAX_TITLE_CHARS} characters"
        )));
    }
    if t.chars().any(char::is_control) {
        return Err(LibraryError::InvalidInput(
            "the title contains control characters (such as line breaks); use one line of text"
                .into(),
        ));
    }
    Ok(())
}

pub(crate) fn validate_notes(notes: &str) -> Result<()> {
    let n = notes.chars().count();
    if n > MAX_NOTES_CHARS {
        return Err(LibraryError::InvalidInput(format!(
            "the notes are {n} characters long; notes are at most {MAX_NOTES_CHARS} characters"
        )));
    }
    Ok(())
}

// Kept for callers that build a NewClip by hand.
impl NewClip {
    pub fn debrief(title: impl Into<String>, recorded_at: OffsetDateTime) -> Self {
        Self {
            title: title.into(),
            notes: String::new(),
            kind: ClipKind::Debrief,
            visibility: Visibility::Team,
            recorded_at,
            duration_ms: 0,
            width: 0,
            height: 0,
            bytes: 0,
            sha256: String::new(),
            video_codec: None,
            audio_codec: None,
            thumbnail_sha256: None,
            media_state: MediaState::Ready,
            tags: Vec::new(),
        }
    }
}

//! Comments on clips, optionally at a moment of the clip ("at 0:42 —
//! great reframe"). Anyone on the team comments; only a comment's author
//! edits or deletes it (the server enforces the same rule).

use debrief_protocol::coaching::{self, MAX_COMMENT_CHARS};
use debrief_protocol::{ClipId, CommentId, Hlc, OpBody};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::Library;
use crate::coaching::{invalid, mmss, parse_id};
use crate::error::{LibraryError, Result};
use crate::writer::Writer;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: CommentId,
    pub clip_id: ClipId,
    pub author: String,
    pub author_id: Option<String>,
    pub text: String,
    /// The moment of the clip it is about, in milliseconds.
    pub at_ms: Option<u64>,
    /// Not on the server yet.
    pub pending: bool,
    /// When it was written (the wall clock of its author's device).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

const COMMENT_COLUMNS: &str = "k.id, k.clip_id, k.author, k.author_id, k.text, k.at_ms, \
     (SELECT count(*) FROM outbox o WHERE o.clip_id = k.id), k.created_hlc";

/// The wall-clock part of a stored HLC, as a time.
fn hlc_time(hlc: &str) -> rusqlite::Result<OffsetDateTime> {
    let conv = |e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, e)
    };
    let h: Hlc = hlc
        .parse()
        .map_err(|e: debrief_protocol::hlc::HlcParseError| conv(Box::new(e)))?;
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(h.wall_ms) * 1_000_000)
        .map_err(|e| conv(Box::new(e)))
}

fn comment_not_found(id: CommentId) -> LibraryError {
    LibraryError::NotFound(format!(
        "no comment with id {id} on this device; `debrief comments CLIP_ID` shows the ids"
    ))
}

impl Library {
    fn row_to_comment(r: &Row<'_>) -> rusqlite::Result<Comment> {
        Ok(Comment {
            id: parse_id(r.get(0)?)?,
            clip_id: parse_id(r.get(1)?)?,
            author: r.get(2)?,
            author_id: r.get(3)?,
            text: r.get(4)?,
            at_ms: r.get::<_, Option<i64>>(5)?.map(|v| v as u64),
            pending: r.get::<_, i64>(6)? > 0,
            created_at: hlc_time(&r.get::<_, String>(7)?)?,
        })
    }

    /// A clip's live comments: timestamped ones by moment, then the rest, oldest first.
    pub fn comments(&self, clip_id: ClipId) -> Result<Vec<Comment>> {
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments k WHERE k.clip_id = ?1 AND k.deleted = 0 \
             ORDER BY k.at_ms IS NULL, k.at_ms, k.created_hlc"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        Ok(stmt
            .query_map([clip_id.to_string()], Self::row_to_comment)?
            .collect::<rusqlite::Result<_>>()?)
    }

    pub fn comment(&self, id: CommentId) -> Result<Comment> {
        let sql =
            format!("SELECT {COMMENT_COLUMNS} FROM comments k WHERE k.id = ?1 AND k.deleted = 0");
        self.conn
            .query_row(&sql, [id.to_string()], Self::row_to_comment)
            .optional()?
            .ok_or_else(|| comment_not_found(id))
    }

    /// Comment on a clip, optionally at a moment of it.
    pub fn add_comment(
        &mut self,
        clip_id: ClipId,
        text: &str,
        at_ms: Option<u64>,
    ) -> Result<Comment> {
        let text = text.trim();
        coaching::check_text("comment", text, MAX_COMMENT_CHARS, true).map_err(invalid)?;
        let clip = self.clip(clip_id)?;
        if let Some(at) = at_ms
            && at > clip.duration_ms
        {
            return Err(invalid(format!(
                "{} is past the end of \"{}\", which is {} long",
                mmss(at),
                clip.title,
                mmss(clip.duration_ms)
            )));
        }
        let id = CommentId::new();
        let (author, author_id) = (self.author.clone(), self.member_id()?);
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        let op = w.emit(OpBody::CommentAdded {
            comment_id: id,
            clip_id,
            text: text.to_string(),
            at_ms,
        })?;
        w.tx.execute(
            "INSERT INTO comments (id, clip_id, author, author_id, text, at_ms, created_hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id.to_string(),
                clip_id.to_string(),
                author,
                author_id,
                text,
                at_ms.map(|v| v as i64),
                op.hlc.to_string()
            ],
        )?;
        w.commit()?;
        self.comment(id)
    }

    fn check_comment_author(&self, c: &Comment, verb: &str) -> Result<()> {
        let me = self.member_id()?;
        if c.author_id.is_some() && c.author_id != me {
            return Err(LibraryError::NotPermitted(format!(
                "only {} (its author) can {verb} this comment",
                c.author
            )));
        }
        Ok(())
    }

    pub fn edit_comment(&mut self, id: CommentId, text: &str) -> Result<Comment> {
        let text = text.trim();
        coaching::check_text("comment", text, MAX_COMMENT_CHARS, true).map_err(invalid)?;
        let c = self.comment(id)?;
        self.check_comment_author(&c, "edit")?;
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        w.emit(OpBody::CommentEdited {
            comment_id: id,
            clip_id: c.clip_id,
            text: text.to_string(),
        })?;
        w.tx.execute(
            "UPDATE comments SET text = ?2 WHERE id = ?1",
            params![id.to_string(), text],
        )?;
        w.commit()?;
        self.comment(id)
    }

    pub fn delete_comment(&mut self, id: CommentId) -> Result<Comment> {
        let c = self.comment(id)?;
        self.check_comment_author(&c, "delete")?;
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        w.emit(OpBody::CommentDeleted {
            comment_id: id,
            clip_id: c.clip_id,
        })?;
        w.tx.execute(
            "UPDATE comments SET deleted = 1 WHERE id = ?1",
            [id.to_string()],
        )?;
        w.commit()?;
        Ok(c)
    }
}

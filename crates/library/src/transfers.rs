//! Bookkeeping of media transfers and sync outcomes, kept in the database
//! so that any process (the app, `debrief status`, the next `debrief sync`
//! after a kill) sees what is waiting, what is moving and what failed, and
//! so a cut upload resumes at the same tus upload URL.

use debrief_protocol::ClipId;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::Library;
use crate::clips::fmt_time;
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// One media transfer as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transfer {
    pub direction: Direction,
    pub sha256: String,
    pub clip_id: ClipId,
    pub thumbnail: bool,
    /// The tus upload URL, once created (uploads only).
    pub upload_url: Option<String>,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// The last error cannot be fixed by retrying (e.g. file too large).
    pub permanent: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Library {
    pub fn transfer(&self, direction: Direction, sha256: &str) -> Result<Option<Transfer>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT direction, sha256, clip_id, what, upload_url, bytes_done, bytes_total, attempts, last_error, permanent, updated_at \
             FROM transfers WHERE direction = ?1 AND sha256 = ?2",
        )?;
        Ok(stmt
            .query_row(params![direction.as_str(), sha256], row_to_transfer)
            .optional()?)
    }

    pub fn transfers(&self) -> Result<Vec<Transfer>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT direction, sha256, clip_id, what, upload_url, bytes_done, bytes_total, attempts, last_error, permanent, updated_at \
             FROM transfers ORDER BY updated_at DESC",
        )?;
        let rows = stmt.query_map([], row_to_transfer)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Create or update a transfer's progress (and its upload URL).
    pub fn record_progress(&mut self, t: &Transfer) -> Result<()> {
        self.conn.execute(
            "INSERT INTO transfers (direction, sha256, clip_id, what, upload_url, bytes_done, bytes_total, attempts, last_error, permanent, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
             ON CONFLICT(direction, sha256) DO UPDATE SET clip_id = excluded.clip_id, what = excluded.what, upload_url = excluded.upload_url, \
             bytes_done = excluded.bytes_done, bytes_total = excluded.bytes_total, attempts = excluded.attempts, last_error = excluded.last_error, \
             permanent = excluded.permanent, updated_at = excluded.updated_at",
            params![
                t.direction.as_str(),
                t.sha256,
                t.clip_id.to_string(),
                if t.thumbnail { "thumbnail" } else { "media" },
                t.upload_url,
                t.bytes_done as i64,
                t.bytes_total as i64,
                t.attempts,
                t.last_error,
                t.permanent as i64,
                fmt_time(t.updated_at),
            ],
        )?;
        Ok(())
    }

    /// A transfer finished: forget it.
    pub fn finish_transfer(&mut self, direction: Direction, sha256: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM transfers WHERE direction = ?1 AND sha256 = ?2",
            params![direction.as_str(), sha256],
        )?;
        Ok(())
    }

    /// A small key/value note about sync (last success, last error), kept
    /// with the data so every process can show it.
    pub fn set_note(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        let key = format!("note:{key}");
        match value {
            Some(v) => self.conn.execute("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value", params![key, v])?,
            None => self.conn.execute("DELETE FROM meta WHERE key = ?1", [key])?,
        };
        Ok(())
    }

    pub fn note(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [format!("note:{key}")],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Clips whose last sync attempt failed, with the reason.
    pub fn failed_clips(&self) -> Result<Vec<(ClipId, String, String)>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, title, sync_error FROM clips WHERE sync_error IS NOT NULL ORDER BY seq DESC")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, title, err) = row?;
            out.push((id.parse()?, title, err));
        }
        Ok(out)
    }
}

fn row_to_transfer(r: &rusqlite::Row<'_>) -> rusqlite::Result<Transfer> {
    let direction = match r.get::<_, String>(0)?.as_str() {
        "up" => Direction::Up,
        _ => Direction::Down,
    };
    let clip: String = r.get(2)?;
    let updated: String = r.get(10)?;
    Ok(Transfer {
        direction,
        sha256: r.get(1)?,
        clip_id: clip.parse().map_err(|e: debrief_protocol::IdParseError| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
        })?,
        thumbnail: r.get::<_, String>(3)? == "thumbnail",
        upload_url: r.get(4)?,
        bytes_done: r.get::<_, i64>(5)? as u64,
        bytes_total: r.get::<_, i64>(6)? as u64,
        attempts: r.get::<_, i64>(7)? as u32,
        last_error: r.get(8)?,
        permanent: r.get::<_, i64>(9)? != 0,
        updated_at: OffsetDateTime::parse(&updated, &time::format_description::well_known::Rfc3339)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
    })
}

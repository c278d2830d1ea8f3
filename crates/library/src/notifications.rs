//! Notifications, built from the change feed as it is applied (no push
//! service): a new challenge, a new answer to my challenge, a new comment
//! on my clip, a new playbook clip; and this device's changes the server
//! refused. Stored locally with a read flag, one per (kind, subject), so
//! reading the feed again (after a refusal resets the cursor) never
//! notifies twice.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::Library;
use crate::clips::fmt_time;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: i64,
    /// `new_challenge`, `new_answer`, `new_comment`, `new_playbook_clip` or `refused`.
    pub kind: String,
    pub text: String,
    pub clip_id: Option<String>,
    pub challenge_id: Option<String>,
    pub created_at: String,
    pub read: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnreadCounts {
    pub total: u64,
    pub new_challenge: u64,
    pub new_answer: u64,
    pub new_comment: u64,
    pub new_playbook_clip: u64,
    pub refused: u64,
}

/// What one notification is about.
pub(crate) struct Notice<'a> {
    pub kind: &'a str,
    pub subject: &'a str,
    pub clip_id: Option<&'a str>,
    pub challenge_id: Option<&'a str>,
    pub text: String,
}

pub(crate) fn notify(conn: &Connection, n: Notice<'_>) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO notifications (kind, subject, clip_id, challenge_id, text, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            n.kind,
            n.subject,
            n.clip_id,
            n.challenge_id,
            n.text,
            fmt_time(time::OffsetDateTime::now_utc())
        ],
    )?;
    Ok(())
}

impl Library {
    /// Newest first; only unread ones with `unread_only`.
    pub fn notifications(&self, unread_only: bool) -> Result<Vec<Notification>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, text, clip_id, challenge_id, created_at, read FROM notifications \
             WHERE read = 0 OR ?1 = 0 ORDER BY id DESC",
        )?;
        Ok(stmt
            .query_map([unread_only as i64], |r| {
                Ok(Notification {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    text: r.get(2)?,
                    clip_id: r.get(3)?,
                    challenge_id: r.get(4)?,
                    created_at: r.get(5)?,
                    read: r.get::<_, i64>(6)? != 0,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    pub fn unread_counts(&self) -> Result<UnreadCounts> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, count(*) FROM notifications WHERE read = 0 GROUP BY kind",
        )?;
        let mut out = UnreadCounts::default();
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (kind, n) = row?;
            let n = n as u64;
            out.total += n;
            match kind.as_str() {
                "new_challenge" => out.new_challenge = n,
                "new_answer" => out.new_answer = n,
                "new_comment" => out.new_comment = n,
                "new_playbook_clip" => out.new_playbook_clip = n,
                _ => out.refused += n,
            }
        }
        Ok(out)
    }

    /// Mark these notifications read (all of them with `None`); returns how many changed.
    pub fn mark_read(&mut self, ids: Option<&[i64]>) -> Result<u64> {
        let n = match ids {
            None => self
                .conn
                .execute("UPDATE notifications SET read = 1 WHERE read = 0", [])?,
            Some(ids) => {
                let mut n = 0;
                for id in ids {
                    n += self.conn.execute(
                        "UPDATE notifications SET read = 1 WHERE id = ?1 AND read = 0",
                        [id],
                    )?;
                }
                n
            }
        };
        Ok(n as u64)
    }
}

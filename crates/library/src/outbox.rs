//! Reading the outbox: the ordered list of changes sync must push.

use rusqlite::params;

use crate::Library;
use crate::error::{LibraryError, Result};
use crate::model::OutboxEntry;

impl Library {
    /// The oldest `limit` pending ops, in the order they were made.
    pub fn outbox(&self, limit: u32) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, body FROM outbox ORDER BY seq LIMIT ?1")?;
        let rows = stmt.query_map(params![limit], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            let op = serde_json::from_str(&body)
                .map_err(|e| LibraryError::Corrupt(format!("outbox entry {seq}: {e}")))?;
            out.push(OutboxEntry { seq, op });
        }
        Ok(out)
    }

    /// How many ops wait to be pushed.
    pub fn outbox_len(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// How many pending ops concern one clip.
    pub fn pending_ops_for(&self, id: debrief_protocol::ClipId) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE clip_id = ?1",
            [id.to_string()],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }
}

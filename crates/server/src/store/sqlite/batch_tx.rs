//! [`BatchTx`] for SQLite: the batch's loads and stores as statements in
//! the IMMEDIATE transaction the caller opened (SQLite's one writer is the
//! lock that orders batches). Every future here is ready at once, so the
//! shared async batch code runs to completion in a single poll on the
//! blocking thread that owns the connection.

use std::future::Future;

use futures_util::FutureExt;
use rusqlite::{OptionalExtension, Transaction, params};

use super::db;
use crate::store::batch::{BatchTx, ClipRow, DocKind, DocRow, OpRow};
use crate::store::{StoreError, StoreResult};

pub(super) struct SqliteBatch<'a> {
    pub tx: &'a Transaction<'a>,
    pub team: String,
}

/// Run shared batch code whose awaits are all SQLite calls.
pub(super) fn run_now<T>(f: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
    f.now_or_never().unwrap_or_else(|| {
        Err(StoreError::Backend(
            "a SQLite batch step waited on something other than SQLite".into(),
        ))
    })
}

fn table(kind: DocKind) -> (&'static str, &'static str) {
    match kind {
        DocKind::Challenge => ("challenges", "challenge_id"),
        DocKind::Comment => ("comments", "comment_id"),
        DocKind::Playbook => ("playbook", "clip_id"),
    }
}

impl SqliteBatch<'_> {
    fn exists(&self, sql: &str, p: impl rusqlite::Params) -> StoreResult<bool> {
        self.tx
            .prepare_cached(sql)
            .map_err(db)?
            .query_row(p, |r| r.get(0))
            .map_err(db)
    }

    fn strings(&self, sql: &str, p: impl rusqlite::Params) -> StoreResult<Vec<String>> {
        let mut stmt = self.tx.prepare_cached(sql).map_err(db)?;
        stmt.query_map(p, |r| r.get(0))
            .map_err(db)?
            .collect::<rusqlite::Result<_>>()
            .map_err(db)
    }
}

impl BatchTx for SqliteBatch<'_> {
    async fn op_seen(&mut self, op_id: &str) -> StoreResult<bool> {
        self.exists(
            "SELECT EXISTS (SELECT 1 FROM ops WHERE team_id = ?1 AND op_id = ?2)",
            params![self.team, op_id],
        )
    }

    async fn clip(&mut self, clip_id: &str) -> StoreResult<Option<(String, bool)>> {
        self.tx
            .prepare_cached(
                "SELECT doc, media_ready FROM clips WHERE team_id = ?1 AND clip_id = ?2",
            )
            .map_err(db)?
            .query_row(params![self.team, clip_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(db)
    }

    async fn team_has_media(&mut self, sha256: &str) -> StoreResult<bool> {
        self.exists(
            "SELECT EXISTS (SELECT 1 FROM media WHERE team_id = ?1 AND sha256 = ?2)",
            params![self.team, sha256],
        )
    }

    async fn doc(&mut self, kind: DocKind, id: &str) -> StoreResult<Option<String>> {
        let (table, key) = table(kind);
        self.tx
            .prepare_cached(&format!(
                "SELECT doc FROM {table} WHERE team_id = ?1 AND {key} = ?2"
            ))
            .map_err(db)?
            .query_row(params![self.team, id], |r| r.get(0))
            .optional()
            .map_err(db)
    }

    async fn insert_op(&mut self, op: OpRow) -> StoreResult<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO ops (team_id, op_id, clip_id, device_id, hlc, status, body, applied_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(db)?
            .execute(params![
                self.team,
                op.op_id,
                op.target,
                op.device_id,
                op.hlc,
                op.status,
                op.body,
                op.applied_ms
            ])
            .map_err(db)?;
        Ok(())
    }

    async fn next_seq(&mut self) -> StoreResult<i64> {
        self.tx
            .prepare_cached(
                "UPDATE teams SET feed_seq = feed_seq + 1 WHERE id = ?1 RETURNING feed_seq",
            )
            .map_err(db)?
            .query_row([&self.team], |r| r.get(0))
            .map_err(db)
    }

    async fn upsert_clip(&mut self, row: ClipRow<'_>) -> StoreResult<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO clips (team_id, clip_id, seq, author_id, visibility, sha256, media_ready, doc, \
                 thumbnail_sha256, deleted_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
                 ON CONFLICT (team_id, clip_id) DO UPDATE SET seq = excluded.seq, \
                 visibility = excluded.visibility, doc = excluded.doc, \
                 deleted_ms = COALESCE(clips.deleted_ms, excluded.deleted_ms)",
            )
            .map_err(db)?
            .execute(params![
                self.team,
                row.clip_id,
                row.seq,
                row.author_id,
                row.visibility,
                row.sha256,
                row.media_ready,
                row.doc,
                row.thumbnail_sha256,
                row.deleted_ms
            ])
            .map_err(db)?;
        Ok(())
    }

    async fn upsert_doc(&mut self, row: DocRow) -> StoreResult<()> {
        let sql = match row.kind {
            DocKind::Challenge => {
                "INSERT INTO challenges (team_id, challenge_id, seq, author_id, doc) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (team_id, challenge_id) DO UPDATE SET seq = excluded.seq, doc = excluded.doc"
            }
            DocKind::Comment => {
                "INSERT INTO comments (team_id, comment_id, seq, author_id, doc, clip_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (team_id, comment_id) DO UPDATE SET seq = excluded.seq, doc = excluded.doc"
            }
            DocKind::Playbook => {
                "INSERT INTO playbook (team_id, clip_id, seq, by_id, doc) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (team_id, clip_id) DO UPDATE SET seq = excluded.seq, by_id = excluded.by_id, doc = excluded.doc"
            }
        };
        let mut stmt = self.tx.prepare_cached(sql).map_err(db)?;
        match row.kind {
            DocKind::Comment => stmt.execute(params![
                self.team,
                row.id,
                row.seq,
                row.by,
                row.doc,
                row.clip_id
            ]),
            _ => stmt.execute(params![self.team, row.id, row.seq, row.by, row.doc]),
        }
        .map_err(db)?;
        Ok(())
    }

    async fn dependents(&mut self, kind: DocKind, clip_id: &str) -> StoreResult<Vec<String>> {
        let (table, key) = table(kind);
        self.strings(
            &format!("SELECT {key} FROM {table} WHERE team_id = ?1 AND clip_id = ?2 ORDER BY seq"),
            params![self.team, clip_id],
        )
    }

    async fn set_seq(&mut self, kind: DocKind, id: &str, seq: i64) -> StoreResult<()> {
        let (table, key) = table(kind);
        self.tx
            .prepare_cached(&format!(
                "UPDATE {table} SET seq = ?3 WHERE team_id = ?1 AND {key} = ?2"
            ))
            .map_err(db)?
            .execute(params![self.team, id, seq])
            .map_err(db)?;
        Ok(())
    }

    async fn waiting_clips(&mut self, sha256: &str) -> StoreResult<Vec<String>> {
        self.strings(
            "SELECT clip_id FROM clips WHERE team_id = ?1 AND sha256 = ?2 AND media_ready = 0 ORDER BY seq",
            params![self.team, sha256],
        )
    }

    async fn mark_media_ready(&mut self, clip_id: &str, seq: i64) -> StoreResult<()> {
        self.tx
            .prepare_cached(
                "UPDATE clips SET media_ready = 1, seq = ?3 WHERE team_id = ?1 AND clip_id = ?2",
            )
            .map_err(db)?
            .execute(params![self.team, clip_id, seq])
            .map_err(db)?;
        Ok(())
    }
}

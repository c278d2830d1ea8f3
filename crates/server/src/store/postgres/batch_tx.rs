//! [`BatchTx`] for PostgreSQL: the batch's loads and stores as statements
//! in the caller's transaction, which has locked the team's row first.

// Table and column names come from `table()`, never from input.
use sqlx::{AssertSqlSafe, PgConnection};

use super::db;
use crate::store::StoreResult;
use crate::store::batch::{BatchTx, ClipRow, DocKind, DocRow, OpRow};

pub(super) struct PgBatch<'c> {
    pub conn: &'c mut PgConnection,
    pub team: String,
}

fn table(kind: DocKind) -> (&'static str, &'static str) {
    match kind {
        DocKind::Challenge => ("challenges", "challenge_id"),
        DocKind::Comment => ("comments", "comment_id"),
        DocKind::Playbook => ("playbook", "clip_id"),
    }
}

impl BatchTx for PgBatch<'_> {
    async fn op_seen(&mut self, op_id: &str) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM ops WHERE team_id = $1 AND op_id = $2)")
            .bind(&self.team)
            .bind(op_id)
            .fetch_one(&mut *self.conn)
            .await
            .map_err(db)
    }

    async fn clip(&mut self, clip_id: &str) -> StoreResult<Option<(String, bool)>> {
        sqlx::query_as("SELECT doc, media_ready FROM clips WHERE team_id = $1 AND clip_id = $2")
            .bind(&self.team)
            .bind(clip_id)
            .fetch_optional(&mut *self.conn)
            .await
            .map_err(db)
    }

    async fn team_has_media(&mut self, sha256: &str) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM media WHERE team_id = $1 AND sha256 = $2)")
            .bind(&self.team)
            .bind(sha256)
            .fetch_one(&mut *self.conn)
            .await
            .map_err(db)
    }

    async fn doc(&mut self, kind: DocKind, id: &str) -> StoreResult<Option<String>> {
        let (table, key) = table(kind);
        sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT doc FROM {table} WHERE team_id = $1 AND {key} = $2"
        )))
        .bind(&self.team)
        .bind(id)
        .fetch_optional(&mut *self.conn)
        .await
        .map_err(db)
    }

    async fn insert_op(&mut self, op: OpRow) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO ops (team_id, op_id, clip_id, device_id, hlc, status, body, applied_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&self.team)
        .bind(op.op_id)
        .bind(op.target)
        .bind(op.device_id)
        .bind(op.hlc)
        .bind(op.status)
        .bind(op.body)
        .bind(op.applied_ms)
        .execute(&mut *self.conn)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn next_seq(&mut self) -> StoreResult<i64> {
        sqlx::query_scalar(
            "UPDATE teams SET feed_seq = feed_seq + 1 WHERE id = $1 RETURNING feed_seq",
        )
        .bind(&self.team)
        .fetch_one(&mut *self.conn)
        .await
        .map_err(db)
    }

    async fn upsert_clip(&mut self, row: ClipRow<'_>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO clips (team_id, clip_id, seq, author_id, visibility, sha256, media_ready, doc, \
             thumbnail_sha256, deleted_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (team_id, clip_id) DO UPDATE SET seq = excluded.seq, \
             visibility = excluded.visibility, doc = excluded.doc, \
             deleted_ms = COALESCE(clips.deleted_ms, excluded.deleted_ms)",
        )
        .bind(&self.team)
        .bind(row.clip_id)
        .bind(row.seq)
        .bind(row.author_id)
        .bind(row.visibility)
        .bind(row.sha256)
        .bind(row.media_ready)
        .bind(row.doc)
        .bind(row.thumbnail_sha256)
        .bind(row.deleted_ms)
        .execute(&mut *self.conn)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn upsert_doc(&mut self, row: DocRow) -> StoreResult<()> {
        let sql = match row.kind {
            DocKind::Challenge => {
                "INSERT INTO challenges (team_id, challenge_id, seq, author_id, doc) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (team_id, challenge_id) DO UPDATE SET seq = excluded.seq, doc = excluded.doc"
            }
            DocKind::Comment => {
                "INSERT INTO comments (team_id, comment_id, seq, author_id, doc, clip_id) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (team_id, comment_id) DO UPDATE SET seq = excluded.seq, doc = excluded.doc"
            }
            DocKind::Playbook => {
                "INSERT INTO playbook (team_id, clip_id, seq, by_id, doc) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (team_id, clip_id) DO UPDATE SET seq = excluded.seq, by_id = excluded.by_id, doc = excluded.doc"
            }
        };
        let mut q = sqlx::query(sql)
            .bind(&self.team)
            .bind(row.id)
            .bind(row.seq)
            .bind(row.by)
            .bind(row.doc);
        if row.kind == DocKind::Comment {
            q = q.bind(row.clip_id);
        }
        q.execute(&mut *self.conn).await.map_err(db)?;
        Ok(())
    }

    async fn dependents(&mut self, kind: DocKind, clip_id: &str) -> StoreResult<Vec<String>> {
        let (table, key) = table(kind);
        sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT {key} FROM {table} WHERE team_id = $1 AND clip_id = $2 ORDER BY seq"
        )))
        .bind(&self.team)
        .bind(clip_id)
        .fetch_all(&mut *self.conn)
        .await
        .map_err(db)
    }

    async fn set_seq(&mut self, kind: DocKind, id: &str, seq: i64) -> StoreResult<()> {
        let (table, key) = table(kind);
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE {table} SET seq = $3 WHERE team_id = $1 AND {key} = $2"
        )))
        .bind(&self.team)
        .bind(id)
        .bind(seq)
        .execute(&mut *self.conn)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn waiting_clips(&mut self, sha256: &str) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "SELECT clip_id FROM clips WHERE team_id = $1 AND sha256 = $2 AND NOT media_ready ORDER BY seq",
        )
        .bind(&self.team)
        .bind(sha256)
        .fetch_all(&mut *self.conn)
        .await
        .map_err(db)
    }

    async fn mark_media_ready(&mut self, clip_id: &str, seq: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE clips SET media_ready = TRUE, seq = $3 WHERE team_id = $1 AND clip_id = $2",
        )
        .bind(&self.team)
        .bind(clip_id)
        .bind(seq)
        .execute(&mut *self.conn)
        .await
        .map_err(db)?;
        Ok(())
    }
}

//! Numbered schema migrations for PostgreSQL, embedded at build time and
//! applied when a server (or any `debrief-server` command) connects.
//!
//! `debrief_schema` records the versions applied. All pending migrations
//! run in one transaction holding an advisory lock, so several instances
//! starting at once migrate exactly once and a crash mid-way leaves the
//! previous version (PostgreSQL's DDL is transactional). A database from a
//! newer server is refused before anything is written to it.

use sqlx::PgPool;

use super::db;
use crate::store::{StoreError, StoreResult};

/// (version, SQL). Version N is the state after applying entry N.
pub const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    include_str!("../../../migrations/postgres/0001_init.sql"),
)];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

pub async fn migrate(pool: &PgPool, shown: &str) -> StoreResult<()> {
    let mut tx = pool.begin().await.map_err(db)?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('debrief-schema', 0))")
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS debrief_schema (\
           version BIGINT PRIMARY KEY, \
           applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    let found: i64 = sqlx::query_scalar("SELECT COALESCE(max(version), 0) FROM debrief_schema")
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
    let supported = latest_version();
    if found > supported {
        return Err(StoreError::Backend(format!(
            "database {shown} has schema version {found} but this debrief-server knows only up to \
             {supported}: it was written by a newer server; run that version (or newer)"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        sqlx::raw_sql(*sql).execute(&mut *tx).await.map_err(db)?;
        sqlx::query("INSERT INTO debrief_schema (version) VALUES ($1)")
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tracing::info!(version, "applied PostgreSQL schema migration");
    }
    tx.commit().await.map_err(db)
}

/// The schema version a database is at (0: none applied).
pub async fn version(pool: &PgPool) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT COALESCE(max(version), 0) FROM debrief_schema")
        .fetch_one(pool)
        .await
        .map_err(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_from_one() {
        for (i, (v, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1);
        }
    }

    #[test]
    fn the_schema_has_every_table_migrate_copies() {
        let sql = MIGRATIONS.iter().map(|m| m.1).collect::<String>();
        for t in crate::store::rows::TABLES {
            assert!(
                sql.contains(&format!("CREATE TABLE {} (", t.name)),
                "{}",
                t.name
            );
            for c in t.columns {
                assert!(
                    sql.contains(&format!("    {} ", c.name))
                        || sql.contains(&format!("\"{}\"", c.name)),
                    "{}.{}",
                    t.name,
                    c.name
                );
            }
        }
    }
}

//! Numbered schema migrations, embedded at build time and applied at open.
//!
//! `PRAGMA user_version` records how many migrations a database has seen.
//! Migrations are only appended; each runs in one IMMEDIATE transaction with
//! the bump of `user_version`, so a crash mid-migration leaves the previous
//! version and two processes opening one database cannot both migrate. A
//! database from a newer server (a higher version than we know) is refused
//! before anything is written to it.

use rusqlite::{Connection, TransactionBehavior};

use crate::store::{StoreError, StoreResult};

/// (version, SQL). Version N is the state after applying entry N.
pub const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../../../migrations/0001_init.sql"))];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

pub fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

pub fn migrate(conn: &mut Connection, path: &str) -> StoreResult<()> {
    let found = user_version(conn).map_err(StoreError::backend)?;
    let supported = latest_version();
    if found > supported {
        return Err(StoreError::Backend(format!(
            "database {path} has schema version {found} but this debrief-server knows only up to \
             {supported}: it was written by a newer server; run that version (or newer)"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::backend)?;
        let now: i64 = user_version(&tx).map_err(StoreError::backend)?;
        if now >= *version {
            continue;
        }
        tx.execute_batch(sql).map_err(StoreError::backend)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(StoreError::backend)?;
        tx.commit().map_err(StoreError::backend)?;
        tracing::info!(version, "applied server database migration");
    }
    Ok(())
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
    fn empty_database_gets_every_migration_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, ":memory:").unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest_version());
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN \
                 ('teams','members','devices','invites','clips','ops','media','uploads')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 8);
        migrate(&mut conn, ":memory:").unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest_version());
    }

    #[test]
    fn newer_database_is_refused_untouched() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 3)
            .unwrap();
        let err = migrate(&mut conn, "/x/server.sqlite3")
            .unwrap_err()
            .to_string();
        assert!(err.contains("written by a newer server"), "{err}");
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }
}

//! Numbered schema migrations, embedded at build time and applied at open.
//!
//! `PRAGMA user_version` records how many migrations a database has seen.
//! Migrations are only ever appended; each runs in its own transaction
//! together with the bump of `user_version`, so a crash mid-migration
//! leaves the database at the previous version. A database from a newer
//! build (higher version than we know) is refused before anything is
//! written to it.

use std::path::Path;

use rusqlite::Connection;

use crate::error::{LibraryError, Result};

/// (version, SQL). Version N is the state after applying entry N.
pub(crate) const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_sync.sql")),
    (3, include_str!("../migrations/0003_coaching.sql")),
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

pub(crate) fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Bring the database up to [`latest_version`]; refuse one that is newer.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    migrate_to(conn, path, latest_version())
}

pub(crate) fn migrate_to(conn: &mut Connection, path: &Path, target: i64) -> Result<()> {
    let found = user_version(conn)?;
    let supported = latest_version();
    if found > supported {
        return Err(LibraryError::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            supported,
        });
    }
    for (version, sql) in MIGRATIONS
        .iter()
        .filter(|(v, _)| *v > found && *v <= target)
    {
        // IMMEDIATE: take the write lock first, so two processes opening a
        // new library at once do not both try to migrate.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now >= *version {
            continue; // another process migrated while we waited
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied library migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_versions_are_consecutive_from_one() {
        for (i, (v, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1);
        }
    }

    #[test]
    fn empty_database_gets_every_migration() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest_version());
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name IN ('clips','clip_tags','clip_fts','outbox','meta',\
                'challenges','comments','playbook','members','notifications')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 10);
        // Idempotent: a second run changes nothing.
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest_version());
    }

    #[test]
    fn every_earlier_version_with_data_upgrades_to_the_latest() {
        for start in 1..latest_version() {
            let mut conn = Connection::open_in_memory().unwrap();
            migrate_to(&mut conn, Path::new(":memory:"), start).unwrap();
            assert_eq!(user_version(&conn).unwrap(), start);
            // A clip and a tag written by the older schema survive the upgrade.
            conn.execute_batch(
                "INSERT INTO clips (seq, id, title, kind, author, visibility, recorded_at, duration_ms, width, height, bytes, sha256, \
                 media_state, sync_state, title_hlc, notes_hlc, created_at, updated_at) VALUES \
                 (1, 'c1', 'old clip', 'debrief', 'me', 'team', '2026-01-01T00:00:00Z', 1, 2, 2, 3, 'x', 'ready', 'local', 'h', 'h', 'now', 'now'); \
                 INSERT INTO clip_tags (clip_seq, key, display, add_id, hlc) VALUES (1, 'k', 'K', 'a1', 'h');",
            )
            .unwrap();
            migrate(&mut conn, Path::new(":memory:")).unwrap();
            assert_eq!(user_version(&conn).unwrap(), latest_version());
            let (title, tags): (String, i64) = conn
                .query_row(
                    "SELECT title, (SELECT count(*) FROM clip_tags) FROM clips WHERE id = 'c1'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!((title.as_str(), tags), ("old clip", 1));
        }
    }

    #[test]
    fn newer_database_is_refused_untouched() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 5)
            .unwrap();
        let err = migrate(&mut conn, Path::new("/x/library.sqlite3")).unwrap_err();
        assert!(
            matches!(err, LibraryError::SchemaTooNew { found, .. } if found == latest_version() + 5)
        );
        assert!(err.to_string().contains("newer version of Debrief"));
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }
}

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
pub const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../../migrations/0001_init.sql")),
    (2, include_str!("../../../migrations/0002_media_gc.sql")),
    (3, include_str!("../../../migrations/0003_coaching.sql")),
    (4, include_str!("../../../migrations/0004_upload_parts.sql")),
];

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
                 ('teams','members','devices','invites','clips','ops','media','uploads',\
                 'challenges','comments','playbook','upload_parts')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 12);
        migrate(&mut conn, ":memory:").unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest_version());
    }

    #[test]
    fn schema_2_backfills_what_media_gc_reads() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0].1).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO teams (id, name, created_ms) VALUES ('t', 'T', 1);
             INSERT INTO members (id, team_id, display_name, role, created_ms)
                 VALUES ('m', 't', 'M', 'member', 1);
             INSERT INTO clips (team_id, clip_id, seq, author_id, visibility, sha256, media_ready, doc)
                 VALUES ('t', 'live', 1, 'm', 'team', 'aa', 1,
                         '{\"thumbnail_sha256\": \"bb\", \"deleted_hlc\": null}'),
                        ('t', 'gone', 2, 'm', 'team', 'cc', 1,
                         '{\"thumbnail_sha256\": null, \"deleted_hlc\": {\"wall_ms\": 5}}');
             INSERT INTO ops (team_id, op_id, clip_id, device_id, hlc, status, body, applied_ms)
                 VALUES ('t', 'o1', 'gone', 'd', 'h', 'applied', '{}', 100),
                        ('t', 'o2', 'gone', 'd', 'h', 'applied', '{}', 250),
                        ('t', 'o3', 'gone', 'd', 'h', 'superseded', '{}', 900),
                        ('t', 'o4', 'live', 'd', 'h', 'applied', '{}', 300);
             INSERT INTO media (team_id, sha256, bytes, content_type, created_ms)
                 VALUES ('t', 'aa', 1, 'video/mp4', 77);",
        )
        .unwrap();
        migrate(&mut conn, ":memory:").unwrap();
        let clip = |id: &str| -> (Option<String>, Option<i64>) {
            conn.query_row(
                "SELECT thumbnail_sha256, deleted_ms FROM clips WHERE clip_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        assert_eq!(clip("live"), (Some("bb".into()), None));
        // The delete is the last applied op; later ones were superseded.
        assert_eq!(clip("gone"), (None, Some(250)));
        let uploaded: i64 = conn
            .query_row("SELECT uploaded_ms FROM media", [], |r| r.get(0))
            .unwrap();
        assert_eq!(uploaded, 77);
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

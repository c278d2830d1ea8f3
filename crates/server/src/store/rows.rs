//! Engine-neutral rows of the metadata tables, for moving a server from
//! one engine to another (`debrief-server migrate`).
//!
//! Both engines hold the same tables with the same columns (PostgreSQL's
//! schema mirrors SQLite's latest), so a row read from one can be written
//! to the other cell by cell. [`TABLES`] lists what is copied, parents
//! before children so foreign keys hold at every step. Not copied: partial
//! uploads (their staged bytes belong to the old media store; devices
//! start those uploads again) and media GC claims (a pass in progress on
//! the old store).
//!
//! Writing is an upsert on the primary key, so copying a row twice leaves
//! one row with the newer values: a copy can be run again after an
//! interruption, or to catch up with a source that kept changing.

/// One value. Booleans travel as 0/1 (SQLite's own form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

pub type Row = Vec<Cell>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    /// BOOLEAN in PostgreSQL, INTEGER 0/1 in SQLite.
    Bool,
}

#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// The first `key` columns are the primary key.
    pub key: usize,
    /// A column unique per team besides the key (the feed position), so an
    /// upsert first moves aside a stale row holding the same position.
    pub unique_seq: bool,
}

const fn int(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Int,
    }
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Text,
    }
}

const fn boolean(name: &'static str) -> Column {
    Column {
        name,
        kind: Kind::Bool,
    }
}

/// Every table `migrate` copies, parents first.
pub static TABLES: &[Table] = &[
    Table {
        name: "teams",
        columns: &[text("id"), text("name"), int("feed_seq"), int("created_ms")],
        key: 1,
        unique_seq: false,
    },
    Table {
        name: "members",
        columns: &[
            text("id"),
            text("team_id"),
            text("display_name"),
            text("role"),
            int("created_ms"),
        ],
        key: 1,
        unique_seq: false,
    },
    Table {
        name: "devices",
        columns: &[
            text("id"),
            text("team_id"),
            text("member_id"),
            text("name"),
            text("token_hash"),
            int("created_ms"),
            int("last_seen_ms"),
            int("revoked_ms"),
        ],
        key: 1,
        unique_seq: false,
    },
    Table {
        name: "invites",
        columns: &[
            text("code_hash"),
            text("team_id"),
            text("role"),
            int("max_uses"),
            int("uses"),
            int("expires_ms"),
            int("created_ms"),
        ],
        key: 1,
        unique_seq: false,
    },
    Table {
        name: "clips",
        columns: &[
            text("team_id"),
            text("clip_id"),
            int("seq"),
            text("author_id"),
            text("visibility"),
            text("sha256"),
            boolean("media_ready"),
            text("doc"),
            text("thumbnail_sha256"),
            int("deleted_ms"),
        ],
        key: 2,
        unique_seq: true,
    },
    Table {
        name: "ops",
        columns: &[
            text("team_id"),
            text("op_id"),
            text("clip_id"),
            text("device_id"),
            text("hlc"),
            text("status"),
            text("body"),
            int("applied_ms"),
        ],
        key: 2,
        unique_seq: false,
    },
    Table {
        name: "media",
        columns: &[
            text("team_id"),
            text("sha256"),
            int("bytes"),
            text("content_type"),
            int("created_ms"),
            int("uploaded_ms"),
        ],
        key: 2,
        unique_seq: false,
    },
    Table {
        name: "challenges",
        columns: &[
            text("team_id"),
            text("challenge_id"),
            int("seq"),
            text("author_id"),
            text("doc"),
        ],
        key: 2,
        unique_seq: true,
    },
    Table {
        name: "comments",
        columns: &[
            text("team_id"),
            text("comment_id"),
            text("clip_id"),
            int("seq"),
            text("author_id"),
            text("doc"),
        ],
        key: 2,
        unique_seq: true,
    },
    Table {
        name: "playbook",
        columns: &[
            text("team_id"),
            text("clip_id"),
            int("seq"),
            text("by_id"),
            text("doc"),
        ],
        key: 2,
        unique_seq: true,
    },
];

/// Placeholder style of an engine's SQL.
#[derive(Debug, Clone, Copy)]
pub enum Dialect {
    /// `?1, ?2, ...`
    Sqlite,
    /// `$1, $2, ...`
    Postgres,
}

impl Dialect {
    fn param(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }
}

impl Table {
    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| quote(c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn key_list(&self) -> String {
        self.columns[..self.key]
            .iter()
            .map(|c| quote(c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Rows after a key (when `after`), in key order, `LIMIT` last.
    pub fn export_sql(&self, d: Dialect, after: bool) -> String {
        let keys = self.key_list();
        let filter = if after {
            let params: Vec<String> = (1..=self.key).map(|i| d.param(i)).collect();
            format!(" WHERE ({keys}) > ({})", params.join(", "))
        } else {
            String::new()
        };
        let limit = d.param(if after { self.key + 1 } else { 1 });
        format!(
            "SELECT {} FROM {}{filter} ORDER BY {keys} LIMIT {limit}",
            self.column_list(),
            self.name
        )
    }

    /// Insert one row, or overwrite the row with its key.
    pub fn upsert_sql(&self, d: Dialect) -> String {
        let params: Vec<String> = (1..=self.columns.len()).map(|i| d.param(i)).collect();
        let updates: Vec<String> = self.columns[self.key..]
            .iter()
            .map(|c| format!("{0} = excluded.{0}", quote(c.name)))
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
            self.name,
            self.column_list(),
            params.join(", "),
            self.key_list(),
            updates.join(", ")
        )
    }

    /// Before an upsert of a row holding feed position (team ?1, seq ?2)
    /// under key ?3: delete another row still holding that position (the
    /// source moved it on since an earlier copy; its new state comes in
    /// this copy too). Only for tables with `unique_seq`.
    pub fn free_seq_sql(&self, d: Dialect) -> String {
        let id = quote(self.columns[1].name);
        format!(
            "DELETE FROM {} WHERE team_id = {} AND seq = {} AND {id} <> {}",
            self.name,
            d.param(1),
            d.param(2),
            d.param(3)
        )
    }

    /// Index of a column by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The key part of a row.
    pub fn key_of(&self, row: &Row) -> Row {
        row[..self.key].to_vec()
    }
}

/// Column names are plain words; `offset`-like keywords are quoted anyway.
fn quote(name: &str) -> String {
    format!("\"{name}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_for_both_dialects() {
        let clips = TABLES.iter().find(|t| t.name == "clips").unwrap();
        assert_eq!(
            clips.export_sql(Dialect::Postgres, true),
            "SELECT \"team_id\", \"clip_id\", \"seq\", \"author_id\", \"visibility\", \"sha256\", \
             \"media_ready\", \"doc\", \"thumbnail_sha256\", \"deleted_ms\" FROM clips \
             WHERE (\"team_id\", \"clip_id\") > ($1, $2) ORDER BY \"team_id\", \"clip_id\" LIMIT $3"
        );
        let teams = &TABLES[0];
        assert_eq!(
            teams.export_sql(Dialect::Sqlite, false),
            "SELECT \"id\", \"name\", \"feed_seq\", \"created_ms\" FROM teams ORDER BY \"id\" LIMIT ?1"
        );
        assert_eq!(
            teams.upsert_sql(Dialect::Sqlite),
            "INSERT INTO teams (\"id\", \"name\", \"feed_seq\", \"created_ms\") VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (\"id\") DO UPDATE SET \"name\" = excluded.\"name\", \
             \"feed_seq\" = excluded.\"feed_seq\", \"created_ms\" = excluded.\"created_ms\""
        );
        assert_eq!(
            clips.free_seq_sql(Dialect::Postgres),
            "DELETE FROM clips WHERE team_id = $1 AND seq = $2 AND \"clip_id\" <> $3"
        );
        // Parents come before the tables that point at them.
        let order: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        let pos = |n| order.iter().position(|x| *x == n).unwrap();
        assert!(pos("teams") < pos("members") && pos("members") < pos("devices"));
        assert!(pos("members") < pos("clips") && pos("members") < pos("playbook"));
        for t in TABLES {
            if t.unique_seq {
                assert_eq!(t.columns[0].name, "team_id");
                assert!(t.index_of("seq").is_some());
            }
        }
    }
}

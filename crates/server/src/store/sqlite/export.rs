//! Whole tables in and out of SQLite as engine-neutral rows, for
//! `debrief-server migrate` (see [`crate::store::rows`]).

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, ToSql, TransactionBehavior, params_from_iter};

use super::db;
use crate::store::rows::{Cell, Dialect, Kind, Row, Table};
use crate::store::{StoreError, StoreResult};

impl ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Cell::Null => ToSqlOutput::Owned(Value::Null),
            Cell::Int(i) => ToSqlOutput::Owned(Value::Integer(*i)),
            Cell::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

fn read_row(t: &Table, r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    t.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok(match c.kind {
                Kind::Int | Kind::Bool => r.get::<_, Option<i64>>(i)?.map_or(Cell::Null, Cell::Int),
                Kind::Text => r
                    .get::<_, Option<String>>(i)?
                    .map_or(Cell::Null, Cell::Text),
            })
        })
        .collect()
}

pub fn export(c: &Connection, t: &Table, after: Option<&Row>, limit: u32) -> StoreResult<Vec<Row>> {
    let mut stmt = c
        .prepare_cached(&t.export_sql(Dialect::Sqlite, after.is_some()))
        .map_err(db)?;
    let limit = Cell::Int(i64::from(limit));
    let mut params: Vec<&Cell> = after.map(|k| k.iter().collect()).unwrap_or_default();
    params.push(&limit);
    stmt.query_map(params_from_iter(params), |r| read_row(t, r))
        .map_err(db)?
        .collect::<rusqlite::Result<_>>()
        .map_err(db)
}

pub fn import(c: &mut Connection, t: &Table, rows: &[Row]) -> StoreResult<()> {
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    {
        let mut upsert = tx
            .prepare_cached(&t.upsert_sql(Dialect::Sqlite))
            .map_err(db)?;
        let seq_at = t.index_of("seq");
        let mut free = match seq_at {
            Some(_) if t.unique_seq => Some(
                tx.prepare_cached(&t.free_seq_sql(Dialect::Sqlite))
                    .map_err(db)?,
            ),
            _ => None,
        };
        for row in rows {
            if row.len() != t.columns.len() {
                return Err(StoreError::Invalid(format!(
                    "a {} row has {} values, not {}",
                    t.name,
                    row.len(),
                    t.columns.len()
                )));
            }
            if let (Some(stmt), Some(i)) = (free.as_mut(), seq_at) {
                stmt.execute([&row[0], &row[i], &row[1]]).map_err(db)?;
            }
            upsert.execute(params_from_iter(row.iter())).map_err(db)?;
        }
    }
    tx.commit().map_err(db)
}

pub fn count(c: &Connection, t: &Table) -> StoreResult<u64> {
    c.query_row(&format!("SELECT count(*) FROM {}", t.name), [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n as u64)
    .map_err(db)
}

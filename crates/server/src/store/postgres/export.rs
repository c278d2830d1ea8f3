//! Whole tables in and out of PostgreSQL as engine-neutral rows, for
//! `debrief-server migrate` (see [`crate::store::rows`]).

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
// The SQL is built from the fixed table list in `rows`, never from input.
use sqlx::{AssertSqlSafe, PgConnection, Postgres, Row as _};

use super::db;
use crate::store::rows::{Cell, Dialect, Kind, Row, Table};
use crate::store::{StoreError, StoreResult};

fn bind<'q>(
    q: Query<'q, Postgres, PgArguments>,
    kind: Kind,
    cell: &'q Cell,
) -> StoreResult<Query<'q, Postgres, PgArguments>> {
    Ok(match (kind, cell) {
        (Kind::Int, Cell::Null) => q.bind(None::<i64>),
        (Kind::Text, Cell::Null) => q.bind(None::<String>),
        (Kind::Bool, Cell::Null) => q.bind(None::<bool>),
        (Kind::Int, Cell::Int(i)) => q.bind(*i),
        (Kind::Bool, Cell::Int(i)) => q.bind(*i != 0),
        (Kind::Text, Cell::Text(s)) => q.bind(s.as_str()),
        (kind, cell) => {
            return Err(StoreError::Invalid(format!(
                "a {cell:?} cannot go into a {kind:?} column"
            )));
        }
    })
}

fn read_row(t: &Table, r: &PgRow) -> StoreResult<Row> {
    t.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok(match c.kind {
                Kind::Int => r
                    .try_get::<Option<i64>, _>(i)
                    .map_err(db)?
                    .map_or(Cell::Null, Cell::Int),
                Kind::Bool => r
                    .try_get::<Option<bool>, _>(i)
                    .map_err(db)?
                    .map_or(Cell::Null, |b| Cell::Int(i64::from(b))),
                Kind::Text => r
                    .try_get::<Option<String>, _>(i)
                    .map_err(db)?
                    .map_or(Cell::Null, Cell::Text),
            })
        })
        .collect()
}

pub async fn export(
    c: &mut PgConnection,
    t: &Table,
    after: Option<&Row>,
    limit: u32,
) -> StoreResult<Vec<Row>> {
    let sql = t.export_sql(Dialect::Postgres, after.is_some());
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some(key) = after {
        for (col, cell) in t.columns.iter().zip(key) {
            q = bind(q, col.kind, cell)?;
        }
    }
    let rows = q
        .bind(i64::from(limit))
        .fetch_all(&mut *c)
        .await
        .map_err(db)?;
    rows.iter().map(|r| read_row(t, r)).collect()
}

pub async fn import(c: &mut PgConnection, t: &Table, rows: &[Row]) -> StoreResult<()> {
    let upsert = t.upsert_sql(Dialect::Postgres);
    let free = t.free_seq_sql(Dialect::Postgres);
    let seq_at = t.index_of("seq").filter(|_| t.unique_seq);
    for row in rows {
        if row.len() != t.columns.len() {
            return Err(StoreError::Invalid(format!(
                "a {} row has {} values, not {}",
                t.name,
                row.len(),
                t.columns.len()
            )));
        }
        if let Some(i) = seq_at {
            let q = sqlx::query(AssertSqlSafe(free.clone()));
            let q = bind(q, Kind::Text, &row[0])?;
            let q = bind(q, Kind::Int, &row[i])?;
            let q = bind(q, Kind::Text, &row[1])?;
            q.execute(&mut *c).await.map_err(db)?;
        }
        let mut q = sqlx::query(AssertSqlSafe(upsert.clone()));
        for (col, cell) in t.columns.iter().zip(row) {
            q = bind(q, col.kind, cell)?;
        }
        q.execute(&mut *c).await.map_err(db)?;
    }
    Ok(())
}

pub async fn count(c: &mut PgConnection, t: &Table) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {}", t.name)))
        .fetch_one(&mut *c)
        .await
        .map_err(db)?;
    Ok(n as u64)
}

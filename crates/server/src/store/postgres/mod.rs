//! The metadata store on PostgreSQL, for several server instances sharing
//! one database (sqlx, with its connection pool and rustls for TLS).
//!
//! Concurrency, where SQLite had one writer for everything:
//! - a team's writers (op batches, finished uploads) lock the team's row
//!   (`SELECT ... FOR UPDATE`) before anything else, so they apply one
//!   after another, read each other's committed documents, and take feed
//!   positions from `teams.feed_seq` in commit order: a position becomes
//!   visible only after every smaller one of the team, and a reader can
//!   never skip past a gap that a slower writer fills in later;
//! - everything that decides whether content may be deleted or uploaded
//!   (upload creation, upload completion, the media GC) also takes a
//!   transaction-scoped advisory lock on the content's hash. Locks are
//!   always taken teams first, then hashes, each in sorted order, so they
//!   cannot deadlock;
//! - an upload's offset moves by compare-and-set, so two instances cannot
//!   both commit a chunk at one offset.
//!
//! Every operation is one transaction run through [`retry`]: connection
//! trouble, failover, serialization failures and deadlocks are retried with
//! backoff; what still fails is [`StoreError::Unavailable`] (503). Errors a
//! retry cannot fix are [`StoreError::Backend`] (500); both are logged.

mod accounts;
mod batch_tx;
mod clips;
mod export;
mod gc;
pub mod schema;
mod uploads;

use std::time::Duration;

use async_trait::async_trait;
use debrief_protocol::api::{ChangesResponse, MemberInfo, OpResult, TeamId};
use debrief_protocol::{DeviceId, Op};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{PgConnection, Postgres, Transaction};

use super::retry::{Backoff, retry};
use super::rows::{Row, Table};
use super::{
    BlobClaim, BlobInfo, Caller, DeviceRecord, Joined, MediaRecord, MetadataStore, NewInvite,
    NewMembership, ReleaseMedia, ReleasedMedia, StoreError, StoreResult, TeamRecord, UploadRecord,
};
use crate::ids::UploadId;

pub const DEFAULT_POOL_SIZE: u32 = 16;

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// `host:port/database`, never the password.
    shown: String,
    backoff: Backoff,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("database", &self.shown)
            .finish()
    }
}

/// Why connecting failed, for a message that says what to do.
#[derive(Debug)]
pub enum ConnectProblem {
    Unreachable(String),
    Auth(String),
    NoDatabase(String),
    Tls(String),
    Other(String),
}

/// A sqlx error as a store error: transient ones (the retry loop tries
/// again) or permanent ones.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    if is_transient(&e) {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::Backend(e.to_string())
    }
}

fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| {
            // 40001 serialization failure, 40P01 deadlock, 57P0x server
            // shutting down or starting, 53300 too many connections, 08xxx
            // connection exceptions.
            matches!(
                &*c,
                "40001" | "40P01" | "57P01" | "57P02" | "57P03" | "53300"
            ) || c.starts_with("08")
        }),
        _ => false,
    }
}

/// The SQLSTATE of a database error, if it is one.
pub(crate) fn sqlstate(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(d) => d.code().map(|c| c.into_owned()),
        _ => None,
    }
}

impl PgStore {
    /// Connect (one connection now, so a wrong URL fails here, not at the
    /// first request) and bring the schema up to date.
    pub async fn connect(url: &str, pool_size: u32) -> Result<Self, ConnectProblem> {
        let opts: PgConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| ConnectProblem::Other(e.to_string()))?;
        let shown = format!(
            "{}:{}/{}",
            opts.get_host(),
            opts.get_port(),
            opts.get_database().unwrap_or("(the user's database)")
        );
        let pool = PgPoolOptions::new()
            .max_connections(pool_size.max(1))
            // Waiting longer for a connection only delays the 503 the
            // client gets when the database is down (after retries).
            .acquire_timeout(Duration::from_secs(3))
            // A connection the server dropped (failover) is found before use.
            .test_before_acquire(true)
            .connect_with(opts)
            .await
            .map_err(classify)?;
        let store = Self {
            pool,
            shown,
            backoff: Backoff::default(),
        };
        schema::migrate(&store.pool, &store.shown)
            .await
            .map_err(|e| ConnectProblem::Other(e.to_string()))?;
        Ok(store)
    }

    /// `host:port/database`.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(db)
    }

    async fn conn(&self) -> StoreResult<sqlx::pool::PoolConnection<Postgres>> {
        self.pool.acquire().await.map_err(db)
    }
}

fn classify(e: sqlx::Error) -> ConnectProblem {
    let text = e.to_string();
    match (&e, sqlstate(&e).as_deref()) {
        (_, Some("28P01" | "28000")) => ConnectProblem::Auth(text),
        (_, Some("3D000")) => ConnectProblem::NoDatabase(text),
        (sqlx::Error::Tls(_), _) => ConnectProblem::Tls(text),
        (sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut, _) => ConnectProblem::Unreachable(text),
        _ => ConnectProblem::Other(text),
    }
}

/// Lock the team's row for the rest of the transaction: the writers of one
/// team go one at a time (see the module comment).
pub(crate) async fn lock_team(c: &mut PgConnection, team: &str) -> StoreResult<()> {
    sqlx::query("SELECT feed_seq FROM teams WHERE id = $1 FOR UPDATE")
        .bind(team)
        .fetch_optional(&mut *c)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::NotFound(format!("team {team} not found")))?;
    Ok(())
}

/// Serialize everything that decides about one content hash (upload
/// creation and completion, media GC) for the rest of the transaction.
pub(crate) async fn lock_content(c: &mut PgConnection, sha256: &str) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('debrief-content:' || $1, 0))")
        .bind(sha256)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    Ok(())
}

#[async_trait]
impl MetadataStore for PgStore {
    async fn check(&self) -> StoreResult<()> {
        // Readiness reports the state now: one quick try, no retries.
        let ping = sqlx::query("SELECT 1").execute(&self.pool);
        match tokio::time::timeout(Duration::from_secs(2), ping).await {
            Ok(r) => r.map(|_| ()).map_err(db),
            Err(_) => Err(StoreError::Unavailable(format!(
                "{} did not answer within 2 s",
                self.shown
            ))),
        }
    }

    async fn create_team(&self, name: &str, now_ms: i64) -> StoreResult<TeamRecord> {
        retry("create_team", self.backoff, || async {
            accounts::create_team(&mut *self.conn().await?, name, now_ms).await
        })
        .await
    }

    async fn team_by_name(&self, name: &str) -> StoreResult<TeamRecord> {
        retry("team_by_name", self.backoff, || async {
            accounts::team_by_name(&mut *self.conn().await?, name).await
        })
        .await
    }

    async fn create_invite(&self, invite: NewInvite, now_ms: i64) -> StoreResult<()> {
        retry("create_invite", self.backoff, || async {
            accounts::create_invite(&mut *self.conn().await?, &invite, now_ms).await
        })
        .await
    }

    async fn redeem_invite(&self, join: NewMembership) -> StoreResult<Joined> {
        retry("redeem_invite", self.backoff, || async {
            let mut tx = self.begin().await?;
            let joined = accounts::redeem_invite(&mut tx, &join).await?;
            tx.commit().await.map_err(db)?;
            Ok(joined)
        })
        .await
    }

    async fn authenticate(&self, token_hash: &str) -> StoreResult<Caller> {
        retry("authenticate", self.backoff, || async {
            accounts::authenticate(&mut *self.conn().await?, token_hash).await
        })
        .await
    }

    async fn touch_device(&self, device: DeviceId, now_ms: i64) -> StoreResult<()> {
        retry("touch_device", self.backoff, || async {
            accounts::touch_device(&mut *self.conn().await?, device, now_ms).await
        })
        .await
    }

    async fn list_devices(&self, team: Option<TeamId>) -> StoreResult<Vec<DeviceRecord>> {
        retry("list_devices", self.backoff, || async {
            accounts::list_devices(&mut *self.conn().await?, team).await
        })
        .await
    }

    async fn revoke_device(&self, device: DeviceId, now_ms: i64) -> StoreResult<DeviceRecord> {
        retry("revoke_device", self.backoff, || async {
            accounts::revoke_device(&mut *self.conn().await?, device, now_ms).await
        })
        .await
    }

    async fn apply_ops(
        &self,
        caller: &Caller,
        ops: Vec<Op>,
        now_ms: i64,
    ) -> StoreResult<Vec<OpResult>> {
        retry("apply_ops", self.backoff, || async {
            let mut tx = self.begin().await?;
            let results = clips::apply_ops(&mut tx, caller, &ops, now_ms).await?;
            tx.commit().await.map_err(db)?;
            Ok(results)
        })
        .await
    }

    async fn changes(
        &self,
        caller: &Caller,
        after: u64,
        limit: u32,
        protocol: u32,
    ) -> StoreResult<ChangesResponse> {
        retry("changes", self.backoff, || async {
            clips::changes(&mut *self.conn().await?, caller, after, limit, protocol).await
        })
        .await
    }

    async fn members(&self, team: TeamId) -> StoreResult<Vec<MemberInfo>> {
        retry("members", self.backoff, || async {
            accounts::list_members(&mut *self.conn().await?, team).await
        })
        .await
    }

    async fn media(&self, team: TeamId, sha256: &str) -> StoreResult<Option<MediaRecord>> {
        retry("media", self.backoff, || async {
            uploads::media(&mut *self.conn().await?, team, sha256).await
        })
        .await
    }

    async fn complete_upload(
        &self,
        upload: &UploadRecord,
        media: MediaRecord,
        now_ms: i64,
    ) -> StoreResult<()> {
        retry("complete_upload", self.backoff, || async {
            let mut tx = self.begin().await?;
            clips::complete_upload(&mut tx, upload, &media, now_ms).await?;
            tx.commit().await.map_err(db)
        })
        .await
    }

    async fn create_upload(&self, upload: UploadRecord) -> StoreResult<()> {
        retry("create_upload", self.backoff, || async {
            let mut tx = self.begin().await?;
            uploads::create(&mut tx, &upload).await?;
            tx.commit().await.map_err(db)
        })
        .await
    }

    async fn upload(&self, team: TeamId, id: &UploadId) -> StoreResult<UploadRecord> {
        retry("upload", self.backoff, || async {
            uploads::get(&mut *self.conn().await?, team, id).await
        })
        .await
    }

    async fn advance_upload(
        &self,
        team: TeamId,
        id: &UploadId,
        from: u64,
        to: u64,
        expires_ms: i64,
        part: Option<&str>,
    ) -> StoreResult<()> {
        retry("advance_upload", self.backoff, || async {
            let mut tx = self.begin().await?;
            uploads::advance(&mut tx, team, id, from, to, expires_ms, part).await?;
            tx.commit().await.map_err(db)
        })
        .await
    }

    async fn delete_upload(&self, team: TeamId, id: &UploadId) -> StoreResult<()> {
        retry("delete_upload", self.backoff, || async {
            uploads::delete(&mut *self.conn().await?, team, id).await
        })
        .await
    }

    async fn expired_uploads(&self, now_ms: i64, limit: u32) -> StoreResult<Vec<UploadRecord>> {
        retry("expired_uploads", self.backoff, || async {
            uploads::expired(&mut *self.conn().await?, now_ms, limit).await
        })
        .await
    }

    async fn release_media(&self, req: ReleaseMedia) -> StoreResult<ReleasedMedia> {
        retry("release_media", self.backoff, || async {
            let mut tx = self.begin().await?;
            let out = gc::release(&mut tx, &req).await?;
            gc::finish(tx, req.dry_run).await?;
            Ok(out)
        })
        .await
    }

    async fn claim_orphans(
        &self,
        blobs: Vec<BlobInfo>,
        now_ms: i64,
        dry_run: bool,
    ) -> StoreResult<Vec<BlobClaim>> {
        retry("claim_orphans", self.backoff, || async {
            let mut tx = self.begin().await?;
            let out = gc::claim_orphans(&mut tx, &blobs, now_ms).await?;
            gc::finish(tx, dry_run).await?;
            Ok(out)
        })
        .await
    }

    async fn blob_claims(&self, before_ms: i64) -> StoreResult<Vec<BlobClaim>> {
        retry("blob_claims", self.backoff, || async {
            gc::claims(&mut *self.conn().await?, before_ms).await
        })
        .await
    }

    async fn drop_blob_claim(&self, sha256: &str) -> StoreResult<()> {
        retry("drop_blob_claim", self.backoff, || async {
            gc::drop_claim(&mut *self.conn().await?, sha256).await
        })
        .await
    }

    async fn export_rows(
        &self,
        table: &'static Table,
        after: Option<Row>,
        limit: u32,
    ) -> StoreResult<Vec<Row>> {
        retry("export_rows", self.backoff, || async {
            export::export(&mut *self.conn().await?, table, after.as_ref(), limit).await
        })
        .await
    }

    async fn import_rows(&self, table: &'static Table, rows: Vec<Row>) -> StoreResult<()> {
        retry("import_rows", self.backoff, || async {
            let mut tx = self.begin().await?;
            export::import(&mut tx, table, &rows).await?;
            tx.commit().await.map_err(db)
        })
        .await
    }

    async fn count_rows(&self, table: &'static Table) -> StoreResult<u64> {
        retry("count_rows", self.backoff, || async {
            export::count(&mut *self.conn().await?, table).await
        })
        .await
    }
}

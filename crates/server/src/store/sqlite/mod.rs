//! The embedded metadata store: one SQLite file in WAL mode.
//!
//! rusqlite is blocking, so every call runs on tokio's blocking pool, never
//! on the async workers. Writes go through one connection behind a mutex
//! (SQLite has one writer anyway; queueing here beats busy-waiting inside
//! SQLite), reads through a few reader connections that WAL lets run beside
//! the writer. Other processes (the `team`/`invite`/`revoke` commands) may
//! write to the same file while a server runs; `busy_timeout` covers that.

mod accounts;
mod batch_tx;
mod clips;
mod export;
mod gc;
pub mod schema;
mod uploads;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use debrief_protocol::api::{ChangesResponse, MemberInfo, OpResult, TeamId};
use debrief_protocol::{DeviceId, Op};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use super::{
    BlobClaim, BlobInfo, Caller, DeviceRecord, Joined, MediaRecord, MetadataStore, NewInvite,
    NewMembership, ReleaseMedia, ReleasedMedia, StoreError, StoreResult, TeamRecord, UploadRecord,
};
use crate::ids::UploadId;
use crate::store::rows::{Row, Table};

const READERS: usize = 4;

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    reader_permits: Semaphore,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish()
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // FULL: a committed upload offset must survive a power cut, since the
    // client is told it is safe and will not send those bytes again.
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

impl SqliteStore {
    /// Open (creating if needed) the database at `path` and migrate it.
    pub fn open(path: &Path) -> StoreResult<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Backend(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let shown = path.display().to_string();
        let open_err =
            |e: rusqlite::Error| StoreError::Backend(format!("cannot open {shown}: {e}"));
        let mut writer = Connection::open(path).map_err(open_err)?;
        let mode: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "{shown}: SQLite refused WAL mode (got {mode}); put the data dir on a local disk"
            )));
        }
        configure(&writer).map_err(open_err)?;
        schema::migrate(&mut writer, &shown)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(open_err)?;
            configure(&conn).map_err(open_err)?;
            readers.push(conn);
        }
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(writer),
                readers: Mutex::new(readers),
                reader_permits: Semaphore::new(READERS),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let _permit = self
            .inner
            .reader_permits
            .acquire()
            .await
            .map_err(StoreError::backend)?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = inner
                .readers
                .lock()
                .map_err(StoreError::backend)?
                .pop()
                .ok_or_else(|| StoreError::Backend("no free reader connection".into()))?;
            let out = f(&conn);
            inner
                .readers
                .lock()
                .map_err(StoreError::backend)?
                .push(conn);
            out
        })
        .await
        .map_err(StoreError::backend)?
    }

    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.writer.lock().map_err(StoreError::backend)?;
            f(&mut conn)
        })
        .await
        .map_err(StoreError::backend)?
    }
}

/// rusqlite errors are backend failures; the message is for the log.
pub(crate) fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

#[async_trait]
impl MetadataStore for SqliteStore {
    async fn check(&self) -> StoreResult<()> {
        self.read(|c| {
            c.query_row("SELECT count(*) FROM teams", [], |r| r.get::<_, i64>(0))
                .map(|_| ())
                .map_err(db)
        })
        .await
    }

    async fn create_team(&self, name: &str, now_ms: i64) -> StoreResult<TeamRecord> {
        let name = name.to_string();
        self.write(move |c| accounts::create_team(c, &name, now_ms))
            .await
    }

    async fn team_by_name(&self, name: &str) -> StoreResult<TeamRecord> {
        let name = name.to_string();
        self.read(move |c| accounts::team_by_name(c, &name)).await
    }

    async fn create_invite(&self, invite: NewInvite, now_ms: i64) -> StoreResult<()> {
        self.write(move |c| accounts::create_invite(c, &invite, now_ms))
            .await
    }

    async fn redeem_invite(&self, join: NewMembership) -> StoreResult<Joined> {
        self.write(move |c| accounts::redeem_invite(c, &join)).await
    }

    async fn authenticate(&self, token_hash: &str) -> StoreResult<Caller> {
        let hash = token_hash.to_string();
        self.read(move |c| accounts::authenticate(c, &hash)).await
    }

    async fn touch_device(&self, device: DeviceId, now_ms: i64) -> StoreResult<()> {
        self.write(move |c| accounts::touch_device(c, device, now_ms))
            .await
    }

    async fn list_devices(&self, team: Option<TeamId>) -> StoreResult<Vec<DeviceRecord>> {
        self.read(move |c| accounts::list_devices(c, team)).await
    }

    async fn revoke_device(&self, device: DeviceId, now_ms: i64) -> StoreResult<DeviceRecord> {
        self.write(move |c| accounts::revoke_device(c, device, now_ms))
            .await
    }

    async fn apply_ops(
        &self,
        caller: &Caller,
        ops: Vec<Op>,
        now_ms: i64,
    ) -> StoreResult<Vec<OpResult>> {
        let caller = caller.clone();
        self.write(move |c| clips::apply_ops(c, &caller, &ops, now_ms))
            .await
    }

    async fn changes(
        &self,
        caller: &Caller,
        after: u64,
        limit: u32,
        protocol: u32,
    ) -> StoreResult<ChangesResponse> {
        let caller = caller.clone();
        self.read(move |c| clips::changes(c, &caller, after, limit, protocol))
            .await
    }

    async fn members(&self, team: TeamId) -> StoreResult<Vec<MemberInfo>> {
        self.read(move |c| accounts::list_members(c, team)).await
    }

    async fn media(&self, team: TeamId, sha256: &str) -> StoreResult<Option<MediaRecord>> {
        let sha = sha256.to_string();
        self.read(move |c| uploads::media(c, team, &sha)).await
    }

    async fn complete_upload(
        &self,
        upload: &UploadRecord,
        media: MediaRecord,
        now_ms: i64,
    ) -> StoreResult<()> {
        let upload = upload.clone();
        self.write(move |c| clips::complete_upload(c, &upload, &media, now_ms))
            .await
    }

    async fn create_upload(&self, upload: UploadRecord) -> StoreResult<()> {
        self.write(move |c| uploads::create(c, &upload)).await
    }

    async fn upload(&self, team: TeamId, id: &UploadId) -> StoreResult<UploadRecord> {
        let id = id.clone();
        self.read(move |c| uploads::get(c, team, &id)).await
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
        let id = id.clone();
        let part = part.map(str::to_string);
        self.write(move |c| uploads::advance(c, team, &id, from, to, expires_ms, part.as_deref()))
            .await
    }

    async fn delete_upload(&self, team: TeamId, id: &UploadId) -> StoreResult<()> {
        let id = id.clone();
        self.write(move |c| uploads::delete(c, team, &id)).await
    }

    async fn expired_uploads(&self, now_ms: i64, limit: u32) -> StoreResult<Vec<UploadRecord>> {
        self.read(move |c| uploads::expired(c, now_ms, limit)).await
    }

    async fn release_media(&self, req: ReleaseMedia) -> StoreResult<ReleasedMedia> {
        self.write(move |c| gc::release(c, &req)).await
    }

    async fn claim_orphans(
        &self,
        blobs: Vec<BlobInfo>,
        now_ms: i64,
        dry_run: bool,
    ) -> StoreResult<Vec<BlobClaim>> {
        self.write(move |c| gc::claim_orphans(c, &blobs, now_ms, dry_run))
            .await
    }

    async fn blob_claims(&self, before_ms: i64) -> StoreResult<Vec<BlobClaim>> {
        self.read(move |c| gc::claims(c, before_ms)).await
    }

    async fn drop_blob_claim(&self, sha256: &str) -> StoreResult<()> {
        let sha = sha256.to_string();
        self.write(move |c| gc::drop_claim(c, &sha)).await
    }

    async fn export_rows(
        &self,
        table: &'static Table,
        after: Option<Row>,
        limit: u32,
    ) -> StoreResult<Vec<Row>> {
        self.read(move |c| export::export(c, table, after.as_ref(), limit))
            .await
    }

    async fn import_rows(&self, table: &'static Table, rows: Vec<Row>) -> StoreResult<()> {
        self.write(move |c| export::import(c, table, &rows)).await
    }

    async fn count_rows(&self, table: &'static Table) -> StoreResult<u64> {
        self.read(move |c| export::count(c, table)).await
    }
}

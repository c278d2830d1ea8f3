//! Storage behind two traits: [`MetadataStore`] (teams, members, devices,
//! invites, ops, merged clip states, the change feed, media records and
//! partial tus uploads) and [`BlobStore`] (upload bytes and media by content
//! hash).
//!
//! The embedded default is SQLite ([`sqlite::SqliteStore`]) plus a local
//! folder ([`fs::FsBlobStore`]); for several instances behind a load
//! balancer, PostgreSQL ([`postgres::PgStore`]) and an S3-compatible object
//! store ([`object::ObjectBlobStore`]) implement the same traits. What keeps
//! that possible:
//! - every piece of upload state a second instance would need (offset,
//!   length, declared hash, metadata, expiry, and for an object store the
//!   list of committed staged parts) is in the metadata store; the blob
//!   store only holds bytes, addressed by upload id while staged and by
//!   SHA-256 once complete;
//! - the op batch logic (load, merge, write back with feed positions) is
//!   written once in [`batch`] over a small per-engine transaction trait;
//! - the merge rules live in [`crate::merge`] and [`crate::coaching`], not
//!   in SQL, so every engine only loads, stores and orders documents (clips,
//!   challenges, comments, playbook entries);
//! - the change feed position is taken from a per-team counter inside the
//!   writing transaction (`UPDATE teams SET feed_seq = feed_seq + 1`), which
//!   serialises writers of one team on that row: positions become visible
//!   in the order they were taken, so a reader can never skip past a gap
//!   that a slower writer fills in later.
//!
//! - media garbage collection is split into small steps each engine can
//!   do atomically (release team records and claim content in one
//!   transaction; delete the blob; drop the claim), see [`crate::gc`].
//!
//! Both traits are object-safe (`Arc<dyn ...>`), via `async_trait`.

pub(crate) mod batch;
pub mod fs;
pub mod object;
pub mod open;
pub mod postgres;
pub mod retry;
pub mod rows;
pub mod sqlite;
#[cfg(test)]
mod test_support;

use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use debrief_protocol::api::{ChangesResponse, MemberId, MemberInfo, OpResult, Role, TeamId};
use debrief_protocol::{ClipId, DeviceId, Op, OpId};
use futures_util::Stream;

use crate::ids::UploadId;

pub type StoreResult<T> = Result<T, StoreError>;

/// A stream of bytes read from or written to a blob store.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing does not exist *for this caller*; another team's data is
    /// reported exactly like missing data.
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    /// Existed once but cannot be used any more (expired or used-up invite).
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    Invalid(String),
    /// One op of a batch was refused; the whole batch was rolled back.
    #[error("op {index} ({op_id}) refused: {source}")]
    OpRefused {
        index: usize,
        op_id: OpId,
        #[source]
        source: Box<StoreError>,
    },
    /// Cannot be done right now, but soon (e.g. the content is being
    /// deleted); the client should retry in a few seconds.
    #[error("{0}")]
    Busy(String),
    /// The device token belongs to a revoked device.
    #[error("device {0} was revoked")]
    Revoked(DeviceId),
    /// The database or the disk failed; details are logged, not shown.
    #[error("storage backend failed: {0}")]
    Backend(String),
    /// The database or object store did not answer, even after retries
    /// with backoff (connection refused, timeouts, failover): the request
    /// may succeed later. Details are logged, not shown.
    #[error("storage backend unavailable: {0}")]
    Unavailable(String),
}

impl StoreError {
    pub fn backend(e: impl std::fmt::Display) -> Self {
        StoreError::Backend(e.to_string())
    }
}

/// The authenticated caller of a request: every query is scoped by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub team_id: TeamId,
    pub team_name: String,
    pub member_id: MemberId,
    pub display_name: String,
    pub role: Role,
    pub device_id: DeviceId,
    /// Unix ms of the last recorded activity (updated at most every few
    /// minutes, so polling does not turn every read into a write).
    pub last_seen_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRecord {
    pub id: TeamId,
    pub name: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone)]
pub struct NewInvite {
    pub team_id: TeamId,
    /// SHA-256 hex of the normalised code; the code itself is never stored.
    pub code_hash: String,
    pub role: Role,
    pub max_uses: u32,
    pub expires_ms: i64,
}

/// What a redeemed invite creates.
#[derive(Debug, Clone)]
pub struct NewMembership {
    pub code_hash: String,
    pub now_ms: i64,
    pub member_id: MemberId,
    pub display_name: String,
    pub device_id: DeviceId,
    pub device_name: String,
    pub token_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub team: TeamRecord,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceRecord {
    pub device_id: DeviceId,
    pub device_name: String,
    pub team_id: TeamId,
    pub team_name: String,
    pub member_id: MemberId,
    pub display_name: String,
    pub role: Role,
    pub created_ms: i64,
    pub last_seen_ms: i64,
    pub revoked_ms: Option<i64>,
}

/// Media a team may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRecord {
    pub sha256: String,
    pub bytes: u64,
    pub content_type: String,
}

/// Where a [`MetadataStore::release_media`] batch stopped: (team, hash)
/// order, compared as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaKey {
    pub team_id: TeamId,
    pub sha256: String,
}

/// One batch of media garbage collection in the metadata store.
#[derive(Debug, Clone)]
pub struct ReleaseMedia {
    /// Team records last uploaded at or before this, and used by no clip
    /// of their team since (a live clip uses its media now; a deleted one
    /// until it was deleted), are released.
    pub cutoff_ms: i64,
    pub now_ms: i64,
    /// Continue after this record (None: from the start).
    pub after: Option<MediaKey>,
    pub limit: u32,
    /// Decide everything, write nothing. Batches of a dry run do not see
    /// each other's effects, so a dry run should be one batch.
    pub dry_run: bool,
}

/// What a batch released.
#[derive(Debug, Clone, Default)]
pub struct ReleasedMedia {
    /// Team access records removed.
    pub records: Vec<(TeamId, MediaRecord)>,
    /// Content no team holds any more, claimed for deletion from the blob
    /// store.
    pub claims: Vec<BlobClaim>,
    /// Where the next batch starts; None when this was the last.
    pub next: Option<MediaKey>,
}

/// Content claimed for deletion: while the claim exists no upload of it
/// may start, so deleting the blob cannot race an upload finishing into it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BlobClaim {
    pub sha256: String,
    pub bytes: u64,
    pub claimed_ms: i64,
}

/// Content in the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub sha256: String,
    pub bytes: u64,
    /// When it was written (Unix ms).
    pub modified_ms: i64,
}

/// A committed piece of a staged upload in an object store: bytes
/// `start..end` of the upload are the whole object `key` (relative to the
/// store's prefix). Objects cannot be appended to, so each PATCH writes a
/// new one under a unique key, and only the metadata store says which of
/// them hold committed bytes (a chunk whose commit lost a race, or never
/// happened, leaves an object no record names; it goes with the upload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedPart {
    pub start: u64,
    pub end: u64,
    pub key: String,
}

/// A partial tus upload. Lives in the metadata store so any instance can
/// continue it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    pub id: UploadId,
    pub team_id: TeamId,
    pub device_id: DeviceId,
    pub length: u64,
    /// Bytes committed: durable in the blob store and acknowledged.
    pub offset: u64,
    pub sha256: String,
    pub content_type: String,
    pub clip_id: Option<ClipId>,
    /// The Upload-Metadata header as received, echoed on HEAD.
    pub metadata: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    /// Set once the content is verified and stored; the record stays until
    /// it expires, so a client that lost the last response learns it is done.
    pub completed_ms: Option<i64>,
    /// The committed staged parts in order, for blob stores that write
    /// each chunk as its own object (empty for the folder store, whose one
    /// staged file is cut back to the offset instead).
    pub parts: Vec<StagedPart>,
}

#[async_trait]
pub trait MetadataStore: Send + Sync + std::fmt::Debug + 'static {
    /// Answers when the database does (readiness).
    async fn check(&self) -> StoreResult<()>;

    async fn create_team(&self, name: &str, now_ms: i64) -> StoreResult<TeamRecord>;
    async fn team_by_name(&self, name: &str) -> StoreResult<TeamRecord>;
    async fn create_invite(&self, invite: NewInvite, now_ms: i64) -> StoreResult<()>;
    /// Use one use of an invite and create the member and device it admits,
    /// atomically. Unknown code: NotFound; expired or used up: Gone.
    async fn redeem_invite(&self, join: NewMembership) -> StoreResult<Joined>;
    /// The caller a token hash belongs to; NotFound or Revoked otherwise.
    async fn authenticate(&self, token_hash: &str) -> StoreResult<Caller>;
    async fn touch_device(&self, device: DeviceId, now_ms: i64) -> StoreResult<()>;
    async fn list_devices(&self, team: Option<TeamId>) -> StoreResult<Vec<DeviceRecord>>;
    async fn revoke_device(&self, device: DeviceId, now_ms: i64) -> StoreResult<DeviceRecord>;

    /// Apply a batch atomically: either every op is applied (or recognised
    /// as a duplicate) or none is, with [`StoreError::OpRefused`] naming the
    /// op that was refused.
    async fn apply_ops(
        &self,
        caller: &Caller,
        ops: Vec<Op>,
        now_ms: i64,
    ) -> StoreResult<Vec<OpResult>>;
    /// Entity states visible to the caller that changed after `after`.
    /// `protocol` is the version the caller speaks: below 2 the feed holds
    /// only clips (older devices cannot read the coaching entities).
    async fn changes(
        &self,
        caller: &Caller,
        after: u64,
        limit: u32,
        protocol: u32,
    ) -> StoreResult<ChangesResponse>;
    /// The team's current members (those with a device that is not revoked).
    async fn members(&self, team: TeamId) -> StoreResult<Vec<MemberInfo>>;

    async fn media(&self, team: TeamId, sha256: &str) -> StoreResult<Option<MediaRecord>>;
    /// Record that a team has this content, mark the upload complete and
    /// put the clips that were waiting for it into the feed, atomically.
    async fn complete_upload(
        &self,
        upload: &UploadRecord,
        media: MediaRecord,
        now_ms: i64,
    ) -> StoreResult<()>;

    /// Busy while the content is claimed for deletion (see [`BlobClaim`]).
    async fn create_upload(&self, upload: UploadRecord) -> StoreResult<()>;
    /// The team's upload with this id (NotFound for other teams').
    async fn upload(&self, team: TeamId, id: &UploadId) -> StoreResult<UploadRecord>;
    /// Move the committed offset from `from` to `to` (compare-and-set:
    /// Conflict when the offset is no longer `from`), recording `part` (the
    /// object that holds bytes `from..to`, if the blob store made one) in
    /// the same transaction.
    async fn advance_upload(
        &self,
        team: TeamId,
        id: &UploadId,
        from: u64,
        to: u64,
        expires_ms: i64,
        part: Option<&str>,
    ) -> StoreResult<()>;
    async fn delete_upload(&self, team: TeamId, id: &UploadId) -> StoreResult<()>;
    async fn expired_uploads(&self, now_ms: i64, limit: u32) -> StoreResult<Vec<UploadRecord>>;

    /// Media GC: in one transaction, remove up to `limit` team media
    /// records that [`ReleaseMedia::cutoff_ms`] lets go, and claim the
    /// content whose last record went. The last record of content that an
    /// unfinished upload (of any team) declares is kept instead: that
    /// upload will use it.
    async fn release_media(&self, req: ReleaseMedia) -> StoreResult<ReleasedMedia>;
    /// Media GC of blobs no record names (left by a crash between storing
    /// the bytes and recording them): claim those that no team holds, no
    /// unfinished upload declares and nobody has claimed yet.
    async fn claim_orphans(
        &self,
        blobs: Vec<BlobInfo>,
        now_ms: i64,
        dry_run: bool,
    ) -> StoreResult<Vec<BlobClaim>>;
    /// Claims made at or before `before_ms` (by a pass that was interrupted).
    async fn blob_claims(&self, before_ms: i64) -> StoreResult<Vec<BlobClaim>>;
    /// The content is gone from the blob store: uploads of it may start again.
    async fn drop_blob_claim(&self, sha256: &str) -> StoreResult<()>;

    /// Moving between engines (`debrief-server migrate`): up to `limit`
    /// rows of `table` after the key `after`, in key order.
    async fn export_rows(
        &self,
        table: &'static rows::Table,
        after: Option<rows::Row>,
        limit: u32,
    ) -> StoreResult<Vec<rows::Row>>;
    /// Insert rows, or overwrite the rows with the same key, in one
    /// transaction (so running a copy again never duplicates anything).
    async fn import_rows(
        &self,
        table: &'static rows::Table,
        rows: Vec<rows::Row>,
    ) -> StoreResult<()>;
    async fn count_rows(&self, table: &'static rows::Table) -> StoreResult<u64>;
}

/// Where bytes live. Staged uploads are addressed by upload id, complete
/// media by SHA-256 (stored once, whichever team uploaded it; access is
/// granted per team by the metadata store).
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug + 'static {
    async fn check(&self) -> StoreResult<()>;

    /// Write `body` into the staged upload starting at `offset`, so that
    /// nothing staged at or past `offset` (left by a chunk that was never
    /// committed) can be mistaken for committed bytes. Returns how many
    /// bytes were written, the error that ended the body early, if any,
    /// and the part it made (object stores). The bytes written are durable
    /// when this returns, so the caller may commit them.
    async fn write_staged(
        &self,
        id: &UploadId,
        offset: u64,
        body: ByteStream,
    ) -> StoreResult<Written>;
    /// Throw away what one `write_staged` at `offset` wrote (a chunk that
    /// failed its checksum): committed bytes before `offset` stay.
    async fn discard_written(
        &self,
        id: &UploadId,
        offset: u64,
        written: &Written,
    ) -> StoreResult<()>;
    /// The committed staged bytes from the start (to verify the whole
    /// file's hash).
    async fn read_staged(&self, upload: &UploadRecord) -> StoreResult<ByteStream>;
    /// Make the committed staged bytes the content stored under `sha256`
    /// and drop the staged upload. When that content exists already the
    /// staged copy is just dropped.
    async fn promote_staged(&self, upload: &UploadRecord, sha256: &str) -> StoreResult<()>;
    /// Forget a staged upload (missing is fine).
    async fn delete_staged(&self, id: &UploadId) -> StoreResult<()>;
    /// Commit a long chunk every this many bytes instead of only at its
    /// end (None: at its end). Object stores ask for it, since the bytes of
    /// an unfinished object are lost with the instance writing it.
    fn commit_every(&self) -> Option<u64> {
        None
    }
    /// Store `body` as the content `sha256` in one go, visible only once
    /// complete (used by `migrate`; the caller checks the hash). Returns
    /// the bytes stored.
    async fn put(&self, sha256: &str, body: ByteStream) -> StoreResult<u64>;

    /// Size of stored content, None when absent.
    async fn size(&self, sha256: &str) -> StoreResult<Option<u64>>;
    /// `len` bytes of stored content from `start`.
    async fn read(&self, sha256: &str, start: u64, len: u64) -> StoreResult<ByteStream>;
    /// Delete stored content (missing is fine). Only the media GC calls
    /// this, holding a [`BlobClaim`].
    async fn delete(&self, sha256: &str) -> StoreResult<()>;
    /// Stored content with a hash after `after`, in hash order, at most
    /// `limit` (an S3 store maps this onto ListObjectsV2's StartAfter).
    async fn list(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<BlobInfo>>;
}

#[derive(Debug)]
pub struct Written {
    pub bytes: u64,
    /// The body failed after `bytes` (client went away, read timeout, or
    /// the body was longer than allowed).
    pub body_error: Option<std::io::Error>,
    /// The object holding these bytes, for stores that write a new object
    /// per chunk (None for the folder store, or when nothing was written).
    pub part: Option<String>,
}

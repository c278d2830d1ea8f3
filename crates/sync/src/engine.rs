//! One sync round, in the order that keeps the team consistent:
//! check the server speaks our protocol, push the outbox (ops are
//! idempotent, so a retry after a lost answer duplicates nothing), upload
//! media the server lacks (policy permitting), pull the change feed (each
//! page applied with its cursor in one transaction; clips, challenges,
//! comments and playbook entries), refresh the member list, fetch
//! thumbnails, then download wanted media (pinned and playbook clips) and
//! keep the cache within its budget.
//!
//! Transient failures are retried with backoff within the round; permanent
//! ones are recorded on the clip (and in `debrief status`) and the round
//! goes on with other items. A revoked device wipes the team's data.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use debrief_library::{Account, Direction, Library, SyncState, Transfer, UploadNeed};
use debrief_protocol::ClipId;
use debrief_protocol::api::{JoinRequest, OpStatus, PROTOCOL_VERSION};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::watch;

use crate::client::{Client, Timeouts, Token};
use crate::error::{Result, SyncError};
use crate::network::{self, NetworkKind};
use crate::retry::RetryPolicy;
use crate::status::{LiveTransfer, SyncStatus, read_status};
use crate::token::TokenStore;
use crate::tus::{self, UploadJob, UploadOptions, UploadOutcome, UploadProgress};
use crate::{convert, download};

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Override the detected network kind.
    pub network: Option<NetworkKind>,
    /// Move media on metered networks too.
    pub allow_cellular: bool,
    pub storage_budget_bytes: u64,
    pub timeouts: Timeouts,
    pub upload: UploadOptions,
    pub retry: RetryPolicy,
    pub ops_batch: usize,
    pub page_size: u32,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            network: None,
            allow_cellular: false,
            storage_budget_bytes: 2 << 30,
            timeouts: Timeouts::default(),
            upload: UploadOptions::default(),
            retry: RetryPolicy::default(),
            ops_batch: 200,
            page_size: 500,
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub network: Option<NetworkKind>,
    pub media_allowed: bool,
    pub pushed_ops: u64,
    pub uploaded_files: u32,
    pub upload_bytes_sent: u64,
    /// Bytes the server already had when an upload resumed.
    pub upload_bytes_resumed: u64,
    pub skipped_uploads: u32,
    pub pulled_changes: u64,
    pub thumbnails: u32,
    pub downloaded_files: u32,
    pub download_bytes: u64,
    pub evicted: u32,
    pub failures: Vec<ItemFailure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemFailure {
    pub clip_id: Option<ClipId>,
    pub what: String,
    pub kind: &'static str,
    pub error: String,
    pub permanent: bool,
}

#[derive(Debug)]
pub struct SyncEngine {
    data_dir: PathBuf,
    opts: SyncOptions,
    status: watch::Sender<SyncStatus>,
    live_up: Arc<AtomicU64>,
    live_down: Arc<AtomicU64>,
    /// The transfer under way: (what, bytes before it started, live counter at its start).
    current: std::sync::Mutex<Option<(LiveTransfer, u64)>>,
}

/// Join a team with an invite code; stores the account and the token.
pub async fn join(
    data_dir: &Path,
    server_url: &str,
    code: &str,
    display_name: Option<&str>,
    device_name: &str,
    timeouts: Timeouts,
) -> Result<Account> {
    let mut lib = Library::open(data_dir)?;
    if let Some(a) = lib.account()? {
        return Err(SyncError::Server {
            status: 409,
            kind: "already_joined".into(),
            message: format!(
                "this device already belongs to team '{}' at {}; run `debrief leave` first",
                a.team_name, a.server_url
            ),
            op_id: None,
        });
    }
    let client = Client::new(server_url, None, timeouts)?;
    check_protocol(&client).await?;
    let req = JoinRequest {
        code: code.to_string(),
        display_name: display_name
            .map(str::to_string)
            .unwrap_or_else(|| lib.author().to_string()),
        device_name: device_name.to_string(),
        device_id: Some(lib.device_id()),
    };
    let resp = client.join(&req).await?;
    TokenStore::new(lib.root(), &lib.device_id().to_string())
        .save(&Token(resp.token.clone()))
        .await?;
    let account = Account {
        server_url: client.base().to_string(),
        team_id: resp.team_id.to_string(),
        team_name: resp.team_name.clone(),
        member_id: resp.member_id.to_string(),
        display_name: resp.display_name.clone(),
        role: resp.role.to_string(),
        device_name: device_name.to_string(),
    };
    lib.set_account(&account)?;
    Ok(account)
}

/// Leave the team. Refuses while changes wait to sync unless `force`.
pub async fn leave(data_dir: &Path, force: bool) -> Result<Account> {
    let mut lib = Library::open(data_dir)?;
    let account = lib.account()?.ok_or(SyncError::NotJoined)?;
    let status = read_status(&lib)?;
    if !force && (status.pending_ops > 0 || status.pending_uploads > 0) {
        return Err(SyncError::Server {
            status: 409,
            kind: "unsynced_changes".into(),
            message: format!(
                "{} change(s) and {} file(s) have not reached the team yet; run `debrief sync` first, or leave anyway with --force (they stay on this device only)",
                status.pending_ops, status.pending_uploads
            ),
            op_id: None,
        });
    }
    TokenStore::new(lib.root(), &lib.device_id().to_string())
        .delete()
        .await;
    lib.clear_account()?;
    Ok(account)
}

async fn check_protocol(client: &Client) -> Result<()> {
    let info = client.info().await?;
    if !info.protocol_versions.contains(&PROTOCOL_VERSION) {
        return Err(SyncError::IncompatibleServer {
            server: info.protocol_versions,
            ours: PROTOCOL_VERSION,
        });
    }
    Ok(())
}

impl SyncEngine {
    pub fn new(data_dir: &Path, opts: SyncOptions) -> Self {
        let (status, _) = watch::channel(SyncStatus::default());
        Self {
            data_dir: data_dir.to_path_buf(),
            opts,
            status,
            live_up: Arc::default(),
            live_down: Arc::default(),
            current: Default::default(),
        }
    }

    /// The transfer moving now, with bytes done as of this instant.
    pub fn live_transfer(&self) -> Option<LiveTransfer> {
        let guard = self.current.lock().ok()?;
        let (t, counter_at_start) = guard.as_ref()?;
        let counter = match t.direction {
            Direction::Up => self.live_up.load(Ordering::Relaxed),
            Direction::Down => self.live_down.load(Ordering::Relaxed),
        };
        let mut t = t.clone();
        t.bytes_done =
            (t.bytes_done + counter.saturating_sub(*counter_at_start)).min(t.bytes_total);
        Some(t)
    }

    fn set_current(&self, t: Option<LiveTransfer>) {
        if let Ok(mut g) = self.current.lock() {
            *g = t.map(|t| {
                let counter = match t.direction {
                    Direction::Up => self.live_up.load(Ordering::Relaxed),
                    Direction::Down => self.live_down.load(Ordering::Relaxed),
                };
                (t, counter)
            });
        }
    }

    /// Publish the current status with live progress (the sync loop's ticker calls this).
    pub fn publish_live(&self) {
        let live = self.live_transfer();
        self.status.send_modify(|s| s.live = live);
    }

    /// Live status for a UI; updated as the round progresses.
    pub fn subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.status.subscribe()
    }

    /// Bytes handed to the network for uploads / received for downloads in this process.
    pub fn live_bytes(&self) -> (u64, u64) {
        (
            self.live_up.load(Ordering::Relaxed),
            self.live_down.load(Ordering::Relaxed),
        )
    }

    fn publish(&self, lib: &Library, running: bool, network: Option<NetworkKind>) {
        if let Ok(mut s) = read_status(lib) {
            s.running = running;
            s.network = network;
            self.status.send_replace(s);
        }
    }

    /// One full round. `Ok` carries per-item failures in the report; `Err`
    /// means the round could not run at all (not joined, server gone,
    /// revoked, incompatible).
    pub async fn run_once(&self) -> Result<SyncReport> {
        let mut lib = Library::open(&self.data_dir)?;
        let result = self.round(&mut lib).await;
        self.set_current(None);
        let now = OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        match &result {
            Ok(report) if report.failures.is_empty() => {
                lib.set_note("last_success", Some(&now))?;
                lib.set_note("last_error", None)?;
            }
            Ok(report) => {
                let f = &report.failures[0];
                lib.set_note(
                    "last_error",
                    Some(&format!("{now}: {}: {}", f.what, f.error)),
                )?;
            }
            Err(SyncError::Revoked) => {
                lib.wipe()?;
                TokenStore::new(lib.root(), &lib.device_id().to_string())
                    .delete()
                    .await;
                lib.set_note(
                    "last_error",
                    Some(&format!("{now}: {}", SyncError::Revoked)),
                )?;
            }
            Err(e) => lib.set_note("last_error", Some(&format!("{now}: {e}")))?,
        }
        self.publish(&lib, false, result.as_ref().ok().and_then(|r| r.network));
        result
    }

    async fn round(&self, lib: &mut Library) -> Result<SyncReport> {
        let account = lib.account()?.ok_or(SyncError::NotJoined)?;
        let (token, _) = TokenStore::new(lib.root(), &lib.device_id().to_string())
            .load()
            .await?
            .ok_or_else(|| SyncError::Unauthorized {
                message: "no device token is stored on this device".into(),
            })?;
        let client = Client::new(&account.server_url, Some(token), self.opts.timeouts)?;
        let (network, _) = network::detect(self.opts.network).await;
        let mut report = SyncReport {
            network: Some(network),
            ..Default::default()
        };
        if network == NetworkKind::Offline {
            return Err(SyncError::Unreachable {
                url: account.server_url,
                detail: "this device is offline".into(),
            });
        }
        report.media_allowed = network == NetworkKind::Unmetered || self.opts.allow_cellular;
        lib.set_note(
            "media_paused_metered",
            (!report.media_allowed).then_some("1"),
        )?;
        self.publish(lib, true, Some(network));

        self.retrying("reach the server", || check_protocol(&client))
            .await?;
        self.push(lib, &client, &mut report).await?;
        self.upload_all(lib, &client, &mut report).await?;
        self.pull(lib, &client, &mut report).await?;
        self.members(lib, &client, &mut report).await?;
        self.thumbnails(lib, &client, &mut report).await?;
        if report.media_allowed {
            self.downloads(lib, &client, &mut report).await?;
            report.evicted = lib.evict_to_budget(self.opts.storage_budget_bytes)?.len() as u32;
        }
        Ok(report)
    }

    /// Run `f` until it succeeds, fails permanently, or runs out of attempts.
    async fn retrying<T, F, Fut>(&self, what: &str, mut f: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut attempt = 0;
        loop {
            match f().await {
                Ok(v) => return Ok(v),
                Err(e) if !e.is_permanent() && attempt + 1 < self.opts.retry.attempts => {
                    tracing::info!(what, attempt, error = %e, "retrying");
                    tokio::time::sleep(self.opts.retry.delay(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn push(
        &self,
        lib: &mut Library,
        client: &Client,
        report: &mut SyncReport,
    ) -> Result<()> {
        loop {
            let batch = lib.outbox(self.opts.ops_batch as u32)?;
            if batch.is_empty() {
                return Ok(());
            }
            let ops: Vec<_> = batch.iter().map(|e| e.op.clone()).collect();
            match self
                .retrying("push changes", || client.post_ops(&ops))
                .await
            {
                Ok(resp) => {
                    // Applied, duplicate (applied before: our earlier answer was
                    // lost) and superseded all mean the server has the op.
                    let acked: Vec<_> = resp
                        .results
                        .iter()
                        .filter(|r| {
                            matches!(
                                r.status,
                                OpStatus::Applied | OpStatus::Duplicate | OpStatus::Superseded
                            )
                        })
                        .map(|r| r.op_id)
                        .collect();
                    if acked.is_empty() {
                        return Err(SyncError::BadResponse(
                            "the server acknowledged none of the pushed changes".into(),
                        ));
                    }
                    report.pushed_ops += acked.len() as u64;
                    lib.ack_ops(&acked)?;
                }
                Err(SyncError::Server {
                    status,
                    kind,
                    message,
                    op_id,
                }) if (400..500).contains(&status) && status != 401 => {
                    // The server refused the batch because of one op (named in
                    // the error when it can say which, else the first): drop
                    // that op so the rest can go, and tell the user on the clip.
                    let op_id = op_id.unwrap_or(batch[0].op.op_id);
                    let refused = lib.refuse_op(
                        op_id,
                        &format!("the server refused a change ({kind}): {message}"),
                    )?;
                    report.failures.push(ItemFailure {
                        clip_id: refused,
                        what: "a change".into(),
                        kind: "refused",
                        error: format!("the server refused it ({kind}): {message}"),
                        permanent: true,
                    });
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn upload_all(
        &self,
        lib: &mut Library,
        client: &Client,
        report: &mut SyncReport,
    ) -> Result<()> {
        for need in lib.pending_uploads()? {
            if !need.thumbnail && !report.media_allowed {
                continue;
            }
            match self.upload_one(lib, client, &need, report).await {
                Ok(()) => {}
                Err(
                    e @ (SyncError::Revoked
                    | SyncError::Unauthorized { .. }
                    | SyncError::IncompatibleServer { .. }),
                ) => return Err(e),
                Err(e) => {
                    let permanent = e.is_permanent();
                    let what = if need.thumbnail {
                        "thumbnail upload"
                    } else {
                        "media upload"
                    };
                    lib.set_sync_state(need.clip_id, SyncState::Failed, Some(&e.to_string()))?;
                    report.failures.push(ItemFailure {
                        clip_id: Some(need.clip_id),
                        what: what.into(),
                        kind: e.kind(),
                        error: e.to_string(),
                        permanent,
                    });
                }
            }
        }
        Ok(())
    }

    async fn upload_one(
        &self,
        lib: &mut Library,
        client: &Client,
        need: &UploadNeed,
        report: &mut SyncReport,
    ) -> Result<()> {
        let mut transfer = lib
            .transfer(Direction::Up, &need.sha256)?
            .unwrap_or(Transfer {
                direction: Direction::Up,
                sha256: need.sha256.clone(),
                clip_id: need.clip_id,
                thumbnail: need.thumbnail,
                upload_url: None,
                bytes_done: 0,
                bytes_total: need.bytes,
                attempts: 0,
                last_error: None,
                permanent: false,
                updated_at: OffsetDateTime::now_utc(),
            });
        if !need.thumbnail {
            lib.set_sync_state(need.clip_id, SyncState::Uploading, None)?;
        }
        let job = UploadJob {
            path: &need.path,
            sha256: &need.sha256,
            content_type: need.content_type,
            clip_id: Some(need.clip_id.to_string()),
            total: need.bytes,
        };
        let before = self.live_up.load(Ordering::Relaxed);
        let mut attempt = 0;
        let outcome = loop {
            self.set_current(Some(LiveTransfer {
                direction: Direction::Up,
                clip_id: need.clip_id,
                thumbnail: need.thumbnail,
                bytes_done: transfer.bytes_done,
                bytes_total: need.bytes,
            }));
            let url = transfer.upload_url.clone();
            let mut progress = |p: &UploadProgress| {
                transfer.upload_url = p.url.clone();
                transfer.bytes_done = p.offset;
                transfer.updated_at = OffsetDateTime::now_utc();
                if let Err(e) = lib.record_progress(&transfer) {
                    tracing::warn!(error = %e, "could not record upload progress");
                }
            };
            match tus::upload(
                client,
                &job,
                url.as_deref(),
                &self.opts.upload,
                &self.live_up,
                &mut progress,
            )
            .await
            {
                Ok(o) => break o,
                Err(e) => {
                    transfer.attempts += 1;
                    transfer.last_error = Some(e.to_string());
                    transfer.permanent = e.is_permanent();
                    lib.record_progress(&transfer)?;
                    if e.is_permanent() || attempt + 1 >= self.opts.retry.attempts {
                        return Err(e);
                    }
                    tokio::time::sleep(self.opts.retry.delay(attempt)).await;
                    attempt += 1;
                }
            }
        };
        self.set_current(None);
        report.upload_bytes_sent += self.live_up.load(Ordering::Relaxed) - before;
        match outcome {
            UploadOutcome::AlreadyThere => report.skipped_uploads += 1,
            UploadOutcome::Uploaded { resumed_from } => {
                report.uploaded_files += 1;
                report.upload_bytes_resumed += resumed_from;
            }
        }
        lib.finish_transfer(Direction::Up, &need.sha256)?;
        lib.mark_uploaded(need.clip_id, need.thumbnail)?;
        Ok(())
    }

    async fn pull(
        &self,
        lib: &mut Library,
        client: &Client,
        report: &mut SyncReport,
    ) -> Result<()> {
        loop {
            let cursor = lib.cursor()?;
            let page = self
                .retrying("fetch changes", || {
                    client.changes(cursor, self.opts.page_size)
                })
                .await?;
            let changes: Vec<_> = page
                .changes
                .into_iter()
                .map(|c| convert::remote_change(c.entity))
                .collect();
            report.pulled_changes += changes.len() as u64;
            lib.apply_remote_changes(&changes, page.next_cursor)?;
            self.publish(lib, true, report.network);
            if !page.has_more || page.next_cursor <= cursor {
                return Ok(());
            }
        }
    }

    /// Refresh the team's member list (for "who has not answered yet").
    async fn members(
        &self,
        lib: &mut Library,
        client: &Client,
        report: &mut SyncReport,
    ) -> Result<()> {
        match self.retrying("list the team", || client.members()).await {
            Ok(resp) => {
                let members: Vec<_> = resp
                    .members
                    .into_iter()
                    .map(|m| debrief_library::Member {
                        member_id: m.member_id.to_string(),
                        display_name: m.display_name,
                        role: m.role.to_string(),
                    })
                    .collect();
                lib.set_members(&members)?;
                Ok(())
            }
            Err(e @ (SyncError::Revoked | SyncError::Unauthorized { .. })) => Err(e),
            Err(e) => {
                report.failures.push(ItemFailure {
                    clip_id: None,
                    what: "team member list".into(),
                    kind: e.kind(),
                    error: e.to_string(),
                    permanent: e.is_permanent(),
                });
                Ok(())
            }
        }
    }

    async fn thumbnails(
        &self,
        lib: &mut Library,
        client: &Client,
        report: &mut SyncReport,
    ) -> Result<()> {
        for need in lib.wanted_thumbnails()? {
            match self
                .retrying("fetch a thumbnail", || {
                    download::fetch_small(client, &need.sha256, 4 << 20)
                })
                .await
            {
                Ok(jpeg) => {
                    lib.store_thumbnail(need.clip_id, &jpeg)?;
                    report.thumbnails += 1;
                }
                Err(e @ (SyncError::Revoked | SyncError::Unauthorized { .. })) => return Err(e),
                Err(e) => report.failures.push(ItemFailure {
                    clip_id: Some(need.clip_id),
                    what: "thumbnail download".into(),
                    kind: e.kind(),
                    error: e.to_string(),
                    permanent: e.is_permanent(),
                }),
            }
        }
        Ok(())
    }

    async fn downloads(
        &self,
        lib: &mut Library,
        client: &Client,
        report: &mut SyncReport,
    ) -> Result<()> {
        for need in lib.wanted_media()? {
            match self
                .download_one(lib, client, need.clip_id, &need.sha256, need.bytes)
                .await
            {
                Ok(n) => {
                    report.downloaded_files += 1;
                    report.download_bytes += n;
                }
                Err(e @ (SyncError::Revoked | SyncError::Unauthorized { .. })) => return Err(e),
                Err(e) => {
                    lib.set_downloading(need.clip_id, false)?;
                    report.failures.push(ItemFailure {
                        clip_id: Some(need.clip_id),
                        what: "media download".into(),
                        kind: e.kind(),
                        error: e.to_string(),
                        permanent: e.is_permanent(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Download one clip's media now (also used by `debrief open`).
    pub async fn download_one(
        &self,
        lib: &mut Library,
        client: &Client,
        clip_id: ClipId,
        sha256: &str,
        bytes: u64,
    ) -> Result<u64> {
        lib.set_downloading(clip_id, true)?;
        let part = lib.download_part_path(sha256)?;
        let before = self.live_down.load(Ordering::Relaxed);
        let mut transfer = Transfer {
            direction: Direction::Down,
            sha256: sha256.to_string(),
            clip_id,
            thumbnail: false,
            upload_url: None,
            bytes_done: std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0),
            bytes_total: bytes,
            attempts: 0,
            last_error: None,
            permanent: false,
            updated_at: OffsetDateTime::now_utc(),
        };
        lib.record_progress(&transfer)?;
        let mut attempt = 0;
        loop {
            let done = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
            self.set_current(Some(LiveTransfer {
                direction: Direction::Down,
                clip_id,
                thumbnail: false,
                bytes_done: done,
                bytes_total: bytes,
            }));
            match download::download(client, sha256, bytes, &part, &self.live_down).await {
                Ok(()) => break,
                Err(e) => {
                    transfer.attempts += 1;
                    transfer.bytes_done = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
                    transfer.last_error = Some(e.to_string());
                    transfer.permanent = e.is_permanent();
                    transfer.updated_at = OffsetDateTime::now_utc();
                    let recorded = lib.record_progress(&transfer);
                    if e.is_permanent() || attempt + 1 >= self.opts.retry.attempts {
                        // Back to "remote": a clip whose download gave up must
                        // not look as if it were still coming (`open` has no
                        // round around it to reset this). The download's own
                        // error says more than a failed bookkeeping write
                        // (on a full disk, both fail).
                        let _ = lib.set_downloading(clip_id, false);
                        return Err(e);
                    }
                    recorded?;
                    tokio::time::sleep(self.opts.retry.delay(attempt)).await;
                    attempt += 1;
                }
            }
        }
        self.set_current(None);
        lib.finish_media_download(clip_id, &part)?;
        lib.finish_transfer(Direction::Down, sha256)?;
        Ok(self.live_down.load(Ordering::Relaxed) - before)
    }

    /// A client for the joined team, for one-off calls such as `open`.
    pub async fn client(&self, lib: &Library) -> Result<Client> {
        let account = lib.account()?.ok_or(SyncError::NotJoined)?;
        let (token, _) = TokenStore::new(lib.root(), &lib.device_id().to_string())
            .load()
            .await?
            .ok_or_else(|| SyncError::Unauthorized {
                message: "no device token is stored on this device".into(),
            })?;
        Client::new(&account.server_url, Some(token), self.opts.timeouts)
    }

    pub fn options(&self) -> &SyncOptions {
        &self.opts
    }
}

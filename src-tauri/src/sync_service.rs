//! The app's background sync: one `SyncLoop` (from `debrief-sync`) while
//! this device belongs to a team, and a forwarder that turns the loop's
//! watch channels into UI events: live status (with per-transfer bytes)
//! several times a second while a round runs, and a summary after each
//! round.
//!
//! Invariants:
//! - At most one loop runs per process, so two rounds never race over the
//!   same uploads. "Sync now" asks the running loop for a round instead of
//!   starting its own, and waits for that round's outcome.
//! - Changing a setting that the loop's options carry (Wi-Fi only, storage
//!   budget) restarts the loop with the new options; stopping aborts the
//!   loop's task, which wakes anyone waiting for a round with an error.
//!
//! Nothing here knows about Tauri: events leave through the `Emit`
//! callback the shell passes, so tests can collect them.

use std::path::PathBuf;
use std::sync::Mutex;

use debrief_device::{LoopTiming, RoundOutcome, SyncLoop, SyncOptions, SyncStatus};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::{ErrorKind, IpcError};
use crate::team_dto::{RoundView, SyncStatusView};

/// What the service tells the UI.
#[derive(Debug, Clone)]
pub enum SyncEvent {
    Status(SyncStatusView),
    Round(RoundView),
    Download(crate::events::DownloadProgress),
}

pub type Emit = Box<dyn Fn(SyncEvent) + Send + Sync>;

pub struct SyncService {
    data_dir: PathBuf,
    timing: LoopTiming,
    emit: std::sync::Arc<Emit>,
    running: Mutex<Option<Running>>,
    /// The outcome of the last round, kept across restarts of the loop so
    /// the panel still shows why the last attempt failed.
    last_round: std::sync::Arc<Mutex<Option<RoundView>>>,
}

impl std::fmt::Debug for SyncService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncService")
            .field("data_dir", &self.data_dir)
            .field("running", &self.is_running())
            .finish_non_exhaustive()
    }
}

struct Running {
    sync: SyncLoop,
    forwarder: JoinHandle<()>,
}

impl SyncService {
    pub fn new(data_dir: PathBuf, timing: LoopTiming, emit: Emit) -> Self {
        Self {
            data_dir,
            timing,
            emit: std::sync::Arc::new(emit),
            running: Mutex::new(None),
            last_round: Default::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Running>> {
        // A panic while holding this lock leaves a plain Option behind:
        // still consistent, so keep going.
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_running(&self) -> bool {
        self.lock().is_some()
    }

    /// Start (or restart with new options) the loop on the current Tokio
    /// runtime. Its first round starts at once.
    pub fn start(&self, opts: SyncOptions) {
        let sync = SyncLoop::spawn(&self.data_dir, opts, self.timing);
        let forwarder = tokio::spawn(forward(
            sync.status(),
            sync.rounds(),
            self.emit.clone(),
            self.last_round.clone(),
        ));
        if let Some(old) = self.lock().replace(Running { sync, forwarder }) {
            old.forwarder.abort();
            old.sync.stop();
        }
    }

    pub fn stop(&self) {
        if let Some(old) = self.lock().take() {
            old.forwarder.abort();
            old.sync.stop();
        }
    }

    /// Send an event through the service's channel to the UI.
    pub fn emit(&self, e: SyncEvent) {
        (self.emit.as_ref())(e)
    }

    /// A local change was made: sync soon (the loop debounces bursts).
    pub fn notify_local_change(&self) {
        if let Some(r) = self.lock().as_ref() {
            r.sync.notify_local_change();
        }
    }

    /// Ask for a round without waiting for it.
    pub fn kick(&self) {
        if let Some(r) = self.lock().as_ref() {
            r.sync.sync_now();
        }
    }

    /// Run a round now (after the one under way, if any) and wait for its
    /// outcome.
    pub async fn sync_now(&self) -> Result<RoundView, IpcError> {
        let (mut rounds, busy) = {
            let guard = self.lock();
            let r = guard.as_ref().ok_or_else(not_joined)?;
            let mut rounds = r.sync.rounds();
            rounds.borrow_and_update();
            let busy = r.sync.status().borrow().running;
            r.sync.sync_now();
            (rounds, busy)
        };
        // A round already running finishes first; ours is the one after.
        for _ in 0..if busy { 2 } else { 1 } {
            rounds.changed().await.map_err(|_| IpcError {
                kind: ErrorKind::SyncStopped,
                message: "sync stopped before the round finished (the team was left or a setting changed); try again".into(),
            })?;
        }
        let outcome = rounds.borrow().clone();
        Ok(outcome
            .map(|o| RoundView::from_outcome(&o))
            .unwrap_or_default())
    }

    /// What only the running loop knows (whether a round runs, the network
    /// kind, the transfer moving now), merged into a status read from the
    /// library.
    pub fn with_live(&self, mut status: SyncStatus) -> SyncStatusView {
        if let Some(r) = self.lock().as_ref() {
            let live = r.sync.status().borrow().clone();
            status.running = live.running;
            status.network = live.network;
            status.live = live.live;
        }
        SyncStatusView::new(status, self.last_round_error())
    }

    fn last_round_error(&self) -> Option<IpcError> {
        self.last_round
            .lock()
            .ok()
            .and_then(|r| r.as_ref().and_then(|r| r.error.clone()))
    }

    /// Forget the last round (after leaving a team).
    pub fn forget_last_round(&self) {
        if let Ok(mut r) = self.last_round.lock() {
            *r = None;
        }
    }
}

impl Drop for SyncService {
    fn drop(&mut self) {
        self.stop();
    }
}

fn not_joined() -> IpcError {
    IpcError {
        kind: ErrorKind::NotJoined,
        message: "this device has not joined a team yet: join one in Settings with the server address and an invite code".into(),
    }
}

async fn forward(
    mut status: watch::Receiver<SyncStatus>,
    mut rounds: watch::Receiver<Option<RoundOutcome>>,
    emit: std::sync::Arc<Emit>,
    last_round: std::sync::Arc<Mutex<Option<RoundView>>>,
) {
    let send = |e: SyncEvent| (emit.as_ref())(e);
    let last_error = || {
        last_round
            .lock()
            .ok()
            .and_then(|r| r.as_ref().and_then(|r| r.error.clone()))
    };
    loop {
        tokio::select! {
            changed = status.changed() => {
                if changed.is_err() {
                    return;
                }
                let s = status.borrow_and_update().clone();
                send(SyncEvent::Status(SyncStatusView::new(s, last_error())));
            }
            changed = rounds.changed() => {
                if changed.is_err() {
                    return;
                }
                let Some(outcome) = rounds.borrow_and_update().clone() else { continue };
                let view = RoundView::from_outcome(&outcome);
                if let Ok(mut r) = last_round.lock() {
                    *r = Some(view.clone());
                }
                let s = status.borrow().clone();
                send(SyncEvent::Status(SyncStatusView::new(s, view.error.clone())));
                send(SyncEvent::Round(view));
            }
        }
    }
}

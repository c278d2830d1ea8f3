//! The sync loop the app runs: a round at start, after local changes
//! (debounced, so a burst of tag edits is one round), on a timer, when the
//! network kind changes, and when the user asks. Failed rounds back off
//! exponentially with jitter instead of hammering a server that is down.
//! Status (with live transfer progress) is published on a watch channel.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::engine::{SyncEngine, SyncOptions, SyncReport};
use crate::error::SyncError;
use crate::network::{self, NetworkKind};
use crate::status::SyncStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The user changed something locally.
    LocalChange,
    /// The user asked to sync now (or to retry).
    Now,
}

#[derive(Debug, Clone, Copy)]
pub struct LoopTiming {
    pub interval: Duration,
    pub debounce: Duration,
    /// How often the network kind is checked for changes.
    pub network_poll: Duration,
    /// How often live progress is published while a round runs.
    pub progress_tick: Duration,
}

impl Default for LoopTiming {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(60),
            debounce: Duration::from_secs(2),
            network_poll: Duration::from_secs(10),
            progress_tick: Duration::from_millis(300),
        }
    }
}

/// What the loop reports after each round.
#[derive(Debug, Clone)]
pub enum RoundOutcome {
    Done(SyncReport),
    Failed {
        kind: &'static str,
        message: String,
        permanent: bool,
    },
}

#[derive(Debug)]
pub struct SyncLoop {
    triggers: mpsc::Sender<Trigger>,
    status: watch::Receiver<SyncStatus>,
    rounds: watch::Receiver<Option<RoundOutcome>>,
    handle: JoinHandle<()>,
}

impl SyncLoop {
    /// Start the loop on the current tokio runtime.
    pub fn spawn(data_dir: &Path, opts: SyncOptions, timing: LoopTiming) -> Self {
        let engine = Arc::new(SyncEngine::new(data_dir, opts));
        let status = engine.subscribe();
        let (tx, rx) = mpsc::channel(64);
        let (round_tx, rounds) = watch::channel(None);
        let handle = tokio::spawn(run(engine, rx, round_tx, timing));
        Self {
            triggers: tx,
            status,
            rounds,
            handle,
        }
    }

    pub fn notify_local_change(&self) {
        let _ = self.triggers.try_send(Trigger::LocalChange);
    }

    pub fn sync_now(&self) {
        let _ = self.triggers.try_send(Trigger::Now);
    }

    pub fn status(&self) -> watch::Receiver<SyncStatus> {
        self.status.clone()
    }

    pub fn rounds(&self) -> watch::Receiver<Option<RoundOutcome>> {
        self.rounds.clone()
    }

    pub fn stop(self) {
        self.handle.abort();
    }
}

async fn run(
    engine: Arc<SyncEngine>,
    mut triggers: mpsc::Receiver<Trigger>,
    rounds: watch::Sender<Option<RoundOutcome>>,
    timing: LoopTiming,
) {
    let mut failures = 0u32;
    let mut last_network = network::detect(engine.options().network).await.0;
    let mut wait = Duration::ZERO; // a round at start
    loop {
        let mut network_changed = false;
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            t = triggers.recv() => match t {
                None => return,
                Some(Trigger::LocalChange) => {
                    // Debounce: absorb the rest of a burst of edits.
                    tokio::time::sleep(timing.debounce).await;
                    while triggers.try_recv().is_ok() {}
                }
                Some(Trigger::Now) => failures = 0,
            },
            kind = poll_network_change(engine.options().network, last_network, timing.network_poll) => {
                network_changed = true;
                last_network = kind;
            }
        }
        if network_changed && last_network == NetworkKind::Offline {
            wait = timing.interval;
            continue;
        }
        let outcome = run_round(&engine, timing.progress_tick).await;
        wait = match &outcome {
            RoundOutcome::Done(r) if r.failures.iter().all(|f| f.permanent) => {
                failures = 0;
                timing.interval
            }
            RoundOutcome::Failed {
                permanent: true, ..
            } => timing.interval.max(Duration::from_secs(300)),
            _ => {
                failures += 1;
                let backoff = crate::retry::RetryPolicy {
                    attempts: u32::MAX,
                    base: Duration::from_secs(2),
                    max: timing.interval.max(Duration::from_secs(2)),
                };
                backoff.delay(failures.saturating_sub(1))
            }
        };
        rounds.send_replace(Some(outcome));
    }
}

async fn run_round(engine: &Arc<SyncEngine>, tick: Duration) -> RoundOutcome {
    let ticker_engine = engine.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(tick).await;
            ticker_engine.publish_live();
        }
    });
    let result = engine.run_once().await;
    ticker.abort();
    match result {
        Ok(r) => RoundOutcome::Done(r),
        Err(e) => RoundOutcome::Failed {
            kind: e.kind(),
            permanent: is_stop(&e),
            message: e.to_string(),
        },
    }
}

/// Errors that need the user, not a retry: the loop slows right down.
fn is_stop(e: &SyncError) -> bool {
    matches!(
        e,
        SyncError::NotJoined
            | SyncError::Revoked
            | SyncError::Unauthorized { .. }
            | SyncError::IncompatibleServer { .. }
    )
}

async fn poll_network_change(
    override_kind: Option<NetworkKind>,
    last: NetworkKind,
    every: Duration,
) -> NetworkKind {
    loop {
        tokio::time::sleep(every).await;
        let (now, _) = network::detect(override_kind).await;
        if now != last {
            return now;
        }
    }
}

//! The app's sync loop against a real server: a local change triggers a
//! (debounced) round, a server outage is reported and retried with
//! backoff until it comes back, and status carries what waits.

mod helpers;

use std::time::Duration;

use debrief_sync::{LoopTiming, RoundOutcome, SyncLoop, SyncOptions};
use helpers::server::TeamServer;
use helpers::*;

async fn next_round(
    rounds: &mut tokio::sync::watch::Receiver<Option<RoundOutcome>>,
) -> RoundOutcome {
    tokio::time::timeout(Duration::from_secs(60), rounds.changed())
        .await
        .expect("a round within 60 s")
        .unwrap();
    rounds.borrow_and_update().clone().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_changes_trigger_rounds_and_outages_are_retried() {
    let mut server = TeamServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let code = server.invite("member");
    debrief(&a, &["join", &server.url, &code, "--name", "Avery"]).ok();

    let opts = SyncOptions {
        network: Some(debrief_sync::NetworkKind::Unmetered),
        ..SyncOptions::default()
    };
    let timing = LoopTiming {
        interval: Duration::from_secs(3600),
        debounce: Duration::from_millis(200),
        ..LoopTiming::default()
    };
    let sync = SyncLoop::spawn(&a, opts, timing);
    let mut rounds = sync.rounds();
    // The round at start: nothing to do yet.
    assert!(
        matches!(next_round(&mut rounds).await, RoundOutcome::Done(r) if r.uploaded_files == 0)
    );

    // A local change (another process imports; the app would notify).
    let mp4 = ffmpeg_mp4(tmp.path(), "clip.mp4", 1.0, &[]);
    let id = debrief(&a, &["import", mp4.to_str().unwrap()])
        .ok()
        .last_line()
        .to_string();
    sync.notify_local_change();
    sync.notify_local_change(); // a burst is one round
    match next_round(&mut rounds).await {
        RoundOutcome::Done(r) => assert_eq!(r.uploaded_files, 2, "{r:?}"),
        other => panic!("{other:?}"),
    }
    let status = sync.status().borrow().clone();
    assert_eq!((status.pending_ops, status.pending_uploads), (0, 0));
    assert!(status.last_success.is_some());

    // The server goes away: the round fails as retryable, and status says why.
    server.kill();
    debrief(&a, &["tag", &id, "--add", "offline-edit"]).ok();
    sync.sync_now();
    match next_round(&mut rounds).await {
        RoundOutcome::Failed {
            kind,
            permanent,
            message,
        } => {
            assert_eq!(kind, "unreachable");
            assert!(!permanent);
            assert!(message.contains("cannot reach"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sync.status().borrow().pending_ops, 1);
    // It comes back; the loop retries on its own (backoff, no trigger needed).
    server.restart();
    let outcome = next_round(&mut rounds).await;
    assert!(
        matches!(&outcome, RoundOutcome::Done(r) if r.pushed_ops == 1),
        "{outcome:?}"
    );
    assert_eq!(sync.status().borrow().pending_ops, 0);
    sync.stop();
}

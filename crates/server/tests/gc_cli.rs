//! `debrief-server gc`: the real binary on a data dir a server filled.

mod helpers;

use std::path::Path;
use std::process::Command;

use debrief_protocol::api::Role;
use debrief_protocol::{ClipId, Visibility};
use helpers::backend::Backend;
use helpers::{TestServer, clip_created, media_bytes, sha256_hex};
use reqwest::StatusCode;

const BIN: &str = env!("CARGO_BIN_EXE_debrief-server");

fn gc(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .env_remove("DEBRIEF_SERVER_DATA_DIR")
        .envs(Backend::for_dir_blocking(dir).env())
        .arg("--data-dir")
        .arg(dir)
        .arg("gc")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

async fn stored(dir: &Path, sha: &str) -> bool {
    Backend::for_dir(dir).await.blob_exists(dir, sha).await
}

#[tokio::test]
async fn gc_reports_then_removes_unused_media() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let used = media_bytes(12_000, 1);
    let unused = media_bytes(34_567, 2);
    let (used_sha, unused_sha) = (sha256_hex(&used), sha256_hex(&unused));
    assert_eq!(dev.upload(&used).await, StatusCode::CREATED);
    assert_eq!(dev.upload(&unused).await, StatusCode::CREATED);
    let op = dev.op(1, clip_created(ClipId::new(), &used_sha, Visibility::Team));
    assert_eq!(dev.push_ok(&[op]).await, ["applied"]);
    let dir = srv.stop().await;
    let dir = dir.path();

    // The default grace period (7 days) keeps a fresh upload.
    let (ok, out, err) = gc(dir, &[]);
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "removed 0 media files (0 bytes) and 0 team access records; grace period 7d"
    );

    let (ok, out, err) = gc(dir, &["--dry-run", "--json", "--grace", "0s"]);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["files"], 1);
    assert_eq!(report["bytes"], 34_567);
    assert_eq!(report["team_records"], 1);
    assert_eq!(report["removed"][0]["sha256"], unused_sha.as_str());
    assert_eq!(report["removed"][0]["reason"], "unreferenced");
    assert!(stored(dir, &unused_sha).await, "a dry run removes nothing");

    let (ok, out, err) = gc(dir, &["--grace", "0s"]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            format!("removed {unused_sha}  34567 bytes  (unreferenced)").as_str(),
            "removed 1 media file (33.8 KiB, 34567 bytes) and 1 team access record; grace period none",
        ]
    );
    assert!(!stored(dir, &unused_sha).await);
    assert!(stored(dir, &used_sha).await);

    let (ok, _, err) = gc(dir, &["--grace", "soon"]);
    assert!(!ok);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("'soon' is not a duration"), "{err}");
}

//! (a) Upload throughput on loopback: our tus client (default options:
//! streamed PATCHes of up to 64 MiB, no per-request checksum) against the
//! "curl" baseline, one tus PATCH of the whole file in a single request to
//! the same server (the server's raw ingest speed), both as the issue words
//! it (`--data-binary @file`, which reads the file into memory first) and
//! streamed from the file (`-T file`); the goal is measured against the
//! faster of the two. Each side's time runs from creating the upload to the
//! server's final answer; files are fresh noise each time, so nothing
//! dedupes. Goal: >= 0.9x curl.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use base64::Engine as _;
use debrief_sync::Token;
use debrief_sync::tus::{self, UploadJob, UploadOptions, UploadOutcome};

use crate::server::{ChildServer, noise_file};

const MB: f64 = 1e6;

async fn curl_one_patch(
    server: &ChildServer,
    token: &Token,
    path: &Path,
    sha: &str,
    streamed: bool,
) -> f64 {
    let len = std::fs::metadata(path).unwrap().len();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let start = Instant::now();
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/uploads", server.url))
        .bearer_auth(&token.0)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", len.to_string())
        .header(
            "Upload-Metadata",
            format!("sha256 {},content_type {}", b64(sha), b64("video/mp4")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let out = tokio::process::Command::new("curl")
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "PATCH",
        ])
        .args(["-H", "Tus-Resumable: 1.0.0", "-H", "Upload-Offset: 0"])
        .args(["-H", "Content-Type: application/offset+octet-stream"])
        .args(["-H", &format!("Authorization: Bearer {}", token.0)])
        .args(if streamed {
            ["-T".to_string(), path.display().to_string()]
        } else {
            ["--data-binary".to_string(), format!("@{}", path.display())]
        })
        .arg(format!("{}{location}", server.url))
        .output()
        .await
        .expect("curl must be installed for the upload benchmark");
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "204",
        "curl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    secs
}

async fn ours(client: &debrief_sync::Client, path: &Path, sha: &str) -> f64 {
    let total = std::fs::metadata(path).unwrap().len();
    let job = UploadJob {
        path,
        sha256: sha,
        content_type: "video/mp4",
        clip_id: None,
        total,
    };
    let live = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let outcome = tus::upload(
        client,
        &job,
        None,
        &UploadOptions::default(),
        &live,
        &mut |_| {},
    )
    .await
    .unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(outcome, UploadOutcome::Uploaded { resumed_from: 0 });
    secs
}

pub async fn run(quick: bool) {
    let size = if quick { 20_000_000 } else { 100_000_000 };
    let trials = if quick { 1 } else { 5 };
    let server = ChildServer::start();
    let token = server.token("bench").await;
    let client =
        debrief_sync::Client::new(&server.url, Some(token.clone()), crate::server::timeouts())
            .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // Best time per contender: ours, curl --data-binary, curl -T.
    let mut best = [f64::MAX; 3];
    let names = ["ours", "curl --data-binary", "curl -T"];
    let mut samples = Vec::new();
    for t in 0..trials {
        // Rotate who goes first, so nobody always gets the warmer cache.
        for k in 0..3 {
            let who = (t as usize + k) % 3;
            let seed = (t * 3 + who as u64) * 7919 + 1;
            let (path, sha) = noise_file(tmp.path(), "upload.bin", size, seed);
            let secs = match who {
                0 => ours(&client, &path, &sha).await,
                1 => curl_one_patch(&server, &token, &path, &sha, false).await,
                _ => curl_one_patch(&server, &token, &path, &sha, true).await,
            };
            best[who] = best[who].min(secs);
            samples.push(format!("{} {:.0}", names[who], size as f64 / MB / secs));
            std::fs::remove_file(&path).unwrap();
        }
    }
    let mbps = |s: f64| size as f64 / MB / s;
    let curl = mbps(best[1]).max(mbps(best[2]));
    println!(
        "(a) {} MB upload on loopback, best of {trials} (MB/s per run: {})",
        size / 1_000_000,
        samples.join(", ")
    );
    println!(
        "    curl, one tus PATCH, --data-binary @file  {:8.1} MB/s",
        mbps(best[1])
    );
    println!(
        "    curl, one tus PATCH, -T file              {:8.1} MB/s",
        mbps(best[2])
    );
    println!(
        "    debrief-sync tus client                   {:8.1} MB/s = {:.2}x the faster curl (goal >= 0.9x)",
        mbps(best[0]),
        mbps(best[0]) / curl
    );
}

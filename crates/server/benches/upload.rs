//! Upload throughput on loopback and server memory under parallel uploads.
//!
//! 1. A 100 MB file: our chunked tus client (reqwest, 8 MiB PATCHes) vs the
//!    "curl" baseline (one tus PATCH of the whole file with curl, i.e. the
//!    server's raw ingest speed), both to the same server; goal >= 0.9x.
//!    For reference also tus-js-client -> debrief-server and tus-js-client
//!    -> @tus/server (+ @tus/file-store) when Node is available.
//! 2. 20 concurrent 50 MB uploads: the server's peak RSS (VmHWM); goal
//!    <= 200 MB.
//!
//! `--quick` (CI smoke mode) shrinks the sizes and repeats once.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use bytes::Bytes;
use common::*;

const MB: usize = 1_000_000;

fn mbps(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / MB as f64 / secs
}

async fn own_client(srv: &ChildServer, token: &str, data: &Bytes, sha: &str, chunk: usize) -> f64 {
    let client = reqwest::Client::new();
    let t = Instant::now();
    tus_upload_chunked(&client, &srv.base, token, data, sha, chunk).await;
    t.elapsed().as_secs_f64()
}

async fn curl_single_patch(
    srv: &ChildServer,
    token: &str,
    file: &Path,
    len: usize,
    sha: &str,
) -> f64 {
    let client = reqwest::Client::new();
    let t = Instant::now();
    let url = tus_create(&client, &srv.base, token, len, sha).await;
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
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .arg("-T")
        .arg(file)
        .arg(&url)
        .output()
        .await
        .expect("curl is installed");
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "204",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    secs
}

fn interop_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

fn node_ready() -> bool {
    let dir = interop_dir();
    if !dir.join("node_modules/@tus/server").exists() {
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            return false;
        }
    }
    Command::new("node").arg("--version").output().is_ok()
}

/// tus-js-client's own timing (excludes Node's start-up).
fn tus_js(endpoint: &str, token: &str, file: &Path, sha: &str) -> f64 {
    let out = Command::new("node")
        .arg(interop_dir().join("upload.mjs"))
        .args([endpoint, token])
        .arg(file)
        .args([sha, "8388608"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("seconds "))
        .unwrap()
        .parse()
        .unwrap()
}

fn tus_node_server(dir: &Path) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = Command::new("node")
        .arg(interop_dir().join("tus-server.mjs"))
        .arg(dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line.trim().strip_prefix("listening ").unwrap().to_string();
    (child, format!("http://127.0.0.1:{port}/files"))
}

async fn throughput(quick: bool) {
    let size = if quick { 8 * MB } else { 100 * MB };
    let rounds = if quick { 1 } else { 3 };
    let srv = ChildServer::start("");
    let client = reqwest::Client::new();
    let token = join(&client, &srv.base, &srv.invite(1), "bench").await;
    let data = Bytes::from(bench_bytes(size, 7));
    let sha = sha256_hex(&data);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &data).unwrap();
    let (mut own8, mut own32, mut curl) = (f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..rounds {
        curl = curl.min(curl_single_patch(&srv, &token, file.path(), size, &sha).await);
        own8 = own8.min(own_client(&srv, &token, &data, &sha, 8 << 20).await);
        own32 = own32.min(own_client(&srv, &token, &data, &sha, 32 << 20).await);
    }
    let curl_mbps = mbps(size, curl);
    println!("upload {} MB, best of {rounds}:", size / MB);
    println!("  curl, one PATCH (baseline)      {curl_mbps:8.1} MB/s");
    for (label, secs) in [("8 MiB", own8), ("32 MiB", own32)] {
        let own_mbps = mbps(size, secs);
        println!(
            "  own tus client, {label:>6} chunks  {own_mbps:8.1} MB/s = {:.2}x curl (goal >= 0.9x)",
            own_mbps / curl_mbps
        );
    }
    if node_ready() {
        let to_us = tus_js(
            &format!("{}/v1/uploads", srv.base),
            &token,
            file.path(),
            &sha,
        );
        let store = tempfile::tempdir().unwrap();
        let (mut node, endpoint) = tus_node_server(store.path());
        let to_node = tus_js(&endpoint, "", file.path(), &sha);
        let _ = node.kill();
        let _ = node.wait();
        println!(
            "  tus-js-client -> debrief-server {:8.1} MB/s",
            mbps(size, to_us)
        );
        println!(
            "  tus-js-client -> @tus/server    {:8.1} MB/s (reference)",
            mbps(size, to_node)
        );
    } else {
        println!("  (node/npm missing: tus-js-client comparisons skipped)");
    }
}

async fn parallel_memory(quick: bool) {
    let (count, size) = if quick { (4, 8 * MB) } else { (20, 50 * MB) };
    let srv = ChildServer::start("join_per_minute = 1000\n");
    let client = reqwest::Client::new();
    let code = srv.invite(count as u32);
    let mut tokens = Vec::new();
    for i in 0..count {
        tokens.push(join(&client, &srv.base, &code, &format!("d{i}")).await);
    }
    let idle = srv.current_rss();
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let base = srv.base.clone();
        tasks.push(tokio::spawn(async move {
            let data = Bytes::from(bench_bytes(size, 100 + i as u64));
            let sha = sha256_hex(&data);
            let client = reqwest::Client::new();
            tus_upload_chunked(&client, &base, &token, &data, &sha, 16 * 1024 * 1024).await;
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    let peak = srv.peak_rss();
    println!("{count} concurrent uploads of {} MB:", size / MB);
    println!(
        "  aggregate                       {:8.1} MB/s",
        mbps(size * count, secs)
    );
    println!(
        "  server RSS idle                 {:8.1} MB",
        idle as f64 / MB as f64
    );
    println!(
        "  server peak RSS (VmHWM)         {:8.1} MB (goal <= 200 MB)",
        peak as f64 / MB as f64
    );
}

#[tokio::main]
async fn main() {
    let quick = quick();
    throughput(quick).await;
    parallel_memory(quick).await;
}

//! Interop with a tus client nobody here wrote: tus-js-client (npm) uploads
//! to the server, directly and through a proxy that drops the connection
//! mid-body, and the stored media must match byte for byte.
//!
//! Needs Node and npm; `npm ci` runs into tests/interop when node_modules
//! is missing.

mod helpers;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use debrief_protocol::api::Role;
use helpers::{Device, TestServer, media_bytes, sha256_hex};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

fn ensure_node_modules() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = interop_dir();
        if dir.join("node_modules/tus-js-client").exists() {
            return;
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm must be installed for the tus interop test");
        assert!(status.success(), "npm ci failed in {}", dir.display());
    });
}

/// Run tus-js-client; returns its stdout.
async fn tus_js_upload(endpoint: &str, dev: &Device, bytes: &[u8], chunk: Option<usize>) -> String {
    ensure_node_modules();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(interop_dir().join("upload.mjs"))
        .arg(endpoint)
        .arg(&dev.token)
        .arg(file.path())
        .arg(sha256_hex(bytes));
    if let Some(c) = chunk {
        cmd.arg(c.to_string());
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output())
        .await
        .expect("tus-js-client finished in time")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "tus-js-client failed: {}{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn stored(dev: &Device, bytes: &[u8]) -> Vec<u8> {
    let resp = dev
        .get(&format!("/v1/media/{}", sha256_hex(bytes)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn tus_js_client_uploads_in_chunks_byte_for_byte() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(3 * 1024 * 1024 + 17, 11);
    let out = tus_js_upload(
        &format!("{}/v1/uploads", srv.base),
        &dev,
        &bytes,
        Some(512 * 1024),
    )
    .await;
    assert!(out.contains(&format!("{}/v1/uploads/", srv.base)), "{out}");
    assert!(stored(&dev, &bytes).await == bytes, "stored media differs");
}

/// A TCP proxy whose first connection is cut after `cut_after` bytes from
/// the client; counts every client byte it forwards.
async fn cutting_proxy(
    upstream: String,
    cut_after: u64,
) -> (String, Arc<AtomicU64>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let forwarded = Arc::new(AtomicU64::new(0));
    let conns = Arc::new(AtomicUsize::new(0));
    let total = forwarded.clone();
    let accepted = conns.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let n = conns.fetch_add(1, Ordering::SeqCst);
            let limit = if n == 0 { cut_after } else { u64::MAX };
            let server = TcpStream::connect(upstream.trim_start_matches("http://"))
                .await
                .unwrap();
            tokio::spawn(pipe(client, server, limit, total.clone()));
        }
    });
    (addr, forwarded, accepted)
}

async fn pipe(client: TcpStream, server: TcpStream, limit: u64, total: Arc<AtomicU64>) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async move {
        let mut buf = vec![0u8; 64 * 1024];
        let mut sent = 0u64;
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let n = n.min((limit - sent) as usize);
            if sw.write_all(&buf[..n]).await.is_err() {
                return;
            }
            sent += n as u64;
            total.fetch_add(n as u64, Ordering::SeqCst);
            if sent >= limit {
                return; // dropping both halves cuts the connection
            }
        }
    };
    let down = async move {
        let _ = tokio::io::copy(&mut sr, &mut cw).await;
    };
    tokio::select! {
        () = up => {},
        () = down => {},
    }
}

#[tokio::test]
async fn tus_js_client_resumes_after_a_dropped_connection() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(4 * 1024 * 1024, 12);
    let (proxy, forwarded, connections) = cutting_proxy(srv.base.clone(), 1024 * 1024).await;
    tus_js_upload(&format!("{proxy}/v1/uploads"), &dev, &bytes, None).await;
    assert!(stored(&dev, &bytes).await == bytes, "stored media differs");
    assert!(
        connections.load(Ordering::SeqCst) >= 2,
        "the client reconnected after the cut"
    );
    let sent = forwarded.load(Ordering::SeqCst);
    // Resumed, not restarted: about one file's worth crossed the proxy
    // (plus headers), not the first megabyte and then the whole file again.
    assert!(
        sent < bytes.len() as u64 + 256 * 1024,
        "{sent} bytes forwarded"
    );
}

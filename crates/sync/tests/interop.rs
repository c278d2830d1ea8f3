//! Our tus client against a tus server nobody here wrote: `@tus/server`
//! with `@tus/file-store` (npm). The stored file must match byte for byte,
//! also when the connection is cut mid-PATCH and the upload resumes (HEAD,
//! then PATCH from the server's offset). `@tus/file-store` has no checksum
//! extension, so uploads go without per-request checksums, as large media
//! does against our own server.
//!
//! Needs Node and npm: `npm ci` runs in tests/interop when node_modules is
//! missing, and the test fails (never skips) when npm is not installed.

#[path = "../../cli/tests/helpers/proxy.rs"]
mod proxy;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use debrief_sync::tus::{self, UploadJob, UploadOptions, UploadOutcome};
use debrief_sync::{Client, Timeouts, Token};
use proxy::{Action, Dir, Fault, Proxy, Route};
use sha2::{Digest, Sha256};

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

fn ensure_node_modules() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = interop_dir();
        if dir.join("node_modules/@tus/server").exists() {
            return;
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "npm is needed for the @tus/server interop test (install Node.js and npm): {e}"
                )
            });
        assert!(status.success(), "npm ci failed in {}", dir.display());
    });
}

/// `node tus-server.mjs DIR` on a loopback port; killed on drop.
struct TusServer {
    child: Child,
    url: String,
    store: tempfile::TempDir,
}

impl TusServer {
    fn start() -> Self {
        ensure_node_modules();
        let store = tempfile::tempdir().unwrap();
        let mut child = Command::new("node")
            .arg(interop_dir().join("tus-server.mjs"))
            .arg(store.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node must be installed for the @tus/server interop test");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected first line from tus-server.mjs: {line:?}"));
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            store,
        }
    }

    /// The bytes @tus/file-store stored for an upload URL (files are named by upload id).
    fn stored(&self, upload_url: &str) -> Vec<u8> {
        let id = upload_url.rsplit('/').next().unwrap();
        std::fs::read(self.store.path().join(id)).unwrap()
    }
}

impl Drop for TusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// No per-request checksums: @tus/file-store lacks the extension.
fn plain() -> UploadOptions {
    UploadOptions {
        checksum: false,
        small_file_bytes: 0,
        ..UploadOptions::default()
    }
}

fn client(url: &str) -> Client {
    let timeouts = Timeouts {
        connect: std::time::Duration::from_secs(5),
        read: std::time::Duration::from_secs(5),
    };
    Client::new(
        url,
        Some(Token("not-checked-by-tus-server".into())),
        timeouts,
    )
    .unwrap()
}

struct Source {
    _dir: tempfile::TempDir,
    path: PathBuf,
    bytes: Vec<u8>,
    sha256: String,
}

fn source(len: usize, seed: u64) -> Source {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.mp4");
    let bytes = noise(len, seed);
    std::fs::write(&path, &bytes).unwrap();
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Source {
        _dir: dir,
        path,
        bytes,
        sha256,
    }
}

fn job(src: &Source) -> UploadJob<'_> {
    UploadJob {
        path: &src.path,
        sha256: &src.sha256,
        content_type: "video/mp4",
        clip_id: Some("01a21e1e-34ef-737b-bfc9-f42df2209300".into()),
        total: src.bytes.len() as u64,
    }
}

#[tokio::test]
async fn uploads_to_tus_server_byte_for_byte() {
    let server = TusServer::start();
    let src = source(3_000_017, 1);
    let live = Arc::new(AtomicU64::new(0));
    let mut url = None;
    let outcome = tus::upload(
        &client(&server.url),
        &job(&src),
        None,
        &plain(),
        &live,
        &mut |p| url = p.url.clone(),
    )
    .await
    .unwrap();
    assert_eq!(outcome, UploadOutcome::Uploaded { resumed_from: 0 });
    assert_eq!(live.load(Ordering::Relaxed), src.bytes.len() as u64);
    let url = url.expect("the client reported its upload URL");
    assert!(server.stored(&url) == src.bytes, "stored file differs");

    // A small file goes in one chunk with Upload-Checksum by default;
    // @tus/server (no checksum extension) ignores the header and stores it.
    let small = source(200_003, 3);
    let mut url = None;
    tus::upload(
        &client(&server.url),
        &job(&small),
        None,
        &UploadOptions::default(),
        &live,
        &mut |p| url = p.url.clone(),
    )
    .await
    .unwrap();
    assert!(
        server.stored(&url.unwrap()) == small.bytes,
        "stored small file differs"
    );
}

#[tokio::test]
async fn resumes_a_cut_upload_on_tus_server_from_its_offset() {
    let server = TusServer::start();
    let proxy = Proxy::start(&server.url);
    let src = source(6_000_011, 2);
    let size = src.bytes.len() as u64;
    let cut_at = 2_345_678;
    proxy.arm(Fault::Cut {
        dir: Some(Dir::Up),
        after: cut_at,
        action: Action::Close,
        only: Some(Route {
            method: "PATCH",
            path: "/v1/uploads/",
        }),
    });
    let client = client(&proxy.url);
    let live = Arc::new(AtomicU64::new(0));
    let mut url = None;
    let err = tus::upload(&client, &job(&src), None, &plain(), &live, &mut |p| {
        url = p.url.clone()
    })
    .await
    .unwrap_err();
    assert!(!err.is_permanent(), "a cut is worth a retry: {err}");
    assert_eq!(proxy.faults_fired(), 1);
    let url = url.expect("the upload URL was recorded before the cut");

    // Resume: HEAD tells where @tus/server stands, the rest follows.
    let outcome = tus::upload(
        &client,
        &job(&src),
        Some(&url),
        &plain(),
        &live,
        &mut |_| {},
    )
    .await
    .unwrap();
    let UploadOutcome::Uploaded { resumed_from } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(
        resumed_from > 0 && resumed_from <= cut_at,
        "resumed from {resumed_from}, cut at {cut_at}"
    );
    let patched: u64 = proxy
        .exchanges()
        .iter()
        .filter(|e| e.method == "PATCH")
        .map(|e| e.request_body)
        .sum();
    let resent = patched - size;
    eprintln!("cut at {cut_at}, resumed from {resumed_from}, re-sent {resent} bytes");
    assert!(resent < 1 << 20, "re-sent {resent} bytes");
    assert!(server.stored(&url) == src.bytes, "stored file differs");
}

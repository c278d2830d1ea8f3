//! Shared by the benchmarks: the real `debrief-server` binary as a child
//! process (so its memory can be read from /proc), with a team and devices.
#![allow(dead_code)]

pub mod feed;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_debrief-server");

pub struct ChildServer {
    pub child: Child,
    pub base: String,
    pub dir: tempfile::TempDir,
}

impl ChildServer {
    /// A fresh data dir with `settings_toml`, a team "Bench" and a server.
    pub fn start(settings_toml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("server.toml"), settings_toml).unwrap();
        cli(dir.path(), &["team", "create", "Bench"]);
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env("DEBRIEF_SERVER_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line.trim().rsplit(' ').next().unwrap().to_string();
        Self { child, base, dir }
    }

    pub fn invite(&self, uses: u32) -> String {
        let out = cli(
            self.dir.path(),
            &[
                "invite",
                "--team",
                "Bench",
                "--role",
                "member",
                "--uses",
                &uses.to_string(),
            ],
        );
        out.lines().last().unwrap().to_string()
    }

    /// Peak resident memory of the server so far, in bytes.
    pub fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kb * 1024
    }

    pub fn current_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kb * 1024
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

pub fn cli(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Join with `code`; returns the device token.
pub async fn join(client: &reqwest::Client, base: &str, code: &str, name: &str) -> String {
    let resp: serde_json::Value = client
        .post(format!("{base}/v1/join"))
        .json(&serde_json::json!({"code": code, "display_name": name, "device_name": name}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    resp["token"]
        .as_str()
        .unwrap_or_else(|| panic!("join failed: {resp}"))
        .to_string()
}

pub fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

pub fn tus_metadata(sha: &str) -> String {
    let b64 = |s: &str| data_encoding::BASE64.encode(s.as_bytes());
    format!("sha256 {},content_type {}", b64(sha), b64("video/mp4"))
}

/// Pseudo-random bytes (xorshift), so nothing compresses or dedupes by accident.
pub fn bench_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Create a tus upload; returns its absolute URL.
pub async fn tus_create(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    len: usize,
    sha: &str,
) -> String {
    let resp = client
        .post(format!("{base}/v1/uploads"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", len.to_string())
        .header("Upload-Metadata", tus_metadata(sha))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    format!("{base}{}", resp.headers()["location"].to_str().unwrap())
}

/// Our own chunked tus client: PATCH `chunk`-sized pieces in order.
pub async fn tus_upload_chunked(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    data: &bytes::Bytes,
    sha: &str,
    chunk: usize,
) {
    let url = tus_create(client, base, token, data.len(), sha).await;
    let mut offset = 0;
    while offset < data.len() {
        let end = (offset + chunk).min(data.len());
        let resp = client
            .patch(&url)
            .bearer_auth(token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(data.slice(offset..end))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            204,
            "{}",
            resp.text().await.unwrap_or_default()
        );
        offset = end;
    }
}

//! The real `debrief-server` as a child process for the benchmarks, built
//! on demand from the same target directory (like the CLI tests do), with
//! one team and devices joined over HTTP.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use debrief_protocol::api::JoinRequest;
use debrief_sync::{Client, Timeouts, Token};

pub struct ChildServer {
    child: Child,
    pub url: String,
    pub dir: tempfile::TempDir,
}

/// `debrief-server` from this build's profile directory, built (or brought
/// up to date) with the same profile first.
fn server_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "-p", "debrief-server", "--bin", "debrief-server"]);
    if release {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo build for debrief-server");
    assert!(status.success(), "building debrief-server failed");
    profile_dir.join("debrief-server")
}

fn admin(bin: &Path, dir: &Path, args: &[&str]) -> String {
    let out = Command::new(bin)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "debrief-server {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl ChildServer {
    pub fn start() -> Self {
        let bin = server_bin_cached();
        let dir = tempfile::tempdir().unwrap();
        admin(&bin, dir.path(), &["team", "create", "Bench"]);
        let mut child = Command::new(&bin)
            .arg("--data-dir")
            .arg(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().rsplit(' ').next().unwrap().to_string();
        Self { child, url, dir }
    }

    pub fn invite(&self) -> String {
        admin(
            &server_bin_cached(),
            self.dir.path(),
            &["invite", "--team", "Bench", "--uses", "10"],
        )
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string()
    }

    /// A device token for the team (joined over HTTP, no library).
    pub async fn token(&self, name: &str) -> Token {
        let client = Client::new(&self.url, None, timeouts()).unwrap();
        let resp = client
            .join(&JoinRequest {
                code: self.invite(),
                display_name: name.into(),
                device_name: name.into(),
                device_id: None,
            })
            .await
            .unwrap();
        Token(resp.token)
    }

    /// A client for `url` (the server or a proxy in front of it).
    pub async fn client_at(&self, url: &str, name: &str) -> Client {
        Client::new(url, Some(self.token(name).await), timeouts()).unwrap()
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_bin_cached() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(server_bin).clone()
}

pub fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        read: Duration::from_secs(30),
    }
}

/// A file of `len` pseudo-random bytes (nothing compresses or dedupes)
/// and its SHA-256.
pub fn noise_file(dir: &Path, name: &str, len: usize, seed: u64) -> (PathBuf, String) {
    use sha2::Digest;
    let mut x = seed | 1;
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(len);
    let path = dir.join(name);
    std::fs::write(&path, &bytes).unwrap();
    (path, hex::encode(sha2::Sha256::digest(&bytes)))
}

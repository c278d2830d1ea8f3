//! A real `debrief-server` process on a loopback port for device tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct TeamServer {
    pub dir: tempfile::TempDir,
    pub url: String,
    child: Option<Child>,
}

/// The server binary from the same build, built on demand.
pub fn server_bin() -> PathBuf {
    let debrief = PathBuf::from(env!("CARGO_BIN_EXE_debrief"));
    let bin = debrief.with_file_name("debrief-server");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "debrief-server", "--bin", "debrief-server"])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building debrief-server failed");
    }
    bin
}

fn admin(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(server_bin())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("run debrief-server");
    assert!(
        out.status.success(),
        "debrief-server {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl TeamServer {
    /// A server with one team, "Sales".
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        admin(dir.path(), &["team", "create", "Sales"]);
        let mut s = Self {
            dir,
            url: String::new(),
            child: None,
        };
        s.spawn("127.0.0.1:0");
        s
    }

    fn spawn(&mut self, listen: &str) {
        let mut child = Command::new(server_bin())
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(["serve", "--listen", listen])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start debrief-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().rsplit(' ').next().unwrap().to_string();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "unexpected first line: {line:?}"
        );
        self.url = url;
        self.child = Some(child);
    }

    /// An invite code for the team.
    pub fn invite(&self, role: &str) -> String {
        admin(
            self.dir.path(),
            &["invite", "--team", "Sales", "--role", role],
        )
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string()
    }

    pub fn admin(&self, args: &[&str]) -> String {
        admin(self.dir.path(), args)
    }

    /// Stop the process (like a crash: SIGKILL).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start again on the same port.
    pub fn restart(&mut self) {
        self.kill();
        let listen = self.url.trim_start_matches("http://").to_string();
        self.spawn(&listen);
    }

    /// Whether the server stores this content (asked as a team device would).
    pub fn has_media(&self, token: &str, sha256: &str) -> bool {
        let client = reqwest::blocking::Client::new();
        let resp = client
            .head(format!("{}/v1/media/{sha256}", self.url))
            .bearer_auth(token)
            .send()
            .unwrap();
        resp.status().as_u16() == 200
    }
}

impl Drop for TeamServer {
    fn drop(&mut self) {
        self.kill();
    }
}

//! Shared steps of the sync fault tests: devices that talk to the team
//! server through a [`crate::proxy::Proxy`], sync rounds repeated until
//! they succeed (bounded), distinct real MP4s, and the server's own view
//! (its change feed and stored media, asked directly, not through the proxy).
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::server::TeamServer;
use crate::helpers::{Run, debrief_cmd, ffmpeg_mp4, run_output};
use crate::proxy::Proxy;

/// Seconds a request may go without progress: stalls fail fast in tests.
pub const TIMEOUT_SECS: &str = "2";

/// `debrief` with the settings every device in these tests uses: the
/// token in a file (so the test can read it), short network timeouts.
pub fn device_cmd(data: &Path) -> Command {
    let mut c = debrief_cmd(data);
    c.env("DEBRIEF_TOKEN_STORE", "file")
        .env("DEBRIEF_NETWORK_TIMEOUT_SECS", TIMEOUT_SECS)
        .env_remove("DEBRIEF_NM_BUS_ADDRESS")
        .env_remove("DEBRIEF_ALLOW_CELLULAR");
    c
}

pub fn device(data: &Path, args: &[&str]) -> Run {
    run_output(device_cmd(data).args(args).output().expect("run debrief"))
}

/// Join the server's team "Sales" at `url` (the server or a proxy in front).
pub fn join_at(data: &Path, server: &TeamServer, url: &str, name: &str) {
    let code = server.invite("member");
    device(
        data,
        &["join", url, &code, "--name", name, "--device", name],
    )
    .ok();
}

pub fn token(data: &Path) -> String {
    std::fs::read_to_string(data.join("device-token"))
        .expect("the token is in the data dir's file store")
        .trim()
        .to_string()
}

/// `sync --once` until it exits 0, at most `max_runs` times. Returns the
/// number of runs and the last report. Repeating a failed round is what
/// the app's sync loop does; the bound keeps a livelock from passing.
pub fn sync_until_ok(data: &Path, network: &str, max_runs: u32) -> (u32, serde_json::Value) {
    let mut last = String::new();
    for run in 1..=max_runs {
        let r = device(data, &["sync", "--once", "--network", network, "--json"]);
        if r.code == 0 {
            return (run, r.json());
        }
        last = format!("exit {}: {} {}", r.code, r.stdout, r.stderr);
    }
    panic!("sync did not succeed in {max_runs} rounds; last: {last}");
}

/// A real MP4 made unique by a `free` box of `extra` pseudo-random bytes,
/// so each file has its own SHA-256 and nothing dedupes by accident.
pub fn unique_mp4(base: &Path, dir: &Path, name: &str, extra: usize, seed: u64) -> PathBuf {
    let out = dir.join(name);
    std::fs::copy(base, &out).unwrap();
    let mut f = std::fs::OpenOptions::new().append(true).open(&out).unwrap();
    f.write_all(&((extra as u32) + 8).to_be_bytes()).unwrap();
    f.write_all(b"free").unwrap();
    f.write_all(&noise(extra, seed)).unwrap();
    out
}

/// A small base clip for [`unique_mp4`].
pub fn base_mp4(dir: &Path) -> PathBuf {
    ffmpeg_mp4(dir, "base.mp4", 1.0, &["-movflags", "+faststart"])
}

/// Pseudo-random bytes (xorshift): incompressible, reproducible.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The server's change feed from the start, asked directly (not through
/// the proxy): clip states by id. Panics if a clip appears twice.
pub fn server_clips(server_url: &str, token: &str) -> BTreeMap<String, serde_json::Value> {
    let client = reqwest::blocking::Client::new();
    let mut out = BTreeMap::new();
    let mut after = 0u64;
    loop {
        let page: serde_json::Value = client
            .get(format!("{server_url}/v1/changes?after={after}&limit=1000"))
            .bearer_auth(token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        for change in page["changes"].as_array().unwrap() {
            let state = &change["entity"]["state"];
            let id = state["clip_id"].as_str().unwrap().to_string();
            assert!(
                out.insert(id.clone(), state.clone()).is_none(),
                "clip {id} appears twice in the change feed"
            );
        }
        after = page["next_cursor"].as_u64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            return out;
        }
    }
}

/// The media the server stores for `sha256`, fetched directly.
pub fn server_media(server_url: &str, token: &str, sha256: &str) -> Vec<u8> {
    let resp = reqwest::blocking::Client::new()
        .get(format!("{server_url}/v1/media/{sha256}"))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "server lacks media {sha256}");
    resp.bytes().unwrap().to_vec()
}

/// A device's clips from `list --json`, by id (panics on a duplicate id).
pub fn device_clips(data: &Path) -> BTreeMap<String, serde_json::Value> {
    let list = device(data, &["list", "--limit", "1000", "--json"])
        .ok()
        .json();
    let mut out = BTreeMap::new();
    for c in list.as_array().unwrap() {
        let id = c["id"].as_str().unwrap().to_string();
        assert!(
            out.insert(id.clone(), c.clone()).is_none(),
            "clip {id} is listed twice"
        );
    }
    out
}

pub fn tag_set(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_lowercase())
        .collect()
}

/// Uploads created for `sha256` (their Location paths) and the media
/// bytes that crossed the proxy for it: PATCH bodies to those uploads
/// plus GET /v1/media/{sha256} bodies.
pub fn media_bytes_at_proxy(proxy: &Proxy, sha256: &str) -> (usize, u64) {
    use base64::Engine as _;
    let log = proxy.exchanges();
    let meta = format!(
        "sha256 {}",
        base64::engine::general_purpose::STANDARD.encode(sha256)
    );
    let uploads: Vec<String> = log
        .iter()
        .filter(|e| e.is("POST", "/v1/uploads"))
        .filter(|e| {
            e.headers
                .get("upload-metadata")
                .is_some_and(|m| m.split(',').any(|kv| kv == meta))
        })
        .map(|e| {
            e.response_headers
                .get("location")
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    let media = format!("/v1/media/{sha256}");
    let bytes = log
        .iter()
        .filter(|e| {
            (e.method == "PATCH"
                && uploads
                    .iter()
                    .any(|u| !u.is_empty() && e.path.ends_with(u.as_str())))
                || (e.method == "GET" && e.path == media)
        })
        .map(|e| e.request_body + e.response_body)
        .sum();
    (uploads.len(), bytes)
}

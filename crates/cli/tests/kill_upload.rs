//! `debrief sync` killed with SIGKILL in the middle of a large upload,
//! several times at random moments: each next sync continues the same tus
//! upload from the server's offset (the proxy counts how many media bytes
//! crossed the network in total), and the file that finally lands on the
//! server is byte-identical (a second device downloads it and compares).

mod helpers;
#[path = "helpers/proxy.rs"]
mod proxy;
#[path = "helpers/team.rs"]
mod team;

use std::process::Stdio;
use std::time::{Duration, Instant};

use helpers::server::TeamServer;
use helpers::sha256_of;
use proxy::Proxy;
use team::*;

#[test]
fn killed_syncs_resume_uploads_from_the_server_offset() {
    let server = TeamServer::start();
    let proxy = Proxy::start(&server.url);
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    join_at(&a, &server, &proxy.url, "Avery");
    join_at(&b, &server, &server.url, "Blake");
    let mp4 = unique_mp4(&base_mp4(tmp.path()), tmp.path(), "big.mp4", 48 << 20, 9);
    let size = std::fs::metadata(&mp4).unwrap().len();
    let sha = sha256_of(&mp4);
    let id = device(&a, &["import", mp4.to_str().unwrap()])
        .ok()
        .last_line()
        .to_string();
    // About 3 s for the whole file, so kills land mid-upload.
    proxy.throttle(Some(16 << 20));

    let mut seed = 0x6b11_u64 ^ u64::from(std::process::id());
    let mut kills = 0;
    for round in 0..4 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let (_, sent_before) = media_bytes_at_proxy(&proxy, &sha);
        let mut child = device_cmd(&a)
            .args(["sync", "--once", "--network", "unmetered"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the upload to be moving, then kill at a random moment.
        let start = Instant::now();
        while media_bytes_at_proxy(&proxy, &sha).1 < sent_before + (256 << 10) {
            assert!(
                child.try_wait().unwrap().is_none(),
                "round {round}: sync ended before its upload moved"
            );
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no upload started"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(50 + seed % 600));
        if child.try_wait().unwrap().is_some() {
            break; // the upload finished first; the rest of the test still holds
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        // The library is intact and still knows what waits.
        let status = device(&a, &["status", "--json"]).ok().json();
        assert!(
            status["pending_uploads"].as_u64().unwrap() >= 1,
            "round {round}: {status}"
        );
        let t = status["transfers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["thumbnail"] == false)
            .expect("the media upload is a recorded transfer");
        assert_eq!(
            (&t["direction"], t["bytes_total"].as_u64()),
            (&"up".into(), Some(size))
        );
        assert!(t["bytes_done"].as_u64().unwrap() < size);
        // Give the server a moment to see the connection end, as after a real crash.
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(kills >= 3, "only {kills} kills landed mid-upload");
    let (_, at_last_kill) = media_bytes_at_proxy(&proxy, &sha);
    assert!(
        at_last_kill < size,
        "the upload finished before the last kill"
    );

    let (_, report) = sync_until_ok(&a, "unmetered", 3);
    proxy.throttle(None);
    let resumed = report["upload_bytes_resumed"].as_u64().unwrap();
    let (uploads, sent) = media_bytes_at_proxy(&proxy, &sha);
    let resent = sent - size;
    eprintln!(
        "{kills} kills; the last run resumed at {resumed} of {size}; bytes re-sent in total: {resent}"
    );
    assert_eq!(uploads, 1, "every run continued the same tus upload");
    assert!(resumed > 0, "the final run resumed: {report}");
    assert!(
        resent < 256 << 10,
        "{resent} bytes were sent twice over {kills} kills"
    );
    assert_eq!(
        device(&a, &["show", &id, "--json"]).ok().json()["sync_state"],
        "synced"
    );

    // A second device gets exactly the file A recorded.
    device(&b, &["sync", "--once", "--network", "unmetered"]).ok();
    let opened = device(&b, &["open", &id, "--network", "unmetered", "--json"])
        .ok()
        .json();
    let path = std::path::PathBuf::from(opened["media_path"].as_str().unwrap());
    assert_eq!(sha256_of(&path), sha);
}

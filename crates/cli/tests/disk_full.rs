//! The disk fills up while a clip downloads (a real full filesystem: the
//! data dir lives on a small tmpfs, filled up by another file). The user is
//! told to free space, nothing is lost (the clip stays remote, the library
//! answers, no half file is taken for media), and once space is freed a
//! later `open` or sync completes with the right bytes.
//!
//! Mounting needs root, which the test machines and CI give; without it
//! the test fails rather than pretending to pass.

mod helpers;
#[path = "helpers/proxy.rs"]
mod proxy;
#[path = "helpers/team.rs"]
mod team;

use std::path::{Path, PathBuf};
use std::process::Command;

use helpers::server::TeamServer;
use helpers::sha256_of;
use team::*;

/// A tmpfs of `mib` MiB mounted at a fresh directory; unmounted on drop.
struct Tmpfs {
    dir: PathBuf,
    _parent: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(mib: u32) -> Self {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("small-disk");
        std::fs::create_dir(&dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(&dir)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "mounting a tmpfs needs root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self {
            dir,
            _parent: parent,
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// Fill `dir`'s filesystem until `leave` bytes are free.
fn fill(dir: &Path, leave: u64) -> PathBuf {
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let avail: u64 = text.lines().nth(1).unwrap().trim().parse().unwrap();
    let filler = dir.join("filler.bin");
    std::fs::write(&filler, vec![7u8; avail.saturating_sub(leave) as usize]).unwrap();
    filler
}

fn clip_state(data: &Path, id: &str) -> serde_json::Value {
    device(data, &["show", id, "--json"]).ok().json()
}

#[test]
fn a_full_disk_during_download_says_free_space_and_loses_nothing() {
    let server = TeamServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    join_at(&a, &server, &server.url, "Avery");
    let mp4 = unique_mp4(&base_mp4(tmp.path()), tmp.path(), "big.mp4", 8 << 20, 4);
    let id = device(&a, &["import", mp4.to_str().unwrap(), "--tag", "pricing"])
        .ok()
        .last_line()
        .to_string();
    sync_until_ok(&a, "unmetered", 1);

    let disk = Tmpfs::mount(32);
    let b = disk.dir.join("b");
    join_at(&b, &server, &server.url, "Blake");
    sync_until_ok(&b, "unmetered", 1);
    assert_eq!(clip_state(&b, &id)["media_state"], "remote");
    let filler = fill(&disk.dir, 3 << 20);

    // Opening it now runs out of space: a clear message, exit 5.
    let r = device(&b, &["open", &id, "--network", "unmetered"]).fails_with("free some space");
    assert_eq!(r.code, 5, "disk full has its own exit code");
    let c = clip_state(&b, &id);
    assert_eq!(c["media_state"], "remote", "not stuck downloading: {c}");
    assert!(c["media_path"].is_null());
    assert_eq!(tag_set(&c["tags"]), ["pricing".to_string()].into());
    assert!(
        helpers::files_under(&b.join("downloads")).is_empty(),
        "the partial download gave its space back"
    );

    // A pinned clip fails the same way inside a sync round, which says so.
    device(&b, &["pin", &id]).ok();
    let r = device(&b, &["sync", "--once", "--network", "unmetered", "--json"]);
    assert_ne!(r.code, 0);
    let report = r.json();
    let failure = &report["failures"][0];
    assert_eq!(failure["kind"], "disk_full", "{report}");
    assert!(
        failure["error"]
            .as_str()
            .unwrap()
            .contains("free some space")
    );
    let status = device(&b, &["status", "--json"]).ok().json();
    assert!(
        status["last_error"]
            .as_str()
            .unwrap()
            .contains("free some space"),
        "{status}"
    );
    assert_eq!(status["pending_downloads"], 1);
    assert_eq!(clip_state(&b, &id)["media_state"], "remote");

    // Space freed: the next sync gets it, verified, and the library is whole.
    std::fs::remove_file(&filler).unwrap();
    let (_, report) = sync_until_ok(&b, "unmetered", 1);
    assert_eq!(report["downloaded_files"], 1, "{report}");
    let c = clip_state(&b, &id);
    assert_eq!(c["media_state"], "cached");
    assert_eq!(
        sha256_of(Path::new(c["media_path"].as_str().unwrap())),
        sha256_of(&mp4)
    );
    let opened = device(&b, &["open", &id, "--json"]).ok().json();
    assert_eq!(opened["media_path"], c["media_path"]);
    assert_eq!(device_clips(&b).len(), 1);
    assert_eq!(
        device(&b, &["status", "--json"]).ok().json()["pending_downloads"],
        0
    );
    drop(disk);
}

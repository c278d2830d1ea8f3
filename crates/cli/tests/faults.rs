//! Sync through a hostile network: a fault-injecting proxy between the
//! devices and a real `debrief-server` cuts, resets and stalls connections
//! while 20 clips travel, swallows answers to pushed changes, and counts
//! what a metered network lets through. Nothing may be lost or duplicated,
//! and the server, the sender and a second device must agree.

mod helpers;
#[path = "helpers/proxy.rs"]
mod proxy;
#[path = "helpers/team.rs"]
mod team;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use helpers::server::TeamServer;
use helpers::sha256_of;
use proxy::{Action, Dir, Fault, Proxy, Route};
use team::*;

/// Keeps one random fault armed at a time until dropped.
struct Chaos {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Chaos {
    fn start(proxy: Arc<Proxy>, seed: u64) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut x = seed | 1;
            let mut rand = move |n: u64| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % n
            };
            while !flag.load(Ordering::SeqCst) {
                if proxy.armed() == 0 {
                    let action = match rand(4) {
                        0 | 1 => Action::Close,
                        2 => Action::Reset,
                        // Longer than the devices' 2 s timeout half the time.
                        _ => Action::Stall(Duration::from_millis(300 + rand(3400))),
                    };
                    // About one fault per megabyte of traffic.
                    proxy.arm(Fault::Cut {
                        dir: None,
                        after: 1 + rand(2_000_000),
                        action,
                        only: None,
                    });
                }
                std::thread::sleep(Duration::from_millis(20 + rand(200)));
            }
            proxy.disarm();
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Chaos {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn twenty_clips_survive_cuts_resets_and_stalls() {
    let server = TeamServer::start();
    let proxy = Arc::new(Proxy::start(&server.url));
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    join_at(&a, &server, &proxy.url, "Avery");
    join_at(&b, &server, &proxy.url, "Blake");

    // 16 small clips (one checksummed PATCH each) and 4 larger ones
    // (streamed PATCHes that keep what arrived before a cut).
    let base = base_mp4(tmp.path());
    let mut sources = Vec::new();
    for i in 0..20u64 {
        let extra = if i % 5 == 4 {
            1_500_000 + 300_000 * (i as usize / 5)
        } else {
            150_000 + 20_000 * i as usize
        };
        let mp4 = unique_mp4(&base, tmp.path(), &format!("clip{i:02}.mp4"), extra, i + 1);
        let id = device(
            &a,
            &[
                "import",
                mp4.to_str().unwrap(),
                "--title",
                &format!("Call {i:02}"),
                "--tag",
                &format!("account-{i:02}"),
                "--tag",
                if i % 2 == 0 { "pricing" } else { "discovery" },
            ],
        )
        .ok()
        .last_line()
        .to_string();
        sources.push((id, mp4));
    }

    let chaos = Chaos::start(proxy.clone(), 0x5eed ^ u64::from(std::process::id()));
    let t = std::time::Instant::now();
    let (runs_a, _) = sync_until_ok(&a, "unmetered", 15);
    eprintln!(
        "A synced in {:?}, {} faults",
        t.elapsed(),
        proxy.faults_fired()
    );
    let (runs_b, _) = sync_until_ok(&b, "unmetered", 15);
    eprintln!(
        "B synced at {:?}, {} faults",
        t.elapsed(),
        proxy.faults_fired()
    );
    // B opens every clip while the faults go on (downloads resume by Range).
    for (id, mp4) in &sources {
        let mut opened = None;
        for _ in 0..15 {
            let r = device(&b, &["open", id, "--network", "unmetered", "--json"]);
            if r.code == 0 {
                opened = Some(r.json()["media_path"].as_str().unwrap().to_string());
                break;
            }
        }
        let path = opened.unwrap_or_else(|| panic!("open {id} never succeeded"));
        assert_eq!(
            sha256_of(std::path::Path::new(&path)),
            sha256_of(mp4),
            "B's copy of {id} differs from A's file"
        );
    }
    eprintln!("B opened all at {:?}", t.elapsed());
    drop(chaos);
    let fired = proxy.faults_fired();
    eprintln!(
        "faults fired: {fired}; sync rounds: A {runs_a}, B {runs_b}; bytes up {} down {}",
        proxy.bytes(Dir::Up),
        proxy.bytes(Dir::Down)
    );
    assert!(
        fired >= 10,
        "only {fired} faults fired: the test proved little"
    );

    // Sender, server and receiver agree: every clip once, same tags.
    let clips_a = device_clips(&a);
    let clips_b = device_clips(&b);
    let on_server = server_clips(&server.url, &token(&a));
    let ids: BTreeSet<_> = sources.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(clips_a.keys().cloned().collect::<BTreeSet<_>>(), ids);
    assert_eq!(clips_b.keys().cloned().collect::<BTreeSet<_>>(), ids);
    assert_eq!(on_server.keys().cloned().collect::<BTreeSet<_>>(), ids);
    for (id, mp4) in &sources {
        let (ca, cb, cs) = (&clips_a[id], &clips_b[id], &on_server[id]);
        assert_eq!(ca["sync_state"], "synced", "{ca}");
        assert_eq!(cb["media_state"], "cached", "{cb}");
        assert_eq!(tag_set(&ca["tags"]), tag_set(&cb["tags"]), "{id}");
        assert_eq!(tag_set(&ca["tags"]), tag_set(&cs["tags"]), "{id}");
        assert_eq!(tag_set(&ca["tags"]).len(), 2, "{ca}");
        assert_eq!(
            cs["tag_adds"].as_array().unwrap().len(),
            2,
            "one add per tag, none applied twice: {cs}"
        );
        assert_eq!((&ca["title"], &cb["title"]), (&cs["title"], &cs["title"]));
        let sha = sha256_of(mp4);
        assert_eq!(cs["sha256"], sha.as_str());
        assert_eq!(
            sha256_hex(&server_media(&server.url, &token(&a), &sha)),
            sha
        );
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    debrief_library::files::hash_bytes(bytes)
}

const OPS: Route = Route {
    method: "POST",
    path: "/v1/ops",
};

/// Op ids in a captured `POST /v1/ops` body.
fn op_ids(body: &[u8]) -> BTreeSet<String> {
    let v: serde_json::Value = serde_json::from_slice(body).expect("a whole ops batch");
    v["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["op_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_lost_answer_to_pushed_changes_applies_nothing_twice() {
    let server = TeamServer::start();
    let proxy = Proxy::start(&server.url);
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    join_at(&a, &server, &proxy.url, "Avery");
    let base = base_mp4(tmp.path());
    let mut ids = Vec::new();
    for i in 0..3u64 {
        let mp4 = unique_mp4(&base, tmp.path(), &format!("c{i}.mp4"), 1000, i + 7);
        let id = device(&a, &["import", mp4.to_str().unwrap(), "--tag", "pricing"])
            .ok()
            .last_line()
            .to_string();
        device(&a, &["tag", &id, "--add", "Closing", "--remove", "pricing"]).ok();
        device(&a, &["tag", &id, "--add", &format!("deal-{i}")]).ok();
        device(&a, &["edit", &id, "--title", &format!("Renewal {i}")]).ok();
        ids.push(id);
    }
    let pending = device(&a, &["status", "--json"]).ok().json()["pending_ops"]
        .as_u64()
        .unwrap();
    assert!(pending >= 12, "{pending}");

    // The server applies the batch twice over, but the device hears nothing.
    proxy.arm(Fault::DropResponse(OPS));
    proxy.arm(Fault::DropResponse(OPS));
    let report = device(&a, &["sync", "--once", "--network", "metered", "--json"])
        .ok()
        .json();
    assert_eq!(proxy.faults_fired(), 2);
    assert_eq!(report["pushed_ops"].as_u64(), Some(pending));

    let pushes: Vec<_> = proxy
        .exchanges()
        .into_iter()
        .filter(|e| e.is(OPS.method, OPS.path))
        .collect();
    assert_eq!(pushes.len(), 3, "two lost answers, then one heard");
    assert!(pushes[0].response_dropped && pushes[1].response_dropped);
    assert_eq!(pushes[0].status, Some(200), "the server had answered");
    let sent = op_ids(&pushes[0].request_sample);
    assert_eq!(sent.len() as u64, pending);
    assert_eq!(
        op_ids(&pushes[2].request_sample),
        sent,
        "the retry re-sent the same ops"
    );
    assert_eq!(
        device(&a, &["status", "--json"]).ok().json()["pending_ops"],
        0
    );

    // The server recorded each op once, all applied on the first delivery.
    let db = rusqlite::Connection::open_with_flags(
        server.dir.path().join("server.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut stmt = db.prepare("SELECT op_id, status FROM ops").unwrap();
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len() as u64, pending);
    assert_eq!(
        rows.iter().map(|r| r.0.clone()).collect::<BTreeSet<_>>(),
        sent
    );
    assert!(rows.iter().all(|r| r.1 != "duplicate"), "{rows:?}");
    // Three clips changed in one batch: three feed positions, no more.
    let feed_seq: i64 = db
        .query_row("SELECT feed_seq FROM teams", [], |r| r.get(0))
        .unwrap();
    assert_eq!(feed_seq, 3);

    // The change feed shows each clip once, each tag from a single add.
    let on_server = server_clips(&server.url, &token(&a));
    assert_eq!(on_server.len(), 3);
    for (i, id) in ids.iter().enumerate() {
        let c = &on_server[id];
        assert_eq!(c["title"], format!("Renewal {i}"));
        let want: BTreeSet<String> = ["closing".to_string(), format!("deal-{i}")].into();
        assert_eq!(tag_set(&c["tags"]), want);
        let adds = c["tag_adds"].as_array().unwrap();
        assert_eq!(adds.len(), 2, "{c}");
        for add in adds {
            assert!(sent.contains(add["add_id"].as_str().unwrap()));
        }
    }
}

#[test]
fn a_metered_sync_moves_metadata_and_thumbnails_but_no_media_bytes() {
    let server = TeamServer::start();
    let proxy = Proxy::start(&server.url);
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    join_at(&a, &server, &proxy.url, "Avery");
    join_at(&b, &server, &proxy.url, "Blake");
    let mp4 = unique_mp4(&base_mp4(tmp.path()), tmp.path(), "c.mp4", 2_000_000, 3);
    let id = device(&a, &["import", mp4.to_str().unwrap(), "--tag", "pricing"])
        .ok()
        .last_line()
        .to_string();
    let sha = sha256_of(&mp4);
    let thumb = device(&a, &["show", &id, "--json"]).ok().json()["thumbnail_path"]
        .as_str()
        .map(|p| sha256_of(std::path::Path::new(p)))
        .expect("an imported clip has a thumbnail");

    // A pushes the clip's metadata and thumbnail, but not its media.
    let report = device(&a, &["sync", "--once", "--network", "metered", "--json"])
        .ok()
        .json();
    assert_eq!(report["media_allowed"], false);
    assert!(report["pushed_ops"].as_u64().unwrap() >= 1);
    assert_eq!(
        media_bytes_at_proxy(&proxy, &sha),
        (0, 0),
        "no media bytes up on a metered network"
    );
    let (thumb_uploads, thumb_bytes) = media_bytes_at_proxy(&proxy, &thumb);
    assert_eq!(
        thumb_uploads, 1,
        "the thumbnail goes up on a metered network"
    );
    assert!(thumb_bytes > 0, "the counter sees the thumbnail's bytes");

    // Teammates see a clip once its media is on the server; then B, on a
    // metered network, gets its metadata and thumbnail but no media.
    device(&a, &["sync", "--once", "--network", "unmetered"]).ok();
    let size = std::fs::metadata(&mp4).unwrap().len();
    assert_eq!(
        media_bytes_at_proxy(&proxy, &sha),
        (1, size),
        "the counter sees media when allowed"
    );
    device(&b, &["sync", "--once", "--network", "metered"]).ok();
    let cb = device(&b, &["show", &id, "--json"]).ok().json();
    assert_eq!(cb["title"], "c");
    assert_eq!(
        tag_set(&cb["tags"]),
        BTreeSet::from(["pricing".to_string()])
    );
    assert_eq!(cb["media_state"], "remote");
    let thumb_b = cb["thumbnail_path"]
        .as_str()
        .expect("thumbnails travel on metered networks");
    assert_eq!(sha256_of(std::path::Path::new(thumb_b)), thumb);
    // Pinned or opened, the media still waits for an unmetered network.
    device(&b, &["pin", &id]).ok();
    device(&b, &["sync", "--once", "--network", "metered"]).ok();
    device(&b, &["open", &id, "--network", "metered"]).fails_with("unmetered network");
    assert_eq!(
        media_bytes_at_proxy(&proxy, &sha),
        (1, size),
        "no media bytes down on a metered network"
    );

    // Back on Wi-Fi the pinned clip comes down whole.
    device(&b, &["sync", "--once", "--network", "unmetered"]).ok();
    assert_eq!(media_bytes_at_proxy(&proxy, &sha), (1, 2 * size));
}

//! The team server scaled out, end to end: two `debrief-server` processes
//! sharing PostgreSQL and an S3-compatible store, Debian's nginx in front
//! balancing round-robin, and real `debrief` devices.
//!
//! - an upload whose first half goes through one instance and second half
//!   through the other completes byte-identical;
//! - writers on both instances at once, and a reader through nginx, see one
//!   feed order with nothing skipped or repeated; a device syncing through
//!   nginx ends with exactly the team's clips;
//! - killing the instance that is receiving an upload: the device resumes
//!   the same upload through the other one;
//! - `debrief-server migrate` moves a populated SQLite + folder server to
//!   PostgreSQL + S3 (interrupted once on the way), and every device syncs
//!   against the new deployment with nothing lost or duplicated.
//!
//! They need the services `scripts/scale-test.sh` starts, so this file is
//! built only with the `live-backends` feature, which that script enables.

#[path = "helpers/cluster.rs"]
mod cluster;
mod helpers;
#[path = "helpers/proxy.rs"]
mod proxy;
#[path = "helpers/team.rs"]
mod team;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use cluster::{Instance, Nginx, ScaleEnv, Stores, admin};
use helpers::sha256_of;
use proxy::Proxy;
use serde_json::{Value, json};
use team::{base_mp4, device, device_cmd, noise, sync_until_ok, unique_mp4};

/// A deployment: two instances on fresh stores, nginx in front.
struct Deployment {
    stores: Stores,
    dir: tempfile::TempDir,
    a: Instance,
    b: Instance,
    nginx: Nginx,
}

impl Deployment {
    fn start(env: &ScaleEnv) -> Self {
        let stores = Stores::fresh(env);
        let dir = tempfile::tempdir().unwrap();
        admin(Some(&stores), dir.path(), &["team", "create", "Sales"]);
        let a = Instance::start(Some(&stores), dir.path());
        let b = Instance::start(Some(&stores), dir.path());
        let nginx = Nginx::start(env, &[a.port, b.port]);
        Self {
            stores,
            dir,
            a,
            b,
            nginx,
        }
    }

    fn invite(&self, role: &str) -> String {
        invite(Some(&self.stores), self.dir.path(), role)
    }
}

fn invite(stores: Option<&Stores>, dir: &Path, role: &str) -> String {
    admin(
        stores,
        dir,
        &["invite", "--team", "Sales", "--role", role, "--uses", "1"],
    )
    .lines()
    .last()
    .unwrap()
    .trim()
    .to_string()
}

/// Join over HTTP; the device token and id.
fn http_join_device(url: &str, code: &str, name: &str) -> (String, String) {
    let resp: Value = reqwest::blocking::Client::new()
        .post(format!("{url}/v1/join"))
        .json(&json!({"code": code, "display_name": name, "device_name": name}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = resp["token"]
        .as_str()
        .unwrap_or_else(|| panic!("join failed: {resp}"))
        .to_string();
    (token, resp["device_id"].as_str().unwrap().to_string())
}

fn http_join(url: &str, code: &str, name: &str) -> String {
    http_join_device(url, code, name).0
}

/// Join with the real `debrief` CLI.
fn cli_join(data: &Path, url: &str, code: &str, name: &str) {
    device(data, &["join", url, code, "--name", name, "--device", name]).ok();
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn tus_metadata(sha: &str) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    format!("sha256 {},content_type {}", b64(sha), b64("video/mp4"))
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// PATCH `body` at `offset`; the new offset.
fn patch(url: &str, token: &str, offset: usize, body: Vec<u8>) -> u64 {
    let resp = client()
        .patch(url)
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204, "{:?}", resp.text());
    resp.headers()["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn an_upload_half_through_each_instance_completes_byte_identical() {
    let env = ScaleEnv::get();
    let d = Deployment::start(&env);
    let token = http_join(&d.nginx.url, &d.invite("member"), "Ana");
    // 2 x 10 MB: each half is a multipart object of its own in S3.
    let data = noise(20_000_123, 0x5ca1e);
    let sha = sha256_hex(&data);
    let half = data.len() / 2;
    let created = client()
        .post(format!("{}/v1/uploads", d.a.url))
        .bearer_auth(&token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", data.len().to_string())
        .header("Upload-Metadata", tus_metadata(&sha))
        .send()
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let path = created.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        patch(
            &format!("{}{path}", d.a.url),
            &token,
            0,
            data[..half].to_vec()
        ),
        half as u64
    );
    // Instance B has never seen this upload: it continues it from the
    // shared metadata and finishes it (re-reading A's bytes to hash them).
    let head = client()
        .head(format!("{}{path}", d.b.url))
        .bearer_auth(&token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .unwrap();
    assert_eq!(head.headers()["upload-offset"], half.to_string().as_str());
    assert_eq!(
        patch(
            &format!("{}{path}", d.b.url),
            &token,
            half,
            data[half..].to_vec()
        ),
        data.len() as u64
    );
    for base in [&d.nginx.url, &d.a.url, &d.b.url] {
        let got = client()
            .get(format!("{base}/v1/media/{sha}"))
            .bearer_auth(&token)
            .send()
            .unwrap();
        assert_eq!(got.status().as_u16(), 200);
        assert!(got.bytes().unwrap() == data, "{base} serves other bytes");
        // Ranges stream from the object store too.
        let ranged = client()
            .get(format!("{base}/v1/media/{sha}"))
            .bearer_auth(&token)
            .header("Range", "bytes=9999990-10000019")
            .send()
            .unwrap();
        assert_eq!(ranged.status().as_u16(), 206);
        assert_eq!(&ranged.bytes().unwrap()[..], &data[9_999_990..10_000_020]);
    }
}

/// Create one clip (its own op batch) through `base`.
fn push_clip(base: &str, token: &str, device: &str, n: u64, sha: &str) -> String {
    use debrief_protocol::{ClipId, ClipKind, Hlc, Op, OpBody, OpId, Visibility};
    let clip_id = ClipId::new();
    let op = Op {
        op_id: OpId::new(),
        hlc: Hlc {
            wall_ms: 1_000 + n,
            counter: 0,
            node: device.parse().unwrap(),
        },
        body: OpBody::ClipCreated {
            clip_id,
            title: format!("Clip {n}"),
            notes: String::new(),
            kind: ClipKind::Debrief,
            visibility: Visibility::Team,
            recorded_at: time::OffsetDateTime::UNIX_EPOCH,
            duration_ms: 1000,
            width: 320,
            height: 240,
            bytes: 10,
            sha256: sha.to_string(),
            thumbnail_sha256: None,
        },
    };
    let resp = client()
        .post(format!("{base}/v1/ops"))
        .bearer_auth(token)
        .json(&json!({ "ops": [op] }))
        .send()
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["status"], "applied", "{body}");
    clip_id.to_string()
}

#[test]
fn writers_on_both_instances_and_readers_through_nginx_see_one_feed_order() {
    let env = ScaleEnv::get();
    let d = Deployment::start(&env);
    // Every clip uses one piece of media the team already has, so each is
    // visible to teammates the moment it lands.
    let uploader = http_join(&d.nginx.url, &d.invite("member"), "Uploader");
    let media = noise(10, 3);
    let sha = sha256_hex(&media);
    let created = client()
        .post(format!("{}/v1/uploads", d.nginx.url))
        .bearer_auth(&uploader)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .header("Upload-Metadata", tus_metadata(&sha))
        .header("Content-Type", "application/offset+octet-stream")
        .body(media)
        .send()
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);

    // A real device syncs through nginx while the writers run.
    let tmp = tempfile::tempdir().unwrap();
    let phone = tmp.path().join("phone");
    cli_join(&phone, &d.nginx.url, &d.invite("member"), "Reader");
    let reader_token = http_join(&d.nginx.url, &d.invite("member"), "Poller");

    const WRITERS: u64 = 4;
    const CLIPS_EACH: u64 = 30;
    let writers: Vec<(String, String)> = (0..WRITERS)
        .map(|i| http_join_device(&d.nginx.url, &d.invite("member"), &format!("Writer {i}")))
        .collect();
    let done = Arc::new(AtomicBool::new(false));
    let seen: Arc<Mutex<Vec<(u64, String)>>> = Arc::default();
    let poller = {
        let (url, token, done, seen) = (
            d.nginx.url.clone(),
            reader_token.clone(),
            done.clone(),
            seen.clone(),
        );
        std::thread::spawn(move || {
            let mut cursor = 0u64;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let page: Value = client()
                    .get(format!("{url}/v1/changes?after={cursor}&limit=7"))
                    .bearer_auth(&token)
                    .send()
                    .unwrap()
                    .json()
                    .unwrap();
                for ch in page["changes"].as_array().unwrap() {
                    seen.lock().unwrap().push((
                        ch["seq"].as_u64().unwrap(),
                        ch["entity"]["state"]["clip_id"]
                            .as_str()
                            .unwrap()
                            .to_string(),
                    ));
                }
                cursor = page["next_cursor"].as_u64().unwrap();
                if finished && !page["has_more"].as_bool().unwrap() {
                    return cursor;
                }
            }
        })
    };
    let bases = [d.a.url.clone(), d.b.url.clone()];
    let handles: Vec<_> = writers
        .iter()
        .enumerate()
        .map(|(i, (token, device_id))| {
            let (token, device_id, bases, sha) =
                (token.clone(), device_id.clone(), bases.clone(), sha.clone());
            std::thread::spawn(move || {
                (0..CLIPS_EACH)
                    .map(|j| {
                        // Alternate instances request by request.
                        let base = &bases[(i as u64 + j) as usize % 2];
                        push_clip(base, &token, &device_id, i as u64 * 1000 + j, &sha)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    // The device syncs a few times while the writes land.
    for _ in 0..3 {
        device(&phone, &["sync", "--once", "--network", "unmetered"]).ok();
    }
    let mut written = BTreeSet::new();
    for h in handles {
        written.extend(h.join().unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let last_cursor = poller.join().unwrap();
    assert_eq!(written.len(), (WRITERS * CLIPS_EACH) as usize);

    let seen = seen.lock().unwrap().clone();
    let seqs: Vec<u64> = seen.iter().map(|(s, _)| *s).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "the feed went backwards or repeated a position: {seqs:?}"
    );
    let ids: Vec<&String> = seen.iter().map(|(_, id)| id).collect();
    let unique: BTreeSet<&String> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a clip came twice");
    // Each clip was written once and never changed, so a reader that had
    // skipped past a gap filled in later would miss it for good.
    let got: BTreeSet<String> = unique.into_iter().cloned().collect();
    assert_eq!(got, written, "the polling reader missed clips");
    assert_eq!(last_cursor, *seqs.last().unwrap());

    // The device, synced to the end, has exactly the team's clips.
    let (_, report) = sync_until_ok(&phone, "unmetered", 3);
    assert!(report.is_object(), "{report}");
    let list = device(&phone, &["list", "--limit", "1000", "--json"])
        .ok()
        .json();
    let on_phone: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let phone_set: BTreeSet<String> = on_phone.iter().cloned().collect();
    assert_eq!(phone_set.len(), on_phone.len(), "a clip is listed twice");
    assert_eq!(phone_set, written);

    // nginx really alternated: both instances answered feed requests.
    let upstreams: BTreeSet<String> = d
        .nginx
        .log()
        .into_iter()
        .filter(|(m, p, s, _)| m == "GET" && p == "/v1/changes" && *s == 200)
        .map(|(_, _, _, u)| u)
        .collect();
    assert_eq!(upstreams.len(), 2, "{upstreams:?}");
}

#[test]
fn killing_the_instance_receiving_an_upload_resumes_through_the_other() {
    let env = ScaleEnv::get();
    let d = Deployment::start(&env);
    let proxy = Proxy::start(&d.nginx.url);
    let tmp = tempfile::tempdir().unwrap();
    let (ana, ben) = (tmp.path().join("ana"), tmp.path().join("ben"));
    cli_join(&ana, &proxy.url, &d.invite("member"), "Ana");
    cli_join(&ben, &d.nginx.url, &d.invite("member"), "Ben");
    let mp4 = unique_mp4(&base_mp4(tmp.path()), tmp.path(), "big.mp4", 48 << 20, 11);
    let sha = sha256_of(&mp4);
    let id = device(&ana, &["import", mp4.to_str().unwrap()])
        .ok()
        .last_line()
        .to_string();
    // About 6 s for the file, so the kill lands mid-upload.
    proxy.throttle(Some(8 << 20));
    let mut sync = device_cmd(&ana)
        .args(["sync", "--once", "--network", "unmetered", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until one instance has read more than one committed piece (16 MiB).
    let start = Instant::now();
    let mut instances = [d.a, d.b];
    let receiving = loop {
        if let Some(i) =
            (0..2).find(|&i| instances[i].metric("debrief_upload_bytes_received_total") > 20e6)
        {
            break i;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the upload never got going"
        );
        assert!(
            sync.try_wait().unwrap().is_none(),
            "sync ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let committed = instances[receiving].metric("debrief_upload_bytes_total");
    assert!(committed >= 16.0 * 1024.0 * 1024.0, "committed {committed}");
    instances[receiving].kill();
    proxy.throttle(None);
    // The device carries on through nginx, which now finds only the other
    // instance: within the same sync run (its retries), or the next one.
    let out = sync.wait_with_output().unwrap();
    let report = if out.status.success() {
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    } else {
        sync_until_ok(&ana, "unmetered", 4).1
    };
    let resumed = report["upload_bytes_resumed"].as_u64().unwrap();
    assert!(
        resumed >= 16 << 20,
        "the upload resumed from {resumed}, not from what the dead instance had committed: {report}"
    );
    let (uploads, _) = team::media_bytes_at_proxy(&proxy, &sha);
    assert_eq!(uploads, 1, "the same tus upload was continued");
    assert!(instances[1 - receiving].alive());
    device(&ben, &["sync", "--once", "--network", "unmetered"]).ok();
    let opened = device(&ben, &["open", &id, "--network", "unmetered", "--json"])
        .ok()
        .json();
    let path = std::path::PathBuf::from(opened["media_path"].as_str().unwrap());
    assert_eq!(sha256_of(&path), sha, "byte-identical after the failover");
}

/// Everything a device knows, for before/after comparisons.
fn snapshot(data: &Path) -> BTreeMap<String, Value> {
    let list = device(data, &["list", "--limit", "1000", "--json"])
        .ok()
        .json();
    let mut out = BTreeMap::new();
    for c in list.as_array().unwrap() {
        let id = c["id"].as_str().unwrap().to_string();
        let show = device(data, &["show", &id, "--json"]).ok().json();
        let keep = json!({
            "title": show["title"],
            "tags": show["tags"],
            "sha256": show["sha256"],
            "author": show["author"],
            "comments": show["comments"].as_array().map(|cs| cs.iter().map(|c| c["text"].clone()).collect::<Vec<_>>()),
            "playbook": show["playbook"]["section"],
        });
        assert!(out.insert(id.clone(), keep).is_none(), "{id} listed twice");
    }
    out
}

#[test]
fn migrate_moves_a_populated_server_and_every_device_carries_on() {
    let env = ScaleEnv::get();
    let old_dir = tempfile::tempdir().unwrap();
    admin(None, old_dir.path(), &["team", "create", "Sales"]);
    let mut old = Instance::start(None, old_dir.path());
    let nginx = Nginx::start(&env, &[old.port]);
    let tmp = tempfile::tempdir().unwrap();
    let (boss, rep) = (tmp.path().join("boss"), tmp.path().join("rep"));
    cli_join(
        &boss,
        &nginx.url,
        &invite(None, old_dir.path(), "manager"),
        "Boss",
    );
    cli_join(
        &rep,
        &nginx.url,
        &invite(None, old_dir.path(), "member"),
        "Rep",
    );
    let base = base_mp4(tmp.path());
    let mut clips = Vec::new();
    for (i, who) in [(0u64, &boss), (1, &boss), (2, &boss), (3, &rep)] {
        let mp4 = unique_mp4(&base, tmp.path(), &format!("c{i}.mp4"), 1 << 20, 100 + i);
        clips.push(
            device(
                who,
                &["import", mp4.to_str().unwrap(), "--tag", &format!("t{i}")],
            )
            .ok()
            .last_line()
            .to_string(),
        );
    }
    for who in [&boss, &rep, &boss, &rep] {
        sync_until_ok(who, "unmetered", 3);
    }
    device(&rep, &["comment", &clips[0], "Nice opener"]).ok();
    device(
        &boss,
        &[
            "challenge",
            "create",
            "--title",
            "Pricing",
            "--prompt",
            "Show me",
        ],
    )
    .ok();
    device(
        &boss,
        &["playbook", "add", &clips[1], "--section", "Openers"],
    )
    .ok();
    for who in [&rep, &boss, &rep] {
        sync_until_ok(who, "unmetered", 3);
    }
    let before = (snapshot(&boss), snapshot(&rep));
    assert_eq!(before.0.len(), 4);
    assert_eq!(before.0, before.1, "both devices agree before the move");

    // The move: the old server stops, migrate runs (killed once half-way
    // through the media, then run again to the end, then once more).
    old.kill();
    let stores = Stores::fresh(&env);
    let migrate = |dir: &Path| {
        let mut c = std::process::Command::new(helpers::server::server_bin());
        c.arg("--data-dir")
            .arg(dir)
            .args(["migrate", "--to-database-url", &stores.database_url])
            .args(["--to-media-url", &stores.media_url])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    };
    let mut first = migrate(old_dir.path()).spawn().unwrap();
    let mut lines = BufReader::new(first.stdout.take().unwrap()).lines();
    let first_media = lines.next().unwrap().unwrap();
    assert!(first_media.starts_with("media 1: "), "{first_media}");
    first.kill().unwrap();
    first.wait().unwrap();
    let out = migrate(old_dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("already there"),
        "the rerun skipped copied media: {text}"
    );
    assert!(text.lines().any(|l| l.starts_with("verified: ")), "{text}");
    let again = migrate(old_dir.path()).output().unwrap();
    let again = String::from_utf8_lossy(&again.stdout).to_string();
    assert!(
        again
            .lines()
            .last()
            .unwrap()
            .contains("(0 copied now, 0 bytes)"),
        "{again}"
    );
    assert_eq!(
        again.lines().last().unwrap().split(" and ").next(),
        text.lines().last().unwrap().split(" and ").next(),
        "a third run finds the same rows, no more"
    );

    // The new deployment behind the same address.
    let new_dir = tempfile::tempdir().unwrap();
    let a = Instance::start(Some(&stores), new_dir.path());
    let b = Instance::start(Some(&stores), new_dir.path());
    nginx.switch_to(&[a.port, b.port]);
    for who in [&boss, &rep] {
        sync_until_ok(who, "unmetered", 3);
    }
    assert_eq!(
        snapshot(&boss),
        before.0,
        "the manager's device lost or gained nothing"
    );
    assert_eq!(
        snapshot(&rep),
        before.1,
        "the rep's device lost or gained nothing"
    );
    // A device that joins now gets everything, media included.
    let newcomer = tmp.path().join("new");
    cli_join(
        &newcomer,
        &nginx.url,
        &invite(Some(&stores), new_dir.path(), "member"),
        "New",
    );
    sync_until_ok(&newcomer, "unmetered", 3);
    assert_eq!(snapshot(&newcomer), before.0);
    for id in &clips {
        let opened = device(&newcomer, &["open", id, "--network", "unmetered", "--json"])
            .ok()
            .json();
        let path = std::path::PathBuf::from(opened["media_path"].as_str().unwrap());
        assert_eq!(sha256_of(&path), before.0[id]["sha256"].as_str().unwrap());
    }
    // And life goes on: a new clip travels between the old devices.
    let mp4 = unique_mp4(&base, tmp.path(), "after.mp4", 1 << 16, 999);
    let after = device(&rep, &["import", mp4.to_str().unwrap()])
        .ok()
        .last_line()
        .to_string();
    sync_until_ok(&rep, "unmetered", 3);
    sync_until_ok(&boss, "unmetered", 3);
    assert!(snapshot(&boss).contains_key(&after));
    let devices = admin(Some(&stores), new_dir.path(), &["devices", "--json"]);
    let devices: Value = serde_json::from_str(&devices).unwrap();
    assert_eq!(devices.as_array().unwrap().len(), 3, "{devices}");
    let _ = (a, b);
}

//! Device <-> team server, end to end: real `debrief` processes, a real
//! `debrief-server` on a loopback port, real MP4s.

mod helpers;

use std::collections::BTreeSet;

use helpers::server::TeamServer;
use helpers::*;

fn join(data: &std::path::Path, server: &TeamServer, name: &str) -> serde_json::Value {
    let code = server.invite("member");
    debrief(
        data,
        &[
            "join",
            &server.url,
            &code,
            "--name",
            name,
            "--device",
            &format!("{name}'s phone"),
            "--json",
        ],
    )
    .ok()
    .json()
}

fn sync(data: &std::path::Path) -> serde_json::Value {
    debrief(
        data,
        &["sync", "--once", "--network", "unmetered", "--json"],
    )
    .ok()
    .json()
}

fn tags_of(data: &std::path::Path, id: &str) -> BTreeSet<String> {
    let c = debrief(data, &["show", id, "--json"]).ok().json();
    c["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn two_devices_converge_on_clips_tags_and_media() {
    let server = TeamServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    // A records (imports) before it joins: the clip becomes A's member's.
    let mp4 = ffmpeg_mp4(tmp.path(), "pricing.mp4", 2.0, &["-movflags", "+faststart"]);
    let id = debrief(
        &a,
        &[
            "import",
            mp4.to_str().unwrap(),
            "--tag",
            "pricing",
            "--tag",
            "Objection",
        ],
    )
    .ok()
    .last_line()
    .to_string();
    let joined = join(&a, &server, "Avery");
    assert_eq!(joined["team_name"], "Sales");
    assert!(
        joined.get("token").is_none(),
        "the token never appears in output"
    );
    join(&b, &server, "Blake");
    assert_eq!(
        debrief(&a, &["show", &id, "--json"]).ok().json()["sync_state"],
        "pending"
    );

    let report = sync(&a);
    assert_eq!(report["uploaded_files"], 2, "media and thumbnail: {report}");
    assert!(report["pushed_ops"].as_u64().unwrap() >= 3);
    let c = debrief(&a, &["show", &id, "--json"]).ok().json();
    assert_eq!(c["sync_state"], "synced");
    assert_eq!(c["author"], "Avery");

    // B sees the clip as remote, with its thumbnail.
    sync(&b);
    let cb = debrief(&b, &["show", &id, "--json"]).ok().json();
    assert_eq!(cb["media_state"], "remote");
    assert_eq!(cb["media_path"], serde_json::Value::Null);
    assert_eq!(cb["author"], "Avery");
    assert_eq!(cb["title"], "pricing");
    let thumb_b = std::path::PathBuf::from(
        cb["thumbnail_path"]
            .as_str()
            .expect("thumbnail downloaded with metadata"),
    );
    assert_eq!(
        std::fs::read(&thumb_b).unwrap(),
        std::fs::read(c["thumbnail_path"].as_str().unwrap()).unwrap()
    );

    // Both edit tags offline: A removes "Objection" (which it saw) and adds
    // "closing"; B adds "discovery" and removes "pricing".
    debrief(
        &a,
        &["tag", &id, "--remove", "objection", "--add", "closing"],
    )
    .ok();
    debrief(
        &b,
        &["tag", &id, "--add", "discovery", "--remove", "pricing"],
    )
    .ok();
    // Notes are the author's: B is told at once, not at the next sync.
    debrief(&b, &["edit", &id, "--notes", "Great reframe at 0:42"])
        .fails_with("only Avery (its author) or a team manager");
    debrief(&a, &["edit", &id, "--notes", "Great reframe at 0:42"]).ok();
    sync(&a);
    sync(&b);
    sync(&a);
    let expected: BTreeSet<String> = ["closing", "discovery"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(tags_of(&a, &id), expected);
    assert_eq!(tags_of(&b, &id), expected);
    assert_eq!(
        debrief(&a, &["show", &id, "--json"]).ok().json()["notes"],
        "Great reframe at 0:42"
    );

    // B opens the clip: downloaded now, byte-identical.
    let opened = debrief(&b, &["open", &id, "--network", "unmetered", "--json"])
        .ok()
        .json();
    let path = std::path::PathBuf::from(opened["media_path"].as_str().unwrap());
    assert_eq!(sha256_of(&path), sha256_of(&mp4));
    assert_eq!(
        debrief(&b, &["show", &id, "--json"]).ok().json()["media_state"],
        "cached"
    );

    // A second round moves nothing new.
    let again = sync(&a);
    assert_eq!(
        (
            again["pushed_ops"].as_u64(),
            again["uploaded_files"].as_u64()
        ),
        (Some(0), Some(0))
    );
}

#[test]
fn a_metered_network_moves_metadata_but_no_media() {
    let server = TeamServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    join(&a, &server, "Avery");
    let mp4 = ffmpeg_mp4(tmp.path(), "clip.mp4", 2.0, &[]);
    let id = debrief(&a, &["import", mp4.to_str().unwrap()])
        .ok()
        .last_line()
        .to_string();
    let report = debrief(&a, &["sync", "--once", "--network", "metered", "--json"])
        .ok()
        .json();
    assert_eq!(report["media_allowed"], false);
    assert!(report["pushed_ops"].as_u64().unwrap() >= 1);
    let token = std::fs::read_to_string(a.join("device-token")).unwrap();
    let sha = sha256_of(&mp4);
    assert!(
        !server.has_media(token.trim(), &sha),
        "no media bytes moved on a metered network"
    );
    let status = debrief(&a, &["status", "--json"]).ok().json();
    assert_eq!(status["pending_uploads"], 1);
    assert_eq!(status["media_paused_metered"], true);
    let human = debrief(&a, &["status"]).ok().stdout;
    assert!(human.contains("media is paused"), "{human}");
    // Back on Wi-Fi, the media goes.
    sync(&a);
    assert!(server.has_media(token.trim(), &sha));
    assert_eq!(
        debrief(&a, &["show", &id, "--json"]).ok().json()["sync_state"],
        "synced"
    );
}

#[test]
fn wrong_token_server_gone_and_revocation_are_clear_and_lose_nothing() {
    let mut server = TeamServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    join(&a, &server, "Avery");
    let mp4 = ffmpeg_mp4(tmp.path(), "clip.mp4", 1.0, &[]);
    let id = debrief(&a, &["import", mp4.to_str().unwrap()])
        .ok()
        .last_line()
        .to_string();

    // Server gone: a clear message, exit 6, the change still waits.
    server.kill();
    let r = debrief(&a, &["sync", "--once", "--network", "unmetered"])
        .fails_with("cannot reach the team server");
    assert_eq!(r.code, 6);
    let status = debrief(&a, &["status", "--json"]).ok().json();
    assert!(status["pending_ops"].as_u64().unwrap() >= 1);
    assert!(
        status["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot reach")
    );
    server.restart();

    // Wrong token: refused, told to join again, nothing lost.
    let token_file = a.join("device-token");
    let good = std::fs::read_to_string(&token_file).unwrap();
    std::fs::write(&token_file, "not-the-token").unwrap();
    let r = debrief(&a, &["sync", "--once", "--network", "unmetered"])
        .fails_with("join the team again");
    assert_eq!(r.code, 7);
    assert!(
        debrief(&a, &["status", "--json"]).ok().json()["pending_ops"]
            .as_u64()
            .unwrap()
            >= 1
    );
    std::fs::write(&token_file, &good).unwrap();
    sync(&a);

    // Leaving with nothing pending works; leaving with changes pending is refused.
    debrief(&a, &["tag", &id, "--add", "later"]).ok();
    debrief(&a, &["leave"]).fails_with("have not reached the team yet");
    sync(&a);

    // Revoked: the device wipes the team's data and says why.
    let devices = server.admin(&["devices", "--json"]);
    let devices: serde_json::Value = serde_json::from_str(&devices).unwrap();
    let device_id = devices.as_array().unwrap()[0]["device_id"]
        .as_str()
        .unwrap()
        .to_string();
    server.admin(&["revoke", &device_id]);
    let r = debrief(&a, &["sync", "--once", "--network", "unmetered"]).fails_with("revoked");
    assert_eq!(r.code, 7);
    assert_eq!(
        debrief(&a, &["list", "--json"]).ok().json(),
        serde_json::json!([])
    );
    assert!(!token_file.exists(), "the token is gone");
    assert_eq!(files_under(&a.join("media")).len(), 0);
}

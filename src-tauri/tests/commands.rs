//! The commands through Tauri's real IPC path on its mock runtime: the
//! app's compiled capabilities (so a window the capability does not name
//! is refused), JSON arguments as the UI sends them, and the `{kind,
//! message}` errors the UI receives.

mod helpers;

use debrief_app_lib::events::LibraryChanged;
use helpers::{TestApp, ffmpeg_mp4};
use serde_json::{Value, json};
use tauri::webview::WebviewWindowBuilder;
use tauri_specta::Event;

/// Status and body of a GET on the loopback media server.
fn http_get(url: &str) -> (u16, Vec<u8>) {
    let (status, _, body) = helpers::http_get(url, usize::MAX);
    (status, body)
}

#[test]
fn import_list_tag_edit_and_play_through_ipc() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let app = TestApp::open(&data);

    let page = app.ok(
        "list_clips",
        json!({"query": {"text": null, "tags": [], "limit": 10, "offset": 0}}),
    );
    assert_eq!(page, json!({"clips": [], "has_more": false}));

    let (tx, rx) = std::sync::mpsc::channel();
    LibraryChanged::listen(&app.app, move |e| {
        let _ = tx.send(e.payload);
    });

    let mp4 = ffmpeg_mp4(dir.path(), "Pricing objection.mp4");
    let clip = app.ok(
        "import_clip",
        json!({"request": {"path": mp4, "title": null, "tags": ["pricing"], "private": false}}),
    );
    assert_eq!(clip["title"], "Pricing objection");
    assert_eq!(clip["tags"], json!(["pricing"]));
    assert_eq!(clip["media_state"], "ready");
    assert!(
        clip.get("media_path").is_none(),
        "paths must not reach the UI"
    );
    let id = clip["id"].as_str().unwrap().to_string();
    let event = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert_eq!(event.clip_id, id);

    // The URLs the UI gets are served, byte for byte, by the media server.
    let media_url = clip["media_url"].as_str().unwrap();
    assert!(media_url.starts_with("http://127.0.0.1:"), "{media_url}");
    let (status, body) = http_get(media_url);
    assert_eq!(status, 200);
    assert_eq!(body, std::fs::read(&mp4).unwrap());
    let (status, body) = http_get(clip["thumbnail_url"].as_str().unwrap());
    assert_eq!(status, 200);
    assert_eq!(&body[..2], b"\xff\xd8", "a JPEG");

    let tagged = app.ok(
        "tag_clip",
        json!({"id": id, "add": ["Objection Handling"], "remove": ["pricing"]}),
    );
    assert_eq!(tagged["tags"], json!(["Objection Handling"]));
    let edited = app.ok(
        "edit_clip",
        json!({"id": id, "title": null, "notes": "Anchored on value."}),
    );
    assert_eq!(edited["notes"], "Anchored on value.");
    assert_eq!(edited["title"], "Pricing objection");

    let found = app.ok("list_clips", json!({"query": {"text": "anch", "tags": ["objection handling"], "limit": 10, "offset": 0}}));
    assert_eq!(found["clips"][0]["id"], id);
    let tags = app.ok("list_tags", json!({}));
    assert_eq!(tags, json!([{"name": "Objection Handling", "count": 1}]));
    let storage = app.ok("storage_usage", json!({}));
    assert_eq!(storage["clips"], 1);
    assert!(storage["media_bytes"].as_u64().unwrap() > 1000);
    let status = app.ok("app_status", json!({}));
    assert!(status["pending_changes"].as_u64().unwrap() >= 3);

    app.ok("delete_clip", json!({"id": id}));
    assert_eq!(app.err_kind("get_clip", json!({"id": id})), "not_found");
    assert_eq!(http_get(media_url).0, 404);
}

#[test]
fn bad_input_comes_back_as_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let app = TestApp::open(&data);
    let mp4 = ffmpeg_mp4(dir.path(), "clip.mp4");
    let clip = app.ok(
        "import_clip",
        json!({"request": {"path": mp4, "title": "Clip", "tags": [], "private": true}}),
    );
    assert_eq!(clip["visibility"], "private");
    let id = clip["id"].as_str().unwrap();

    assert_eq!(app.err_kind("get_clip", json!({"id": "nope"})), "bad_id");
    assert_eq!(
        app.err_kind(
            "get_clip",
            json!({"id": "0190f1c2-7a4b-7c3d-9e8f-0123456789ab"})
        ),
        "not_found"
    );
    let long = "x".repeat(49);
    assert_eq!(
        app.err_kind("tag_clip", json!({"id": id, "add": [long], "remove": []})),
        "bad_tag"
    );
    assert_eq!(
        app.err_kind("tag_clip", json!({"id": id, "add": ["  "], "remove": []})),
        "bad_tag"
    );
    assert_eq!(
        app.err_kind(
            "edit_clip",
            json!({"id": id, "title": "   ", "notes": null})
        ),
        "invalid_input"
    );
    assert_eq!(
        app.err_kind(
            "edit_clip",
            json!({"id": id, "title": null, "notes": "n".repeat(20_001)})
        ),
        "invalid_input"
    );
    assert_eq!(
        app.err_kind(
            "list_clips",
            json!({"query": {"text": null, "tags": [""], "limit": 5, "offset": 0}})
        ),
        "bad_tag"
    );
    let missing = dir.path().join("missing.mp4");
    assert_eq!(
        app.err_kind(
            "import_clip",
            json!({"request": {"path": missing, "title": null, "tags": [], "private": false}})
        ),
        "file_not_found"
    );
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "not a video").unwrap();
    assert_eq!(
        app.err_kind(
            "import_clip",
            json!({"request": {"path": text, "title": null, "tags": [], "private": false}})
        ),
        "bad_media"
    );
    // A failed edit changed nothing.
    let again = app.ok("get_clip", json!({"id": id}));
    assert_eq!(again["title"], "Clip");
    assert_eq!(again["tags"], json!([]));

    let shared = app.ok("share_clip", json!({"id": id}));
    assert_eq!(shared["visibility"], "team");
}

#[test]
fn pages_report_whether_more_clips_exist() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    debrief_library::Library::open(&data)
        .unwrap()
        .add_synthetic_clips(25, 7)
        .unwrap();
    let app = TestApp::open(&data);
    let page = |offset: u32| {
        app.ok(
            "list_clips",
            json!({"query": {"text": null, "tags": [], "limit": 10, "offset": offset}}),
        )
    };
    let (a, b, c) = (page(0), page(10), page(20));
    assert_eq!(a["clips"].as_array().unwrap().len(), 10);
    assert_eq!(a["has_more"], true);
    assert_eq!(b["has_more"], true);
    assert_eq!(c["clips"].as_array().unwrap().len(), 5);
    assert_eq!(c["has_more"], false);
    // Remote clips (known from the server, media elsewhere) get no URLs.
    assert_eq!(a["clips"][0]["media_state"], "remote");
    assert_eq!(a["clips"][0]["media_url"], Value::Null);
}

#[test]
fn only_the_main_window_may_call_commands() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::open(&dir.path().join("data"));
    let other = WebviewWindowBuilder::new(&app.app, "other", Default::default())
        .build()
        .unwrap();
    let err = app
        .call_in(&other, "list_tags", json!({}))
        .expect_err("a window no capability names must be refused");
    assert!(err.to_string().contains("not allowed"), "{err}");
    assert!(app.call("list_tags", json!({})).is_ok());
}

#[test]
fn a_library_that_cannot_open_is_reported_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("config.toml"), "autor = \"typo\"\n").unwrap();
    let app = TestApp::open(&data);
    for (cmd, args) in [
        ("list_tags", json!({})),
        ("app_status", json!({})),
        ("get_clip", json!({"id": "x"})),
    ] {
        let e = app.call(cmd, args).unwrap_err();
        assert_eq!(e["kind"], "startup", "{cmd}: {e}");
        assert!(e["message"].as_str().unwrap().contains("autor"), "{e}");
    }
}

/// Team, sync and settings commands with no server to talk to: settings
/// round-trip through config.toml, a tiny budget and an empty address are
/// refused, sync asks to join first, and a server that is not there is
/// named in a typed `unreachable` error.
#[test]
fn team_and_settings_commands_without_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let app = TestApp::open(&data);

    let team = app.ok("get_team", json!({}));
    assert!(team["account"].is_null());
    assert_eq!(team["devices"][0]["this_device"], true);

    assert_eq!(app.ok("get_settings", json!({}))["wifi_only"], true);
    let s = app.ok(
        "set_settings",
        json!({"change": {"wifi_only": false, "storage_budget_bytes": 536870912u64}}),
    );
    assert_eq!(s["wifi_only"], false);
    assert_eq!(s["storage_budget_bytes"], 536870912u64);
    let file = std::fs::read_to_string(data.join("config.toml")).unwrap();
    assert!(file.contains("allow_cellular = true"), "{file}");
    assert_eq!(
        app.err_kind(
            "set_settings",
            json!({"change": {"wifi_only": null, "storage_budget_bytes": 1000}})
        ),
        "invalid_input"
    );

    assert_eq!(app.err_kind("sync_now", json!({})), "not_joined");
    assert_eq!(app.ok("sync_status", json!({}))["joined"], false);
    assert_eq!(
        app.ok("get_playbook", json!({})),
        json!({"sections": [], "kept_offline": [], "can_manage": false})
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let join = |url: String| json!({"request": {"server_url": url, "invite_code": "ABCD-EFGH", "display_name": "Avery", "device_name": null}});
    let e = app
        .call("join_team", join(format!("http://127.0.0.1:{port}")))
        .unwrap_err();
    assert_eq!(e["kind"], "unreachable", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains(&port.to_string()),
        "{e}"
    );
    assert_eq!(app.err_kind("join_team", join(" ".into())), "invalid_input");
    assert!(app.ok("get_team", json!({}))["account"].is_null());
}

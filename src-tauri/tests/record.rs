//! The record screen's commands through Tauri's real IPC on its mock
//! runtime, with the synthetic source (this machine has no camera): list
//! devices, record, pause, see the live preview over the media server,
//! stop into a clip, discard, and the announcement of a recording a kill
//! interrupted.

mod helpers;

use std::time::{Duration, Instant};

use debrief_app_lib::events::{LibraryChange, LibraryChanged};
use helpers::{TestApp, http_get, jpeg_size};
use serde_json::{Value, json};
use tauri_specta::Event;

fn synthetic() -> Value {
    json!({"request": {"source": "synthetic", "mic": "synthetic"}})
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn clip_count(app: &TestApp) -> usize {
    app.ok(
        "list_clips",
        json!({"query": {"text": null, "tags": [], "limit": 100, "offset": 0}}),
    )["clips"]
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn devices_always_include_the_test_pattern_and_tone() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::open(&dir.path().join("data"));
    let devices = app.ok("list_capture_devices", json!({}));
    let cameras = devices["cameras"].as_array().unwrap();
    let pattern = cameras.last().unwrap();
    assert_eq!(pattern["id"], "synthetic");
    assert_eq!(pattern["label"], "Test pattern (no camera)");
    let mics: Vec<&str> = devices["microphones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(mics.ends_with(&["synthetic", "none"]), "{mics:?}");
    if cameras.len() == 1 {
        // No camera here: said in words, the test pattern preselected, and
        // recording from "the camera" refused with a typed error that
        // points at the picker instead of a CLI flag.
        assert!(
            devices["camera_note"]
                .as_str()
                .unwrap()
                .starts_with("No camera found"),
            "{devices}"
        );
        assert_eq!(devices["default_camera"], "synthetic");
        let (kind, message) = app.err(
            "start_recording",
            json!({"request": {"source": "camera", "mic": "none"}}),
        );
        assert_eq!(kind, "no_camera", "{message}");
        assert!(message.contains("Test pattern (no camera)"), "{message}");
        assert!(!message.contains("--source"), "{message}");
        assert_eq!(app.ok("recording_status", json!({})), Value::Null);
    }
    let (kind, message) = app.err(
        "start_recording",
        json!({"request": {"source": "webcam", "mic": null}}),
    );
    assert_eq!(kind, "invalid_input", "{message}");
}

#[test]
fn record_pause_preview_and_stop_into_a_clip() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::open(&dir.path().join("data"));
    let (tx, rx) = std::sync::mpsc::channel();
    LibraryChanged::listen(&app.app, move |e| {
        let _ = tx.send(e.payload);
    });
    assert_eq!(app.err("stop_recording", json!({})).0, "not_recording");
    assert_eq!(app.err("pause_recording", json!({})).0, "not_recording");

    let started = app.ok("start_recording", synthetic());
    assert_eq!(started["state"], "recording");
    assert_eq!(started["max_length_ms"], 600_000);
    assert_eq!(started["paused"], false);
    let (kind, message) = app.err("start_recording", synthetic());
    assert_eq!(kind, "recording_in_progress");
    assert!(message.contains("already running"), "{message}");

    // The live preview: a real JPEG of the preview size, and an MJPEG
    // stream, both behind this launch's token.
    let stream_url = started["preview_url"].as_str().unwrap().to_string();
    assert!(
        stream_url.starts_with("http://127.0.0.1:")
            && stream_url.contains("/preview/live.mjpeg?clip="),
        "{stream_url}"
    );
    let frame_url = stream_url
        .split('?')
        .next()
        .unwrap()
        .replace("live.mjpeg", "frame.jpg");
    let mut jpeg = Vec::new();
    wait_for("a preview frame", || {
        let (status, _, body) = http_get(&frame_url, usize::MAX);
        jpeg = body;
        status == 200
    });
    assert_eq!(jpeg_size(&jpeg), Some((640, 360)));
    let (status, head, body) = http_get(&stream_url, 200_000);
    assert_eq!(status, 200);
    assert!(head.contains("multipart/x-mixed-replace"), "{head}");
    assert!(body.starts_with(b"--debrief-preview\r\n"));
    let tokenless = frame_url.replacen("/preview", "x/preview", 1);
    assert_eq!(http_get(&tokenless, usize::MAX).0, 404);

    // The library answers while recording.
    assert_eq!(clip_count(&app), 0);

    let paused = app.ok("pause_recording", json!({}));
    assert_eq!(paused["paused"], true);
    wait_for("the recorder to pause", || {
        app.ok("recording_status", json!({}))["state"] == "paused"
    });
    let at_pause = app.ok("recording_status", json!({}))["elapsed_ms"]
        .as_u64()
        .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let still = app.ok("recording_status", json!({}))["elapsed_ms"]
        .as_u64()
        .unwrap();
    assert!(
        still - at_pause < 150,
        "time ran on while paused: {at_pause} -> {still}"
    );
    assert_eq!(app.ok("resume_recording", json!({}))["paused"], false);
    wait_for("1.5 s recorded", || {
        app.ok("recording_status", json!({}))["elapsed_ms"]
            .as_u64()
            .unwrap()
            >= 1500
    });
    let status = app.ok("recording_status", json!({}));
    let level = &status["audio_level"];
    assert!(
        level["rms_dbfs"].as_f64().unwrap() > -60.0,
        "the tone is audible: {status}"
    );
    assert!(level["peak_dbfs"].as_f64().unwrap() >= level["rms_dbfs"].as_f64().unwrap());
    assert!(status["bytes"].as_u64().unwrap() > 0, "{status}");

    let recorded = app.ok("stop_recording", json!({}));
    let clip = &recorded["clip"];
    assert_eq!(clip["id"], started["clip_id"]);
    assert_eq!(clip["media_state"], "ready");
    assert!(
        clip["title"].as_str().unwrap().starts_with("Debrief "),
        "{clip}"
    );
    assert!(clip["duration_ms"].as_u64().unwrap() >= 1500, "{clip}");
    assert_eq!(
        (clip["width"].clone(), clip["height"].clone()),
        (json!(1280), json!(720))
    );
    assert_eq!(recorded["message"], Value::Null);
    let event = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        (event.change, event.clip_id.as_str()),
        (LibraryChange::Added, clip["id"].as_str().unwrap())
    );
    let (status, _, thumb) = http_get(clip["thumbnail_url"].as_str().unwrap(), usize::MAX);
    assert_eq!(status, 200);
    assert!(jpeg_size(&thumb).is_some());

    assert_eq!(app.ok("recording_status", json!({})), Value::Null);
    assert_eq!(app.err("stop_recording", json!({})).0, "not_recording");
    assert_eq!(
        http_get(&frame_url, usize::MAX).0,
        404,
        "no preview after the stop"
    );
    assert_eq!(clip_count(&app), 1);
}

#[test]
fn discard_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let app = TestApp::open(&data);
    app.ok("start_recording", synthetic());
    wait_for("some recording", || {
        app.ok("recording_status", json!({}))["bytes"]
            .as_u64()
            .unwrap()
            > 0
    });
    assert_eq!(app.ok("discard_recording", json!({})), Value::Null);
    assert_eq!(app.ok("recording_status", json!({})), Value::Null);
    assert_eq!(clip_count(&app), 0);
    let leftovers = |sub: &str| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(data.join(sub))
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default()
    };
    assert_eq!(leftovers("recordings"), Vec::<std::path::PathBuf>::new());
    assert_eq!(leftovers("media"), Vec::<std::path::PathBuf>::new());
    assert_eq!(app.err("discard_recording", json!({})).0, "not_recording");
}

#[test]
fn an_interrupted_recording_is_recovered_and_announced() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        // A recording the app never stopped: dropped as a crash would leave it.
        let device = debrief_device::Device::open(&data).unwrap();
        let recording = device
            .start_recording(&debrief_device::RecordOptions {
                source: "synthetic".into(),
                width: Some(320),
                height: Some(240),
                ..Default::default()
            })
            .unwrap();
        wait_for("a second recorded", || {
            recording.status().elapsed >= Duration::from_millis(1200)
        });
        drop(recording);
    }
    let app = TestApp::open(&data);
    let recovered = app.ok("recovered_recordings", json!({}));
    let list = recovered.as_array().unwrap();
    assert_eq!(list.len(), 1, "{recovered}");
    assert_eq!(list[0]["clip"]["media_state"], "recovered");
    assert!(list[0]["clip"]["duration_ms"].as_u64().unwrap() >= 1000);
    let message = list[0]["message"].as_str().unwrap();
    assert!(
        message.contains("interrupted recording was recovered"),
        "{message}"
    );

    // A recovered clip the user has deleted since is not announced.
    let id = list[0]["clip"]["id"].as_str().unwrap();
    app.ok("delete_clip", json!({"id": id}));
    assert_eq!(app.ok("recovered_recordings", json!({})), json!([]));
}

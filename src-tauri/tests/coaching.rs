//! The coaching commands through Tauri's real IPC on its mock runtime:
//! a manager posts, edits and deletes challenges, promotes, reorders and
//! demotes playbook clips; a member answers (with a clip and by recording
//! with the synthetic source), comments at a moment and reads
//! notifications; every refusal arrives as a typed `{kind, message}`
//! (`forbidden` for a role, `not_permitted` for someone else's comment,
//! `not_found`, `bad_id`, `invalid_input`) in the app's words; coaching
//! changes are announced with `CoachingChanged`.

mod helpers;

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use debrief_app_lib::events::{CoachingChanged, CoachingSubject};
use debrief_library::{Account, Library, RemoteChallenge, RemoteChange, RemoteComment};
use debrief_protocol::{ChallengeId, CommentId, DeviceId, Hlc};
use helpers::{TestApp, ffmpeg_mp4};
use serde_json::{Value, json};
use tauri_specta::Event;

fn set_role(data: &Path, role: &str) {
    let mut lib = Library::open(data).unwrap();
    lib.set_account(&Account {
        server_url: "http://127.0.0.1:1/".into(),
        team_id: "t".into(),
        team_name: "Sales".into(),
        member_id: "me".into(),
        display_name: "Max Manager".into(),
        role: role.into(),
        device_name: "laptop".into(),
    })
    .unwrap();
}

fn events(app: &TestApp) -> Receiver<CoachingChanged> {
    let (tx, rx) = std::sync::mpsc::channel();
    CoachingChanged::listen(&app.app, move |e| {
        let _ = tx.send(e.payload);
    });
    rx
}

fn expect_event(rx: &Receiver<CoachingChanged>, subject: CoachingSubject, id: &str) {
    let e = rx.recv_timeout(Duration::from_secs(5)).expect("an event");
    assert_eq!((e.subject, e.id.as_str()), (subject, id));
}

fn import(app: &TestApp, dir: &Path, title: &str) -> String {
    let mp4 = ffmpeg_mp4(dir, &format!("{title}.mp4"));
    let clip = app.ok(
        "import_clip",
        json!({"request": {"path": mp4, "title": title, "tags": [], "private": false}}),
    );
    clip["id"].as_str().unwrap().to_string()
}

fn hlc(wall_ms: u64) -> Hlc {
    Hlc {
        wall_ms,
        counter: 0,
        node: DeviceId::new(),
    }
}

fn challenge(title: &str, due: Value, max: Value) -> Value {
    json!({"request": {"title": title, "prompt": "Record how you handle \"it's too expensive\"", "due": due, "max_length": max}})
}

#[test]
fn a_manager_posts_edits_and_deletes_challenges_with_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    set_role(&data, "manager");
    let app = TestApp::open(&data);
    let rx = events(&app);

    let (kind, message) = app.err(
        "create_challenge",
        challenge("  ", json!(null), json!(null)),
    );
    assert_eq!(kind, "invalid_input");
    assert_eq!(message, "Title is empty; write at least one word.");
    let (kind, message) = app.err(
        "create_challenge",
        challenge("Pricing", json!("next friday"), json!(null)),
    );
    assert_eq!(kind, "invalid_input");
    assert!(
        message.starts_with("'next friday' is not a date; write it like 2026-05-01"),
        "{message}"
    );
    let (kind, message) = app.err(
        "create_challenge",
        challenge("Pricing", json!(null), json!("two minutes")),
    );
    assert_eq!(kind, "invalid_input");
    assert!(message.contains("is not a length"), "{message}");
    assert!(
        app.ok("list_challenges", json!({}))["challenges"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let c = app.ok(
        "create_challenge",
        challenge("Pricing objection", json!("2026-12-31"), json!("2m")),
    );
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["due_at"], "2026-12-31T23:59:59Z");
    assert_eq!(c["max_answer_ms"], 120_000);
    assert_eq!(
        (c["mine"].clone(), c["pending"].clone()),
        (json!(true), json!(true))
    );
    expect_event(&rx, CoachingSubject::Challenge, &id);

    let list = app.ok("list_challenges", json!({}));
    assert_eq!(list["can_manage"], true);
    assert_eq!(list["joined"], true);
    assert_eq!(list["challenges"][0]["id"], id.as_str());

    // Who has and has not answered (from the member list sync keeps).
    {
        let mut lib = Library::open(&data).unwrap();
        lib.set_members(&[
            debrief_library::Member {
                member_id: "me".into(),
                display_name: "Max Manager".into(),
                role: "manager".into(),
            },
            debrief_library::Member {
                member_id: "rita".into(),
                display_name: "Rita Rep".into(),
                role: "member".into(),
            },
        ])
        .unwrap();
    }
    let detail = app.ok("get_challenge", json!({"id": id}));
    assert_eq!(detail["can_manage"], true);
    assert_eq!(detail["answered_by"], json!([]));
    assert_eq!(detail["not_answered"], json!(["Rita Rep"]));

    // Edits: typed errors keep the challenge as it was.
    let change = |v: Value| json!({"id": id, "change": v});
    let (kind, message) = app.err(
        "edit_challenge",
        change(json!({"title": null, "prompt": " ", "due": null, "max_length": null})),
    );
    assert_eq!(kind, "invalid_input");
    assert!(message.starts_with("Prompt is empty"), "{message}");
    let (kind, message) = app.err(
        "edit_challenge",
        change(json!({"title": null, "prompt": null, "due": "", "max_length": null})),
    );
    assert_eq!(kind, "invalid_input");
    assert!(
        message.contains("due date can be changed but not removed"),
        "{message}"
    );
    let edited = app.ok(
        "edit_challenge",
        change(json!({"title": "Pricing objection, round 2", "prompt": null, "due": "2027-01-15", "max_length": "90s"})),
    );
    assert_eq!(edited["title"], "Pricing objection, round 2");
    assert_eq!(edited["due_at"], "2027-01-15T23:59:59Z");
    assert_eq!(edited["max_answer_ms"], 90_000);
    expect_event(&rx, CoachingSubject::Challenge, &id);

    let (kind, message) = app.err("get_challenge", json!({"id": "not-an-id"}));
    assert_eq!(kind, "bad_id", "{message}");
    let unknown = ChallengeId::new().to_string();
    let (kind, message) = app.err("get_challenge", json!({"id": unknown}));
    assert_eq!(kind, "not_found");
    assert!(
        !message.contains('`'),
        "the app's words, not the CLI's: {message}"
    );
    let (kind, _) = app.err("delete_challenge", json!({"id": unknown}));
    assert_eq!(kind, "not_found");

    app.ok("delete_challenge", json!({"id": id}));
    expect_event(&rx, CoachingSubject::Challenge, &id);
    assert!(
        app.ok("list_challenges", json!({}))["challenges"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.ok("get_challenge", json!({"id": id}))["challenge"]["deleted"],
        true
    );
}

#[test]
fn the_playbook_by_section_promote_reorder_and_demote() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    set_role(&data, "manager");
    let app = TestApp::open(&data);
    let rx = events(&app);
    let a = import(&app, dir.path(), "Reframe");
    let b = import(&app, dir.path(), "Discount");
    let c = import(&app, dir.path(), "Pinned only");
    assert_eq!(
        app.ok("pin_clip", json!({"id": c, "pinned": true}))["pinned"],
        true
    );

    let (kind, message) = app.err(
        "promote_clip",
        json!({"clipId": a, "section": "x".repeat(81), "position": null}),
    );
    assert_eq!(kind, "invalid_input", "{message}");
    assert!(
        message.starts_with("Playbook section is 81 characters long"),
        "{message}"
    );
    let view = app.ok(
        "promote_clip",
        json!({"clipId": a, "section": "Objections", "position": null}),
    );
    assert_eq!(view["playbook"]["section"], "Objections");
    assert_eq!(view["can_manage"], true);
    assert_eq!(view["sections"], json!(["Objections"]));
    expect_event(&rx, CoachingSubject::Playbook, &a);
    app.ok(
        "promote_clip",
        json!({"clipId": b, "section": "Objections", "position": null}),
    );
    expect_event(&rx, CoachingSubject::Playbook, &b);

    let book = app.ok("get_playbook", json!({}));
    assert_eq!(book["can_manage"], true);
    assert_eq!(book["sections"].as_array().unwrap().len(), 1);
    assert_eq!(book["sections"][0]["name"], "Objections");
    let order = |book: &Value| -> Vec<String> {
        book["sections"][0]["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["clip"]["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        order(&book),
        ["Discount", "Reframe"],
        "newest first without positions"
    );
    assert_eq!(
        book["kept_offline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [c.as_str()],
        "pinned clips not in the playbook, in their own group"
    );

    let (kind, message) = app.err(
        "reorder_playbook",
        json!({"section": "Objections", "clipIds": [a]}),
    );
    assert_eq!(kind, "invalid_input");
    assert!(message.contains("exactly once"), "{message}");
    let book = app.ok(
        "reorder_playbook",
        json!({"section": "Objections", "clipIds": [a, b]}),
    );
    assert_eq!(order(&book), ["Reframe", "Discount"]);
    assert_eq!(book["sections"][0]["entries"][0]["position"], 1);
    expect_event(&rx, CoachingSubject::Playbook, "");

    let view = app.ok("demote_clip", json!({"clipId": a}));
    assert_eq!(view["playbook"], Value::Null);
    let (kind, message) = app.err("demote_clip", json!({"clipId": a}));
    assert_eq!(kind, "invalid_input");
    assert!(message.ends_with("is not in the playbook."), "{message}");

    // A member sees the playbook but may not change it.
    set_role(&data, "member");
    assert_eq!(app.ok("get_playbook", json!({}))["can_manage"], false);
    for (cmd, args) in [
        (
            "promote_clip",
            json!({"clipId": a, "section": null, "position": null}),
        ),
        ("demote_clip", json!({"clipId": b})),
        (
            "reorder_playbook",
            json!({"section": "Objections", "clipIds": [b]}),
        ),
    ] {
        let (kind, message) = app.err(cmd, args);
        assert_eq!(kind, "forbidden", "{cmd}: {message}");
        assert!(
            message.starts_with("Only managers and admins can add clips to or remove clips from the playbook; your role in this team is member"),
            "{message}"
        );
    }
}

#[test]
fn a_member_answers_comments_and_reads_notifications() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    set_role(&data, "member");
    let app = TestApp::open(&data);
    let rx = events(&app);
    let mine = import(&app, dir.path(), "My pricing answer");
    // As at a sync, the clip becomes this member's (comments on it notify).
    set_role(&data, "member");

    let (kind, message) = app.err(
        "create_challenge",
        challenge("Mine", json!(null), json!(null)),
    );
    assert_eq!(kind, "forbidden");
    assert!(
        message.starts_with(
            "Only managers and admins can create challenges; your role in this team is member"
        ),
        "{message}"
    );

    // A manager's challenge and a teammate's comment arrive from the feed.
    let ch = ChallengeId::new();
    let theirs = CommentId::new();
    {
        let mut lib = Library::open(&data).unwrap();
        lib.apply_remote_changes(
            &[
                RemoteChange::Challenge(RemoteChallenge {
                    id: ch,
                    title: "Pricing objection".into(),
                    prompt: "How?".into(),
                    due_at: None,
                    max_answer_ms: Some(1_000),
                    author: "Max".into(),
                    author_id: "boss".into(),
                    created_hlc: hlc(1),
                    updated_hlc: hlc(1),
                    deleted: false,
                }),
                RemoteChange::Comment(RemoteComment {
                    id: theirs,
                    clip_id: mine.parse().unwrap(),
                    author: "Max".into(),
                    author_id: "boss".into(),
                    text: "Great reframe".into(),
                    text_hlc: hlc(2),
                    at_ms: Some(1_500),
                    created_hlc: hlc(2),
                    deleted: false,
                }),
            ],
            2,
        )
        .unwrap();
    }
    let list = app.ok("list_challenges", json!({}));
    assert_eq!(list["can_manage"], false);
    let c = &list["challenges"][0];
    assert_eq!(
        (c["mine"].clone(), c["answered"].clone()),
        (json!(false), json!(false))
    );
    let detail = app.ok("get_challenge", json!({"id": ch.to_string()}));
    assert_eq!(
        detail["answered_by"],
        Value::Null,
        "members do not see who answered"
    );
    assert_eq!(detail["not_answered"], Value::Null);
    for (cmd, args) in [
        (
            "edit_challenge",
            json!({"id": ch.to_string(), "change": {"title": "x", "prompt": null, "due": null, "max_length": null}}),
        ),
        ("delete_challenge", json!({"id": ch.to_string()})),
    ] {
        assert_eq!(app.err(cmd, args).0, "forbidden", "{cmd}");
    }

    // The clip is 2 s, the challenge takes 1 s at most: refused, in words.
    let candidates = app.ok("answer_candidates", json!({}));
    assert_eq!(candidates[0]["id"], mine.as_str());
    let (kind, message) = app.err(
        "answer_challenge",
        json!({"challengeId": ch.to_string(), "clipId": mine}),
    );
    assert_eq!(kind, "invalid_input");
    assert!(
        message.contains("takes answers of at most 0:01"),
        "{message}"
    );

    // Notifications and their unread count, also in the app status.
    let n = app.ok("list_notifications", json!({}));
    assert_eq!(n["unread"]["total"], 2, "{n}");
    assert_eq!(n["unread"]["new_challenge"], 1);
    assert_eq!(n["unread"]["new_comment"], 1);
    let kinds: Vec<&str> = n["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["new_comment", "new_challenge"]);
    assert_eq!(app.ok("app_status", json!({}))["unread_notifications"], 2);
    let first = n["notifications"][0]["id"].as_i64().unwrap();
    let left = app.ok("mark_notifications_read", json!({"ids": [first]}));
    assert_eq!(left["total"], 1);
    expect_event(&rx, CoachingSubject::Notifications, "");
    assert_eq!(
        app.ok("mark_notifications_read", json!({"ids": null}))["total"],
        0
    );
    expect_event(&rx, CoachingSubject::Notifications, "");
    assert_eq!(app.ok("app_status", json!({}))["unread_notifications"], 0);

    // Comments: at a moment, within the clip, not too long, mine to edit.
    let coaching = app.ok("get_clip_coaching", json!({"clipId": mine}));
    assert_eq!(coaching["comments"][0]["text"], "Great reframe");
    assert_eq!(coaching["comments"][0]["at_ms"], 1_500);
    assert_eq!(coaching["comments"][0]["mine"], false);
    assert_eq!(coaching["can_manage"], false);
    assert_eq!(coaching["playbook"], Value::Null);
    let (kind, message) = app.err(
        "add_comment",
        json!({"clipId": mine, "text": "x".repeat(5_001), "atMs": null}),
    );
    assert_eq!(kind, "invalid_input");
    assert_eq!(
        message,
        "Comment is 5001 characters long; at most 5000 are allowed."
    );
    let (kind, message) = app.err(
        "add_comment",
        json!({"clipId": mine, "text": "late", "atMs": 60_000}),
    );
    assert_eq!(kind, "invalid_input");
    assert!(message.contains("past the end"), "{message}");
    let (kind, _) = app.err(
        "add_comment",
        json!({"clipId": "0190f1c2-7a4b-7c3d-9e8f-000000000000", "text": "hi", "atMs": null}),
    );
    assert_eq!(kind, "not_found");
    let added = app.ok(
        "add_comment",
        json!({"clipId": mine, "text": "Thanks!", "atMs": 500}),
    );
    assert_eq!(
        (added["mine"].clone(), added["pending"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(added["author"], "Max Manager");
    assert!(added["created_at"].as_str().unwrap().ends_with('Z'));
    expect_event(&rx, CoachingSubject::Comment, &mine);
    let cid = added["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.ok("edit_comment", json!({"id": cid, "text": "Thanks, Max!"}))["text"],
        "Thanks, Max!"
    );
    expect_event(&rx, CoachingSubject::Comment, &mine);
    let (kind, message) = app.err(
        "edit_comment",
        json!({"id": theirs.to_string(), "text": "mine now"}),
    );
    assert_eq!(kind, "not_permitted");
    assert!(
        message.starts_with("Only Max (its author) can edit this comment"),
        "{message}"
    );
    assert_eq!(
        app.err("delete_comment", json!({"id": theirs.to_string()}))
            .0,
        "not_permitted"
    );
    app.ok("delete_comment", json!({"id": cid}));
    expect_event(&rx, CoachingSubject::Comment, &mine);
    let (kind, message) = app.err("delete_comment", json!({"id": cid}));
    assert_eq!(kind, "not_found");
    assert!(!message.contains('`'), "{message}");
    let coaching = app.ok("get_clip_coaching", json!({"clipId": mine}));
    assert_eq!(coaching["comments"].as_array().unwrap().len(), 1);
}

#[test]
fn recording_an_answer_links_it_and_the_challenge_caps_its_length() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    set_role(&data, "manager");
    let app = TestApp::open(&data);
    let rx = events(&app);
    let c = app.ok(
        "create_challenge",
        challenge("Opening line", json!(null), json!("30s")),
    );
    let id = c["id"].as_str().unwrap().to_string();
    expect_event(&rx, CoachingSubject::Challenge, &id);

    let (kind, message) = app.err(
        "start_recording",
        json!({"request": {"source": "synthetic", "mic": "none", "challenge_id": ChallengeId::new().to_string()}}),
    );
    assert_eq!(kind, "not_found");
    assert!(!message.contains('`'), "{message}");
    assert_eq!(app.ok("recording_status", json!({})), Value::Null);

    let started = app.ok(
        "start_recording",
        json!({"request": {"source": "synthetic", "mic": "none", "challenge_id": id}}),
    );
    assert_eq!(started["max_length_ms"], 30_000, "capped by the challenge");
    assert_eq!(started["challenge_id"], id.as_str());
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.ok("recording_status", json!({}))["elapsed_ms"]
        .as_u64()
        .unwrap()
        < 1000
    {
        assert!(Instant::now() < deadline, "nothing recorded");
        std::thread::sleep(Duration::from_millis(50));
    }
    let recorded = app.ok("stop_recording", json!({}));
    assert_eq!(recorded["clip"]["kind"], "challenge_answer");
    assert_eq!(recorded["warnings"], json!([]));
    let clip_id = recorded["clip"]["id"].as_str().unwrap().to_string();
    expect_event(&rx, CoachingSubject::Challenge, &id);

    let detail = app.ok("get_challenge", json!({"id": id}));
    assert_eq!(detail["challenge"]["answered"], true);
    assert_eq!(detail["challenge"]["my_answers"], json!([clip_id]));
    assert_eq!(detail["answers"][0]["clip"]["id"], clip_id.as_str());
    assert_eq!(detail["answers"][0]["mine"], true);
    let coaching = app.ok("get_clip_coaching", json!({"clipId": clip_id}));
    assert_eq!(coaching["challenge"]["title"], "Opening line");
    // An answer is no candidate for another answer.
    assert!(
        app.ok("answer_candidates", json!({}))
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != clip_id.as_str())
    );
}

mod helpers;

use helpers::*;

#[test]
fn import_list_show_tag_edit_delete_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mp4 = ffmpeg_mp4(
        tmp.path(),
        "Compliance questions.mp4",
        2.0,
        &["-movflags", "+faststart"],
    );

    let run = debrief(
        &data,
        &[
            "import",
            mp4.to_str().unwrap(),
            "--tag",
            "Compliance",
            "--tag",
            "pricing",
        ],
    )
    .ok();
    let id = run.last_line().to_string();
    assert_eq!(id.len(), 36, "the id is the last line: {:?}", run.stdout);

    // --data-dir after the subcommand, --json anywhere.
    let list = run_output(
        std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
            .args(["list", "--json", "--data-dir"])
            .arg(&data)
            .output()
            .unwrap(),
    )
    .ok()
    .json();
    let clips = list.as_array().unwrap();
    assert_eq!(clips.len(), 1);
    let c = &clips[0];
    assert_eq!(c["id"], id.as_str());
    assert_eq!(c["title"], "Compliance questions");
    assert_eq!(c["tags"], serde_json::json!(["Compliance", "pricing"]));
    assert_eq!(c["width"], 320);
    assert_eq!(c["height"], 240);
    let dur = c["duration_ms"].as_u64().unwrap();
    assert!((1900..=2100).contains(&dur), "duration {dur}");
    assert_eq!(
        c["bytes"].as_u64().unwrap(),
        std::fs::metadata(&mp4).unwrap().len()
    );
    assert_eq!(c["sha256"], sha256_of(&mp4).as_str());
    assert_eq!(c["media_state"], "ready");
    assert_eq!(c["sync_state"], "local");
    assert_eq!(c["kind"], "debrief");
    assert_eq!(c["visibility"], "team");
    assert_eq!(c["author"], "Test Rep");
    assert!(c["recorded_at"].as_str().unwrap().ends_with('Z'));
    let media = std::path::PathBuf::from(c["media_path"].as_str().unwrap());
    assert!(media.is_absolute() && media.starts_with(data.canonicalize().unwrap()));
    assert_eq!(
        sha256_of(&media),
        sha256_of(&mp4),
        "the stored copy is byte-identical"
    );
    let thumb = std::path::PathBuf::from(c["thumbnail_path"].as_str().unwrap());
    assert_eq!(
        &std::fs::read(&thumb).unwrap()[..2],
        b"\xff\xd8",
        "thumbnail is a JPEG"
    );

    let shown = debrief(&data, &["show", &id, "--json"]).ok().json();
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["video_codec"], "h264");
    assert_eq!(shown["audio_codec"], "aac");
    assert_eq!(shown["pending_ops"], 3, "created + two tags wait for sync");

    let run = debrief(
        &data,
        &[
            "tag",
            &id,
            "--add",
            "Objection Handling",
            "--remove",
            "PRICING",
        ],
    )
    .ok();
    assert_eq!(run.last_line(), id);
    let tags = debrief(&data, &["tags", "--json"]).ok().json();
    assert_eq!(
        tags,
        serde_json::json!([{"name": "Compliance", "count": 1}, {"name": "Objection Handling", "count": 1}])
    );

    debrief(
        &data,
        &[
            "edit",
            &id,
            "--title",
            "Compliance, handled",
            "--notes",
            "Lead with the audit report.",
        ],
    )
    .ok();
    let found = debrief(&data, &["list", "--json", "--query", "audit"])
        .ok()
        .json();
    assert_eq!(found.as_array().unwrap().len(), 1);
    let none = debrief(
        &data,
        &["list", "--json", "--query", "audit", "--tag", "pricing"],
    )
    .ok()
    .json();
    assert_eq!(none.as_array().unwrap().len(), 0);

    let human = debrief(&data, &["list"]).ok();
    assert!(human.stdout.contains("Compliance, handled") && human.stdout.contains(&id));

    debrief(&data, &["delete", &id]).ok();
    assert!(!media.exists() && !thumb.exists());
    assert_eq!(
        debrief(&data, &["list", "--json"]).ok().json(),
        serde_json::json!([])
    );
}

#[test]
fn data_dir_comes_from_the_environment_too() {
    let tmp = tempfile::tempdir().unwrap();
    let mp4 = ffmpeg_mp4(tmp.path(), "a.mp4", 1.0, &[]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["import", mp4.to_str().unwrap(), "--title", "From env"])
        .env("DEBRIEF_DATA_DIR", tmp.path().join("envdata"))
        .output()
        .unwrap();
    run_output(out).ok();
    assert!(tmp.path().join("envdata/library.sqlite3").exists());
}

#[test]
fn unknown_ids_bad_tags_and_bad_files_each_have_their_own_message() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mp4 = ffmpeg_mp4(tmp.path(), "ok.mp4", 1.0, &[]);
    let id = debrief(&data, &["import", mp4.to_str().unwrap()])
        .ok()
        .last_line()
        .to_string();

    let r = debrief(&data, &["show", "0190f1c2-7a4b-7c3d-9e8f-0123456789ab"])
        .fails_with("no clip with id 0190f1c2-7a4b-7c3d-9e8f-0123456789ab");
    assert_eq!(r.code, 3);
    let r = debrief(&data, &["show", "nonsense"]).fails_with("not a valid clip id");
    assert_eq!(r.code, 4);
    debrief(&data, &["tag", &id, "--add", &"x".repeat(60)]).fails_with("at most 48");
    debrief(&data, &["tag", &id, "--add", "   "]).fails_with("tag is empty");
    debrief(&data, &["tag", &id, "--remove", "never-added"]).fails_with("has no tag 'never-added'");
    debrief(&data, &["tag", &id]).fails_with("nothing to do");
    debrief(&data, &["edit", &id, "--title", ""]).fails_with("title is empty");

    let r = debrief(
        &data,
        &["import", tmp.path().join("missing.mp4").to_str().unwrap()],
    );
    let r = r.fails_with("missing.mp4");
    assert_eq!(r.code, 3);
    let text = tmp.path().join("notes.mp4");
    std::fs::write(
        &text,
        "these are my meeting notes, not a video\n".repeat(20),
    )
    .unwrap();
    debrief(&data, &["import", text.to_str().unwrap()]).fails_with("notes.mp4");
    let bytes = std::fs::read(&mp4).unwrap();
    let truncated = tmp.path().join("truncated.mp4");
    std::fs::write(&truncated, &bytes[..bytes.len() * 6 / 10]).unwrap();
    debrief(&data, &["import", truncated.to_str().unwrap()]).fails_with("truncated.mp4");
    debrief(&data, &["import", tmp.path().to_str().unwrap()])
        .fails_with(tmp.path().to_str().unwrap());

    // None of the failures left anything behind.
    let list = debrief(&data, &["list", "--json"]).ok().json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let files = files_under(&data);
    assert_eq!(
        files.len(),
        2,
        "only the one good clip's media and thumbnail: {files:?}"
    );
}

#[test]
fn errors_name_the_problem_for_a_database_from_a_newer_version() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    debrief(&data, &["list"]).ok();
    let conn = rusqlite::Connection::open(data.join("library.sqlite3")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let r = debrief(&data, &["list"]).fails_with("newer version of Debrief");
    assert_eq!(r.code, 5);
}

//! `debrief-server migrate`, the real binary: a populated server moves to
//! new stores (another SQLite file and folder by default; a new PostgreSQL
//! database and S3 bucket when the test environment provides them), is
//! killed part-way once, finishes on a second run, finds nothing left to
//! do on a third, and the devices' tokens, feed and media all work against
//! a server on the new stores. A damaged source file stops the copy.

mod helpers;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use debrief_protocol::api::Role;
use debrief_protocol::{ChallengeId, ClipId, CommentId, OpBody, Visibility};
use debrief_server::Settings;
use helpers::backend::Backend;
use helpers::{Device, TestServer, clip_created, media_bytes, sha256_hex};
use reqwest::StatusCode;

const BIN: &str = env!("CARGO_BIN_EXE_debrief-server");

/// Stores to move to: fresh PostgreSQL + S3 in scale runs, else a new
/// SQLite file and folder (named by URL, as an operator would).
async fn target(dir: &Path) -> Backend {
    let fresh = Backend::fresh().await;
    if fresh.is_scale() {
        return fresh;
    }
    Backend {
        database_url: Some(format!("sqlite://{}/moved.sqlite3", dir.display())),
        media_url: Some(format!("file://{}/moved-media", dir.display())),
    }
}

fn migrate_cmd(source: &Path, to: &Backend) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data-dir")
        .arg(source)
        .envs(Backend::for_dir_blocking(source).env())
        .arg("migrate")
        .args(["--to-database-url", to.database_url.as_deref().unwrap()])
        .args(["--to-media-url", to.media_url.as_deref().unwrap()]);
    c
}

async fn populate(srv: &TestServer) -> (Device, Device, Vec<(String, Vec<u8>)>) {
    let boss = srv.device("Sales", Role::Manager, "Max").await;
    let rep = srv.device("Sales", Role::Member, "Rita").await;
    let mut media = Vec::new();
    for i in 0..12u8 {
        let bytes = media_bytes(150_000 + usize::from(i) * 1000, i);
        let who = if i % 3 == 0 { &rep } else { &boss };
        assert_eq!(who.upload(&bytes).await, StatusCode::CREATED);
        media.push((sha256_hex(&bytes), bytes));
    }
    let mut clips = Vec::new();
    for (i, (sha, _)) in media.iter().enumerate().take(9) {
        let id = ClipId::new();
        let who = if i % 3 == 0 { &rep } else { &boss };
        who.push_ok(&[who.op(1 + i as u64, clip_created(id, sha, Visibility::Team))])
            .await;
        clips.push(id);
    }
    let challenge = ChallengeId::new();
    boss.push_ok(&[
        boss.op(
            50,
            OpBody::ChallengeCreated {
                challenge_id: challenge,
                title: "Pricing".into(),
                prompt: "Show me".into(),
                due_at: None,
                max_answer_ms: None,
            },
        ),
        boss.op(
            51,
            OpBody::PlaybookPromoted {
                clip_id: clips[1],
                section: Some("Openers".into()),
                position: Some(1),
            },
        ),
    ])
    .await;
    rep.push_ok(&[rep.op(
        60,
        OpBody::CommentAdded {
            comment_id: CommentId::new(),
            clip_id: clips[1],
            text: "Nice opener".into(),
            at_ms: Some(1000),
        },
    )])
    .await;
    // An invite nobody used yet travels too.
    srv.invite("Sales", Role::Member, 3, 3_600_000).await;
    (boss, rep, media)
}

#[tokio::test]
async fn a_killed_migration_resumes_verifies_and_the_new_stores_serve_the_same_team() {
    let srv = TestServer::start().await;
    let (boss, rep, media) = populate(&srv).await;
    let before_boss = boss.all_entities().await;
    let before_rep = rep.all_entities().await;
    assert_eq!(before_boss.len(), 9 + 1 + 1 + 1);
    let source = srv.stop().await;
    let work = tempfile::tempdir().unwrap();
    let to = target(work.path()).await;

    // Killed right after its first media file.
    let mut first = migrate_cmd(source.path(), &to)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(first.stdout.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    assert!(line.starts_with("media 1: "), "{line}");
    first.kill().unwrap();
    first.wait().unwrap();

    let out = migrate_cmd(source.path(), &to).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let media_lines: Vec<&str> = text.lines().filter(|l| l.starts_with("media ")).collect();
    assert_eq!(media_lines.len(), media.len(), "{text}");
    assert!(
        media_lines.iter().any(|l| l.ends_with("already there")),
        "the first run's copies are kept: {text}"
    );
    for table in [
        "teams: 1 rows",
        "members: 2 rows",
        "devices: 2 rows",
        "invites: 3 rows",
        "clips: 9 rows",
        "ops: 12 rows",
        "media: 12 rows",
        "challenges: 1 rows",
        "comments: 1 rows",
        "playbook: 1 rows",
    ] {
        assert!(
            text.contains(&format!("table {table} copied")),
            "{table}: {text}"
        );
    }
    assert!(
        text.contains("verified: 44 rows in 10 tables match, 12 media files"),
        "{text}"
    );
    let summary = text.lines().last().unwrap();
    assert!(
        summary.starts_with("migrated 44 rows in 10 tables and 12 media files"),
        "{summary}"
    );

    // Once more: nothing to copy, nothing duplicated.
    let again = migrate_cmd(source.path(), &to).output().unwrap();
    let again = String::from_utf8(again.stdout).unwrap();
    assert_eq!(
        again.lines().last().unwrap(),
        "migrated 44 rows in 10 tables and 12 media files (0 copied now, 0 bytes); the target is verified"
    );

    // A server on the new stores: same tokens, same feed, same bytes.
    let moved = tempfile::tempdir().unwrap();
    std::fs::write(
        moved.path().join(".test-backend"),
        serde_json::to_string(&to).unwrap(),
    )
    .unwrap();
    let srv = TestServer::start_in(moved, Settings::default()).await;
    for (dev, before) in [(boss, before_boss), (rep, before_rep)] {
        let dev = Device {
            base: srv.base.clone(),
            ..dev
        };
        assert_eq!(dev.all_entities().await, before);
        for (sha, bytes) in &media {
            let got = dev.get(&format!("/v1/media/{sha}")).send().await.unwrap();
            assert_eq!(got.status(), StatusCode::OK);
            assert_eq!(&got.bytes().await.unwrap()[..], &bytes[..]);
        }
    }
}

#[tokio::test]
async fn a_damaged_source_file_stops_the_copy_and_is_named() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(40_000, 9);
    let sha = sha256_hex(&bytes);
    assert_eq!(dev.upload(&bytes).await, StatusCode::CREATED);
    let backend = srv.backend();
    let source = srv.stop().await;
    backend.corrupt_blob(source.path(), &sha).await;
    let work = tempfile::tempdir().unwrap();
    let to = target(work.path()).await;
    let out = migrate_cmd(source.path(), &to).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&format!(
            "media {sha} in the source store does not match its name"
        )),
        "{err}"
    );
    assert!(err.contains("restore that file from a backup"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    // Nothing wrong was left under that name in the target.
    assert!(!to.blob_exists(work.path(), &sha).await);
}

#[test]
fn migrate_needs_a_target_that_is_not_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("DEBRIEF_SERVER_DATABASE_URL")
            .env_remove("DEBRIEF_SERVER_MEDIA_URL")
            .arg("migrate")
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    let err = run(&[]);
    assert!(
        err.contains("say where to move with --to-database-url"),
        "{err}"
    );
    let here = format!("sqlite://{}/server.sqlite3", dir.path().display());
    let err = run(&["--to-database-url", &here]);
    assert!(err.contains("the target is where the data is now"), "{err}");
    let err = run(&["--to-database-url", "redis://x"]);
    assert!(err.contains("unsupported scheme 'redis'"), "{err}");
}

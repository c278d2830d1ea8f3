//! Choosing the stores: every bad `--database-url` / `--media-url` or
//! unusable backend stops the real binary at once with one line that says
//! what is wrong and what to do, and no secret in it. The cases that need
//! a running PostgreSQL and S3 server are ignored by plain `cargo test`;
//! `scripts/scale-test.sh` provides both and runs them.

mod helpers;

use std::process::Command;

use helpers::backend::{fresh_database, scale_env};

const BIN: &str = env!("CARGO_BIN_EXE_debrief-server");

/// `debrief-server team create X` with extra arguments and environment;
/// (success, stderr).
fn team_create(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(args)
        .args(["team", "create", "Sales"])
        .env_remove("DEBRIEF_SERVER_DATABASE_URL")
        .env_remove("DEBRIEF_SERVER_MEDIA_URL")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    if !out.status.success() {
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.starts_with("error: "), "{err}");
    }
    (out.status.success(), err)
}

#[test]
fn bad_urls_name_the_option_and_the_forms_that_work() {
    let (ok, err) = team_create(&["--database-url", "mysql://app:hunter2@db/x"], &[]);
    assert!(!ok);
    assert!(
        err.contains("--database-url (DEBRIEF_SERVER_DATABASE_URL, database_url)"),
        "{err}"
    );
    assert!(err.contains("unsupported scheme 'mysql'"), "{err}");
    assert!(
        err.contains("use postgres://USER:PASSWORD@HOST:PORT/DATABASE"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "no password in messages: {err}");

    let (ok, err) = team_create(&[], &[("DEBRIEF_SERVER_MEDIA_URL", "ftp://media")]);
    assert!(!ok);
    assert!(
        err.contains("--media-url (DEBRIEF_SERVER_MEDIA_URL, media_url)"),
        "{err}"
    );
    assert!(err.contains("unsupported scheme 'ftp'"), "{err}");
    assert!(err.contains("use s3://BUCKET[/PREFIX]"), "{err}");

    let (ok, err) = team_create(&["--media-url", "s3://x"], &[]);
    assert!(!ok);
    assert!(err.contains("'x' is not a bucket name"), "{err}");
}

#[test]
fn an_unreachable_database_is_named_with_what_to_check() {
    let (ok, err) = team_create(
        &[
            "--database-url",
            "postgres://debrief:hunter2@127.0.0.1:1/teams",
        ],
        &[],
    );
    assert!(!ok);
    assert!(
        err.contains("cannot reach PostgreSQL at 127.0.0.1:1/teams"),
        "{err}"
    );
    assert!(err.contains("check that it is running"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn an_unreachable_object_store_is_named_with_what_to_check() {
    let (ok, err) = team_create(
        &["--media-url", "s3://team-media"],
        &[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_ACCESS_KEY_ID", "k"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    assert!(!ok);
    assert!(
        err.contains("cannot reach the object store at http://127.0.0.1:1"),
        "{err}"
    );
    assert!(err.contains("check AWS_ENDPOINT_URL"), "{err}");
}

fn scale() -> (String, String) {
    scale_env()
        .expect("DEBRIEF_TEST_DATABASE_URL and DEBRIEF_TEST_MEDIA_URL: run scripts/scale-test.sh")
}

#[tokio::test]
#[ignore = "needs PostgreSQL and S3: scripts/scale-test.sh runs it"]
async fn a_missing_database_and_an_unknown_user_are_told_apart() {
    let (admin, _) = scale();
    let base = admin.rsplit_once('/').unwrap().0;
    let (ok, err) = team_create(&["--database-url", &format!("{base}/no_such_db")], &[]);
    assert!(!ok);
    assert!(err.contains("has no such database"), "{err}");
    assert!(err.contains("createdb"), "{err}");

    let db = fresh_database(&admin).await;
    let stranger = db.replacen("postgres://debrief@", "postgres://stranger:pw@", 1);
    assert_ne!(stranger, db);
    let (ok, err) = team_create(&["--database-url", &stranger], &[]);
    assert!(!ok);
    assert!(err.contains("refused the login"), "{err}");
    assert!(err.contains("check the user and password"), "{err}");

    // The right URL works, and migrates an empty database.
    let (ok, err) = team_create(&["--database-url", &db], &[]);
    assert!(ok, "{err}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL and S3: scripts/scale-test.sh runs it"]
async fn a_missing_bucket_and_wrong_credentials_are_told_apart() {
    scale();
    let (ok, err) = team_create(&["--media-url", "s3://no-such-bucket-here"], &[]);
    assert!(!ok);
    assert!(
        err.contains("bucket 'no-such-bucket-here' does not exist at http://127.0.0.1:"),
        "{err}"
    );
    assert!(err.contains("create it"), "{err}");

    let bucket = helpers::backend::fresh_bucket("s3://any").await;
    let (ok, err) = team_create(
        &["--media-url", &bucket],
        &[("AWS_SECRET_ACCESS_KEY", "not-the-secret")],
    );
    assert!(!ok);
    assert!(err.contains("refused the credentials"), "{err}");
    assert!(
        err.contains("check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        "{err}"
    );
    assert!(!err.contains("not-the-secret"), "{err}");

    let (ok, err) = team_create(&["--media-url", &bucket], &[]);
    assert!(ok, "{err}");
}

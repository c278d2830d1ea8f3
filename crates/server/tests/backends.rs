//! Choosing the stores: every bad `--database-url` / `--media-url` or
//! unusable backend stops the real binary at once with one line that says
//! what is wrong and what to do, and no secret in it. The cases that need
//! a running PostgreSQL and S3 server are compiled only with the
//! `live-backends` feature: `scripts/scale-test.sh` starts both and runs
//! them with it.

mod helpers;

use std::process::Command;

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

#[cfg(feature = "live-backends")]
mod live {
    use super::*;
    use helpers::backend::{fresh_database, scale_env};

    fn scale() -> (String, String) {
        scale_env().expect(
            "DEBRIEF_TEST_DATABASE_URL and DEBRIEF_TEST_MEDIA_URL: run scripts/scale-test.sh",
        )
    }

    #[tokio::test]
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

    /// A TCP forwarder to `target` that can cut every connection and refuse
    /// new ones, then let them through again: a database failover on demand.
    struct Link {
        addr: std::net::SocketAddr,
        up: std::sync::Arc<std::sync::atomic::AtomicBool>,
        conns: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    }

    impl Link {
        async fn start(target: String) -> Self {
            use std::sync::atomic::Ordering;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
            let conns: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>> =
                std::sync::Arc::default();
            let (up2, conns2) = (up.clone(), conns.clone());
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !up2.load(Ordering::SeqCst) {
                        continue; // dropped: connection refused, in effect
                    }
                    let target = target.clone();
                    conns2.lock().unwrap().push(tokio::spawn(async move {
                        if let Ok(mut out) = tokio::net::TcpStream::connect(target).await {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                        }
                    }));
                }
            });
            Self { addr, up, conns }
        }

        fn cut(&self) {
            self.up.store(false, std::sync::atomic::Ordering::SeqCst);
            for c in self.conns.lock().unwrap().drain(..) {
                c.abort();
            }
        }

        fn restore(&self) {
            self.up.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn a_database_outage_is_a_503_with_retry_after_and_service_comes_back() {
        use helpers::backend::Backend;
        let (admin, _) = scale();
        let db = fresh_database(&admin).await;
        let parsed = url::Url::parse(&db).unwrap();
        let target = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap());
        let link = Link::start(target).await;
        let mut via = parsed.clone();
        via.set_port(Some(link.addr.port())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let backend = Backend {
            database_url: Some(via.to_string()),
            ..Backend::fresh().await
        };
        std::fs::write(
            dir.path().join(".test-backend"),
            serde_json::to_string(&backend).unwrap(),
        )
        .unwrap();
        let srv = helpers::TestServer::start_in(dir, debrief_server::Settings::default()).await;
        let dev = srv
            .device("Sales", debrief_protocol::api::Role::Member, "Ana")
            .await;
        assert_eq!(dev.changes(0, 10).await.changes.len(), 0);

        link.cut();
        let ready = reqwest::get(format!("{}/readyz", srv.base)).await.unwrap();
        let (status, kind, msg) = helpers::error_of(ready).await;
        assert_eq!((status.as_u16(), kind.as_str()), (503, "not_ready"));
        assert!(msg.contains("database"), "{msg}");
        let started = std::time::Instant::now();
        let resp = dev.get("/v1/changes").send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 503);
        assert_eq!(resp.headers()["retry-after"], "5");
        let (_, kind, msg) = helpers::error_of(resp).await;
        assert_eq!(kind, "unavailable");
        assert!(msg.contains("retry in a few seconds"), "{msg}");
        assert!(
            !msg.contains(&link.addr.to_string()),
            "no addresses leak: {msg}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "gave up in {:?}",
            started.elapsed()
        );
        // The healthz liveness probe is unaffected.
        let health = reqwest::get(format!("{}/healthz", srv.base)).await.unwrap();
        assert_eq!(health.status().as_u16(), 200);

        // Back: the pool reconnects and requests succeed again, with no restart.
        link.restore();
        let ready = reqwest::get(format!("{}/readyz", srv.base)).await.unwrap();
        assert_eq!(ready.status().as_u16(), 200);
        assert_eq!(dev.changes(0, 10).await.changes.len(), 0);
    }
}

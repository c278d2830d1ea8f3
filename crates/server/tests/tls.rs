//! TLS termination: HTTPS with a certificate made at test time, plain HTTP
//! refused on the TLS port, graceful shutdown over TLS, and a precise error
//! for every kind of bad certificate or key file.

mod helpers;

use std::time::Duration;

use debrief_protocol::api::Role;
use debrief_protocol::{ClipId, Visibility};
use debrief_server::Settings;
use debrief_server::tls::{TlsError, TlsFiles};
use helpers::certs::TestCerts;
use helpers::{TestServer, clip_created, media_bytes, metadata, sha256_hex};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn https_serves_health_and_authenticated_calls() {
    let srv = TestServer::start_tls(Settings::default()).await;
    assert!(srv.base.starts_with("https://127.0.0.1:"), "{}", srv.base);
    let health = srv
        .client
        .get(format!("{}/healthz", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.version(), reqwest::Version::HTTP_11);

    // Join, push an op, upload media and read it back, all over TLS.
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(200_000, 7);
    assert_eq!(dev.upload(&bytes).await, StatusCode::CREATED);
    let clip = ClipId::new();
    let op = dev.op(1, clip_created(clip, &sha256_hex(&bytes), Visibility::Team));
    assert_eq!(dev.push_ok(&[op]).await, ["applied"]);
    assert!(dev.clip(clip).await.is_some());
    let got = dev
        .get(&format!("/v1/media/{}", sha256_hex(&bytes)))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap(), bytes);
    // The token is checked over TLS like anywhere else.
    let anonymous = srv
        .client
        .get(format!("{}/v1/changes", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn plain_http_and_untrusting_clients_are_refused_on_the_tls_port() {
    let srv = TestServer::start_tls(Settings::default()).await;
    let plain = srv.base.replacen("https://", "http://", 1);
    let err = reqwest::Client::new()
        .get(format!("{plain}/healthz"))
        .timeout(Duration::from_secs(15))
        .send()
        .await
        .expect_err("plain HTTP must not be answered on the TLS port");
    assert!(
        !err.is_timeout(),
        "the server should hang up, not stall: {err}"
    );
    // A client that does not trust the certificate cannot talk to it either.
    let stranger = TestCerts::generate().client();
    assert!(
        stranger
            .get(format!("{}/healthz", srv.base))
            .send()
            .await
            .is_err()
    );
    // Neither failed handshake disturbed the server.
    let ok = srv
        .client
        .get(format!("{}/healthz", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn graceful_shutdown_over_tls_keeps_the_committed_offset() {
    let srv = TestServer::start_tls(Settings::default()).await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(600_000, 3);
    let resp = dev
        .request(Method::POST, "/v1/uploads")
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header(
            "Upload-Metadata",
            metadata(&sha256_hex(&bytes), "video/mp4"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let loc = resp.headers()["location"].to_str().unwrap().to_string();
    let id = loc.rsplit('/').next().unwrap().to_string();
    // Send 200 kB, then stall.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    tx.send(Ok(bytes::Bytes::copy_from_slice(&bytes[..200_000])))
        .await
        .unwrap();
    let body =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
    let pending = tokio::spawn(
        dev.request(Method::PATCH, &loc)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", "0")
            .header("Content-Type", "application/offset+octet-stream")
            .body(reqwest::Body::wrap_stream(body))
            .send(),
    );
    srv.wait_received(200_000).await;
    let meta = srv.state.meta.clone();
    let team = srv.team("Sales").await.id;
    tokio::time::timeout(Duration::from_secs(5), srv.stop())
        .await
        .expect("shutdown does not wait for the stalled client");
    if let Ok(r) = pending.await.unwrap() {
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    drop(tx);
    let id = id.parse().unwrap();
    assert_eq!(meta.upload(team, &id).await.unwrap().offset, 200_000);
}

fn files(dir: &std::path::Path, cert: &[u8], key: &[u8]) -> TlsFiles {
    let files = TlsFiles {
        cert: dir.join("chain.pem"),
        key: dir.join("server.key"),
    };
    std::fs::write(&files.cert, cert).unwrap();
    std::fs::write(&files.key, key).unwrap();
    files
}

fn load_err(files: &TlsFiles) -> (TlsError, String) {
    let err = files.load().expect_err("these files must be refused");
    let text = err.to_string();
    (err, text)
}

#[test]
fn bad_certificate_and_key_files_get_precise_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = TestCerts::generate();
    let (chain, key) = (good.chain_pem.as_bytes(), good.key_pem.as_bytes());
    let ok = files(dir.path(), chain, key);
    assert!(ok.load().is_ok());

    // A missing file names itself and the flag that set it.
    let missing = TlsFiles {
        cert: dir.path().join("nope.pem"),
        key: ok.key.clone(),
    };
    let (err, text) = load_err(&missing);
    assert!(matches!(err, TlsError::Missing { .. }), "{text}");
    assert!(
        text.contains("nope.pem") && text.contains("does not exist") && text.contains("--tls-cert"),
        "{text}"
    );
    let missing_key = TlsFiles {
        cert: ok.cert.clone(),
        key: dir.path().join("gone.key"),
    };
    let (_, text) = load_err(&missing_key);
    assert!(
        text.contains("gone.key") && text.contains("--tls-key"),
        "{text}"
    );

    // Unreadable (a folder: permission bits do not stop root).
    let folder = TlsFiles {
        cert: ok.cert.clone(),
        key: dir.path().to_path_buf(),
    };
    let (err, text) = load_err(&folder);
    assert!(matches!(err, TlsError::Unreadable { .. }), "{text}");
    assert!(text.contains("cannot read TLS private key file"), "{text}");

    // Not PEM: DER bytes, and a block cut short.
    let der = TestCerts::generate();
    let (err, text) = load_err(&files(dir.path(), &[0x30, 0x82, 0x01, 0x0a, 0xff], key));
    assert!(matches!(err, TlsError::NotPem { .. }), "{text}");
    assert!(
        text.contains("chain.pem is not PEM") && text.contains("openssl x509 -inform der"),
        "{text}"
    );
    let cut = &der.key_pem[..der.key_pem.len() / 2];
    let (err, text) = load_err(&files(dir.path(), chain, cut.as_bytes()));
    assert!(matches!(err, TlsError::NotPem { .. }), "{text}");
    assert!(text.contains("server.key is not PEM"), "{text}");

    // Swapped files, an encrypted key, a file with neither.
    let (_, text) = load_err(&files(dir.path(), key, chain));
    assert!(
        text.contains("did you swap --tls-cert and --tls-key"),
        "{text}"
    );
    assert!(text.contains("chain.pem"), "{text}");
    let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkq\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let (_, text) = load_err(&files(dir.path(), chain, encrypted.as_bytes()));
    assert!(
        text.contains("server.key holds an encrypted private key") && text.contains("openssl pkey"),
        "{text}"
    );
    let public = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";
    let (_, text) = load_err(&files(dir.path(), chain, public.as_bytes()));
    assert!(text.contains("server.key holds no private key"), "{text}");

    // A real key that belongs to another certificate.
    let other = TestCerts::generate();
    let (err, text) = load_err(&files(dir.path(), chain, other.key_pem.as_bytes()));
    assert!(matches!(err, TlsError::KeyMismatch { .. }), "{text}");
    assert!(
        text.contains("server.key does not belong to the certificate in")
            && text.contains("chain.pem"),
        "{text}"
    );

    // Only one of the pair configured.
    let err = TlsFiles::from_parts(Some(ok.cert.clone()), None).unwrap_err();
    assert!(err.to_string().contains("--tls-key"), "{err}");
    assert!(TlsFiles::from_parts(None, None).unwrap().is_none());
}

#[tokio::test]
async fn the_binary_serves_https_from_flags_and_refuses_bad_files_before_listening() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    const BIN: &str = env!("CARGO_BIN_EXE_debrief-server");
    let dir = tempfile::tempdir().unwrap();
    let certs = TestCerts::generate();
    let tls = certs.write(dir.path());

    // A key that does not match: one line on stderr naming both files.
    let other = dir.path().join("other.key");
    std::fs::write(&other, TestCerts::generate().key_pem).unwrap();
    let stores = helpers::backend::Backend::for_dir(dir.path()).await.env();
    let out = Command::new(BIN)
        .env_remove("DEBRIEF_SERVER_TLS_CERT")
        .envs(stores.clone())
        .args(["--data-dir"])
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&tls.cert)
        .env("DEBRIEF_SERVER_TLS_KEY", &other)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: the private key in") && err.contains("other.key"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(out.stdout.is_empty(), "nothing may listen");

    // The pair from server.toml, relative to the file's folder.
    std::fs::write(
        dir.path().join("server.toml"),
        "tls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n",
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .env_remove("DEBRIEF_SERVER_TLS_CERT")
        .env_remove("DEBRIEF_SERVER_TLS_KEY")
        .envs(stores)
        .args(["--data-dir"])
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_string();
    let health = certs.client().get(format!("{base}/healthz")).send().await;
    let _ = child.kill();
    let _ = child.wait();
    assert!(base.starts_with("https://127.0.0.1:"), "{line}");
    assert_eq!(health.unwrap().status(), StatusCode::OK);
}

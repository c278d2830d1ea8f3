//! Health, readiness, info, metrics, OpenAPI, request ids, CORS, and a
//! graceful shutdown that keeps an in-flight upload's bytes.

mod helpers;

use std::time::Duration;

use debrief_protocol::api::{InfoResponse, PROTOCOL_VERSION, Role};
use debrief_server::Settings;
use helpers::{TestServer, media_bytes, metadata, sha256_hex};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn health_ready_info_metrics_and_openapi_answer() {
    let srv = TestServer::start().await;
    let client = reqwest::Client::new();
    let get = |p: &str| client.get(format!("{}{p}", srv.base)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), StatusCode::OK);
    assert_eq!(get("/readyz").await.unwrap().status(), StatusCode::OK);
    let info: InfoResponse = get("/v1/info").await.unwrap().json().await.unwrap();
    assert_eq!(info.server, "debrief-server");
    assert_eq!(info.protocol_versions, [1, PROTOCOL_VERSION]);
    assert_eq!(info.max_upload_bytes, 2 * 1024 * 1024 * 1024);
    let doc: serde_json::Value = get("/v1/openapi.json").await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/v1/changes"]["get"].is_object());

    let dev = srv.device("Sales", Role::Member, "Ana").await;
    assert_eq!(dev.upload(&media_bytes(1234, 1)).await, StatusCode::CREATED);
    let resp = get("/nope").await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let id = resp.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "every answer carries a request id");
    assert!(!resp.headers().contains_key("access-control-allow-origin"));
    let text = get("/metrics").await.unwrap().text().await.unwrap();
    for needle in [
        "debrief_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1",
        "debrief_http_requests_total{method=\"POST\",route=\"/v1/uploads\",status=\"201\"} 1",
        "debrief_http_request_duration_seconds_bucket{route=\"/v1/join\",le=\"+Inf\"} 1",
        "debrief_upload_bytes_total 1234",
        "debrief_uploads_completed_total 1",
        "debrief_active_uploads 0",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
}

#[tokio::test]
async fn readiness_fails_when_the_media_store_is_gone() {
    let srv = TestServer::start().await;
    srv.backend().break_media(srv.dir.path()).await;
    let resp = reqwest::get(format!("{}/readyz", srv.base)).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("media store")
    );
    assert!(
        !body.to_string().contains(srv.dir.path().to_str().unwrap()),
        "no paths leak"
    );
    assert_eq!(
        reqwest::get(format!("{}/healthz", srv.base))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn cors_is_on_only_for_configured_origins() {
    let settings = Settings {
        cors_origins: vec!["https://app.example".into()],
        ..Settings::default()
    };
    let srv = TestServer::start_with(settings).await;
    let client = reqwest::Client::new();
    let allowed = client
        .get(format!("{}/healthz", srv.base))
        .header("Origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let other = client
        .get(format!("{}/healthz", srv.base))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn graceful_shutdown_keeps_the_bytes_an_upload_already_sent() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(1_000_000, 2);
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
    let loc = resp.headers()["location"].to_str().unwrap().to_string();
    // Send 300 kB, then stall as a slow phone would.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    tx.send(Ok(bytes::Bytes::copy_from_slice(&bytes[..300_000])))
        .await
        .unwrap();
    let body =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
    let request = dev
        .request(Method::PATCH, &loc)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/offset+octet-stream")
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let pending = tokio::spawn(request);
    srv.wait_received(300_000).await;
    let dir = tokio::time::timeout(Duration::from_secs(5), srv.stop())
        .await
        .expect("shutdown does not wait for the stalled client");
    let answer = pending.await.unwrap();
    if let Ok(r) = answer {
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    drop(tx);
    let srv = TestServer::start_in(dir, Settings::default()).await;
    let dev2 = helpers::Device {
        base: srv.base.clone(),
        ..dev
    };
    let head = dev2
        .request(Method::HEAD, &loc)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(head.headers()["upload-offset"], "300000");
    // The rest completes the upload after the restart.
    let rest = dev2
        .request(Method::PATCH, &loc)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "300000")
        .header("Content-Type", "application/offset+octet-stream")
        .body(bytes[300_000..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), StatusCode::NO_CONTENT);
    let got = dev2
        .get(&format!("/v1/media/{}", sha256_hex(&bytes)))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got, bytes);
}

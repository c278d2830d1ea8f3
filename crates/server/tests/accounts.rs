//! Joining, tokens and their failures, against a real server on a port.

mod helpers;

use debrief_protocol::api::Role;
use debrief_server::Settings;
use helpers::{TestServer, error_of};
use reqwest::StatusCode;
use serde_json::json;

async fn join_raw(srv: &TestServer, body: serde_json::Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/v1/join", srv.base))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn device_count(srv: &TestServer) -> usize {
    srv.meta().list_devices(None).await.unwrap().len()
}

#[tokio::test]
async fn join_returns_a_token_that_authenticates_and_a_typo_tolerant_code() {
    let srv = TestServer::start().await;
    let code = srv.invite("Sales", Role::Manager, 1, 60_000).await;
    let typed = code.to_lowercase().replace('-', " ");
    let resp = join_raw(
        &srv,
        json!({"code": typed, "display_name": " Ana ", "device_name": "Pixel"}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: serde_json::Value = resp.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    assert!(token.len() >= 52, "{token}");
    assert_eq!(body["role"], "manager");
    assert_eq!(body["team_name"], "Sales");
    assert_eq!(body["display_name"], "Ana");
    for key in ["team_id", "member_id", "device_id"] {
        assert_eq!(body[key].as_str().unwrap().len(), 36, "{key}");
    }
    let changes = reqwest::Client::new()
        .get(format!("{}/v1/changes", srv.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(changes.status(), StatusCode::OK);
    // Only the hash is stored: the token text is nowhere in the database.
    let backend = srv.backend();
    assert!(!backend.metadata_contains(srv.dir.path(), token).await);
    assert!(
        backend.metadata_contains(srv.dir.path(), "Pixel").await,
        "the search does look at the stored rows"
    );
}

#[tokio::test]
async fn expired_used_up_and_unknown_invites_are_refused_without_leftovers() {
    let srv = TestServer::start().await;
    let expired = srv.invite("Sales", Role::Member, 1, -1).await;
    let resp = join_raw(
        &srv,
        json!({"code": expired, "display_name": "A", "device_name": "d"}),
    )
    .await;
    let (status, kind, msg) = error_of(resp).await;
    assert_eq!((status, kind.as_str()), (StatusCode::GONE, "gone"));
    assert!(msg.contains("expired"), "{msg}");

    let once = srv.invite("Sales", Role::Member, 1, 60_000).await;
    let ok = join_raw(
        &srv,
        json!({"code": once, "display_name": "A", "device_name": "d"}),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let again = join_raw(
        &srv,
        json!({"code": once, "display_name": "B", "device_name": "d"}),
    )
    .await;
    let (status, _, msg) = error_of(again).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(msg.contains("used 1 of 1 times"), "{msg}");

    let unknown = join_raw(
        &srv,
        json!({"code": "AAAAA-BBBBB-CCCCC-DDDDD", "display_name": "C", "device_name": "d"}),
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(device_count(&srv).await, 1);
}

#[tokio::test]
async fn malformed_join_bodies_name_the_problem() {
    let srv = TestServer::start().await;
    let code = srv.invite("Sales", Role::Member, 5, 60_000).await;
    let resp = join_raw(
        &srv,
        json!({"code": code, "display_name": "A", "device_name": "d", "role": "admin"}),
    )
    .await;
    let (status, kind, msg) = error_of(resp).await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
    assert!(msg.contains("unknown field `role`"), "{msg}");
    let resp = join_raw(&srv, json!({"code": code, "device_name": "d"})).await;
    let (status, _, msg) = error_of(resp).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.contains("display_name"), "{msg}");
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/join", srv.base))
        .header("content-type", "application/json")
        .body("{\"code\": ")
        .send()
        .await
        .unwrap();
    let (status, _, msg) = error_of(resp).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.starts_with("invalid JSON body"), "{msg}");
    let resp = join_raw(
        &srv,
        json!({"code": code, "display_name": "  ", "device_name": "d"}),
    )
    .await;
    let (status, _, msg) = error_of(resp).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.contains("display_name is empty"), "{msg}");
    // None of that used the invite or created anything.
    assert_eq!(device_count(&srv).await, 0);
}

#[tokio::test]
async fn joining_is_rate_limited_per_address() {
    let settings = Settings {
        join_per_minute: 3,
        ..Settings::default()
    };
    let srv = TestServer::start_with(settings).await;
    for _ in 0..3 {
        let r = join_raw(
            &srv,
            json!({"code": "X", "display_name": "A", "device_name": "d"}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    let r = join_raw(
        &srv,
        json!({"code": "X", "display_name": "A", "device_name": "d"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    let (_, kind, _) = error_of(r).await;
    assert_eq!(kind, "rate_limited");
}

#[tokio::test]
async fn missing_wrong_and_revoked_tokens_get_401_saying_which() {
    let srv = TestServer::start().await;
    let dev = srv.device("Sales", Role::Member, "Ana").await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/changes", srv.base);
    let (status, kind, msg) = error_of(client.get(&url).send().await.unwrap()).await;
    assert_eq!(
        (status, kind.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    assert!(msg.contains("missing Authorization"), "{msg}");
    let resp = client
        .get(&url)
        .bearer_auth("dbt_nottherealtoken")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    let (status, _, msg) = error_of(resp).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(msg.contains("unknown device token"), "{msg}");
    let (status, _, _) = error_of(
        client
            .get(&url)
            .header("authorization", "Basic abc")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    srv.meta()
        .revoke_device(dev.id(), debrief_server::clock::now_ms())
        .await
        .unwrap();
    for path in ["/v1/changes", "/v1/media/".to_string().as_str()] {
        let path = if path.ends_with('/') {
            format!("{path}{}", "a".repeat(64))
        } else {
            path.to_string()
        };
        let (status, kind, msg) = error_of(dev.get(&path).send().await.unwrap()).await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::UNAUTHORIZED, "device_revoked"),
            "{path}"
        );
        assert!(msg.contains("was revoked"), "{msg}");
    }
    let (status, _, _) = error_of(
        dev.request(reqwest::Method::POST, "/v1/uploads")
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", "1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_device_may_bring_its_own_id_once() {
    let srv = TestServer::start().await;
    let code = srv.invite("Sales", Role::Member, 2, 60_000).await;
    let id = debrief_protocol::DeviceId::new();
    let body = json!({"code": code, "display_name": "A", "device_name": "d", "device_id": id});
    let first: serde_json::Value = join_raw(&srv, body.clone()).await.json().await.unwrap();
    assert_eq!(first["device_id"], id.to_string());
    let (status, _, msg) = error_of(join_raw(&srv, body).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(msg.contains("already joined"), "{msg}");
    assert_eq!(device_count(&srv).await, 1);
}

/// `GET /v1/devices` as this device sees it (200 expected).
async fn devices_seen(device: &helpers::Device) -> serde_json::Value {
    let resp = device.get("/v1/devices").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn devices_lists_an_admins_whole_team_and_a_members_own_without_revoked_or_other_teams() {
    let srv = TestServer::start().await;
    let admin = srv.device("Sales", Role::Admin, "Ada").await;
    let rep = srv.device("Sales", Role::Member, "Rita").await;
    let gone = srv.device("Sales", Role::Manager, "Gus").await;
    let rival = srv.device("Rivals", Role::Admin, "Ron").await;
    srv.meta()
        .revoke_device(gone.id(), debrief_server::clock::now_ms())
        .await
        .unwrap();
    let listed = |body: &serde_json::Value| -> Vec<(String, String)> {
        let mut v: Vec<_> = body["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["device_id"].as_str().unwrap().to_string(),
                    d["display_name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };

    let body = devices_seen(&admin).await;
    let mut want = vec![
        (admin.id().to_string(), "Ada".to_string()),
        (rep.id().to_string(), "Rita".to_string()),
    ];
    want.sort();
    assert_eq!(
        listed(&body),
        want,
        "the admin sees the team's live devices"
    );
    assert_eq!(body["you"], admin.id().to_string());
    let first = &body["devices"][0];
    for key in ["device_name", "member_id", "joined_at", "last_seen_at"] {
        assert!(first[key].is_string(), "{key} in {first}");
    }
    time::OffsetDateTime::parse(
        first["joined_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();

    let body = devices_seen(&rep).await;
    assert_eq!(
        listed(&body),
        vec![(rep.id().to_string(), "Rita".to_string())],
        "a member sees only their own devices"
    );

    let body = devices_seen(&rival).await;
    assert_eq!(
        listed(&body),
        vec![(rival.id().to_string(), "Ron".to_string())],
        "another team's admin sees nothing of Sales"
    );

    let resp = gone.get("/v1/devices").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "a revoked device");
    let resp = srv
        .client
        .get(format!("{}/v1/devices", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "no token");
}

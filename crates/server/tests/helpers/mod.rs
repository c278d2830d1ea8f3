//! A real server on 127.0.0.1:0 with a temporary data dir, and devices that
//! talk to it over HTTP with reqwest. The stores are the data dir's SQLite
//! and media folder, or PostgreSQL + S3 when the environment asks for them
//! (see [`backend`]).
#![allow(dead_code)]

pub mod backend;
pub mod certs;

use std::sync::Arc;

use debrief_protocol::api::{ChangesResponse, ClipState, Entity, JoinRequest, JoinResponse, Role};
use debrief_protocol::{ClipId, ClipKind, DeviceId, Hlc, Op, OpBody, OpId, Visibility};
use debrief_server::clock::now_ms;
use debrief_server::ids::InviteCode;
use debrief_server::store::{MetadataStore, NewInvite, TeamRecord};
use debrief_server::{AppState, Settings};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub struct TestServer {
    pub base: String,
    /// What devices of this server talk through (trusts the test CA when
    /// the server speaks TLS).
    pub client: reqwest::Client,
    pub state: AppState,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(Settings::default()).await
    }

    pub async fn start_with(settings: Settings) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, settings).await
    }

    /// Start on an existing data dir (a restart).
    pub async fn start_in(dir: tempfile::TempDir, settings: Settings) -> Self {
        Self::start_on(dir, settings, None).await
    }

    /// Serve HTTPS with a certificate from a fresh test CA.
    pub async fn start_tls(settings: Settings) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let certs = certs::TestCerts::generate();
        let files = certs.write(dir.path());
        let config = files.load().unwrap();
        Self::start_on(dir, settings, Some((config, certs.client()))).await
    }

    async fn start_on(
        dir: tempfile::TempDir,
        settings: Settings,
        tls: Option<(Arc<rustls::ServerConfig>, reqwest::Client)>,
    ) -> Self {
        let backend = backend::Backend::for_dir(dir.path()).await;
        let mut settings = settings;
        backend.apply(&mut settings);
        let stores = settings.open_stores(dir.path()).await.unwrap();
        let state = AppState::new(stores.meta, stores.blobs, settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let stop = async {
            let _ = rx.await;
        };
        let (base, client, task) = match tls {
            None => (
                format!("http://{addr}"),
                reqwest::Client::new(),
                tokio::spawn(debrief_server::serve(listener, state.clone(), stop)),
            ),
            Some((config, client)) => (
                format!("https://{addr}"),
                client,
                tokio::spawn(debrief_server::serve_tls(
                    listener,
                    config,
                    state.clone(),
                    stop,
                )),
            ),
        };
        Self {
            base,
            client,
            state,
            dir,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Graceful shutdown; returns the data dir for a restart.
    pub async fn stop(mut self) -> tempfile::TempDir {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.dir, dir)
    }

    pub fn meta(&self) -> &Arc<dyn MetadataStore> {
        &self.state.meta
    }

    /// The stores this server's data dir uses.
    pub fn backend(&self) -> backend::Backend {
        let text = std::fs::read_to_string(self.dir.path().join(".test-backend")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// Bytes staged for upload `id`, committed or not.
    pub async fn staged_bytes(&self, id: &str) -> u64 {
        self.backend().staged_bytes(self.dir.path(), id).await
    }

    /// How many uploads have staged bytes.
    pub async fn staged_uploads(&self) -> usize {
        self.backend().staged_uploads(self.dir.path()).await
    }

    /// How many files of content are stored.
    pub async fn stored_blobs(&self) -> usize {
        self.state.blobs.list(None, 100_000).await.unwrap().len()
    }

    /// Wait until the server has read `n` upload body bytes in all (it
    /// holds them, committed or about to be, when this returns).
    pub async fn wait_received(&self, n: u64) {
        for _ in 0..250 {
            if self.state.metrics.upload_bytes_received() >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!(
            "the server read only {} of {n} upload bytes",
            self.state.metrics.upload_bytes_received()
        );
    }

    pub async fn team(&self, name: &str) -> TeamRecord {
        match self.meta().team_by_name(name).await {
            Ok(t) => t,
            Err(_) => self.meta().create_team(name, now_ms()).await.unwrap(),
        }
    }

    pub async fn invite(&self, team: &str, role: Role, uses: u32, ttl_ms: i64) -> String {
        let team = self.team(team).await;
        let code = InviteCode::new();
        self.meta()
            .create_invite(
                NewInvite {
                    team_id: team.id,
                    code_hash: code.hash(),
                    role,
                    max_uses: uses,
                    expires_ms: now_ms() + ttl_ms,
                },
                now_ms(),
            )
            .await
            .unwrap();
        code.expose().to_string()
    }

    /// A device of a new member of `team` (created if needed).
    pub async fn device(&self, team: &str, role: Role, name: &str) -> Device {
        let code = self.invite(team, role, 1, 60_000).await;
        let client = self.client.clone();
        let resp = client
            .post(format!("{}/v1/join", self.base))
            .json(&JoinRequest {
                code,
                display_name: name.into(),
                device_name: format!("{name}'s phone"),
                device_id: None,
            })
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let joined: JoinResponse = resp.json().await.unwrap();
        Device {
            base: self.base.clone(),
            client,
            token: joined.token.clone(),
            joined,
            counter: std::sync::atomic::AtomicU32::new(0),
        }
    }
}

pub struct Device {
    pub base: String,
    pub client: reqwest::Client,
    pub token: String,
    pub joined: JoinResponse,
    pub counter: std::sync::atomic::AtomicU32,
}

impl Device {
    pub fn id(&self) -> DeviceId {
        self.joined.device_id
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(&self.token)
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }

    /// A fresh HLC of this device at wall time `wall_ms`.
    pub fn hlc(&self, wall_ms: u64) -> Hlc {
        Hlc {
            wall_ms,
            counter: self
                .counter
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            node: self.id(),
        }
    }

    pub fn op(&self, wall_ms: u64, body: OpBody) -> Op {
        Op {
            op_id: OpId::new(),
            hlc: self.hlc(wall_ms),
            body,
        }
    }

    /// POST ops; returns status and JSON body.
    pub async fn push(&self, ops: &[Op]) -> (StatusCode, Value) {
        let resp = self
            .request(reqwest::Method::POST, "/v1/ops")
            .json(&serde_json::json!({ "ops": ops }))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap())
    }

    pub async fn push_ok(&self, ops: &[Op]) -> Vec<String> {
        let (status, body) = self.push(ops).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap().to_string())
            .collect()
    }

    pub async fn changes(&self, after: u64, limit: u32) -> ChangesResponse {
        let resp = self
            .get(&format!("/v1/changes?after={after}&limit={limit}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    /// The protocol 2 feed (with challenges, comments, playbook entries).
    pub async fn changes_v2(&self, after: u64, limit: u32) -> ChangesResponse {
        let resp = self
            .get(&format!(
                "/v1/changes?after={after}&limit={limit}&protocol=2"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    /// Every entity this device can see in the protocol 2 feed, latest
    /// state of each, in feed order.
    pub async fn all_entities(&self) -> Vec<Entity> {
        let mut after = 0;
        let mut out: Vec<Entity> = Vec::new();
        loop {
            let page = self.changes_v2(after, 1000).await;
            for ch in page.changes {
                let key = entity_key(&ch.entity);
                out.retain(|e| entity_key(e) != key);
                out.push(ch.entity);
            }
            after = page.next_cursor;
            if !page.has_more {
                return out;
            }
        }
    }

    /// Every clip state this device can see, by following the feed to its end.
    pub async fn all_clips(&self) -> Vec<ClipState> {
        let mut after = 0;
        let mut out: Vec<ClipState> = Vec::new();
        loop {
            let page = self.changes(after, 1000).await;
            for ch in page.changes {
                let Entity::Clip(c) = ch.entity else {
                    panic!("a protocol 1 feed holds only clips");
                };
                out.retain(|x| x.clip_id != c.clip_id);
                out.push(c);
            }
            after = page.next_cursor;
            if !page.has_more {
                return out;
            }
        }
    }

    pub async fn clip(&self, id: ClipId) -> Option<ClipState> {
        self.all_clips().await.into_iter().find(|c| c.clip_id == id)
    }

    /// Upload `bytes` whole with one creation-with-upload request.
    pub async fn upload(&self, bytes: &[u8]) -> StatusCode {
        let sha = sha256_hex(bytes);
        self.request(reqwest::Method::POST, "/v1/uploads")
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", bytes.len().to_string())
            .header("Upload-Metadata", metadata(&sha, "video/mp4"))
            .header("Content-Type", "application/offset+octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap()
            .status()
    }
}

/// (type, id) of a feed entity.
pub fn entity_key(e: &Entity) -> (&'static str, String) {
    match e {
        Entity::Clip(s) => ("clip", s.clip_id.to_string()),
        Entity::Challenge(s) => ("challenge", s.challenge_id.to_string()),
        Entity::Comment(s) => ("comment", s.comment_id.to_string()),
        Entity::Playbook(s) => ("playbook", s.clip_id.to_string()),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn b64(s: &str) -> String {
    data_encoding::BASE64.encode(s.as_bytes())
}

pub fn metadata(sha: &str, content_type: &str) -> String {
    format!("sha256 {},content_type {}", b64(sha), b64(content_type))
}

/// Deterministic test bytes.
pub fn media_bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

pub fn clip_created(clip_id: ClipId, sha256: &str, visibility: Visibility) -> OpBody {
    OpBody::ClipCreated {
        clip_id,
        title: "Pricing objection".into(),
        notes: String::new(),
        kind: ClipKind::Debrief,
        visibility,
        recorded_at: time::OffsetDateTime::UNIX_EPOCH,
        duration_ms: 120_000,
        width: 1280,
        height: 720,
        bytes: 3,
        sha256: sha256.into(),
        thumbnail_sha256: None,
    }
}

/// The error kind and message of an error response.
pub async fn error_of(resp: reqwest::Response) -> (StatusCode, String, String) {
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    (
        status,
        body["error"]["kind"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

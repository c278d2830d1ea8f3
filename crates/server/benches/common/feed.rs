//! The change-feed load shared by the `changes` and `scale` benchmarks:
//! a team seeded with clips, devices that catch up and then poll from
//! their cursor (paced like an eager sync loop, or back to back), and
//! latency summaries.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::time::sleep;

use super::*;
use debrief_protocol::api::ChangesResponse;
use debrief_protocol::{ClipId, ClipKind, Op, OpBody, OpId, Visibility};

pub const CLIPS: usize = 200;

pub async fn seed(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    device: debrief_protocol::DeviceId,
) {
    let media = bench_bytes(10_000, 3);
    let sha = sha256_hex(&media);
    tus_upload_chunked(
        client,
        base,
        token,
        &bytes::Bytes::from(media),
        &sha,
        1 << 20,
    )
    .await;
    let ops: Vec<Op> = (0..CLIPS)
        .map(|i| Op {
            op_id: OpId::new(),
            hlc: debrief_protocol::Hlc {
                wall_ms: 1_000 + i as u64,
                counter: 0,
                node: device,
            },
            body: OpBody::ClipCreated {
                clip_id: ClipId::new(),
                title: format!("Clip {i}"),
                notes: "How I handled the pricing objection".into(),
                kind: ClipKind::Debrief,
                visibility: Visibility::Team,
                recorded_at: time::OffsetDateTime::UNIX_EPOCH,
                duration_ms: 120_000,
                width: 1280,
                height: 720,
                bytes: 10_000,
                sha256: sha.clone(),
                thumbnail_sha256: None,
            },
        })
        .collect();
    let resp = client
        .post(format!("{base}/v1/ops"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "ops": ops }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

pub struct Run {
    pub catch_up: Vec<Duration>,
    pub polls: Vec<Duration>,
    pub errors: u64,
}

/// Every device pulls the feed to its end, then polls from its cursor
/// every `interval` (zero: back to back) until `run_for` has passed.
pub async fn run(
    client: &reqwest::Client,
    base: &str,
    tokens: &[String],
    interval: Duration,
    run_for: Duration,
) -> Run {
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + run_for;
    let mut tasks = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let (client, base, token, errors) = (
            client.clone(),
            base.to_string(),
            token.clone(),
            errors.clone(),
        );
        // Spread the first requests over two seconds (paced runs only).
        let first = if interval.is_zero() {
            Duration::ZERO
        } else {
            Duration::from_millis((i as u64 * 7919) % 2000)
        };
        tasks.push(tokio::spawn(async move {
            sleep(first).await;
            let (mut catch_up, mut polls) = (Vec::new(), Vec::new());
            let mut cursor = 0u64;
            let mut caught_up = false;
            let mut next = Instant::now();
            while Instant::now() < deadline {
                let t = Instant::now();
                let resp = client
                    .get(format!("{base}/v1/changes?after={cursor}&limit=100"))
                    .bearer_auth(&token)
                    .send()
                    .await;
                let page = match resp {
                    Ok(r) if r.status() == 200 => r.json::<ChangesResponse>().await.ok(),
                    _ => None,
                };
                let took = t.elapsed();
                if caught_up {
                    polls.push(took)
                } else {
                    catch_up.push(took)
                }
                match page {
                    Some(p) => {
                        cursor = p.next_cursor;
                        caught_up = !p.has_more;
                    }
                    None => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if caught_up && !interval.is_zero() {
                    next += interval;
                    sleep(next.saturating_duration_since(Instant::now())).await;
                }
            }
            assert_eq!(
                cursor, CLIPS as u64,
                "every device reached the end of the feed"
            );
            (catch_up, polls)
        }));
    }
    let mut out = Run {
        catch_up: Vec::new(),
        polls: Vec::new(),
        errors: 0,
    };
    for task in tasks {
        let (c, p) = task.await.unwrap();
        out.catch_up.extend(c);
        out.polls.extend(p);
    }
    out.errors = errors.load(Ordering::Relaxed);
    out
}

pub fn summary(label: &str, lat: &mut [Duration], secs: f64) {
    lat.sort();
    if lat.is_empty() {
        println!("  {label}: no requests");
        return;
    }
    let pct =
        |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "  {label:<22} {:>7} req ({:>6.0}/s)  p50 {:>6.1} ms  p99 {:>6.1} ms  max {:>6.1} ms",
        lat.len(),
        lat.len() as f64 / secs,
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
}

/// Latency percentiles and rate of one run.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub requests: usize,
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

pub fn stats(lat: &mut [Duration], secs: f64) -> Stats {
    lat.sort();
    let pct = |p: f64| {
        if lat.is_empty() {
            return f64::NAN;
        }
        lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0
    };
    Stats {
        requests: lat.len(),
        per_sec: lat.len() as f64 / secs,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
    }
}

/// Join `n` devices with `code` through `base`; their tokens.
pub async fn join_many(client: &reqwest::Client, base: &str, code: &str, n: usize) -> Vec<String> {
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        tokens.push(join(client, base, code, &format!("rep {i}")).await);
    }
    tokens
}

/// Join an author device and seed the feed through it.
pub async fn seed_team(client: &reqwest::Client, base: &str, code: &str) {
    let resp: serde_json::Value = client
        .post(format!("{base}/v1/join"))
        .json(&serde_json::json!({"code": code, "display_name": "author", "device_name": "author"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = resp["token"].as_str().unwrap().to_string();
    let device = resp["device_id"].as_str().unwrap().parse().unwrap();
    seed(client, base, &token, device).await;
}

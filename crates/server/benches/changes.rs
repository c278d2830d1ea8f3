//! 500 concurrent devices polling `GET /v1/changes` on loopback: latency
//! percentiles and errors. Each device first pulls the whole feed (200 clips,
//! two pages of 100) and then polls from its cursor, as the sync loop does.
//!
//! Two runs:
//! - paced: every device polls once a second (an eager sync loop), starting
//!   at a random moment of the first two seconds. Goal: p99 <= 50 ms, 0 errors.
//! - saturated: every device polls again as soon as it has its answer, to
//!   show the throughput ceiling (latency there is queueing: devices divided
//!   by throughput).
//!
//! Client and server share the machine's two cores, so the figures include
//! the load generator's own CPU time. `--quick` (CI smoke mode): 50 devices,
//! short runs.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::time::sleep;

use common::*;
use debrief_protocol::api::ChangesResponse;
use debrief_protocol::{ClipId, ClipKind, Op, OpBody, OpId, Visibility};

const CLIPS: usize = 200;

async fn seed(
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

struct Run {
    catch_up: Vec<Duration>,
    polls: Vec<Duration>,
    errors: u64,
}

/// Every device pulls the feed to its end, then polls from its cursor
/// every `interval` (zero: back to back) until `run_for` has passed.
async fn run(
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

fn summary(label: &str, lat: &mut [Duration], secs: f64) {
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

#[tokio::main]
async fn main() {
    let quick = quick();
    let (devices, paced_for, saturated_for) = if quick {
        (50, Duration::from_secs(3), Duration::from_secs(1))
    } else {
        (500, Duration::from_secs(20), Duration::from_secs(10))
    };
    let srv = ChildServer::start("join_per_minute = 100000\n");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(devices)
        .build()
        .unwrap();
    let code = srv.invite(devices as u32 + 1);
    let author = {
        let resp: serde_json::Value = client
            .post(format!("{}/v1/join", srv.base))
            .json(&serde_json::json!({"code": code, "display_name": "author", "device_name": "author"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            resp["token"].as_str().unwrap().to_string(),
            resp["device_id"].as_str().unwrap().parse().unwrap(),
        )
    };
    seed(&client, &srv.base, &author.0, author.1).await;
    let mut tokens = Vec::with_capacity(devices);
    for i in 0..devices {
        tokens.push(join(&client, &srv.base, &code, &format!("rep {i}")).await);
    }
    let mut paced = run(
        &client,
        &srv.base,
        &tokens,
        Duration::from_secs(1),
        paced_for,
    )
    .await;
    println!(
        "{devices} devices, each polling /v1/changes once a second for {} s (goal p99 <= 50 ms, 0 errors):",
        paced_for.as_secs()
    );
    summary(
        "catch-up pages",
        &mut paced.catch_up,
        paced_for.as_secs_f64(),
    );
    summary(
        "polls from cursor",
        &mut paced.polls,
        paced_for.as_secs_f64(),
    );
    let mut all: Vec<Duration> = paced.catch_up.iter().chain(&paced.polls).copied().collect();
    summary("all", &mut all, paced_for.as_secs_f64());
    println!("  errors {}", paced.errors);
    let mut sat = run(&client, &srv.base, &tokens, Duration::ZERO, saturated_for).await;
    println!(
        "{devices} devices polling back to back for {} s (throughput ceiling):",
        saturated_for.as_secs()
    );
    let mut all: Vec<Duration> = sat.catch_up.iter().chain(&sat.polls).copied().collect();
    summary("all", &mut all, saturated_for.as_secs_f64());
    sat.polls.clear();
    println!("  errors {}", sat.errors);
    println!("  server peak RSS {:.1} MB", srv.peak_rss() as f64 / 1e6);
}

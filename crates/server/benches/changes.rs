//! 500 concurrent devices polling `GET /v1/changes` on loopback: latency
//! percentiles and errors. Each device first pulls the whole feed (200 clips,
//! two pages) and then polls from its cursor, as the sync loop does.
//! Goal: p99 <= 50 ms, 0 errors. Client and server share the machine's
//! cores, so the figures include the load generator's own CPU time.
//!
//! `--quick` (CI smoke mode): 50 devices for 1 s.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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

#[tokio::main]
async fn main() {
    let quick = quick();
    let (devices, run_for) = if quick {
        (50, Duration::from_secs(1))
    } else {
        (500, Duration::from_secs(15))
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
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + run_for;
    let mut tasks = Vec::new();
    for token in tokens {
        let client = client.clone();
        let base = srv.base.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut cursor = 0u64;
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
                latencies.push(t.elapsed());
                match page {
                    Some(p) => cursor = p.next_cursor,
                    None => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            (latencies, cursor)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        let (lat, cursor) = task.await.unwrap();
        assert_eq!(
            cursor, CLIPS as u64,
            "every device reached the end of the feed"
        );
        all.extend(lat);
    }
    all.sort();
    let pct =
        |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "{devices} devices polling /v1/changes for {} s:",
        run_for.as_secs()
    );
    println!(
        "  requests {}  ({:.0}/s)  errors {}",
        all.len(),
        all.len() as f64 / run_for.as_secs_f64(),
        errors.load(Ordering::Relaxed)
    );
    println!(
        "  p50 {:.1} ms  p90 {:.1} ms  p99 {:.1} ms  max {:.1} ms (goal p99 <= 50 ms, 0 errors)",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    println!("  server peak RSS {:.1} MB", srv.peak_rss() as f64 / 1e6);
}

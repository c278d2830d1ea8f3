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

use std::time::Duration;

use common::feed::{run, seed, summary};
use common::*;

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

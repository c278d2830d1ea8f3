//! The server scaled out, measured against itself in one run:
//!
//! 1. change-feed polling (the `changes` load: devices catch up on a
//!    200-clip feed, then poll from their cursor once a second, then back
//!    to back for the throughput ceiling) on
//!    - SQLite + folder, one instance (the reference),
//!    - PostgreSQL + S3, one instance,
//!    - PostgreSQL + S3, two instances behind nginx (round-robin),
//!
//!    reported as p50/p99 latency and requests per second, and as ratios.
//! 2. a 100 MB upload (our chunked tus client, 8 MiB PATCHes) to the S3
//!    media backend vs the local folder backend, best of two, and the ratio.
//!
//! Needs the services `scripts/scale-env.sh` starts (`scripts/bench.sh
//! scale` does it, with PostgreSQL's durable defaults). Everything shares
//! the machine's two cores: the load generator, nginx, PostgreSQL, the S3
//! server and the instances, so two instances cannot double anything here;
//! the figures show what the extra hop and the shared database cost.
//! `--quick` (CI smoke mode): fewer devices, shorter runs, 10 MB upload.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::feed::{Stats, run, seed_team, stats};
use common::*;
use sqlx::Connection;

/// Another `serve` process on an existing data dir (same settings, so the
/// same stores).
struct Instance {
    child: Child,
    base: String,
}

impl Instance {
    fn start(dir: &Path) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .env("DEBRIEF_SERVER_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Self {
            child,
            base: line.trim().rsplit(' ').next().unwrap().to_string(),
        }
    }

    fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// nginx round-robin over `ports`, as in the README.
struct Nginx {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(ports: &[u16]) -> Self {
        let bin = std::env::var("DEBRIEF_TEST_NGINX").unwrap_or_else(|_| "nginx".into());
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let d = dir.path().display();
        let servers: String = ports
            .iter()
            .map(|p| format!("server 127.0.0.1:{p};\n"))
            .collect();
        let root = std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"));
        let conf = format!(
            "{user}worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/f;\n uwsgi_temp_path {d}/u;\n scgi_temp_path {d}/s;\n\
             upstream debrief {{ {servers} keepalive 64; }}\n\
             server {{ listen 127.0.0.1:{port}; client_max_body_size 0; proxy_request_buffering off;\n\
             proxy_buffering off; proxy_http_version 1.1; proxy_set_header Connection \"\";\n\
             proxy_read_timeout 3600s; proxy_send_timeout 3600s;\n\
             location / {{ proxy_pass http://debrief; }} }}\n}}\n",
            user = if root { "user root root;\n" } else { "" }
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = Command::new(bin)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .spawn()
            .expect("nginx is installed (scripts/setup.sh)");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "nginx did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-QUIT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Settings naming a fresh PostgreSQL database and a fresh S3 prefix.
async fn scaled_settings(extra: &str) -> String {
    let admin = std::env::var("DEBRIEF_TEST_DATABASE_URL")
        .expect("run through scripts/bench.sh scale (it starts PostgreSQL and S3)");
    let media = std::env::var("DEBRIEF_TEST_MEDIA_URL").unwrap();
    let name = format!("bench_{}", uuid::Uuid::now_v7().simple());
    let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut c)
        .await
        .unwrap();
    let db = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    format!("{extra}database_url = \"{db}\"\nmedia_url = \"{media}/{name}\"\n")
}

struct Feed {
    paced: Stats,
    saturated: Stats,
    errors: u64,
}

/// The `changes` load against `base`, after seeding the team through it.
async fn feed_load(
    srv: &ChildServer,
    base: &str,
    devices: usize,
    paced_for: Duration,
    sat_for: Duration,
) -> Feed {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(devices)
        .build()
        .unwrap();
    let code = srv.invite(devices as u32 + 1);
    seed_team(&client, base, &code).await;
    let tokens = common::feed::join_many(&client, base, &code, devices).await;
    let mut paced = run(&client, base, &tokens, Duration::from_secs(1), paced_for).await;
    let mut all: Vec<Duration> = paced.catch_up.iter().chain(&paced.polls).copied().collect();
    let paced_stats = stats(&mut all, paced_for.as_secs_f64());
    let sat = run(&client, base, &tokens, Duration::ZERO, sat_for).await;
    let mut all: Vec<Duration> = sat.catch_up.iter().chain(&sat.polls).copied().collect();
    paced.errors += sat.errors;
    Feed {
        paced: paced_stats,
        saturated: stats(&mut all, sat_for.as_secs_f64()),
        errors: paced.errors,
    }
}

fn print_feed(label: &str, f: &Feed) {
    println!(
        "  {label:<32} paced p50 {:>6.1} ms  p99 {:>6.1} ms | saturated {:>6.0} req/s  p99 {:>7.1} ms | errors {}",
        f.paced.p50_ms, f.paced.p99_ms, f.saturated.per_sec, f.saturated.p99_ms, f.errors
    );
}

/// Best of `tries` 100 MB uploads to a fresh server with `settings`; MB/s.
async fn upload_speed(settings: &str, size: usize, tries: usize) -> f64 {
    let srv = ChildServer::start(settings);
    let client = reqwest::Client::new();
    let token = join(&client, &srv.base, &srv.invite(tries as u32), "uploader").await;
    let mut best = f64::MAX;
    for i in 0..tries {
        let data = Bytes::from(bench_bytes(size, 0xbe4c + i as u64));
        let sha = sha256_hex(&data);
        let t = Instant::now();
        tus_upload_chunked(&client, &srv.base, &token, &data, &sha, 8 << 20).await;
        best = best.min(t.elapsed().as_secs_f64());
    }
    size as f64 / 1e6 / best
}

#[tokio::main]
async fn main() {
    let quick = quick();
    let (devices, paced_for, sat_for, upload_mb) = if quick {
        (40, Duration::from_secs(3), Duration::from_secs(2), 10)
    } else {
        (300, Duration::from_secs(15), Duration::from_secs(10), 100)
    };
    let base_settings = "join_per_minute = 100000\n";
    println!(
        "change feed: {devices} devices, catch up on {} clips then poll once a second for {} s; then back to back for {} s",
        common::feed::CLIPS,
        paced_for.as_secs(),
        sat_for.as_secs()
    );
    let sqlite = {
        let srv = ChildServer::start(base_settings);
        feed_load(&srv, &srv.base.clone(), devices, paced_for, sat_for).await
    };
    print_feed("SQLite, 1 instance", &sqlite);
    let pg_one = {
        let srv = ChildServer::start(&scaled_settings(base_settings).await);
        feed_load(&srv, &srv.base.clone(), devices, paced_for, sat_for).await
    };
    print_feed("PostgreSQL + S3, 1 instance", &pg_one);
    let pg_two = {
        let srv = ChildServer::start(&scaled_settings(base_settings).await);
        let second = Instance::start(srv.dir.path());
        let first_port: u16 = srv.base.rsplit(':').next().unwrap().parse().unwrap();
        let nginx = Nginx::start(&[first_port, second.port()]);
        let f = feed_load(&srv, &nginx.base, devices, paced_for, sat_for).await;
        drop(nginx);
        drop(second);
        f
    };
    print_feed("PostgreSQL + S3, 2 behind nginx", &pg_two);
    println!("  ratios (throughput: higher is better; p99: lower is better):");
    println!(
        "    PostgreSQL 1 / SQLite 1:   throughput {:.2}x, paced p99 {:.2}x",
        pg_one.saturated.per_sec / sqlite.saturated.per_sec,
        pg_one.paced.p99_ms / sqlite.paced.p99_ms
    );
    println!(
        "    PostgreSQL 2 / PostgreSQL 1: throughput {:.2}x, paced p99 {:.2}x",
        pg_two.saturated.per_sec / pg_one.saturated.per_sec,
        pg_two.paced.p99_ms / pg_one.paced.p99_ms
    );
    println!(
        "    PostgreSQL 2 / SQLite 1:   throughput {:.2}x, paced p99 {:.2}x",
        pg_two.saturated.per_sec / sqlite.saturated.per_sec,
        pg_two.paced.p99_ms / sqlite.paced.p99_ms
    );

    let size = upload_mb * 1_000_000;
    let tries = if quick { 1 } else { 2 };
    println!(
        "upload: {upload_mb} MB with 8 MiB PATCHes, best of {tries}, SQLite metadata both times"
    );
    let folder = upload_speed(base_settings, size, tries).await;
    let media = std::env::var("DEBRIEF_TEST_MEDIA_URL").unwrap();
    let s3_settings = format!(
        "{base_settings}media_url = \"{media}/upload-{}\"\n",
        uuid::Uuid::now_v7().simple()
    );
    let s3 = upload_speed(&s3_settings, size, tries).await;
    println!("  local folder  {folder:>7.1} MB/s");
    println!("  S3 (s3s-fs)   {s3:>7.1} MB/s");
    println!("  ratio S3 / folder: {:.2}x", s3 / folder);
}

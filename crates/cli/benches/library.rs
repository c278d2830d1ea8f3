//! Library benchmarks for the device library issue (run the full set with
//! `scripts/bench.sh library`, or `cargo bench -p debrief-cli --bench library`;
//! `-- --quick` is the smoke mode CI runs).
//!
//! - `list` cold start: a new `debrief list --json` process printing the
//!   first page, at 10k and 100k clips (goal <= 100 ms at 10k).
//! - search latency p50/p99 at 100k clips with realistic queries, in
//!   process (goal p99 <= 10 ms).
//! - import throughput vs `cp` of the same file, both as whole processes
//!   on a warm page cache (goal >= 0.8x).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use debrief_library::fixtures::sample_queries;
use debrief_library::{ClipQuery, Library};

struct Opts {
    quick: bool,
}

fn main() {
    let opts = Opts {
        quick: std::env::args().any(|a| a == "--quick")
            || std::env::var_os("DEBRIEF_BENCH_QUICK").is_some(),
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let sizes: &[usize] = if opts.quick {
        &[1_000]
    } else {
        &[10_000, 100_000]
    };
    println!(
        "debrief library benchmarks{}",
        if opts.quick {
            " (quick smoke mode: small sizes, figures not meaningful)"
        } else {
            ""
        }
    );
    for &n in sizes {
        let dir = tmp.path().join(format!("lib-{n}"));
        let t = Instant::now();
        let mut lib = Library::open(&dir).expect("open");
        lib.add_synthetic_clips(n, 42).expect("populate");
        drop(lib);
        println!(
            "\n== {n} clips (populated in {:.1} s)",
            t.elapsed().as_secs_f64()
        );
        bench_list_cold(&dir, &opts);
        bench_search(&dir, &opts);
    }
    bench_import_vs_cp(tmp.path(), &opts);
}

fn debrief() -> Command {
    Command::new(env!("CARGO_BIN_EXE_debrief"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn bench_list_cold(dir: &Path, opts: &Opts) {
    let runs = if opts.quick { 3 } else { 30 };
    let mut times = Vec::new();
    for _ in 0..runs + 2 {
        let t = Instant::now();
        let out = debrief()
            .arg("--data-dir")
            .arg(dir)
            .args(["list", "--json", "--limit", "50"])
            .output()
            .expect("run debrief");
        let dt = t.elapsed();
        assert!(
            out.status.success(),
            "list failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let clips: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(clips.as_array().map(Vec::len), Some(50));
        times.push(dt);
    }
    let mut times = times.split_off(2); // the first runs warm the page cache
    times.sort();
    // Reference: the cost of starting any process here.
    let mut base = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        Command::new("true").status().expect("true");
        base.push(t.elapsed());
    }
    base.sort();
    println!(
        "list cold start (new process, first page of 50): p50 {}  p99 {}  (starting `true` p50 {})",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(percentile(&base, 0.5))
    );
}

fn bench_search(dir: &Path, opts: &Opts) {
    let lib = Library::open(dir).expect("open");
    let queries = sample_queries();
    let rounds = if opts.quick { 2 } else { 50 };
    let mut times = Vec::new();
    let mut hits = 0usize;
    let tag = debrief_protocol::Tag::parse("pricing").unwrap();
    for round in 0..rounds {
        for (i, q) in queries.iter().enumerate() {
            // Every fourth query also filters by a tag, as the UI's chips do.
            let tags = if (i + round) % 4 == 0 {
                vec![tag.clone()]
            } else {
                vec![]
            };
            let query = ClipQuery {
                text: Some(q.to_string()),
                tags,
                limit: 50,
                offset: 0,
            };
            let t = Instant::now();
            let page = lib.list(&query).expect("search");
            times.push(t.elapsed());
            hits += page.len();
        }
    }
    times.sort();
    println!(
        "search ({} queries, first page of 50, {:.1} hits avg): p50 {}  p99 {}  max {}",
        times.len(),
        hits as f64 / times.len() as f64,
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap())
    );
}

fn bench_import_vs_cp(tmp: &Path, opts: &Opts) {
    // 60 s of lossless 720p is ~100 MB: large enough that the copy, not
    // the fixed cost of a process, a probe and a thumbnail, is measured.
    let seconds = if opts.quick { "0.5" } else { "60" };
    let src = tmp.join("big.mp4");
    // Lossless 720p H.264 makes a large, real, playable MP4 quickly.
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc2=size=1280x720:rate=30:duration={seconds}"),
        ])
        .args([
            "-f",
            "lavfi",
            "-i",
            &format!("sine=frequency=440:duration={seconds}"),
        ])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-qp",
            "0",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
        ])
        .arg(&src)
        .status()
        .expect("ffmpeg is required for the import benchmark");
    assert!(status.success());
    let size = std::fs::metadata(&src).unwrap().len();
    let runs = if opts.quick { 1 } else { 7 };
    let data = tmp.join("import-lib");
    let dst = tmp.join("copy.mp4");
    let shell = |script: &str| {
        let t = Instant::now();
        let ok = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(&src)
            .arg(&dst)
            .status()
            .unwrap()
            .success();
        assert!(ok, "{script} failed");
        let dt = t.elapsed();
        std::fs::remove_file(&dst).unwrap();
        dt
    };
    let (mut import_t, mut cp_t, mut cp_sync_t, mut cp_hash_t) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs + 1 {
        let cp = shell("cp \"$1\" \"$2\"");
        let cp_sync = shell("cp \"$1\" \"$2\" && sync \"$2\"");
        let cp_hash = shell("cp \"$1\" \"$2\" && sha256sum \"$2\" >/dev/null");
        let t = Instant::now();
        let out = debrief()
            .arg("--data-dir")
            .arg(&data)
            .arg("import")
            .arg(&src)
            .output()
            .unwrap();
        let imp = t.elapsed();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let id = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap()
            .to_string();
        assert!(
            debrief()
                .arg("--data-dir")
                .arg(&data)
                .args(["delete", &id])
                .output()
                .unwrap()
                .status
                .success()
        );
        if i > 0 {
            cp_t.push(cp);
            cp_sync_t.push(cp_sync);
            cp_hash_t.push(cp_hash);
            import_t.push(imp);
        }
    }
    for v in [&mut import_t, &mut cp_t, &mut cp_sync_t, &mut cp_hash_t] {
        v.sort();
    }
    let med = |v: &[Duration]| percentile(v, 0.5);
    let imp = med(&import_t);
    let mbps = |d: Duration| size as f64 / 1e6 / d.as_secs_f64();
    println!(
        "\nimport of a {:.0} MB MP4 (probe, copy + SHA-256, thumbnail, fsync, index), median of {runs}, warm page cache:",
        size as f64 / 1e6
    );
    println!(
        "  debrief import          {:>10} {:>6.0} MB/s",
        ms(imp),
        mbps(imp)
    );
    for (name, v) in [
        ("cp", &cp_t),
        ("cp + sync", &cp_sync_t),
        ("cp + sha256sum", &cp_hash_t),
    ] {
        let d = med(v);
        println!(
            "  {name:<23} {:>10} {:>6.0} MB/s   import/{name} throughput ratio {:.2}x",
            ms(d),
            mbps(d),
            d.as_secs_f64() / imp.as_secs_f64()
        );
    }
}

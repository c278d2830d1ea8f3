//! Recording benchmarks. Run: `cargo bench -p debrief-media --bench record`
//! (`-- --quick` for a short smoke run in CI). Linux only (reads /proc).
//!
//! 1. Throughput: prepared 1280x720 frames (from the synthetic camera) and
//!    the synthetic tone go through the recorder as fast as it takes them
//!    (one encoder thread); recorded seconds per CPU second of the whole
//!    process, with a per-thread breakdown and OpenH264 alone for reference.
//!    The same frames and tone are then encoded by ffmpeg (libx264
//!    `-preset veryfast -threads 1`, libopus, same bit rates) for CPU time
//!    and size ratios. Run twice: on the clean synthetic pattern (which
//!    compresses far below 2.5 Mbit/s) and with camera-like noise added (see
//!    `feeds`), where both encoders must spend the bit rate they are given.
//! 2. Peak RSS of 1- and 10-minute 720p recordings (noisy camera, so the
//!    full bit rate flows), each in a child process; and, within the
//!    10-minute process, its peak at 1 minute against its peak at the end
//!    (free of the run-to-run spread of the allocator's arenas, which moves
//!    separate processes by several MB either way).
//! 3. Stop-to-playable for a 2-minute 720p recording made in real time
//!    (a camera's pace): from `stop()` to a finalised, probed, thumbnailed
//!    file; plus finalising and recovering the same file on their own.
//!
//! CPU figures are per CPU second, but on a machine shared with other work
//! (or with SMT siblings busy) they still vary; the load average is printed.

mod feeds;
mod procfs;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use debrief_capture::{
    AudioConfig, AudioSource, CaptureClock, SyntheticAudio, SyntheticVideo, VideoConfig,
    VideoFrame, VideoSource,
};
use debrief_media::record::mp4::{Verify, finalise};
use debrief_media::record::{
    AudioFeed, Recorder, RecorderConfig, RecordingMeta, RecordingPlan, VideoFeed, recover,
};
use debrief_protocol::ClipId;

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child-rss") {
        let seconds = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(60);
        child_rss(seconds);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let mut rows = Vec::new();
    throughput(quick, false, &mut rows);
    throughput(quick, true, &mut rows);
    peak_rss(quick, &mut rows);
    stop_to_playable(quick, &mut rows);
    println!();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average at the end: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("{:<58} {:>16}  {:<14}", "measure", "value", "goal");
    println!("{}", "-".repeat(92));
    for (measure, value, goal) in &rows {
        println!("{measure:<58} {value:>16}  {goal:<14}");
    }
}

type Rows = Vec<(String, String, String)>;

fn row(rows: &mut Rows, measure: impl Into<String>, value: impl Into<String>, goal: &str) {
    rows.push((measure.into(), value.into(), goal.into()));
}

fn config(max_length: Duration) -> RecorderConfig {
    RecorderConfig {
        max_length,
        min_free_to_start: 0,
        min_free_while_recording: 0,
        ..RecorderConfig::default()
    }
}

fn plan(data: &Path, config: RecorderConfig) -> RecordingPlan {
    RecordingPlan {
        data_dir: data.to_path_buf(),
        clip_id: ClipId::new(),
        meta: RecordingMeta::default(),
        config,
    }
}

fn synthetic_audio(clock: &CaptureClock) -> Box<dyn AudioFeed> {
    let capture = SyntheticAudio::default()
        .start(&AudioConfig::default(), clock)
        .expect("synthetic microphone");
    Box::new(capture)
}

fn synthetic_video(clock: &CaptureClock) -> Box<dyn VideoFeed> {
    let video_config = VideoConfig {
        width: WIDTH,
        height: HEIGHT,
        fps: 30,
        ..VideoConfig::default()
    };
    let capture = SyntheticVideo::default()
        .start(&video_config, clock)
        .expect("synthetic camera");
    Box::new(capture)
}

fn throughput(quick: bool, noisy: bool, rows: &mut Rows) {
    let seconds = if quick { 5 } else { 60 };
    let loop_len = if quick { 30 } else { 90 };
    let content = if noisy { "noisy" } else { "clean" };
    eprintln!(
        "throughput: preparing {loop_len} {content} frames, recording {seconds} s of 720p30 ..."
    );
    let pictures = Arc::new(prepare_frames(loop_len, noisy));
    row(
        rows,
        format!("[{content} synthetic frames, {seconds} s of 720p30 + audio]"),
        "",
        "",
    );
    let data = tempfile::tempdir().unwrap();
    let before = procfs::cpu();
    let wall = Instant::now();
    let recorder = Recorder::start(
        plan(data.path(), config(Duration::from_secs(seconds))),
        Box::new(feeds::Replay::start(pictures.clone())),
        Some(synthetic_audio(&CaptureClock::virtual_time())),
    )
    .expect("start recording");
    // Per-thread CPU, sampled until the threads end.
    let mut per_thread = std::collections::BTreeMap::new();
    while !recorder.wait_until_finished(Duration::from_millis(50)) {
        for (name, used) in procfs::thread_cpu() {
            let entry = per_thread.entry(name).or_insert(Duration::ZERO);
            *entry = (*entry).max(used);
        }
    }
    let finished = recorder.stop().expect("stop");
    let wall = wall.elapsed();
    let cpu = procfs::cpu().own - before.own;
    let recorded = finished.duration_ms as f64 / 1000.0;
    let ratio = recorded / cpu.as_secs_f64();
    row(
        rows,
        "pipeline: recorded seconds per CPU second",
        format!("{ratio:.1}x"),
        ">= 4x",
    );
    row(
        rows,
        "pipeline: CPU / wall time",
        format!("{:.1} s / {:.1} s", cpu.as_secs_f64(), wall.as_secs_f64()),
        "",
    );
    let kbps = finished.bytes as f64 * 8.0 / recorded / 1000.0;
    row(
        rows,
        "pipeline: output size",
        format!("{:.2} MB, {kbps:.0} kbit/s", finished.bytes as f64 / 1e6),
        "",
    );
    for (name, used) in per_thread {
        if name.starts_with("debrief-") || name.starts_with("record") {
            row(
                rows,
                format!("  thread {name}: CPU"),
                format!("{:.2} s", used.as_secs_f64()),
                "",
            );
        }
    }
    encoder_alone(&pictures, seconds * 30, rows);

    // The same pictures and tone through ffmpeg.
    let yuv = data.path().join("loop.yuv");
    let raw: Vec<u8> = pictures
        .iter()
        .flat_map(|f| f.as_bytes().iter().copied())
        .collect();
    std::fs::write(&yuv, raw).unwrap();
    let pcm = data.path().join("tone.f32");
    std::fs::write(&pcm, tone_pcm(seconds)).unwrap();
    let out = data.path().join("ffmpeg.mp4");
    let before = procfs::cpu().children;
    let wall = Instant::now();
    let status = Command::new("ffmpeg")
        .args([
            "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s",
        ])
        .arg(format!("{WIDTH}x{HEIGHT}"))
        .args(["-r", "30", "-stream_loop", "-1", "-i"])
        .arg(&yuv)
        .args(["-f", "f32le", "-ar", "48000", "-ac", "1", "-i"])
        .arg(&pcm)
        .args([
            "-t",
            &seconds.to_string(),
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-c:v",
            "libx264",
        ])
        .args([
            "-preset",
            "veryfast",
            "-b:v",
            "2500k",
            "-threads",
            "1",
            "-filter_threads",
            "1",
        ])
        .args(["-c:a", "libopus", "-b:a", "48k", "-movflags", "+faststart"])
        .arg(&out)
        .status()
        .expect("run ffmpeg (install it: apt-get install ffmpeg)");
    assert!(status.success(), "ffmpeg failed");
    let ffmpeg_wall = wall.elapsed();
    let ffmpeg_cpu = procfs::cpu().children - before;
    let ffmpeg_bytes = std::fs::metadata(&out).unwrap().len();
    row(
        rows,
        "ffmpeg (x264 veryfast 1 thread + libopus): CPU / wall",
        format!(
            "{:.1} s / {:.1} s",
            ffmpeg_cpu.as_secs_f64(),
            ffmpeg_wall.as_secs_f64()
        ),
        "",
    );
    let kbps = ffmpeg_bytes as f64 * 8.0 / seconds as f64 / 1000.0;
    row(
        rows,
        "ffmpeg: output size",
        format!("{:.2} MB, {kbps:.0} kbit/s", ffmpeg_bytes as f64 / 1e6),
        "",
    );
    row(
        rows,
        "CPU time, ours / ffmpeg",
        format!("{:.2}", cpu.as_secs_f64() / ffmpeg_cpu.as_secs_f64()),
        "",
    );
    row(
        rows,
        "output size, ours / ffmpeg",
        format!("{:.2}", finished.bytes as f64 / ffmpeg_bytes as f64),
        "",
    );
}

/// OpenH264 alone on the same frames, on this thread: how much of the
/// pipeline's time is the encoder's.
fn encoder_alone(pictures: &[VideoFrame], frames: u64, rows: &mut Rows) {
    use debrief_media::record::codec::{OpenH264Encoder, VideoEncoder, VideoEncoderConfig};
    let mut encoder =
        OpenH264Encoder::new(&VideoEncoderConfig::default(), WIDTH, HEIGHT, 30).expect("encoder");
    let before = procfs::cpu().own;
    for n in 0..frames {
        let frame = &pictures[(n % pictures.len() as u64) as usize];
        encoder.encode(frame, n % 30 == 0).expect("encode");
    }
    let cpu = (procfs::cpu().own - before).as_secs_f64();
    row(
        rows,
        "  OpenH264 alone (1 thread): frames per CPU second",
        format!("{:.0} fps", frames as f64 / cpu),
        "",
    );
}

/// Frames from the synthetic camera (with noise if `noisy`), kept to be
/// replayed.
fn prepare_frames(count: usize, noisy: bool) -> Vec<VideoFrame> {
    let video = synthetic_video(&CaptureClock::virtual_time());
    let mut frames: Vec<VideoFrame> = video.frames().iter().take(count).collect();
    video.finish().expect("stop the synthetic camera");
    for frame in frames.iter_mut().filter(|_| noisy) {
        let seed = frame.index;
        feeds::add_noise(frame, seed);
    }
    frames
}

/// The synthetic camera with noise, as a camera's picture would have.
fn noisy_camera(clock: &CaptureClock) -> Box<dyn VideoFeed> {
    Box::new(feeds::Noisy::wrap(synthetic_video(clock)))
}

/// The synthetic tone as raw f32 little-endian samples.
fn tone_pcm(seconds: u64) -> Vec<u8> {
    let audio = synthetic_audio(&CaptureClock::virtual_time());
    let wanted = seconds as usize * 48_000;
    let mut bytes = Vec::with_capacity(wanted * 4);
    for chunk in audio.chunks().iter() {
        bytes.extend(chunk.samples.iter().flat_map(|s| s.to_le_bytes()));
        if bytes.len() >= wanted * 4 {
            break;
        }
    }
    bytes.truncate(wanted * 4);
    audio.finish().expect("stop the synthetic microphone");
    bytes
}

fn peak_rss(quick: bool, rows: &mut Rows) {
    let (short, long) = if quick { (10, 40) } else { (60, 600) };
    let mut peaks = Vec::new();
    for seconds in [short, long] {
        eprintln!("peak RSS: recording {seconds} s of 720p30 in a child process ...");
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--child-rss", &seconds.to_string()])
            .output()
            .expect("run the child");
        assert!(
            out.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let value = |key: &str| -> u64 {
            text.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("the child reports {key}"))
        };
        let (peak, at_minute) = (value("peak_rss "), value("peak_rss_at_60s "));
        let goal = if seconds == long { "<= 120 MB" } else { "" };
        let mb = |b: u64| format!("{:.1} MB", b as f64 / 1e6);
        row(
            rows,
            format!("peak RSS, {seconds} s recording (own process)"),
            mb(peak),
            goal,
        );
        if seconds == long && !quick {
            row(
                rows,
                "  same process: peak at 10 min / peak at 1 min",
                format!(
                    "{:.3} ({} / {})",
                    peak as f64 / at_minute as f64,
                    mb(peak),
                    mb(at_minute)
                ),
                "<= 1.1",
            );
        }
        peaks.push(peak);
    }
    row(
        rows,
        format!("peak RSS, {long} s / {short} s (separate processes)"),
        format!("{:.3}", peaks[1] as f64 / peaks[0] as f64),
        "<= 1.1",
    );
}

/// In a child process: record `seconds` of synthetic 720p, report VmHWM at
/// one minute of recorded time and at the end.
fn child_rss(seconds: u64) {
    let data = tempfile::tempdir().unwrap();
    let clock = CaptureClock::virtual_time();
    let recorder = Recorder::start(
        plan(data.path(), config(Duration::from_secs(seconds))),
        noisy_camera(&clock),
        Some(synthetic_audio(&clock)),
    )
    .expect("start recording");
    let mut at_one_minute = None;
    while !recorder.wait_until_finished(Duration::from_millis(100)) {
        if at_one_minute.is_none() && recorder.status().elapsed >= Duration::from_secs(60) {
            at_one_minute = procfs::peak_rss();
        }
    }
    let finished = recorder.stop().expect("stop");
    assert!(finished.duration_ms + 40 >= seconds * 1000);
    println!("recorded_ms {}", finished.duration_ms);
    println!("peak_rss {}", procfs::peak_rss().unwrap_or(0));
    println!(
        "peak_rss_at_60s {}",
        at_one_minute.or(procfs::peak_rss()).unwrap_or(0)
    );
}

fn stop_to_playable(quick: bool, rows: &mut Rows) {
    let seconds = if quick { 10 } else { 120 };
    eprintln!("stop-to-playable: recording {seconds} s of 720p30 in real time ...");
    let data = tempfile::tempdir().unwrap();
    let clock = CaptureClock::real();
    let recorder = Recorder::start(
        plan(data.path(), config(Duration::from_secs(600))),
        noisy_camera(&clock),
        Some(synthetic_audio(&clock)),
    )
    .expect("start");
    while recorder.status().elapsed < Duration::from_secs(seconds) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    let finished = recorder.stop().expect("stop");
    let stop = started.elapsed();
    row(
        rows,
        format!("stop-to-playable, {seconds} s clip (stop() -> probed, thumbnail)"),
        format!("{:.0} ms", stop.as_secs_f64() * 1000.0),
        "<= 250 ms",
    );

    // Finalising and recovering the same file on their own.
    let path = finished.path.clone();
    let clip_id = finished.clip_id;
    drop(finished);
    let started = Instant::now();
    finalise(&path, Verify::Structure).expect("finalise again");
    row(
        rows,
        format!("  of which finalising in place ({seconds} s clip)"),
        format!("{:.1} ms", started.elapsed().as_secs_f64() * 1000.0),
        "",
    );
    let started = Instant::now();
    let recovered = recover(data.path(), clip_id).expect("recover");
    row(
        rows,
        format!(
            "recovery with checksums ({seconds} s clip, {:.0} MB)",
            recovered.bytes as f64 / 1e6
        ),
        format!("{:.0} ms", started.elapsed().as_secs_f64() * 1000.0),
        "",
    );
}

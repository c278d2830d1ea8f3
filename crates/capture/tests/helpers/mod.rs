//! Shared by the integration tests: collecting captures, making real speech
//! with espeak-ng, measuring audio, and running a test in a child process
//! with its own HOME (ALSA reads `$HOME/.asoundrc` once per process).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use debrief_capture::{AudioCapture, VideoCapture, VideoFrame};

/// Frames with `pts < end`, in order.
pub fn collect_frames(capture: &VideoCapture, end: Duration) -> Vec<VideoFrame> {
    let mut frames = Vec::new();
    loop {
        let frame = capture.frames().recv().expect("capture ended early");
        if frame.pts >= end {
            return frames;
        }
        frames.push(frame);
    }
}

/// The first chunk's pts and all samples up to `end` (exclusive).
pub fn collect_audio(capture: &AudioCapture, end: Duration) -> (Duration, Vec<f32>) {
    let first = capture.chunks().recv().expect("capture ended early");
    let start = first.pts;
    let wanted = ((end - start).as_secs_f64() * 48_000.0).round() as usize;
    let mut samples = first.samples;
    while samples.len() < wanted {
        let chunk = capture.chunks().recv().expect("capture ended early");
        samples.extend_from_slice(&chunk.samples);
    }
    samples.truncate(wanted);
    (start, samples)
}

/// Sample indices where a sound starts after at least 100 samples of silence.
pub fn beep_onsets(samples: &[f32]) -> Vec<usize> {
    let mut onsets = Vec::new();
    let mut quiet = 0usize;
    for (i, &s) in samples.iter().enumerate() {
        if s == 0.0 {
            quiet += 1;
        } else {
            if quiet >= 100 {
                onsets.push(i);
            }
            quiet = 0;
        }
    }
    onsets
}

pub fn rms_dbfs(samples: &[f32]) -> f32 {
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (20.0 * (sum / samples.len() as f64).sqrt().log10()) as f32
}

/// Speech from espeak-ng, as a WAV file (22.05 kHz mono, 16-bit).
pub fn speech_wav(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("speech.wav");
    let status = Command::new("espeak-ng")
        .arg("-w")
        .arg(&path)
        .arg(text)
        .status()
        .expect("espeak-ng is installed (Debian package espeak-ng)");
    assert!(status.success(), "espeak-ng failed");
    path
}

/// Run ffmpeg quietly and fail the test if it fails.
pub fn ffmpeg(args: &[&str]) {
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg is installed (Debian package ffmpeg)");
    assert!(
        output.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Convert a WAV file to raw signed 16-bit little-endian PCM with sox.
pub fn to_raw_s16(wav: &Path, raw: &Path, rate: u32, channels: u16) {
    let status = Command::new("sox")
        .arg(wav)
        .args(["-t", "raw", "-e", "signed-integer", "-b", "16", "-L"])
        .arg("-r")
        .arg(rate.to_string())
        .arg("-c")
        .arg(channels.to_string())
        .arg(raw)
        .status()
        .expect("sox is installed (Debian package sox)");
    assert!(status.success(), "sox failed");
}

/// Samples of a raw S16_LE file as f32 in -1..1.
pub fn read_raw_s16(raw: &Path) -> Vec<f32> {
    let bytes = std::fs::read(raw).unwrap();
    bytes
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0)
        .collect()
}

/// RMS (dBFS) and duration (seconds) of a 16-bit WAV file.
pub fn wav_rms_and_duration(path: &Path) -> (f32, f64) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    let samples: Vec<f32> = reader
        .samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32_768.0)
        .collect();
    let seconds = samples.len() as f64 / f64::from(spec.channels) / f64::from(spec.sample_rate);
    (rms_dbfs(&samples), seconds)
}

/// Pearson correlation of two equally long signals.
pub fn correlation(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    let n = a.len() as f64;
    let mean = |x: &[f32]| x.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let (ma, mb) = (mean(a), mean(b));
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (f64::from(x) - ma, f64::from(y) - mb);
        cov += dx * dy;
        va += dx * dx;
        vb += dy * dy;
    }
    cov / (va.sqrt() * vb.sqrt())
}

const CHILD_ENV: &str = "DEBRIEF_CAPTURE_TEST_CHILD";

/// True inside the child process started by [`run_in_child`].
pub fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Run test `name` of this test binary again in a child process whose HOME
/// is `home`, and fail unless the child's run of it passed.
pub fn run_in_child(name: &str, home: &Path) {
    let exe = std::env::current_exe().unwrap();
    let output = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    print!("{stdout}");
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child run of {name} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
}

/// An asoundrc whose default capture device plays `raw` (S16_LE mono
/// 48 kHz) through ALSA's `file` plugin, seen through a `plug` that
/// presents it with `slave_rate` and `slave_channels`.
pub fn write_fake_microphone(home: &Path, raw: &Path, slave_rate: u32, slave_channels: u16) {
    let rc = format!(
        r#"pcm.fakemic {{
    type file
    slave.pcm "null"
    file "/dev/null"
    infile "{raw}"
    format "raw"
}}
pcm.!default {{
    type plug
    slave {{
        pcm "fakemic"
        format S16_LE
        rate {slave_rate}
        channels {slave_channels}
    }}
}}
"#,
        raw = raw.display()
    );
    std::fs::write(home.join(".asoundrc"), rc).unwrap();
}

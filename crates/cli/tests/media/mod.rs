//! Judging media with the real tools: ffprobe for streams, ffmpeg for a
//! clean decode and for the audio as samples, and the measures the tests
//! compare (levels, a tone's frequency, the loudness envelope, MP4 box
//! order).

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn ffprobe_streams(file: &Path) -> Vec<serde_json::Value> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_streams", "-of", "json"])
        .arg(file)
        .output()
        .expect("ffprobe is installed (Debian package ffmpeg)");
    assert!(out.status.success(), "ffprobe failed on {}", file.display());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["streams"].as_array().unwrap().clone()
}

pub fn stream<'a>(streams: &'a [serde_json::Value], kind: &str) -> Option<&'a serde_json::Value> {
    streams.iter().find(|s| s["codec_type"] == kind)
}

/// Width and height of a clip object or an ffprobe stream.
pub fn size(v: &serde_json::Value) -> (u64, u64) {
    (
        v["width"].as_u64().unwrap_or(0),
        v["height"].as_u64().unwrap_or(0),
    )
}

pub fn seconds(stream: &serde_json::Value) -> f64 {
    stream["duration"].as_str().unwrap().parse().unwrap()
}

/// `ffmpeg -v error` decodes every stream of the file without a word.
#[track_caller]
pub fn assert_decodes_cleanly(file: &Path) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i"])
        .arg(file)
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg is installed (Debian package ffmpeg)");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "ffmpeg does not decode {} cleanly: {said}",
        file.display()
    );
}

/// The first audio track decoded to mono 48 kHz f32.
pub fn decode_audio(file: &Path) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i"])
        .arg(file)
        .args([
            "-map", "0:a:0", "-ac", "1", "-ar", "48000", "-f", "f32le", "-",
        ])
        .output()
        .expect("ffmpeg is installed");
    assert!(
        out.status.success(),
        "decoding the audio of {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Make a 16-bit WAV with an ffmpeg lavfi source.
pub fn lavfi_wav(dir: &Path, name: &str, source: &str) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", source])
        .args(["-t", "4", "-c:a", "pcm_s16le"])
        .arg(&path)
        .status()
        .expect("ffmpeg is installed");
    assert!(status.success(), "ffmpeg could not make {name}");
    path
}

pub fn rms_dbfs(samples: &[f32]) -> f64 {
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    10.0 * (sum / samples.len().max(1) as f64).max(1e-24).log10()
}

/// RMS level (dBFS) of each whole window of `window` samples.
pub fn window_levels(samples: &[f32], window: usize) -> Vec<f64> {
    samples.chunks_exact(window).map(rms_dbfs).collect()
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The frequency of a steady tone from its zero crossings.
pub fn tone_hz(samples: &[f32]) -> f64 {
    let crossings = samples
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count();
    crossings as f64 / 2.0 / (samples.len() as f64 / 48_000.0)
}

/// Linear RMS of each 10 ms window: the loudness envelope.
pub fn envelope(samples: &[f32]) -> Vec<f64> {
    samples
        .chunks_exact(480)
        .map(|w| (w.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / 480.0).sqrt())
        .collect()
}

pub fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mean = |x: &[f64]| x.iter().sum::<f64>() / n as f64;
    let (ma, mb) = (mean(a), mean(b));
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        cov += (x - ma) * (y - mb);
        va += (x - ma).powi(2);
        vb += (y - mb).powi(2);
    }
    cov / (va.sqrt() * vb.sqrt()).max(1e-12)
}

/// Top-level box types of an MP4, in file order.
pub fn top_level_boxes(file: &Path) -> Vec<String> {
    let bytes = std::fs::read(file).unwrap();
    let mut boxes = Vec::new();
    let mut at = 0usize;
    while at + 8 <= bytes.len() {
        let size32 = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as u64;
        let kind = String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned();
        let size = match size32 {
            0 => (bytes.len() - at) as u64,
            1 => u64::from_be_bytes(bytes[at + 8..at + 16].try_into().unwrap()),
            n => n,
        };
        assert!(size >= 8, "box {kind} at {at} has size {size}: {boxes:?}");
        boxes.push(kind);
        at += size as usize;
    }
    assert_eq!(at, bytes.len(), "boxes run past the end: {boxes:?}");
    boxes
}

pub fn sha256sum(file: &Path) -> String {
    let out = Command::new("sha256sum").arg(file).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

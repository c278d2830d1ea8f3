//! Real media for the tests, made at test time with the system `ffmpeg`,
//! and `ffprobe` / `ffmpeg` as the judges of what a file holds.
//!
//! A missing ffmpeg fails the tests with a message saying to install it:
//! skipping would let a broken probe pass unnoticed.

#![allow(dead_code)]

pub mod record;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// Runs `tool` (ffmpeg or ffprobe) and returns its output, failing the test
/// with a precise message if it is missing or fails.
pub fn run(tool: &str, args: &[&str]) -> Output {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "cannot run `{tool}` ({err}): these tests make and judge real media with ffmpeg; \
             install it (Debian: `apt-get install ffmpeg`, with libx264, libx265, libopus, libvpx)"
            )
        });
    assert!(
        output.status.success(),
        "`{tool} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A folder of fixtures that disappears with the test.
pub struct Fixtures {
    dir: TempDir,
}

/// Inputs: a 640x360 moving test pattern at 30 fps and a 440 Hz tone.
const PATTERN: &str = "testsrc2=size=640x360:rate=30";
const TONE: &str = "sine=frequency=440:sample_rate=48000";

impl Fixtures {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("create a temporary folder"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs ffmpeg with `args` (inputs, codecs, options) writing `name`.
    pub fn ffmpeg(&self, name: &str, args: &[&str]) -> PathBuf {
        let out = self.path(name);
        let mut all = vec!["-hide_banner", "-loglevel", "error", "-nostdin", "-y"];
        all.extend_from_slice(args);
        all.push(out.to_str().expect("temporary paths are UTF-8"));
        run("ffmpeg", &all);
        out
    }

    /// Pattern + tone, `seconds` long, encoded with `codecs` and `extra`.
    pub fn av(&self, name: &str, seconds: &str, codecs: &[&str]) -> PathBuf {
        let mut args = vec![
            "-f", "lavfi", "-i", PATTERN, "-f", "lavfi", "-i", TONE, "-t", seconds,
        ];
        args.extend_from_slice(codecs);
        self.ffmpeg(name, &args)
    }

    /// H.264 + AAC, fast start (index first): the shape of a finished recording.
    pub fn h264_aac_fast_start(&self) -> PathBuf {
        self.av(
            "h264_aac_fast_start.mp4",
            "3",
            &["-c:v", "libx264", "-c:a", "aac", "-movflags", "+faststart"],
        )
    }

    pub fn h264_opus(&self) -> PathBuf {
        self.av(
            "h264_opus.mp4",
            "3",
            &["-c:v", "libx264", "-c:a", "libopus"],
        )
    }

    /// H.264 + AAC with the index at the end (ffmpeg's default).
    pub fn h264_aac_moov_at_end(&self) -> PathBuf {
        self.av(
            "h264_aac_moov_at_end.mp4",
            "3",
            &["-c:v", "libx264", "-c:a", "aac"],
        )
    }

    /// Fragmented like a recording in progress: an empty index, then
    /// one 'moof' + 'mdat' per keyframe (every half second).
    pub fn h264_aac_fragmented(&self) -> PathBuf {
        self.av(
            "h264_aac_fragmented.mp4",
            "3",
            &[
                "-c:v",
                "libx264",
                "-g",
                "15",
                "-c:a",
                "aac",
                "-movflags",
                "+frag_keyframe+empty_moov+default_base_moof",
            ],
        )
    }

    pub fn hevc_aac(&self) -> PathBuf {
        self.av(
            "hevc_aac.mp4",
            "3",
            &[
                "-c:v",
                "libx265",
                "-x265-params",
                "log-level=error",
                "-tag:v",
                "hvc1",
                "-c:a",
                "aac",
            ],
        )
    }

    pub fn audio_only(&self) -> PathBuf {
        self.ffmpeg(
            "audio_only.mp4",
            &["-f", "lavfi", "-i", TONE, "-t", "2", "-c:a", "aac"],
        )
    }

    pub fn vp9_in_mp4(&self) -> PathBuf {
        self.ffmpeg(
            "vp9.mp4",
            &[
                "-f",
                "lavfi",
                "-i",
                PATTERN,
                "-t",
                "1",
                "-c:v",
                "libvpx-vp9",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
            ],
        )
    }

    /// A WebM file saved under an .mp4 name.
    pub fn webm_named_mp4(&self) -> PathBuf {
        let webm = self.ffmpeg(
            "real.webm",
            &[
                "-f",
                "lavfi",
                "-i",
                PATTERN,
                "-t",
                "1",
                "-c:v",
                "libvpx-vp9",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
            ],
        );
        let renamed = self.path("webm_renamed.mp4");
        std::fs::rename(webm, &renamed).expect("rename");
        renamed
    }

    /// Writes `bytes` as `name`.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("write fixture");
        path
    }
}

/// The file's duration as ffprobe reports it (the container's), in ms.
pub fn ffprobe_duration_ms(path: &Path) -> u64 {
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
            path.to_str().unwrap(),
        ],
    );
    let seconds: f64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("ffprobe duration");
    (seconds * 1000.0).round() as u64
}

/// (codec_name, width, height) of the first video stream per ffprobe.
pub fn ffprobe_video(path: &Path) -> (String, u32, u32) {
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "csv=p=0",
            path.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = text.trim().split(',').collect();
    (
        fields[0].to_owned(),
        fields[1].parse().unwrap(),
        fields[2].parse().unwrap(),
    )
}

/// codec_name of the first audio stream per ffprobe.
pub fn ffprobe_audio_codec(path: &Path) -> String {
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "csv=p=0",
            path.to_str().unwrap(),
        ],
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Frame `n` (display order, rotation applied) rendered by ffmpeg at
/// `width` x `height`, as packed RGB.
pub fn ffmpeg_frame_rgb(path: &Path, n: u32, width: u32, height: u32) -> Vec<u8> {
    let filter = format!("select=eq(n\\,{n}),scale={width}:{height}");
    let out = run(
        "ffmpeg",
        &[
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-i",
            path.to_str().unwrap(),
            "-vf",
            &filter,
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
    );
    assert_eq!(
        out.stdout.len(),
        (width * height * 3) as usize,
        "ffmpeg frame size"
    );
    out.stdout
}

/// Mean absolute difference of two same-sized RGB buffers, per channel (0-255).
pub fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let total: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    total as f64 / a.len() as f64
}

/// Variance of the pixel values; near 0 for a uniform picture.
pub fn variance(pixels: &[u8]) -> f64 {
    let n = pixels.len() as f64;
    let mean = pixels.iter().map(|v| f64::from(*v)).sum::<f64>() / n;
    pixels
        .iter()
        .map(|v| (f64::from(*v) - mean).powi(2))
        .sum::<f64>()
        / n
}

/// One frame at 30 fps, in ms: the tolerance for durations.
pub const FRAME_MS: u64 = 34;

//! Recording helpers: synthetic captures on a virtual clock, and ffmpeg /
//! ffprobe as the judges of what was recorded.

use std::path::Path;
use std::time::Duration;

use debrief_capture::{
    AudioConfig, AudioSource, CaptureClock, SyncMarkers, SyntheticAudio, SyntheticSound,
    SyntheticVideo, VideoConfig, VideoSource,
};
use debrief_media::record::{
    AudioFeed, FinishedRecording, Recorder, RecorderConfig, RecordingMeta, RecordingPlan, VideoFeed,
};
use debrief_protocol::ClipId;

use super::run;

pub type Feeds = (Box<dyn VideoFeed>, Option<Box<dyn AudioFeed>>);

/// A synthetic camera (and microphone, unless `sound` is `None`) on one
/// virtual clock: they run as fast as the recorder reads.
pub fn synthetic(
    width: u32,
    height: u32,
    markers: Option<SyncMarkers>,
    sound: Option<SyntheticSound>,
) -> Feeds {
    synthetic_on(&CaptureClock::virtual_time(), width, height, markers, sound)
}

pub fn synthetic_on(
    clock: &CaptureClock,
    width: u32,
    height: u32,
    markers: Option<SyncMarkers>,
    sound: Option<SyntheticSound>,
) -> Feeds {
    let video_config = VideoConfig {
        width,
        height,
        fps: 30,
        ..VideoConfig::default()
    };
    let video = SyntheticVideo::new(markers)
        .start(&video_config, clock)
        .expect("start the synthetic camera");
    let audio = sound.map(|sound| {
        let capture = SyntheticAudio::new(sound, markers)
            .start(&AudioConfig::default(), clock)
            .expect("start the synthetic microphone");
        Box::new(capture) as Box<dyn AudioFeed>
    });
    (Box::new(video), audio)
}

/// Settings for tests: small bit rate, no free-space margins (the temporary
/// folder's disk is what it is), the given maximum length.
pub fn test_config(max_length: Duration) -> RecorderConfig {
    RecorderConfig {
        max_length,
        min_free_to_start: 0,
        min_free_while_recording: 0,
        video: debrief_media::record::codec::VideoEncoderConfig {
            bitrate_bps: 600_000,
            threads: 1,
            ..Default::default()
        },
        ..RecorderConfig::default()
    }
}

pub fn plan(data_dir: &Path, config: RecorderConfig) -> RecordingPlan {
    RecordingPlan {
        data_dir: data_dir.to_path_buf(),
        clip_id: ClipId::new(),
        meta: RecordingMeta {
            title: "Pricing objection".into(),
            tags: vec!["pricing".into()],
            ..RecordingMeta::default()
        },
        config,
    }
}

/// Records `seconds` (as the maximum length) of the synthetic source.
pub fn record_for(data_dir: &Path, seconds: u64, feeds: Feeds) -> FinishedRecording {
    let config = test_config(Duration::from_secs(seconds));
    let recorder = Recorder::start(plan(data_dir, config), feeds.0, feeds.1).expect("start");
    assert!(
        recorder.wait_until_finished(Duration::from_secs(600)),
        "the recording did not end at its maximum length"
    );
    recorder.stop().expect("stop")
}

/// `ffmpeg -v error -i F -f null -` must print nothing.
pub fn assert_plays_cleanly(path: &Path) {
    let out = run(
        "ffmpeg",
        &[
            "-nostdin",
            "-v",
            "error",
            "-i",
            path.to_str().unwrap(),
            "-f",
            "null",
            "-",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.trim().is_empty(),
        "ffmpeg reported errors decoding {}:\n{stderr}",
        path.display()
    );
}

/// Top-level boxes: (type, offset, size).
pub fn top_level_boxes(path: &Path) -> Vec<(String, u64, u64)> {
    let bytes = std::fs::read(path).expect("read the recording");
    let mut boxes = Vec::new();
    let mut pos = 0usize;
    while pos + 8 <= bytes.len() {
        let mut size = u64::from(u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()));
        let kind = String::from_utf8_lossy(&bytes[pos + 4..pos + 8]).into_owned();
        if size == 1 {
            size = u64::from_be_bytes(bytes[pos + 8..pos + 16].try_into().unwrap());
        }
        assert!(size >= 8, "box '{kind}' at {pos} has size {size}");
        boxes.push((kind, pos as u64, size));
        pos += size as usize;
    }
    assert_eq!(
        pos,
        bytes.len(),
        "the last box does not end at the end of the file"
    );
    boxes
}

/// The index comes before the media (fast start).
pub fn assert_fast_start(path: &Path) {
    let boxes = top_level_boxes(path);
    let kinds: Vec<&str> = boxes.iter().map(|b| b.0.as_str()).collect();
    let moov = kinds.iter().position(|k| *k == "moov").expect("a moov box");
    let mdat = kinds
        .iter()
        .position(|k| *k == "mdat")
        .expect("an mdat box");
    assert!(moov < mdat, "not fast start: {kinds:?}");
    assert!(
        !kinds.contains(&"moof"),
        "a finalised file has no visible fragments: {kinds:?}"
    );
}

/// Stream facts per ffprobe: (codec, duration in s) per stream type.
pub struct Probed {
    pub video_codec: String,
    pub width: u32,
    pub height: u32,
    pub audio_codec: Option<String>,
    pub format_duration: f64,
    pub video_duration: f64,
    pub audio_duration: Option<f64>,
}

pub fn ffprobe(path: &Path) -> Probed {
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name,width,height,duration:format=duration",
            "-of",
            "json",
            path.to_str().unwrap(),
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ffprobe json");
    let streams = json["streams"].as_array().expect("streams");
    let stream = |kind: &str| streams.iter().find(|s| s["codec_type"] == kind);
    let seconds = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse::<f64>().ok());
    let video = stream("video").expect("a video stream");
    let audio = stream("audio");
    Probed {
        video_codec: video["codec_name"].as_str().unwrap_or_default().to_owned(),
        width: video["width"].as_u64().unwrap_or_default() as u32,
        height: video["height"].as_u64().unwrap_or_default() as u32,
        audio_codec: audio.map(|a| a["codec_name"].as_str().unwrap_or_default().to_owned()),
        format_duration: seconds(&json["format"]["duration"]).expect("format duration"),
        video_duration: seconds(&video["duration"]).expect("video duration"),
        audio_duration: audio.and_then(|a| seconds(&a["duration"])),
    }
}

/// Everything every recording must satisfy: h264 (+ opus), the size asked
/// for, the recorded duration within one frame, clean decoding, moov first,
/// and accepted by this crate's own prober.
pub fn judge(
    finished: &FinishedRecording,
    width: u32,
    height: u32,
    expected: Duration,
    audio: bool,
) {
    let path = &finished.path;
    let probed = ffprobe(path);
    assert_eq!(probed.video_codec, "h264");
    assert_eq!((probed.width, probed.height), (width, height));
    if audio {
        assert_eq!(probed.audio_codec.as_deref(), Some("opus"));
    } else {
        assert_eq!(probed.audio_codec, None);
    }
    let frame = 1.0 / 30.0 + 0.001;
    let expected = expected.as_secs_f64();
    for (what, seconds) in [
        ("format", Some(probed.format_duration)),
        ("video", Some(probed.video_duration)),
        ("audio", probed.audio_duration),
    ] {
        if let Some(seconds) = seconds {
            assert!(
                (seconds - expected).abs() <= frame,
                "{what} duration {seconds} s, recorded {expected} s"
            );
        }
    }
    assert!((finished.duration_ms as f64 / 1000.0 - expected).abs() <= frame);
    assert_plays_cleanly(path);
    assert_fast_start(path);
    let info = debrief_media::probe_file(path).expect("our own prober accepts the recording");
    assert!(info.fast_start && !info.fragmented, "{info:?}");
    assert_eq!((info.width, info.height), (width, height));
    assert_eq!(info.duration_ms, finished.duration_ms);
    let thumbnail = finished.thumbnail.as_ref().expect("a thumbnail");
    assert_eq!(&thumbnail.jpeg[..2], &[0xFF, 0xD8], "a JPEG");
}

/// Per decoded frame: (pts in s, mean luma) from ffmpeg's showinfo.
pub fn frame_lumas(path: &Path) -> Vec<(f64, f64)> {
    let out = run(
        "ffmpeg",
        &[
            "-nostdin",
            "-hide_banner",
            "-i",
            path.to_str().unwrap(),
            "-map",
            "0:v",
            "-fps_mode",
            "passthrough",
            "-vf",
            "showinfo",
            "-f",
            "null",
            "-",
        ],
    );
    let log = String::from_utf8_lossy(&out.stderr);
    log.lines()
        .filter(|l| l.contains("Parsed_showinfo") && l.contains("pts_time:"))
        .map(|line| {
            let field = |name: &str| {
                let start = line.find(name).expect(name) + name.len();
                line[start..].split_whitespace().next().unwrap().to_owned()
            };
            let pts: f64 = field("pts_time:").parse().expect("pts_time");
            let mean = field("mean:[")
                .trim_start_matches('[')
                .parse()
                .expect("mean");
            (pts, mean)
        })
        .collect()
}

/// The audio track decoded to 48 kHz mono f32.
pub fn audio_samples(path: &Path) -> Vec<f32> {
    let out = run(
        "ffmpeg",
        &[
            "-nostdin",
            "-v",
            "error",
            "-i",
            path.to_str().unwrap(),
            "-map",
            "0:a",
            "-ac",
            "1",
            "-ar",
            "48000",
            "-f",
            "f32le",
            "-",
        ],
    );
    out.stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Times (s) where the picture turns white after not being white.
pub fn flash_onsets(frames: &[(f64, f64)]) -> Vec<f64> {
    let mut onsets = Vec::new();
    let mut previous_white = false;
    for &(pts, mean) in frames {
        let white = mean > 190.0;
        if white && !previous_white {
            onsets.push(pts);
        }
        previous_white = white;
    }
    onsets
}

/// Times (s) where sound starts after at least 50 ms of quiet.
pub fn beep_onsets(samples: &[f32]) -> Vec<f64> {
    let quiet_needed = 48_000 / 20;
    let mut onsets = Vec::new();
    let mut quiet = quiet_needed;
    for (i, &s) in samples.iter().enumerate() {
        if s.abs() > 0.1 {
            if quiet >= quiet_needed {
                onsets.push(i as f64 / 48_000.0);
            }
            quiet = 0;
        } else {
            quiet += 1;
        }
    }
    onsets
}

/// Pairs every flash with a beep (and the other way round) and returns the
/// offsets (beep - flash) in seconds.
pub fn sync_offsets(flashes: &[f64], beeps: &[f64]) -> Vec<f64> {
    assert_eq!(
        flashes.len(),
        beeps.len(),
        "as many flashes as beeps\nflashes {flashes:?}\nbeeps {beeps:?}"
    );
    flashes.iter().zip(beeps).map(|(f, b)| b - f).collect()
}

/// Where the fragmented stream starts (from the region descriptor right
/// after the 36-byte ftyp), and the end offset of every fragment.
pub fn fragment_ends(path: &Path) -> (u64, Vec<u64>) {
    let bytes = std::fs::read(path).expect("read");
    assert_eq!(&bytes[40..44], b"free", "region descriptor");
    let region_end = u64::from_be_bytes(bytes[60..68].try_into().unwrap());
    let mut pos = region_end as usize;
    let size_at = |pos: usize| u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
    assert_eq!(&bytes[pos + 4..pos + 8], b"moov", "the initial moov");
    pos += size_at(pos);
    let init_end = pos as u64;
    let mut ends = Vec::new();
    while pos < bytes.len() {
        for expected in ["moof", "mdat", "free"] {
            assert_eq!(
                &bytes[pos + 4..pos + 8],
                expected.as_bytes(),
                "fragment layout at {pos}"
            );
            pos += size_at(pos);
        }
        ends.push(pos as u64);
    }
    (init_end, ends)
}

/// Puts a finalised recording back into its recording-time state (the
/// region a plain `free` box), as a crash before the stop would leave it.
pub fn unfinalise(path: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let bytes = std::fs::read(path).expect("read");
    let region_end = u64::from_be_bytes(bytes[60..68].try_into().unwrap());
    let region_start = 68u64;
    let mut file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.seek(SeekFrom::Start(region_start)).unwrap();
    let len = region_end - region_start;
    let mut region = vec![0u8; len as usize];
    region[..4].copy_from_slice(&(len as u32).to_be_bytes());
    region[4..8].copy_from_slice(b"free");
    file.write_all(&region).unwrap();
}

/// Copies a recording's folder into another data directory.
pub fn copy_recording(from: &Path, to_data_dir: &Path) -> std::path::PathBuf {
    let name = from.file_name().unwrap();
    let to = to_data_dir.join("recordings").join(name);
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    to
}

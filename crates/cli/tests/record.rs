//! `debrief record` and `debrief devices` end to end: the real binary records
//! from the synthetic source, a WAV file or a fake ALSA microphone, is killed
//! or interrupted, and fails without devices; ffprobe and ffmpeg judge the
//! media it leaves in the library.
//!
//! The real-time tests (microphone, kill, Ctrl-C) run the synthetic source at
//! the speed of the clock; everything else uses `synthetic:fast`.

mod helpers;
mod media;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use helpers::*;
use media::*;

/// One frame at 30 fps, rounded up.
const FRAME_MS: u64 = 34;
const SPEECH: &str = "Debrief microphone test. The pricing objection, handled calmly. \
    We talked about the budget, the timeline, and who signs the contract. \
    Next step is a demo on Thursday.";

// ---------------------------------------------------------------------------
// Driving the binary
// ---------------------------------------------------------------------------

fn list(data: &Path) -> Vec<serde_json::Value> {
    debrief(data, &["list", "--json"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .clone()
}

fn media_path(clip: &serde_json::Value) -> PathBuf {
    PathBuf::from(clip["media_path"].as_str().expect("a local clip has media"))
}

/// `record` with `args`, `--json`; returns the clip object it printed.
fn record_json(data: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["record", "--json"];
    all.extend_from_slice(args);
    let run = debrief(data, &all).ok();
    let clip = run.json();
    assert!(clip["id"].is_string(), "not a clip: {}", run.stdout);
    clip
}

/// A started `debrief record` and the moment its recording folder appeared
/// (the recorder has the sources running and is about to write).
fn start_recording(cmd: &mut Command, data: &Path) -> (Child, Instant) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let recordings = data.join("recordings");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let started = std::fs::read_dir(&recordings).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| !e.file_name().to_string_lossy().starts_with('.'))
        });
        if started {
            return (child, Instant::now());
        }
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "debrief record exited ({status}) before recording: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(Instant::now() < deadline, "no recording folder after 30 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A seed from the environment (`DEBRIEF_TEST_SEED`, to replay a failure) or
/// from the time.
fn seed() -> u64 {
    std::env::var("DEBRIEF_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        })
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

// ---------------------------------------------------------------------------
// Recording from the synthetic source
// ---------------------------------------------------------------------------

#[test]
fn a_synthetic_recording_is_a_whole_clip_in_the_library() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let clip = record_json(
        &data,
        &[
            "--source",
            "synthetic:fast",
            "--seconds",
            "3",
            "--title",
            "Pricing objection",
            "--tag",
            "x",
        ],
    );
    assert_eq!(clip["title"], "Pricing objection");
    assert_eq!(clip["tags"], serde_json::json!(["x"]));
    let ms = clip["duration_ms"].as_u64().unwrap();
    assert!(ms.abs_diff(3000) <= FRAME_MS, "duration {ms} ms");
    assert_eq!(size(&clip), (1280, 720));
    assert_eq!(clip["video_codec"], "h264");
    assert_eq!(clip["audio_codec"], "opus");
    assert_eq!(clip["media_state"], "ready");

    let media = media_path(&clip);
    let streams = ffprobe_streams(&media);
    let video = stream(&streams, "video").expect("a video stream");
    let audio = stream(&streams, "audio").expect("an audio stream");
    assert_eq!(video["codec_name"], "h264");
    assert_eq!(audio["codec_name"], "opus");
    assert_eq!(size(video), (1280, 720));
    assert!(
        (seconds(video) - ms as f64 / 1000.0).abs() < 0.035,
        "{video}"
    );
    // The sound lasts exactly as long as the picture: the encoder's
    // look-ahead is flushed at the end, so no tail of the audio is lost.
    assert!(
        (seconds(audio) - seconds(video)).abs() < 0.002,
        "audio {} s vs video {} s",
        seconds(audio),
        seconds(video)
    );
    assert_decodes_cleanly(&media);

    // In the library, byte for byte what its hash says.
    let listed = list(&data);
    let found = listed
        .iter()
        .find(|c| c["id"] == clip["id"])
        .expect("list --json has the recorded clip");
    assert_eq!(found["sha256"], clip["sha256"]);
    assert_eq!(clip["sha256"].as_str().unwrap(), sha256sum(&media));
    assert_eq!(
        clip["bytes"].as_u64().unwrap(),
        std::fs::metadata(&media).unwrap().len()
    );
    let thumb = PathBuf::from(clip["thumbnail_path"].as_str().expect("a thumbnail"));
    let jpeg = std::fs::read(&thumb).unwrap();
    assert_eq!(&jpeg[..3], b"\xff\xd8\xff", "the thumbnail is a JPEG");
    assert_eq!(
        stream(&ffprobe_streams(&thumb), "video").unwrap()["codec_name"],
        "mjpeg"
    );
}

#[test]
fn size_and_frame_rate_options_are_honoured() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let args = ["--source", "synthetic:fast", "--seconds", "3"];
    let smaller = ["--width", "640", "--height", "360", "--fps", "15"];
    let clip = record_json(&data, &[&args[..], &smaller[..]].concat());
    assert_eq!(size(&clip), (640, 360));
    let ms = clip["duration_ms"].as_u64().unwrap();
    assert!(ms.abs_diff(3000) <= 67, "one frame at 15 fps: {ms} ms");
    let media = media_path(&clip);
    let streams = ffprobe_streams(&media);
    let video = stream(&streams, "video").unwrap();
    assert_eq!(size(video), (640, 360));
    assert_eq!(video["avg_frame_rate"], "15/1", "{video}");
    assert_eq!(video["nb_frames"], "45", "{video}");
    assert_decodes_cleanly(&media);
}

#[test]
fn mic_none_records_video_only() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let clip = record_json(
        &data,
        &[
            "--source",
            "synthetic:fast",
            "--seconds",
            "2",
            "--mic",
            "none",
        ],
    );
    assert!(clip["audio_codec"].is_null(), "{clip}");
    let media = media_path(&clip);
    let streams = ffprobe_streams(&media);
    assert!(stream(&streams, "video").is_some());
    assert!(
        stream(&streams, "audio").is_none(),
        "--mic none has no audio track: {streams:?}"
    );
    assert_decodes_cleanly(&media);
}

#[test]
fn the_sound_of_an_audio_file_is_what_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // 660 Hz at 0.4 (about -11 dBFS RMS), 44.1 kHz: neither the synthetic
    // default (440 Hz, -21 dBFS) nor its 1 kHz sync beeps.
    let tone = lavfi_wav(
        tmp.path(),
        "tone.wav",
        "aevalsrc=0.4*sin(660*2*PI*t):s=44100",
    );
    let silence = lavfi_wav(tmp.path(), "silence.wav", "anullsrc=r=44100:cl=mono");
    let input_level = rms_dbfs(&decode_audio(&tone));

    let record = |wav: &Path| {
        let clip = record_json(
            &data,
            &[
                "--source",
                "synthetic:fast",
                "--seconds",
                "3",
                "--audio-file",
                wav.to_str().unwrap(),
            ],
        );
        assert_eq!(clip["audio_codec"], "opus");
        let media = media_path(&clip);
        assert_decodes_cleanly(&media);
        decode_audio(&media)
    };
    // 100 ms windows; the median ignores the 100 ms sync beep every 2 s.
    let recorded = record(&tone);
    let level = median(window_levels(&recorded, 4_800));
    let hz = median(recorded.chunks_exact(4_800).map(tone_hz).collect());
    println!("tone: input {input_level:.2} dBFS, recorded {level:.2} dBFS at {hz:.1} Hz");
    assert!(
        (level - input_level).abs() < 1.5,
        "the file's level comes through: {level:.2} vs {input_level:.2} dBFS"
    );
    assert!(
        (hz - 660.0).abs() < 15.0,
        "the file's tone comes through: {hz} Hz"
    );

    let recorded = record(&silence);
    let level = median(window_levels(&recorded, 4_800));
    println!("silence: recorded {level:.1} dBFS");
    assert!(
        level < -60.0,
        "a silent file records silence: {level:.1} dBFS"
    );
}

// ---------------------------------------------------------------------------
// The real microphone path: cpal and ALSA, fed by a file
// ---------------------------------------------------------------------------

/// A HOME whose ALSA default capture device plays `speech` (48 kHz stereo
/// f32, as raw samples) through ALSA's `file` plugin over the `null` PCM.
///
/// The plugin delivers as fast as it is read, and skips input when a
/// converting `plug` reads less than it has; so the file is in the format
/// cpal asks the `plug` for by default (F32, 2 channels, 48 kHz), which
/// `plug` then passes through untouched. Returns the speech as mono f32.
fn fake_microphone_home(home: &Path) -> Vec<f32> {
    let wav = home.join("speech.wav");
    let status = Command::new("espeak-ng")
        .arg("-w")
        .arg(&wav)
        .arg(SPEECH)
        .status()
        .expect("espeak-ng is installed (Debian package espeak-ng)");
    assert!(status.success(), "espeak-ng failed");
    let raw = home.join("speech-f32-stereo.raw");
    let status = Command::new("sox")
        .arg(&wav)
        .args(["-t", "raw", "-e", "floating-point", "-b", "32", "-L"])
        .args(["-r", "48000", "-c", "2"])
        .arg(&raw)
        .status()
        .expect("sox is installed (Debian package sox)");
    assert!(status.success(), "sox failed");
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
        format FLOAT_LE
        rate 48000
        channels 2
    }}
}}
"#,
        raw = raw.display()
    );
    std::fs::write(home.join(".asoundrc"), rc).unwrap();
    std::fs::read(&raw)
        .unwrap()
        .chunks_exact(8)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

#[test]
fn speech_from_the_default_microphone_is_recorded_in_step_with_the_video() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let speech = fake_microphone_home(&home);
    assert!(speech.len() > 6 * 48_000, "more speech than is recorded");

    let run = run_output(
        debrief_cmd(&data)
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .args(["record", "--json", "--source", "synthetic"])
            .args(["--mic", "default", "--seconds", "3"])
            .output()
            .unwrap(),
    )
    .ok();
    assert!(
        !run.stderr.contains("ALSA lib"),
        "ALSA noise: {}",
        run.stderr
    );
    let clip = run.json();
    assert_eq!(clip["audio_codec"], "opus");
    let ms = clip["duration_ms"].as_u64().unwrap();
    assert!(ms.abs_diff(3000) <= FRAME_MS, "duration {ms} ms");
    let media = media_path(&clip);
    assert_decodes_cleanly(&media);
    let streams = ffprobe_streams(&media);
    let (video, audio) = (
        seconds(stream(&streams, "video").unwrap()),
        seconds(stream(&streams, "audio").expect("an audio track")),
    );
    // The device delivers many times faster than real time; the recorder
    // keeps the sound on the picture's clock, so the track is as long as the
    // video, not as long as what the device pushed.
    assert!(
        (audio - video).abs() < 0.035,
        "audio {audio} s vs video {video} s"
    );

    // The speech, at its own speed: the loudness envelope of the recording
    // matches the file's at one offset, in every second of the recording.
    let recorded = decode_audio(&media);
    let level = rms_dbfs(&recorded);
    assert!(level > -35.0, "speech, not silence: {level:.1} dBFS");
    let (rec_env, speech_env) = (envelope(&recorded), envelope(&speech));
    let n = rec_env.len().min(295);
    let (best, lag) = (0..100usize)
        .map(|k| (correlation(&rec_env[..n], &speech_env[k..k + n]), k as i64))
        .chain((1..100usize).map(|k| {
            (
                correlation(&rec_env[k..n], &speech_env[..n - k]),
                -(k as i64),
            )
        }))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap();
    let lag_ms = lag * 10;
    println!("speech: {level:.1} dBFS, envelope correlation {best:.3} at {lag_ms} ms");
    assert!(
        best > 0.85,
        "the recording is the microphone's speech: correlation {best:.3} (offset {lag_ms} ms)"
    );
    // Where the speech starts is when the microphone started, a moment
    // after the camera; it must not be pulled ahead or pushed back by more.
    assert!(
        lag_ms.abs() <= 500,
        "the speech is {lag_ms} ms off the picture's clock"
    );
    for second in 0..3 {
        let (from, to) = (second * 100 + 10, second * 100 + 90);
        let from = from.max((-lag).max(0) as usize);
        let part = &rec_env[from..to];
        let reference = &speech_env[(from as i64 + lag) as usize..(to as i64 + lag) as usize];
        let c = correlation(part, reference);
        assert!(
            c > 0.7,
            "second {second} drifted or skipped: correlation {c:.3} at {lag_ms} ms"
        );
        let level = (rms_dbfs(&recorded[from * 480..to * 480]), {
            let start = (from as i64 + lag) as usize * 480;
            rms_dbfs(&speech[start..start + (to - from) * 480])
        });
        assert!(
            (level.0 - level.1).abs() < 2.0,
            "second {second}: recorded {:.1} vs spoken {:.1} dBFS",
            level.0,
            level.1
        );
    }
}

// ---------------------------------------------------------------------------
// Interrupted recordings
// ---------------------------------------------------------------------------

#[test]
fn recordings_killed_at_random_moments_are_recovered_once_and_play() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let seed = seed();
    let mut rng = seed;
    let mut recovered = Vec::new();
    for round in 0..3 {
        let delay = Duration::from_millis(2_500 + xorshift(&mut rng) % 3_500);
        let context =
            format!("seed {seed} (DEBRIEF_TEST_SEED), round {round}, kill after {delay:?}");
        let spawned = Instant::now();
        let mut cmd = debrief_cmd(&data);
        cmd.args(["record", "--source", "synthetic", "--seconds", "30"]);
        let (mut child, started) = start_recording(&mut cmd, &data);
        std::thread::sleep(delay.saturating_sub(started.elapsed()));
        assert!(
            child.try_wait().unwrap().is_none(),
            "{context}: the recording ended before the kill"
        );
        let killed = Instant::now();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let alive = killed - started;

        let open = debrief(&data, &["list", "--json"]).ok();
        let notes: Vec<&str> = open
            .stderr
            .lines()
            .filter(|l| l.starts_with("note: recovered an interrupted recording"))
            .collect();
        assert_eq!(notes.len(), 1, "{context}: stderr {:?}", open.stderr);
        let clips = open.json();
        let clips = clips.as_array().unwrap();
        assert_eq!(clips.len(), round + 1, "{context}: one clip per recording");
        let clip = clips
            .iter()
            .find(|c| !recovered.contains(&c["id"]))
            .expect("a new clip");
        assert!(
            notes[0].contains(clip["id"].as_str().unwrap()),
            "{context}: the note names the clip: {}",
            notes[0]
        );
        assert_eq!(clip["media_state"], "recovered", "{context}");
        let ms = clip["duration_ms"].as_u64().unwrap();
        let alive_ms = alive.as_millis() as u64;
        println!("{context}: alive {alive_ms} ms, recovered {ms} ms");
        assert!(
            ms + 2_000 >= alive_ms,
            "{context}: alive {alive_ms} ms, only {ms} ms recovered"
        );
        assert!(
            ms <= (killed - spawned).as_millis() as u64 + 100,
            "{context}: {ms} ms recovered from a process that lived {:?}",
            killed - spawned
        );
        let media = media_path(clip);
        assert_decodes_cleanly(&media);
        let streams = ffprobe_streams(&media);
        let video = seconds(stream(&streams, "video").unwrap());
        assert!(
            (video - ms as f64 / 1000.0).abs() < 0.035,
            "{context}: the file's video lasts {video} s, the clip says {ms} ms"
        );
        assert!(stream(&streams, "audio").is_some(), "{context}");
        assert_eq!(clip["sha256"].as_str().unwrap(), sha256_of(&media));
        recovered.push(clip["id"].clone());

        // Opening again finds nothing more to recover.
        let again = debrief(&data, &["list", "--json"]).ok();
        assert!(
            !again.stderr.contains("recovered"),
            "{context}: recovered twice: {}",
            again.stderr
        );
        assert_eq!(
            again.json().as_array().unwrap().len(),
            round + 1,
            "{context}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(data.join("recordings"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "seed {seed}: recordings left: {left:?}");
}

#[test]
fn ctrl_c_finalises_a_fast_start_clip_and_prints_its_id() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut cmd = debrief_cmd(&data);
    cmd.args(["record", "--source", "synthetic", "--title", "Until Ctrl-C"]);
    let (child, started) = start_recording(&mut cmd, &data);
    std::thread::sleep(Duration::from_millis(2_000).saturating_sub(started.elapsed()));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let run = run_output(child.wait_with_output().unwrap()).ok();
    let id = run.last_line();
    assert_eq!(id.len(), 36, "the id is the last line: {:?}", run.stdout);

    let clip = debrief(&data, &["show", id, "--json"]).ok().json();
    assert_eq!(clip["title"], "Until Ctrl-C");
    assert_eq!(clip["media_state"], "ready");
    let ms = clip["duration_ms"].as_u64().unwrap();
    assert!(
        (1_000..=4_000).contains(&ms),
        "stopped after about 2 s: {ms} ms"
    );
    let media = media_path(&clip);
    let boxes = top_level_boxes(&media);
    let moov = boxes.iter().position(|b| b == "moov");
    let mdat = boxes.iter().position(|b| b == "mdat");
    assert!(
        moov.is_some() && mdat.is_some() && moov < mdat,
        "fast start: moov before mdat: {boxes:?}"
    );
    assert!(
        !boxes.iter().any(|b| b == "moof"),
        "finalised, not fragmented: {boxes:?}"
    );
    assert_decodes_cleanly(&media);
    let streams = ffprobe_streams(&media);
    let video = seconds(stream(&streams, "video").unwrap());
    assert!(
        (video - ms as f64 / 1000.0).abs() < 0.035,
        "{video} s vs {ms} ms"
    );
    assert!(stream(&streams, "audio").is_some());
    assert!(
        std::fs::read_dir(data.join("recordings"))
            .unwrap()
            .next()
            .is_none(),
        "the recording's folder is gone once the clip is stored"
    );
}

// ---------------------------------------------------------------------------
// Without devices
// ---------------------------------------------------------------------------

/// Whether this machine has a sound card or a camera (then the "none found"
/// answers cannot be checked here).
fn has_hardware() -> (bool, bool) {
    let cameras = std::fs::read_dir("/dev")
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("video"))
        })
        .unwrap_or(false);
    (cameras, Path::new("/dev/snd").exists())
}

/// An empty HOME (no user ALSA configuration).
fn plain_home(tmp: &Path) -> PathBuf {
    let home = tmp.join("plain-home");
    std::fs::create_dir_all(&home).unwrap();
    home
}

#[test]
fn devices_says_there_are_no_cameras_or_microphones() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let home = plain_home(tmp.path());
    let devices = |json: bool| {
        let mut cmd = debrief_cmd(&data);
        cmd.env("HOME", &home).arg("devices");
        if json {
            cmd.arg("--json");
        }
        run_output(cmd.output().unwrap()).ok()
    };
    let text = devices(false);
    let json = devices(true).json();
    assert!(text.stderr.is_empty(), "no noise: {:?}", text.stderr);
    assert!(json["camera_error"].is_null() && json["microphone_error"].is_null());
    let (cameras, sound) = has_hardware();
    if cameras || sound {
        println!("this machine has devices; the 'none found' answers are not checked");
        return;
    }
    assert!(
        text.stdout
            .contains("Cameras: none found. Connect a camera, or record with --source synthetic."),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(
            "Microphones: none found. Connect one, or record video only with --mic none."
        ),
        "{}",
        text.stdout
    );
    assert_eq!(json["cameras"], serde_json::json!([]));
    assert_eq!(json["microphones"], serde_json::json!([]));
}

#[test]
fn recording_without_devices_fails_clearly_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let home = plain_home(tmp.path());
    let run = |home: &Path, args: &[&str]| {
        run_output(
            debrief_cmd(&data)
                .env("HOME", home)
                .env_remove("XDG_CONFIG_HOME")
                .args(args)
                .output()
                .unwrap(),
        )
    };

    if !has_hardware().0 {
        for (source, name) in [("camera", "camera 0"), ("camera:3", "camera 3")] {
            let r = run(&home, &["record", "--source", source, "--seconds", "1"])
                .fails_with("no camera was found");
            assert_eq!(r.code, 8, "{}", r.stderr);
            assert!(
                r.stderr.contains(name) && r.stderr.contains("--source synthetic"),
                "names the camera and what to do: {}",
                r.stderr
            );
            assert!(!r.stderr.contains("ALSA lib"), "{}", r.stderr);
        }
    }

    // A default sound card that does not exist.
    let no_card = tmp.path().join("no-card-home");
    std::fs::create_dir(&no_card).unwrap();
    std::fs::write(
        no_card.join(".asoundrc"),
        "pcm.!default { type hw card NoSuchCard }\nctl.!default { type hw card NoSuchCard }\n",
    )
    .unwrap();
    let args = [
        "record",
        "--source",
        "synthetic",
        "--mic",
        "default",
        "--seconds",
        "1",
    ];
    let r = run(&no_card, &args).fails_with("no microphone found");
    assert_eq!(r.code, 8, "{}", r.stderr);
    assert!(
        r.stderr.contains("--mic none") && !r.stderr.contains("ALSA lib"),
        "says what to do, without ALSA's own lines: {}",
        r.stderr
    );

    let r = run(&home, &["record", "--source", "bogus", "--seconds", "1"])
        .fails_with("unknown video source 'bogus'");
    assert_eq!(r.code, 4, "bad input: {}", r.stderr);

    assert!(list(&data).is_empty(), "a failed recording left a clip");
    let recordings: Vec<_> = std::fs::read_dir(data.join("recordings"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(recordings.is_empty(), "left behind: {recordings:?}");
    let files = files_under(&data);
    assert!(files.is_empty(), "files left behind: {files:?}");
}

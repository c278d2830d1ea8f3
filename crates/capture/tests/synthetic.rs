//! The synthetic source through its public API: timing grid, burnt-in
//! digits, sync markers, pacing, back-pressure and stopping.

mod helpers;

use std::time::Duration;

use debrief_capture::{
    AudioConfig, AudioSource, CaptureClock, SyncMarkers, SyntheticAudio, SyntheticSound,
    SyntheticVideo, VideoConfig, VideoSource, read_overlay,
};
use helpers::{beep_onsets, collect_audio, collect_frames};

fn config(width: u32, height: u32, fps: u32) -> VideoConfig {
    VideoConfig {
        width,
        height,
        fps,
        channel_capacity: 4,
    }
}

#[test]
fn virtual_mode_delivers_every_frame_on_the_exact_grid() {
    let clock = CaptureClock::virtual_time();
    let capture = SyntheticVideo::default()
        .start(&config(320, 240, 30), &clock)
        .unwrap();
    let frames = collect_frames(&capture, Duration::from_secs(5));
    assert_eq!(frames.len(), 150, "5 s at 30 fps");
    for (i, frame) in frames.iter().enumerate() {
        assert_eq!(frame.index, i as u64);
        assert_eq!(frame.pts.as_nanos(), i as u128 * 1_000_000_000 / 30);
        assert_eq!((frame.width(), frame.height()), (320, 240));
    }
    assert!(clock.now() >= frames[149].pts, "the virtual clock advanced");
    let stats = capture.stop().unwrap();
    assert_eq!(stats.frames_dropped, 0, "virtual mode waits, never drops");
    assert!(stats.frames_delivered >= 150);
}

#[test]
fn burnt_in_digits_give_each_frame_its_number_and_time() {
    let clock = CaptureClock::virtual_time();
    let capture = SyntheticVideo::default()
        .start(&config(1280, 720, 25), &clock)
        .unwrap();
    let frames = collect_frames(&capture, Duration::from_secs(2));
    let mut previous = None;
    for frame in &frames {
        let reading = read_overlay(frame).expect("digits readable");
        assert_eq!(reading.frame, frame.index);
        assert_eq!(reading.pts_ms, frame.pts.as_millis() as u64);
        assert_ne!(Some(reading), previous, "consecutive frames differ");
        previous = Some(reading);
    }
    assert_ne!(frames[0].as_bytes(), frames[1].as_bytes());
}

/// Pts of the first frame of each run of white frames.
fn flash_onsets(frames: &[debrief_capture::VideoFrame]) -> Vec<Duration> {
    let mut onsets = Vec::new();
    let mut in_flash = false;
    for frame in frames {
        let white = frame.mean_luma() > 200.0;
        if white && !in_flash {
            onsets.push(frame.pts);
        }
        in_flash = white;
    }
    onsets
}

fn check_markers_coincide(fps: u32, markers: SyncMarkers, seconds: u64) {
    let clock = CaptureClock::virtual_time();
    let video = SyntheticVideo::new(Some(markers))
        .start(&config(640, 360, fps), &clock)
        .unwrap();
    let audio = SyntheticAudio::new(SyntheticSound::Silence, Some(markers))
        .start(&AudioConfig::default(), &clock)
        .unwrap();
    let end = Duration::from_secs(seconds);
    let frames = collect_frames(&video, end);
    let (first_pts, samples) = collect_audio(&audio, end);
    assert_eq!(first_pts, Duration::ZERO);

    let expected: Vec<Duration> = markers.instants_until(end).collect();
    assert!(!expected.is_empty());
    let flashes = flash_onsets(&frames);
    let beeps = beep_onsets(&samples);
    assert_eq!(flashes.len(), expected.len(), "flashes {flashes:?}");
    assert_eq!(beeps.len(), expected.len(), "beeps {beeps:?}");
    let frame = Duration::from_secs(1) / fps;
    for ((marker, flash), beep) in expected.iter().zip(&flashes).zip(&beeps) {
        assert!(
            *flash >= *marker && *flash - *marker < frame,
            "flash at {flash:?} for marker {marker:?}"
        );
        let marker_sample = (marker.as_nanos() * 48_000).div_ceil(1_000_000_000) as usize;
        assert!(
            beep.abs_diff(marker_sample) <= 1,
            "beep at sample {beep} for marker {marker:?}"
        );
    }
}

#[test]
fn flashes_and_beeps_start_together_at_every_marker() {
    check_markers_coincide(30, SyncMarkers::default(), 7);
}

#[test]
fn markers_off_the_frame_grid_flash_within_one_frame() {
    let markers = SyncMarkers {
        period: Duration::from_millis(1_010),
        length: Duration::from_millis(80),
    };
    check_markers_coincide(24, markers, 5);
}

#[test]
fn virtual_audio_is_continuous_and_never_lost() {
    let clock = CaptureClock::virtual_time();
    let tone = SyntheticSound::Tone {
        frequency_hz: 440.0,
        level_dbfs: -18.0,
    };
    let capture = SyntheticAudio::new(tone, None)
        .start(&AudioConfig::default(), &clock)
        .unwrap();
    let mut expected_pts = Duration::ZERO;
    for i in 0..500u64 {
        let chunk = capture.chunks().recv().unwrap();
        assert_eq!(chunk.index, i);
        assert_eq!(chunk.pts, expected_pts);
        assert_eq!(chunk.samples.len(), 960);
        assert!(!chunk.discontinuity);
        // A -18 dBFS sine: RMS 3 dB below its peak.
        assert!(
            (chunk.level.rms_dbfs - (-21.03)).abs() < 0.1,
            "{:?}",
            chunk.level
        );
        expected_pts = chunk.end_pts();
    }
    assert_eq!(expected_pts, Duration::from_secs(10));
    let stats = capture.stop().unwrap();
    assert_eq!(stats.samples_lost, 0);
    assert!(stats.chunks_delivered >= 500);
}

#[test]
fn real_time_mode_never_runs_ahead_of_the_clock() {
    let clock = CaptureClock::real();
    let video = SyntheticVideo::default()
        .start(&config(320, 240, 30), &clock)
        .unwrap();
    let audio = SyntheticAudio::default()
        .start(&AudioConfig::default(), &clock)
        .unwrap();
    let mut previous: Option<Duration> = None;
    for _ in 0..15 {
        let frame = video.frames().recv().unwrap();
        let now = clock.now();
        assert!(now >= frame.pts, "a frame arrives after its capture time");
        assert!(
            now - frame.pts < Duration::from_secs(2),
            "and not long after"
        );
        if let Some(p) = previous {
            assert!(
                frame.pts >= p + Duration::from_millis(33),
                "one frame interval apart at least"
            );
        }
        previous = Some(frame.pts);
    }
    let mut previous_end: Option<Duration> = None;
    for _ in 0..10 {
        let chunk = audio.chunks().recv().unwrap();
        assert!(
            clock.now() >= chunk.end_pts(),
            "a chunk arrives once fully heard"
        );
        if let Some(end) = previous_end {
            assert_eq!(chunk.pts, end, "audio is continuous");
        }
        previous_end = Some(chunk.end_pts());
    }
    video.stop().unwrap();
    audio.stop().unwrap();
}

#[test]
fn real_time_video_drops_the_newest_frames_when_nobody_reads() {
    let clock = CaptureClock::real();
    let capture = SyntheticVideo::default()
        .start(
            &VideoConfig {
                channel_capacity: 2,
                ..config(320, 240, 30)
            },
            &clock,
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let first = capture.frames().recv().unwrap();
    let second = capture.frames().recv().unwrap();
    let third = capture.frames().recv().unwrap();
    assert_eq!(
        (first.index, second.index),
        (0, 1),
        "the oldest frames were kept"
    );
    assert!(
        third.index > 2,
        "frames after them were dropped (got {})",
        third.index
    );
    let stats = capture.stop().unwrap();
    assert!(stats.frames_dropped >= third.index - 2, "{stats:?}");
}

#[test]
fn request_stop_closes_the_channels_and_stop_joins() {
    let clock = CaptureClock::virtual_time();
    let video = SyntheticVideo::default()
        .start(&config(320, 240, 30), &clock)
        .unwrap();
    let audio = SyntheticAudio::default()
        .start(&AudioConfig::default(), &clock)
        .unwrap();
    video.frames().recv().unwrap();
    audio.chunks().recv().unwrap();
    video.request_stop();
    audio.request_stop();
    // Whatever is queued drains, then the channel disconnects.
    let queued = video.frames().iter().count();
    assert!(
        queued <= 5,
        "at most the channel's capacity plus one in flight"
    );
    audio.chunks().iter().for_each(drop);
    assert!(video.is_finished() || video.frames().recv().is_err());
    video.stop().unwrap();
    audio.stop().unwrap();

    // Dropping a capture without stopping it also ends its thread.
    let unread = SyntheticVideo::default()
        .start(&config(320, 240, 30), &CaptureClock::real())
        .unwrap();
    drop(unread);
}

#[test]
fn a_wav_file_plays_through_at_its_own_level() {
    let dir = tempfile::tempdir().unwrap();
    let wav = helpers::speech_wav(dir.path(), "Synthetic microphone test, one two three.");
    let (file_rms, file_seconds) = helpers::wav_rms_and_duration(&wav);
    let capture = SyntheticAudio::new(SyntheticSound::Wav(wav), None)
        .start(&AudioConfig::default(), &CaptureClock::virtual_time())
        .unwrap();
    let (_, samples) = collect_audio(&capture, Duration::from_secs_f64(file_seconds + 0.5));
    let speech = &samples[..(file_seconds * 48_000.0) as usize];
    let rms = helpers::rms_dbfs(speech);
    assert!(
        (rms - file_rms).abs() < 0.5,
        "played {rms} dBFS, file {file_rms} dBFS"
    );
    let after = &samples[(file_seconds * 48_000.0) as usize + 200..];
    assert!(
        after.iter().all(|&s| s == 0.0),
        "silence after the file ends"
    );
}

#[test]
fn digits_and_flashes_survive_h264_encoding() {
    let markers = SyncMarkers {
        period: Duration::from_millis(500),
        length: Duration::from_millis(100),
    };
    let capture = SyntheticVideo::new(Some(markers))
        .start(&config(640, 360, 30), &CaptureClock::virtual_time())
        .unwrap();
    let frames = collect_frames(&capture, Duration::from_millis(1_200));
    let dir = tempfile::tempdir().unwrap();
    let raw_in = dir.path().join("in.yuv");
    let raw_out = dir.path().join("out.yuv");
    let mp4 = dir.path().join("out.mp4");
    let bytes: Vec<u8> = frames.iter().flat_map(|f| f.as_bytes().to_vec()).collect();
    std::fs::write(&raw_in, bytes).unwrap();
    helpers::ffmpeg(&[
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-s",
        "640x360",
        "-r",
        "30",
        "-i",
        raw_in.to_str().unwrap(),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "30",
        "-pix_fmt",
        "yuv420p",
        mp4.to_str().unwrap(),
    ]);
    helpers::ffmpeg(&[
        "-i",
        mp4.to_str().unwrap(),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        raw_out.to_str().unwrap(),
    ]);
    let decoded = std::fs::read(&raw_out).unwrap();
    let frame_len = 640 * 360 * 3 / 2;
    assert_eq!(
        decoded.len(),
        frames.len() * frame_len,
        "every frame decoded"
    );
    for (original, data) in frames.iter().zip(decoded.chunks_exact(frame_len)) {
        let frame =
            debrief_capture::VideoFrame::from_i420(640, 360, data.to_vec(), Duration::ZERO, 0)
                .unwrap();
        let reading = read_overlay(&frame).expect("digits readable after H.264");
        assert_eq!(reading.frame, original.index);
        assert_eq!(reading.pts_ms, original.pts.as_millis() as u64);
        let flash = markers.marker_at(original.pts).is_some();
        assert_eq!(frame.mean_luma() > 200.0, flash, "frame {}", original.index);
    }
}

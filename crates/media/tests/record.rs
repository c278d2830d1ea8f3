//! Recording end to end: synthetic captures in, a finished MP4 out, judged
//! by ffprobe and ffmpeg.

mod helpers;

use std::time::Duration;

use debrief_capture::SyntheticSound;
use debrief_media::record::{RecordError, Recorder, RecorderState, StopReason, scan_interrupted};
use helpers::record::*;

#[test]
fn a_recording_is_h264_and_opus_of_the_recorded_length_and_plays_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let feeds = synthetic(320, 240, None, Some(SyntheticSound::default()));
    let finished = record_for(data.path(), 5, feeds);
    judge(&finished, 320, 240, Duration::from_secs(5), true);
    assert_eq!(finished.stop_reason, StopReason::MaxLength);
    assert_eq!(finished.video_frames, 150);
    assert_eq!(finished.frames_dropped, 0);
    assert!(!finished.recovered);
    assert_eq!(finished.manifest.meta.title, "Pricing objection");
    assert_eq!(
        finished.path,
        data.path()
            .join("recordings")
            .join(finished.clip_id.to_string())
            .join("recording.mp4")
    );
    assert_eq!(
        std::fs::metadata(&finished.path).unwrap().len(),
        finished.bytes
    );
    // The tone is there, at the level it was captured (-18 dBFS).
    let samples = audio_samples(&finished.path);
    let rms =
        (samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt();
    let dbfs = 20.0 * rms.log10();
    assert!(
        (dbfs + 21.0).abs() < 1.5,
        "tone RMS {dbfs:.1} dBFS (a -18 dBFS peak sine is -21 dBFS RMS)"
    );
    // Held locked until stored: not reported as interrupted.
    assert!(scan_interrupted(data.path()).unwrap().is_empty());
    let folder = finished.folder().to_path_buf();
    finished.remove().unwrap();
    assert!(!folder.exists());
}

#[test]
fn video_only_recording_has_no_audio_track() {
    let data = tempfile::tempdir().unwrap();
    let finished = record_for(data.path(), 3, synthetic(320, 240, None, None));
    judge(&finished, 320, 240, Duration::from_secs(3), false);
    assert_eq!(finished.audio_codec, None);
}

#[test]
fn a_720p_recording_is_judged_like_any_other() {
    let data = tempfile::tempdir().unwrap();
    let feeds = synthetic(1280, 720, None, Some(SyntheticSound::default()));
    let finished = record_for(data.path(), 2, feeds);
    judge(&finished, 1280, 720, Duration::from_secs(2), true);
}

#[test]
fn pause_and_resume_leave_no_gap_and_stop_keeps_what_was_captured() {
    let data = tempfile::tempdir().unwrap();
    let (video, audio) = synthetic(320, 240, None, Some(SyntheticSound::default()));
    let recorder = Recorder::start(
        plan(data.path(), test_config(Duration::from_secs(60))),
        video,
        audio,
    )
    .unwrap();
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !done() {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    };
    wait_for("1 s recorded", &|| {
        recorder.status().elapsed >= Duration::from_secs(1)
    });
    recorder.pause();
    wait_for("the pause", &|| {
        recorder.status().state == RecorderState::Paused
    });
    let at_pause = recorder.status().elapsed;
    // The virtual clock races on while paused; nothing is recorded meanwhile.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(recorder.status().elapsed, at_pause);
    assert!(
        recorder.preview().is_some(),
        "the preview runs while paused"
    );
    recorder.resume();
    wait_for("2 s recorded", &|| {
        recorder.status().elapsed >= at_pause + Duration::from_secs(1)
    });
    let finished = recorder.stop().unwrap();
    assert_eq!(finished.stop_reason, StopReason::Requested);
    assert_eq!(finished.message, None);
    let recorded = Duration::from_millis(finished.duration_ms);
    assert!(
        recorded >= at_pause + Duration::from_secs(1),
        "{recorded:?}"
    );
    judge(&finished, 320, 240, recorded, true);
    // The frames are a continuous 30 fps run: no gap where the pause was.
    let frames = frame_lumas(&finished.path);
    assert_eq!(frames.len() as u64, finished.video_frames);
    for pair in frames.windows(2) {
        let step = pair[1].0 - pair[0].0;
        assert!((step - 1.0 / 30.0).abs() < 0.002, "frame step {step} s");
    }
}

#[test]
fn status_reports_progress_and_preview_is_the_latest_frame() {
    let data = tempfile::tempdir().unwrap();
    let (video, audio) = synthetic(320, 240, None, Some(SyntheticSound::default()));
    let recorder = Recorder::start(
        plan(data.path(), test_config(Duration::from_secs(4))),
        video,
        audio,
    )
    .unwrap();
    let first = recorder.status();
    assert_eq!(first.max_length, Duration::from_secs(4));
    assert!(recorder.wait_until_finished(Duration::from_secs(120)));
    let status = recorder.status();
    assert_eq!(status.state, RecorderState::Finished);
    assert_eq!(status.stop_reason, Some(StopReason::MaxLength));
    let elapsed = status.elapsed.as_secs_f64();
    assert!((elapsed - 4.0).abs() < 0.001, "elapsed {elapsed} s");
    assert_eq!(status.frames_recorded, 120);
    assert!(status.bytes_written > 10_000);
    let level = status.audio_level.expect("an audio level");
    assert!((level.peak_dbfs + 18.0).abs() < 0.5, "{level:?}");
    let preview = recorder.preview().expect("a preview frame");
    assert_eq!((preview.width(), preview.height()), (320, 240));
    let finished = recorder.stop().unwrap();
    assert_eq!(
        finished.bytes, status.bytes_written,
        "nothing written after the end"
    );
    assert_eq!(
        finished.message.as_deref(),
        Some("the recording reached its maximum length (0:04) and was saved")
    );
}

#[test]
fn discard_removes_everything() {
    let data = tempfile::tempdir().unwrap();
    let (video, audio) = synthetic(320, 240, None, Some(SyntheticSound::default()));
    let recorder = Recorder::start(
        plan(data.path(), test_config(Duration::from_secs(60))),
        video,
        audio,
    )
    .unwrap();
    let folder = data
        .path()
        .join("recordings")
        .join(recorder.clip_id().to_string());
    assert!(folder.join("recording.mp4").exists() && folder.join("manifest.json").exists());
    while recorder.status().bytes_written == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    recorder.discard().unwrap();
    assert!(!folder.exists());
    assert_eq!(
        std::fs::read_dir(data.path().join("recordings"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn starting_with_too_little_free_space_is_refused_before_anything_is_written() {
    let data = tempfile::tempdir().unwrap();
    let (video, audio) = synthetic(320, 240, None, None);
    let mut config = test_config(Duration::from_secs(5));
    config.min_free_to_start = u64::MAX;
    let err = Recorder::start(plan(data.path(), config), video, audio).unwrap_err();
    assert!(matches!(err, RecordError::LowDiskSpace { .. }), "{err}");
    assert!(err.is_disk_space());
    assert!(
        err.to_string().contains("free up space") || err.to_string().contains("delete or offload"),
        "{err}"
    );
    assert!(!data.path().join("recordings").exists());
}

#[test]
fn stopping_before_the_first_frame_keeps_nothing() {
    let data = tempfile::tempdir().unwrap();
    let (video, audio) = synthetic(320, 240, None, Some(SyntheticSound::default()));
    let mut config = test_config(Duration::from_secs(5));
    config.start_paused = true;
    let recorder = Recorder::start(plan(data.path(), config), video, audio).unwrap();
    // Paused from the start: frames flow to the preview, none is kept.
    while recorder.preview().is_none() {
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(recorder.status().state, RecorderState::Paused);
    let err = recorder.stop().unwrap_err();
    assert!(matches!(err, RecordError::NothingRecorded), "{err}");
    assert_eq!(
        std::fs::read_dir(data.path().join("recordings"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn memory_held_by_the_pipeline_does_not_grow_with_length() {
    let peak = |seconds: u64| {
        let data = tempfile::tempdir().unwrap();
        let (video, audio) = synthetic(320, 240, None, Some(SyntheticSound::default()));
        let recorder = Recorder::start(
            plan(data.path(), test_config(Duration::from_secs(seconds))),
            video,
            audio,
        )
        .unwrap();
        let mut peak = 0;
        while !recorder.wait_until_finished(Duration::from_millis(1)) {
            peak = peak.max(recorder.status().pipeline_bytes);
        }
        recorder.stop().unwrap();
        peak
    };
    // What the pipeline holds is bounded by its design, not by the length:
    // a fragment being built (~1 s at 600 kbit/s), audio waiting for video
    // (at most 2 s), pictures held at a cut (at most 1 s). Keeping the
    // encoded media of three minutes (~4.5 MB here) would break the bound.
    const BOUND: u64 = 1_500_000;
    let short = peak(10);
    let long = peak(180);
    eprintln!("pipeline memory peaks: 10 s {short} bytes, 180 s {long} bytes");
    assert!(short > 0);
    assert!(short <= BOUND, "10 s peaked at {short} bytes");
    assert!(long <= BOUND, "180 s peaked at {long} bytes");
}

//! A/V sync, measured: the synthetic source flashes the picture and beeps at
//! the same instants (every 2 s); the recording is decoded by ffmpeg and
//! every flash must line up with its beep within one frame (33 ms), from
//! the first marker to the last of a 2-minute recording, and across pauses.

mod helpers;

use std::time::Duration;

use debrief_capture::{SyncMarkers, SyntheticSound};
use debrief_media::record::{Recorder, RecorderState};
use helpers::record::*;

const ONE_FRAME: f64 = 0.033;

fn markers() -> Option<SyncMarkers> {
    Some(SyncMarkers::default())
}

#[test]
fn flashes_and_beeps_line_up_from_start_to_end_of_two_minutes() {
    let data = tempfile::tempdir().unwrap();
    let feeds = synthetic(320, 240, markers(), Some(SyntheticSound::Silence));
    let finished = record_for(data.path(), 120, feeds);
    judge(&finished, 320, 240, Duration::from_secs(120), true);
    let flashes = flash_onsets(&frame_lumas(&finished.path));
    let beeps = beep_onsets(&audio_samples(&finished.path));
    // A marker every 2 s, none at 0: 2, 4, ..., 118.
    assert_eq!(flashes.len(), 59, "{flashes:?}");
    assert!((flashes[0] - 2.0).abs() < 0.001 && (flashes[58] - 118.0).abs() < 0.001);
    let offsets = sync_offsets(&flashes, &beeps);
    for (i, offset) in offsets.iter().enumerate() {
        assert!(
            offset.abs() <= ONE_FRAME,
            "marker {} at {:.3} s: the beep is {:.1} ms off the flash",
            i + 1,
            flashes[i],
            offset * 1000.0
        );
    }
    eprintln!(
        "A/V offset over 2 minutes: first {:+.1} ms, last {:+.1} ms, worst {:.1} ms",
        offsets[0] * 1000.0,
        offsets[58] * 1000.0,
        offsets.iter().fold(0.0f64, |m, o| m.max(o.abs())) * 1000.0
    );
}

#[test]
fn flashes_and_beeps_stay_aligned_across_five_pauses() {
    let data = tempfile::tempdir().unwrap();
    let (video, audio) = synthetic(320, 240, markers(), Some(SyntheticSound::Silence));
    let recorder = Recorder::start(
        plan(data.path(), test_config(Duration::from_secs(40))),
        video,
        audio,
    )
    .unwrap();
    let wait_until = |done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "timed out");
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    // Pause at irregular recorded times, for irregular (virtual) lengths,
    // so pauses start and end at every phase of the 2 s marker cycle.
    for cycle in 0..5u64 {
        let at = Duration::from_millis(3_000 + cycle * 5_300);
        wait_until(&|| recorder.status().elapsed >= at);
        recorder.pause();
        wait_until(&|| recorder.status().state == RecorderState::Paused);
        std::thread::sleep(Duration::from_millis(20 + cycle * 37));
        recorder.resume();
        wait_until(&|| recorder.status().state == RecorderState::Recording);
    }
    assert!(recorder.wait_until_finished(Duration::from_secs(120)));
    let finished = recorder.stop().unwrap();
    judge(&finished, 320, 240, Duration::from_secs(40), true);
    let flashes = flash_onsets(&frame_lumas(&finished.path));
    let beeps = beep_onsets(&audio_samples(&finished.path));
    assert!(flashes.len() >= 15, "too few markers survived: {flashes:?}");
    let offsets = sync_offsets(&flashes, &beeps);
    for (flash, offset) in flashes.iter().zip(&offsets) {
        assert!(
            offset.abs() <= ONE_FRAME,
            "after pauses, the beep at {flash:.3} s is {:.1} ms off the flash",
            offset * 1000.0
        );
    }
    // The last markers, after all five pauses, are aligned too.
    assert!(flashes.last().unwrap() > &36.0, "{flashes:?}");
}

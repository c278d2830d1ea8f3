//! Tests of the timeline: every kept frame's recording time must point at
//! the audio captured at the same instant, whatever the pauses and however
//! audio and video interleave on the way in.

use std::time::Duration;

use debrief_capture::clock::grid_pts;
use proptest::prelude::*;

use super::*;

const FRAME: Duration = Duration::from_nanos(33_333_333);

/// A chunk of "audio" whose samples are their own capture index, so the
/// output shows exactly which captured sample landed where.
fn chunk(k: u64, start_index: u64) -> (Duration, Vec<f32>) {
    let first = start_index + k * 960;
    let pts = grid_pts(first, 48_000);
    (pts, (first..first + 960).map(|i| i as f32).collect())
}

enum Item {
    Video(Duration, bool),
    Audio(Duration, Vec<f32>),
}

/// Runs frames (with a wish to pause per frame) and audio through a
/// timeline in the given order; returns kept frames and the audio output.
fn run(items: Vec<Item>, max: Duration) -> (Vec<(Duration, Duration)>, Vec<f32>) {
    let mut timeline = Timeline::new(FRAME, max, true);
    let mut kept = Vec::new();
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Video(pts, pause) => {
                if let FrameFate::Keep { out: o } = timeline.video(pts, pause) {
                    kept.push((pts, o));
                }
            }
            Item::Audio(pts, samples) => timeline.audio(pts, &samples, &mut out),
        }
    }
    timeline.end();
    timeline.release_all(&mut out);
    assert_eq!(out.len() as u64, timeline.audio_emitted());
    (kept, out)
}

/// Every kept frame's recording time holds the sample captured with it
/// (where the microphone captured anything: `captured` says where).
fn assert_aligned(kept: &[(Duration, Duration)], audio: &[f32], captured: impl Fn(u64) -> bool) {
    let mut checked = 0;
    for &(capture, out) in kept {
        let index = samples_at(out) as usize;
        if index >= audio.len() || !captured(samples_at(capture)) {
            continue;
        }
        checked += 1;
        let expected = samples_at(capture) as f32;
        let got = audio[index];
        assert!(
            (got - expected).abs() <= 1.0,
            "frame captured at {capture:?}, recorded at {out:?}: audio sample {got}, expected {expected}"
        );
    }
    assert!(
        checked * 2 >= kept.len(),
        "too few frames had audio to compare"
    );
}

fn everywhere(_: u64) -> bool {
    true
}

/// Frames and chunks merged in capture order, with pauses wished at the
/// given frame ranges.
fn merged(frames: u64, pause: impl Fn(u64) -> bool) -> Vec<Item> {
    let chunks = frames * 1600 / 960 + 2;
    let mut items: Vec<(Duration, Item)> = Vec::new();
    for n in 0..frames {
        let pts = grid_pts(n, 30);
        items.push((pts, Item::Video(pts, pause(n))));
    }
    for k in 0..chunks {
        let (pts, samples) = chunk(k, 0);
        items.push((pts, Item::Audio(pts, samples)));
    }
    items.sort_by_key(|(pts, _)| *pts);
    items.into_iter().map(|(_, item)| item).collect()
}

#[test]
fn without_pauses_audio_matches_video_sample_for_sample() {
    let (kept, audio) = run(merged(300, |_| false), Duration::from_secs(60));
    assert_eq!(kept.len(), 300);
    assert_eq!(audio.len(), 480_000, "exactly 10 s of audio");
    assert_eq!(audio[0], 0.0);
    assert_eq!(audio[479_999], 479_999.0);
    assert_aligned(&kept, &audio, everywhere);
}

#[test]
fn a_pause_removes_the_same_capture_time_from_both_tracks() {
    // Paused for frames 100..190 (3 s): 7 s recorded.
    let (kept, audio) = run(
        merged(300, |n| (100..190).contains(&n)),
        Duration::from_secs(60),
    );
    assert_eq!(kept.len(), 210);
    assert_eq!(kept[100].1, grid_pts(100, 30), "no gap in recording time");
    assert_eq!(audio.len() as u64, samples_at(Duration::from_secs(7)));
    assert_aligned(&kept, &audio, everywhere);
    // Right after the join, the audio is the audio of frame 190's instant.
    let join = samples_at(kept[100].1) as usize;
    assert_eq!(audio[join], samples_at(grid_pts(190, 30)) as f32);
    assert_eq!(audio[join - 1], samples_at(grid_pts(100, 30)) as f32 - 1.0);
}

#[test]
fn audio_that_starts_late_is_padded_with_silence() {
    let mut items = Vec::new();
    for n in 0..60 {
        items.push(Item::Video(grid_pts(n, 30), false));
    }
    // The microphone's first sample is captured at 0.5 s.
    for k in 0..50 {
        let (pts, samples) = chunk(k, 24_000);
        items.push(Item::Audio(pts, samples));
    }
    let (kept, audio) = run(items, Duration::from_secs(60));
    assert_eq!(audio.len(), 96_000);
    assert!(audio[..24_000].iter().all(|&s| s == 0.0));
    assert_eq!(audio[24_000], 24_000.0);
    assert_aligned(&kept, &audio, |i| (24_000..72_000).contains(&i));
}

#[test]
fn holes_in_audio_timestamps_become_silence() {
    let mut items = Vec::new();
    for n in 0..60 {
        items.push(Item::Video(grid_pts(n, 30), false));
    }
    for k in (0..100).filter(|&k| !(40..45).contains(&k)) {
        let (pts, samples) = chunk(k, 0);
        items.push(Item::Audio(pts, samples));
    }
    let (kept, audio) = run(items, Duration::from_secs(60));
    assert_eq!(audio.len(), 96_000);
    assert!(audio[40 * 960..45 * 960].iter().all(|&s| s == 0.0));
    assert_eq!(audio[45 * 960], (45 * 960) as f32);
    assert_aligned(&kept, &audio, |i| !(40 * 960..45 * 960).contains(&i));
}

#[test]
fn the_maximum_length_ends_on_a_frame_boundary() {
    let mut timeline = Timeline::new(FRAME, Duration::from_secs(1), false);
    for n in 0..30 {
        assert!(matches!(
            timeline.video(grid_pts(n, 30), false),
            FrameFate::Keep { .. }
        ));
    }
    assert_eq!(timeline.video(grid_pts(30, 30), false), FrameFate::Full);
    assert_eq!(timeline.video(grid_pts(31, 30), false), FrameFate::Full);
    assert_eq!(timeline.end(), Some(Duration::from_nanos(999_999_999)));
}

#[test]
fn frames_out_of_order_are_dropped_and_pausing_first_records_nothing() {
    let mut timeline = Timeline::new(FRAME, Duration::from_secs(10), false);
    assert_eq!(timeline.video(grid_pts(0, 30), true), FrameFate::Paused);
    assert!(!timeline.has_started());
    assert_eq!(
        timeline.video(grid_pts(1, 30), false),
        FrameFate::Keep {
            out: Duration::ZERO
        }
    );
    assert_eq!(timeline.video(grid_pts(1, 30), false), FrameFate::Late);
    assert_eq!(timeline.video(grid_pts(0, 30), false), FrameFate::Late);
}

#[test]
fn a_stalled_camera_does_not_let_audio_pile_up() {
    let mut timeline = Timeline::new(FRAME, Duration::from_secs(600), true);
    let mut out = Vec::new();
    timeline.video(Duration::ZERO, false);
    for k in 0..500 {
        let (pts, samples) = chunk(k, 0);
        timeline.audio(pts, &samples, &mut out);
        assert!(timeline.audio.pending.len() <= MAX_PENDING);
    }
    assert!(timeline.buffered_bytes() < 4 * MAX_PENDING * 2);
    // What was decided without video was kept (the camera was not paused).
    assert!(out.len() >= 500 * 960 - MAX_PENDING);
}

#[test]
fn many_pauses_keep_the_gate_queue_small() {
    let (kept, audio) = run(merged(3000, |n| (n / 7) % 2 == 1), Duration::from_secs(600));
    assert_aligned(&kept, &audio, everywhere);
    let mut timeline = Timeline::new(FRAME, Duration::from_secs(600), true);
    let mut out = Vec::new();
    for item in merged(3000, |n| (n / 7) % 2 == 1) {
        match item {
            Item::Video(pts, pause) => {
                timeline.video(pts, pause);
            }
            Item::Audio(pts, samples) => timeline.audio(pts, &samples, &mut out),
        }
        assert!(
            timeline.gates.len() < 8,
            "gates are consumed as audio passes them"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random pause patterns and random (bounded) skew between the streams:
    /// audio stays aligned with the picture at every kept frame.
    #[test]
    fn alignment_survives_any_pauses_and_interleaving(
        toggles in proptest::collection::vec(1u64..40, 1..12),
        skew in proptest::collection::vec(0u64..25, 64),
    ) {
        let mut paused_ranges = Vec::new();
        let mut at = 5u64;
        for pair in toggles.chunks(2) {
            let start = at + pair[0];
            let end = start + pair.get(1).copied().unwrap_or(10);
            paused_ranges.push(start..end);
            at = end;
        }
        let frames = at + 60;
        let pause = |n: u64| paused_ranges.iter().any(|r| r.contains(&n));
        // Audio arrives late by a varying lag (< 0.8 s), in its own order,
        // as from a microphone thread that is sometimes slow.
        let mut last_audio = Duration::ZERO;
        let mut items: Vec<(Duration, Item)> = merged(frames, pause)
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Item::Video(pts, p) => (pts, Item::Video(pts, p)),
                Item::Audio(pts, samples) => {
                    let lag = Duration::from_millis(skew[i % skew.len()] * 32);
                    last_audio = last_audio.max(pts + lag);
                    (last_audio, Item::Audio(pts, samples))
                }
            })
            .collect();
        items.sort_by_key(|(t, _)| *t);
        let (kept, audio) = run(items.into_iter().map(|(_, i)| i).collect(), Duration::from_secs(600));
        let recorded = kept.last().map_or(Duration::ZERO, |k| k.1 + FRAME);
        prop_assert_eq!(audio.len() as u64, samples_at(recorded));
        assert_aligned(&kept, &audio, everywhere);
    }
}

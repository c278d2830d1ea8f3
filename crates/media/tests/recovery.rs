//! Recovery of interrupted recordings: cut files, damaged fragments,
//! recovering twice or being interrupted while recovering, live recordings
//! left alone, and a recorder process killed with SIGKILL.

mod helpers;

use std::path::Path;
use std::time::Duration;

use debrief_capture::{CaptureClock, SyntheticSound};
use debrief_media::record::{
    RecordError, Recorder, StopReason, recover, remove_recording, scan_interrupted,
};
use debrief_protocol::ClipId;
use helpers::record::*;

/// A 12-second recording, as a crash would have left it (not finalised),
/// with its folder; returns the data dir's temp handle and the clip id.
fn crashed_recording() -> (tempfile::TempDir, ClipId) {
    let data = tempfile::tempdir().unwrap();
    let feeds = synthetic(320, 240, None, Some(SyntheticSound::default()));
    let finished = record_for(data.path(), 12, feeds);
    let clip_id = finished.clip_id;
    let path = finished.path.clone();
    drop(finished); // releases the lock; the folder stays
    unfinalise(&path);
    (data, clip_id)
}

fn media(data: &Path, clip_id: ClipId) -> std::path::PathBuf {
    data.join("recordings")
        .join(clip_id.to_string())
        .join("recording.mp4")
}

/// A copy of the crashed recording cut to `len` bytes, in its own data dir.
fn cut_copy(source_data: &Path, clip_id: ClipId, len: u64) -> tempfile::TempDir {
    let target = tempfile::tempdir().unwrap();
    copy_recording(
        &source_data.join("recordings").join(clip_id.to_string()),
        target.path(),
    );
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(media(target.path(), clip_id))
        .unwrap();
    file.set_len(len).unwrap();
    target
}

#[test]
fn cut_recordings_keep_exactly_their_complete_fragments() {
    let (data, clip_id) = crashed_recording();
    let (init_end, ends) = fragment_ends(&media(data.path(), clip_id));
    assert_eq!(ends.len(), 12, "one fragment a second");
    // Cuts: inside the initial moov, in every part of fragments (header,
    // media, check box), exactly on a boundary, and the whole file.
    let mut cuts = vec![
        init_end - 10,
        ends[0] - 3,
        ends[0],
        ends[3] + 40,
        ends[6] - 30_000,
        ends[11],
    ];
    let mut seed = 0x9E37_79B9_u64;
    for _ in 0..4 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        cuts.push(init_end + seed % (ends[11] - init_end));
    }
    for cut in cuts {
        let kept = ends.iter().filter(|&&end| end <= cut).count() as u64;
        let copy = cut_copy(data.path(), clip_id, cut);
        let result = recover(copy.path(), clip_id);
        if kept == 0 {
            let err = result.unwrap_err();
            assert!(
                matches!(err, RecordError::NothingRecorded),
                "cut at {cut}: {err}"
            );
            assert!(
                scan_interrupted(copy.path()).unwrap().is_empty(),
                "an empty recording is removed"
            );
            continue;
        }
        let recovered = result.unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert!(recovered.recovered);
        assert_eq!(recovered.stop_reason, StopReason::Recovered);
        judge(&recovered, 320, 240, Duration::from_secs(kept), true);
        let kept_end = ends[kept as usize - 1];
        assert_eq!(recovered.dropped_bytes, cut - kept_end, "cut at {cut}");
        assert_eq!(recovered.video_frames, kept * 30);
        // At most the fragment being written is lost: about a second.
        let lost = ends.iter().filter(|&&end| end > cut).count() as u64;
        assert!(lost + kept == 12);
    }
}

#[test]
fn recovering_twice_gives_the_same_file() {
    let (data, clip_id) = crashed_recording();
    let (_, ends) = fragment_ends(&media(data.path(), clip_id));
    let copy = cut_copy(data.path(), clip_id, ends[7] + 1000);
    let first = recover(copy.path(), clip_id).unwrap();
    let bytes = std::fs::read(&first.path).unwrap();
    assert_eq!(first.duration_ms, 8000);
    assert_eq!(first.dropped_bytes, 1000);
    let boxes = top_level_boxes(&first.path);
    let last = boxes.last().unwrap();
    assert_eq!(
        (last.0.as_str(), last.2),
        ("free", 1000),
        "the tail is set aside, not destroyed"
    );
    drop(first);
    let listed = scan_interrupted(copy.path()).unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        listed[0].finalised,
        "already finalised, just not stored as a clip"
    );
    let second = recover(copy.path(), clip_id).unwrap();
    assert_eq!(
        std::fs::read(&second.path).unwrap(),
        bytes,
        "recovery is idempotent"
    );
    // The torn tail stays set aside (in a `free` box), never played.
    assert_eq!(second.dropped_bytes, 1000);
    second.remove().unwrap();
    assert!(scan_interrupted(copy.path()).unwrap().is_empty());
}

#[test]
fn recovery_interrupted_part_way_is_redone_from_the_fragments() {
    use std::io::{Seek, SeekFrom, Write};
    let (data, clip_id) = crashed_recording();
    let (_, ends) = fragment_ends(&media(data.path(), clip_id));
    let cut = ends[4] + 777;
    // The reference: a recovery that ran to the end.
    let clean = cut_copy(data.path(), clip_id, cut);
    let reference = std::fs::read(&recover(clean.path(), clip_id).unwrap().path).unwrap();
    // Interrupted at each step: before setting the tail aside, and after
    // it; either way with the region half written (garbage where the index
    // goes, as a torn write leaves it).
    for tail_set_aside in [false, true] {
        let torn = cut_copy(data.path(), clip_id, cut);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(media(torn.path(), clip_id))
            .unwrap();
        if tail_set_aside {
            file.seek(SeekFrom::Start(ends[4])).unwrap();
            file.write_all(&[0, 0, 0, 1]).unwrap();
            file.write_all(b"free").unwrap();
            file.write_all(&777u64.to_be_bytes()).unwrap();
        }
        file.seek(SeekFrom::Start(68)).unwrap();
        file.write_all(&[0xA5; 3000]).unwrap();
        drop(file);
        let redone = recover(torn.path(), clip_id).unwrap();
        judge(&redone, 320, 240, Duration::from_secs(5), true);
        assert_eq!(
            std::fs::read(&redone.path).unwrap(),
            reference,
            "interrupted {} setting the tail aside",
            if tail_set_aside { "after" } else { "before" }
        );
    }
}

#[test]
fn a_damaged_fragment_ends_the_recovered_recording_before_it() {
    let (data, clip_id) = crashed_recording();
    let (_, ends) = fragment_ends(&media(data.path(), clip_id));
    let copy = cut_copy(data.path(), clip_id, ends[11]);
    {
        use std::io::{Seek, SeekFrom, Write};
        // Flip a byte in the middle of fragment 10's media (bit rot, or a
        // block that never reached the disk).
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(media(copy.path(), clip_id))
            .unwrap();
        file.seek(SeekFrom::Start((ends[8] + ends[9]) / 2)).unwrap();
        file.write_all(&[0x5A]).unwrap();
    }
    let recovered = recover(copy.path(), clip_id).unwrap();
    judge(&recovered, 320, 240, Duration::from_secs(9), true);
    assert!(
        recovered.warnings.iter().any(|w| w.contains("checksum")),
        "{:?}",
        recovered.warnings
    );
}

#[test]
fn live_recordings_are_left_alone_and_dropped_ones_are_found() {
    let data = tempfile::tempdir().unwrap();
    let (video, audio) = synthetic(320, 240, None, Some(SyntheticSound::default()));
    let recorder = Recorder::start(
        plan(data.path(), test_config(Duration::from_secs(300))),
        video,
        audio,
    )
    .unwrap();
    let clip_id = recorder.clip_id();
    while recorder.status().bytes_written == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        scan_interrupted(data.path()).unwrap().is_empty(),
        "a live recording is not interrupted"
    );
    let err = recover(data.path(), clip_id).unwrap_err();
    assert!(matches!(err, RecordError::InProgress { .. }), "{err}");
    assert!(matches!(
        remove_recording(data.path(), clip_id),
        Err(RecordError::InProgress { .. })
    ));
    // Dropping the recorder (a caller that forgot it, or panicked) stops
    // and finalises; the folder waits for the next scan.
    drop(recorder);
    let listed = scan_interrupted(data.path()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].clip_id, clip_id);
    assert!(listed[0].finalised);
    assert_eq!(
        listed[0].manifest.as_ref().unwrap().meta.title,
        "Pricing objection"
    );
    let recovered = recover(data.path(), clip_id).unwrap();
    assert_plays_cleanly(&recovered.path);
    recovered.remove().unwrap();
    assert!(matches!(
        recover(data.path(), clip_id),
        Err(RecordError::NotFound { .. })
    ));
}

#[test]
fn a_copy_of_a_file_being_recorded_plays_and_recovers() {
    let data = tempfile::tempdir().unwrap();
    // Real time, like a camera: the copy catches the writer mid-stream.
    let (video, audio) = synthetic_on(
        &CaptureClock::real(),
        320,
        240,
        None,
        Some(SyntheticSound::default()),
    );
    let recorder = Recorder::start(
        plan(data.path(), test_config(Duration::from_secs(60))),
        video,
        audio,
    )
    .unwrap();
    let clip_id = recorder.clip_id();
    while recorder.status().elapsed < Duration::from_millis(3500) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let snapshot = tempfile::tempdir().unwrap();
    copy_recording(
        &data.path().join("recordings").join(clip_id.to_string()),
        snapshot.path(),
    );
    recorder.stop().unwrap().remove().unwrap();

    // As it is, the copy is a fragmented MP4 that ffmpeg plays up to its
    // last complete fragment.
    let raw = media(snapshot.path(), clip_id);
    let frames = frame_lumas(&raw);
    assert!(
        frames.len() >= 90,
        "only {} frames played from the live copy",
        frames.len()
    );
    let recovered = recover(snapshot.path(), clip_id).unwrap();
    let seconds = recovered.duration_ms as f64 / 1000.0;
    assert!(seconds >= 2.9, "recovered {seconds} s of a 3.5 s recording");
    judge(
        &recovered,
        320,
        240,
        Duration::from_millis(recovered.duration_ms),
        true,
    );
}

/// The child half of the kill test: records in real time until killed,
/// printing the recorded time.
fn record_until_killed(data_dir: &Path) -> ! {
    let (video, audio) = synthetic_on(
        &CaptureClock::real(),
        320,
        240,
        None,
        Some(SyntheticSound::default()),
    );
    let recorder = Recorder::start(
        plan(data_dir, test_config(Duration::from_secs(600))),
        video,
        audio,
    )
    .unwrap();
    loop {
        println!("elapsed_ms {}", recorder.status().elapsed.as_millis());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_recorder_killed_with_sigkill_is_recovered_losing_at_most_two_seconds() {
    use std::io::BufRead;
    if let Ok(dir) = std::env::var("DEBRIEF_MEDIA_KILL_CHILD") {
        record_until_killed(Path::new(&dir));
    }
    for (run, kill_after_ms) in [1300u64, 2600, 4100].into_iter().enumerate() {
        let data = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "a_recorder_killed_with_sigkill_is_recovered_losing_at_most_two_seconds",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("DEBRIEF_MEDIA_KILL_CHILD", data.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut last_elapsed = 0u64;
        for line in stdout.lines() {
            let line = line.unwrap();
            if let Some(ms) = line.strip_prefix("elapsed_ms ") {
                last_elapsed = ms.parse().unwrap();
                if last_elapsed >= kill_after_ms {
                    break;
                }
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let listed = scan_interrupted(data.path()).unwrap();
        assert_eq!(listed.len(), 1, "run {run}: the killed recording is found");
        assert!(!listed[0].finalised);
        let recovered = recover(data.path(), listed[0].clip_id).unwrap();
        let lost = last_elapsed as f64 / 1000.0 - recovered.duration_ms as f64 / 1000.0;
        assert!(lost <= 2.0, "run {run}: lost {lost:.2} s");
        judge(
            &recovered,
            320,
            240,
            Duration::from_millis(recovered.duration_ms),
            true,
        );
    }
}

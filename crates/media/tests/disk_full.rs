//! A full disk, for real: a tiny tmpfs (these tests run as root, as CI does
//! here) fills up while recording. The recording must stop cleanly, keep
//! everything written, and play.

mod helpers;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use debrief_capture::SyntheticSound;
use debrief_media::record::{RecordError, Recorder, StopReason, free_space};
use helpers::record::*;

/// A tmpfs of `size` mounted on a temporary folder; unmounted on drop.
struct TinyDisk {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl TinyDisk {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "mounting a {size} tmpfs failed: these tests need root (or CAP_SYS_ADMIN) to make a real full disk"
        );
        Self { _dir: dir, path }
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

fn start(
    data: &Path,
    configure: impl FnOnce(&mut debrief_media::record::RecorderConfig),
) -> Result<Recorder, RecordError> {
    start_sized(data, (320, 240), configure)
}

fn start_sized(
    data: &Path,
    (width, height): (u32, u32),
    configure: impl FnOnce(&mut debrief_media::record::RecorderConfig),
) -> Result<Recorder, RecordError> {
    let (video, audio) = synthetic(width, height, None, Some(SyntheticSound::default()));
    let mut config = test_config(Duration::from_secs(120));
    configure(&mut config);
    Recorder::start(plan(data, config), video, audio)
}

#[test]
fn a_full_disk_stops_the_recording_and_keeps_everything_written() {
    let disk = TinyDisk::mount("2m");
    let recorder = start(disk.path(), |_| {}).unwrap();
    assert!(
        recorder.wait_until_finished(Duration::from_secs(120)),
        "the recording never ended"
    );
    let status = recorder.status();
    assert_eq!(status.stop_reason, Some(StopReason::DiskFull));
    let finished = recorder
        .stop()
        .expect("a full disk still gives a finished recording");
    assert_eq!(finished.stop_reason, StopReason::DiskFull);
    let recorded = Duration::from_millis(finished.duration_ms);
    assert!(
        recorded >= Duration::from_secs(5),
        "only {recorded:?} fit on 2 MB"
    );
    assert_eq!(
        finished.message.as_deref(),
        Some(
            format!(
                "the disk is full: recording stopped at {} and was saved",
                debrief_media::record::clock_time(recorded)
            )
            .as_str()
        )
    );
    judge(&finished, 320, 240, recorded, true);
    // Everything written is there: the file ends with its last whole fragment.
    let (_, ends) = fragment_ends(&finished.path);
    assert_eq!(
        *ends.last().unwrap(),
        std::fs::metadata(&finished.path).unwrap().len()
    );
}

#[test]
fn low_free_space_stops_the_recording_before_the_disk_is_full() {
    let disk = TinyDisk::mount("2m");
    let recorder = start(disk.path(), |c| c.min_free_while_recording = 1_000_000).unwrap();
    assert!(recorder.wait_until_finished(Duration::from_secs(120)));
    let finished = recorder.stop().unwrap();
    assert_eq!(finished.stop_reason, StopReason::LowDiskSpace);
    assert!(
        finished
            .message
            .as_deref()
            .unwrap()
            .starts_with("the disk is almost full")
    );
    assert!(
        free_space(disk.path()).unwrap() > 500_000,
        "it stopped with room to spare"
    );
    judge(
        &finished,
        320,
        240,
        Duration::from_millis(finished.duration_ms),
        true,
    );
}

#[test]
fn recording_refuses_to_start_on_a_nearly_full_disk() {
    let disk = TinyDisk::mount("2m");
    let err = start(disk.path(), |c| c.min_free_to_start = 200_000_000).unwrap_err();
    assert!(
        matches!(
            err,
            RecordError::LowDiskSpace {
                needed_bytes: 200_000_000,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.is_disk_space());
    assert!(
        !disk.path().join("recordings").exists(),
        "nothing was created"
    );
}

#[test]
fn a_disk_too_full_for_the_first_second_says_so() {
    // Room for the folder and its reserved index, not for a second of 720p.
    let disk = TinyDisk::mount("40k");
    let result = start_sized(disk.path(), (1280, 720), |c| {
        c.max_length = Duration::from_secs(10)
    });
    let err = match result {
        Ok(recorder) => {
            assert!(recorder.wait_until_finished(Duration::from_secs(60)));
            recorder.stop().unwrap_err()
        }
        // Or not even room for the folder: also a disk-space error.
        Err(err) => err,
    };
    assert!(
        matches!(err, RecordError::DiskFullBeforeFirstFrame) || err.is_disk_space(),
        "{err:?}"
    );
    assert!(err.to_string().contains("free up space"), "{err}");
    assert!(err.is_disk_space(), "{err}");
    assert_eq!(
        std::fs::read_dir(disk.path().join("recordings"))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "nothing is left behind"
    );
}

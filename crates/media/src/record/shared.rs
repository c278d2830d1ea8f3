//! State shared by the recorder's handle, its encode thread and its writer
//! thread: requests one way (atomics), status and the preview the other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use debrief_capture::{AudioLevel, VideoFrame};

use super::error::StopReason;

/// Where a recording is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecorderState {
    Recording,
    Paused,
    /// Capture has ended; the file is being finalised.
    Finishing,
    /// The file is finalised and playable; call `stop` for the result.
    Finished,
}

/// A snapshot for the UI.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RecorderStatus {
    pub state: RecorderState,
    /// Why it ended, once it has.
    pub stop_reason: Option<StopReason>,
    /// Recorded time (pauses excluded).
    pub elapsed: Duration,
    pub max_length: Duration,
    /// Level of the latest audio chunk (also while paused), if there is sound.
    pub audio_level: Option<AudioLevel>,
    pub frames_recorded: u64,
    /// Frames lost: dropped by the camera because encoding fell behind, or
    /// unusable (wrong size, out of order).
    pub frames_dropped: u64,
    /// Size of the recording file so far.
    pub bytes_written: u64,
    /// Bytes the pipeline holds in memory (fragment being built, audio
    /// waiting for video): bounded, whatever the length.
    pub pipeline_bytes: u64,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub want_pause: AtomicBool,
    pub want_stop: AtomicBool,
    pub discard: AtomicBool,
    writer_stop: Mutex<Option<StopReason>>,
    status: Mutex<RecorderStatus>,
    preview: Mutex<Option<Arc<VideoFrame>>>,
    finished: (Mutex<bool>, Condvar),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking thread leaves plain data behind: keep using it.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(max_length: Duration) -> Self {
        Self {
            want_pause: AtomicBool::new(false),
            want_stop: AtomicBool::new(false),
            discard: AtomicBool::new(false),
            writer_stop: Mutex::new(None),
            status: Mutex::new(RecorderStatus {
                state: RecorderState::Recording,
                stop_reason: None,
                elapsed: Duration::ZERO,
                max_length,
                audio_level: None,
                frames_recorded: 0,
                frames_dropped: 0,
                bytes_written: 0,
                pipeline_bytes: 0,
            }),
            preview: Mutex::new(None),
            finished: (Mutex::new(false), Condvar::new()),
        }
    }

    pub(crate) fn wants_pause(&self) -> bool {
        self.want_pause.load(Ordering::Acquire)
    }

    pub(crate) fn wants_stop(&self) -> bool {
        self.want_stop.load(Ordering::Acquire)
    }

    pub(crate) fn wants_discard(&self) -> bool {
        self.discard.load(Ordering::Acquire)
    }

    /// The writer asks the pipeline to end (disk full or nearly so).
    pub(crate) fn writer_asks_stop(&self, reason: StopReason) {
        lock(&self.writer_stop).get_or_insert(reason);
    }

    pub(crate) fn take_writer_stop(&self) -> Option<StopReason> {
        lock(&self.writer_stop).take()
    }

    pub(crate) fn status(&self) -> RecorderStatus {
        lock(&self.status).clone()
    }

    pub(crate) fn update_status(&self, f: impl FnOnce(&mut RecorderStatus)) {
        f(&mut lock(&self.status));
    }

    pub(crate) fn set_preview(&self, frame: Arc<VideoFrame>) {
        *lock(&self.preview) = Some(frame);
    }

    pub(crate) fn preview(&self) -> Option<Arc<VideoFrame>> {
        lock(&self.preview).clone()
    }

    pub(crate) fn mark_finished(&self) {
        self.update_status(|s| s.state = RecorderState::Finished);
        *lock(&self.finished.0) = true;
        self.finished.1.notify_all();
    }

    /// Waits until the file is finalised, at most `timeout`.
    pub(crate) fn wait_finished(&self, timeout: Duration) -> bool {
        let guard = lock(&self.finished.0);
        let (done, _) = self
            .finished
            .1
            .wait_timeout_while(guard, timeout, |done| !*done)
            .unwrap_or_else(PoisonError::into_inner);
        *done
    }
}

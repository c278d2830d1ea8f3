//! The one recording a device makes at a time, as a shell with a live UI
//! (the app) needs it: its controls, status polls and live preview reach it
//! from any thread without holding the [`Device`], so the library stays
//! usable (browse, search, tag) for the whole recording. Only starting and
//! finishing touch the device, each for a moment.
//!
//! Invariants:
//! - At most one recording is in the slot; starting another is refused with
//!   [`DeviceError::RecordingInProgress`] (checked and filled under one lock,
//!   so two quick taps cannot start two recordings).
//! - Stopping or discarding takes the recording out of the slot first, so
//!   from that moment status and preview say "nothing is recording", and a
//!   second stop gets [`DeviceError::NotRecording`] instead of waiting.
//! - The preview JPEG is encoded on demand, at most once per frame however
//!   many readers ask, and only the latest one is kept.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use debrief_media::preview::{PreviewJpeg, preview_jpeg};
use debrief_media::record::RecorderStatus;
use debrief_protocol::{ChallengeId, ClipId};

use crate::error::{DeviceError, Result};
use crate::{Device, RecordOptions, Recording};

/// Holds the recording in progress, if any.
#[derive(Debug, Default)]
pub struct RecordingSlot {
    current: Mutex<Option<Live>>,
    preview: Mutex<Option<Arc<PreviewImage>>>,
}

#[derive(Debug)]
struct Live {
    recording: Recording,
    /// Which recording of this slot it is, so preview numbers never repeat.
    generation: u64,
    /// What the user asked for last (the recorder acts on it at the next
    /// frame, so its own state lags by up to a frame).
    paused: bool,
}

/// A recording's state for the UI.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveStatus {
    pub clip_id: ClipId,
    /// The challenge the recording answers, if any.
    pub challenge_id: Option<ChallengeId>,
    pub status: RecorderStatus,
    /// Paused as the user asked (reported at once, before the next frame).
    pub paused: bool,
    /// Why it ended on its own (maximum length, disk full, camera lost),
    /// as a sentence for the user, once it has.
    pub stop_message: Option<String>,
}

/// What the live preview can show now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewState {
    /// Nothing is being recorded.
    Off,
    /// Recording, and no frame has arrived yet.
    Waiting,
    /// The newest frame; the number changes with every new frame and never
    /// repeats within a slot.
    Frame(u64),
}

/// A preview frame as JPEG, numbered like [`PreviewState::Frame`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewImage {
    pub seq: u64,
    pub image: PreviewJpeg,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data behind these locks stays consistent whatever panicked.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RecordingSlot {
    pub fn new() -> Self {
        Self::default()
    }

    /// Start recording into the slot with `device`.
    pub fn start(&self, device: &Device, opts: &RecordOptions) -> Result<LiveStatus> {
        let mut current = lock(&self.current);
        if current.is_some() {
            return Err(DeviceError::RecordingInProgress);
        }
        let recording = device.start_recording(opts)?;
        let generation = GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let live = current.insert(Live {
            recording,
            generation,
            paused: false,
        });
        Ok(live.status())
    }

    /// The recording in progress, or `None`.
    pub fn status(&self) -> Option<LiveStatus> {
        lock(&self.current).as_ref().map(Live::status)
    }

    pub fn pause(&self) -> Result<LiveStatus> {
        self.control(true)
    }

    pub fn resume(&self) -> Result<LiveStatus> {
        self.control(false)
    }

    fn control(&self, pause: bool) -> Result<LiveStatus> {
        let mut current = lock(&self.current);
        let live = current.as_mut().ok_or(DeviceError::NotRecording)?;
        if pause {
            live.recording.pause();
        } else {
            live.recording.resume();
        }
        live.paused = pause;
        Ok(live.status())
    }

    /// Take the recording out, to finish it with
    /// [`Device::finish_recording`] or [`Device::discard_recording`].
    pub fn take(&self) -> Result<Recording> {
        let live = lock(&self.current)
            .take()
            .ok_or(DeviceError::NotRecording)?;
        *lock(&self.preview) = None;
        Ok(live.recording)
    }

    /// What the preview can show, without encoding anything.
    pub fn preview_state(&self) -> PreviewState {
        match lock(&self.current).as_ref() {
            None => PreviewState::Off,
            Some(live) => match live.recording.preview() {
                None => PreviewState::Waiting,
                Some(frame) => PreviewState::Frame(seq(live.generation, frame.index)),
            },
        }
    }

    /// The newest frame as JPEG (encoded now unless it already was), or
    /// `None` when there is no frame.
    pub fn preview_jpeg(&self) -> Option<Arc<PreviewImage>> {
        let (seq, frame) = {
            let current = lock(&self.current);
            let live = current.as_ref()?;
            let frame = live.recording.preview()?;
            (seq(live.generation, frame.index), frame)
        };
        // Held while encoding: a second reader of the same frame waits for
        // this encode instead of doing its own.
        let mut cached = lock(&self.preview);
        if let Some(image) = cached.as_ref().filter(|c| c.seq >= seq) {
            return Some(image.clone());
        }
        match preview_jpeg(&frame) {
            Ok(image) => {
                let image = Arc::new(PreviewImage { seq, image });
                *cached = Some(image.clone());
                Some(image)
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot encode the live preview");
                None
            }
        }
    }
}

/// Generations are process-wide, so two slots (tests) never share numbers
/// either.
static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A frame's preview number: the generation above any frame index a
/// recording can reach (2^40 frames is 1,000 years at 30 fps).
fn seq(generation: u64, frame_index: u64) -> u64 {
    (generation << 40) | (frame_index & ((1 << 40) - 1))
}

impl Live {
    fn status(&self) -> LiveStatus {
        let status = self.recording.status();
        let stop_message = status
            .stop_reason
            .as_ref()
            .and_then(|r| r.message(status.elapsed));
        LiveStatus {
            clip_id: self.recording.clip_id(),
            challenge_id: self.recording.challenge_id(),
            paused: self.paused,
            stop_message,
            status,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn small_synthetic() -> RecordOptions {
        RecordOptions {
            source: "synthetic".into(),
            width: Some(320),
            height: Some(240),
            fps: Some(15),
            ..Default::default()
        }
    }

    fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ok() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn one_recording_at_a_time_with_controls_preview_and_a_clip_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let mut device = Device::open(dir.path()).unwrap();
        let slot = RecordingSlot::new();
        assert_eq!(slot.status(), None);
        assert_eq!(slot.preview_state(), PreviewState::Off);
        assert!(matches!(slot.pause(), Err(DeviceError::NotRecording)));

        let started = slot.start(&device, &small_synthetic()).unwrap();
        assert_eq!(started.status.max_length, Duration::from_secs(600));
        assert!(!started.paused);
        let again = slot.start(&device, &small_synthetic()).unwrap_err();
        assert_eq!(again.kind(), "recording_in_progress");
        assert!(again.to_string().contains("already running"), "{again}");

        wait_for("a preview frame", || {
            matches!(slot.preview_state(), PreviewState::Frame(_))
        });
        let first = slot.preview_jpeg().unwrap();
        assert_eq!((first.image.width, first.image.height), (320, 240));
        assert_eq!(&first.image.jpeg[..2], b"\xff\xd8");
        wait_for("a newer frame", || {
            slot.preview_jpeg().unwrap().seq > first.seq
        });

        assert!(slot.pause().unwrap().paused);
        assert!(!slot.resume().unwrap().paused);
        wait_for("a second of recording", || {
            slot.status().unwrap().status.elapsed >= Duration::from_secs(1)
        });
        let status = slot.status().unwrap();
        assert!(
            status.status.audio_level.is_some(),
            "the test tone has a level"
        );
        assert_eq!(status.stop_message, None);

        let recording = slot.take().unwrap();
        assert_eq!(slot.status(), None);
        assert_eq!(slot.preview_state(), PreviewState::Off);
        assert!(matches!(slot.take(), Err(DeviceError::NotRecording)));
        let recorded = device.finish_recording(recording).unwrap();
        assert!(recorded.clip.duration_ms >= 1000, "{:?}", recorded.clip);
        assert_eq!((recorded.clip.width, recorded.clip.height), (320, 240));
        assert_eq!(recorded.clip.id, started.clip_id);
        assert!(recorded.clip.thumbnail_path.is_some());

        // The slot is free again.
        let second = slot.start(&device, &small_synthetic()).unwrap();
        assert_ne!(second.clip_id, started.clip_id);
        device.discard_recording(slot.take().unwrap()).unwrap();
    }

    #[test]
    fn a_discarded_recording_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let mut device = Device::open(dir.path()).unwrap();
        let slot = RecordingSlot::new();
        slot.start(&device, &small_synthetic()).unwrap();
        wait_for("some recording", || {
            slot.status().unwrap().status.bytes_written > 0
        });
        device.discard_recording(slot.take().unwrap()).unwrap();
        assert!(
            device
                .list(&crate::ListOptions {
                    limit: 10,
                    ..Default::default()
                })
                .unwrap()
                .is_empty()
        );
        let leftovers: Vec<_> =
            std::fs::read_dir(debrief_media::record::recordings_dir(dir.path()))
                .map(|d| d.collect())
                .unwrap_or_default();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        let media: Vec<_> = std::fs::read_dir(dir.path().join("media"))
            .map(|d| d.collect())
            .unwrap_or_default();
        assert!(media.is_empty(), "{media:?}");
    }

    #[test]
    fn preview_numbers_never_repeat_across_recordings() {
        assert!(seq(2, 0) > seq(1, 5_000_000));
        assert_ne!(seq(1, 7), seq(2, 7));
    }
}

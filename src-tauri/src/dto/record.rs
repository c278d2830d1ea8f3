//! The shapes the record screen exchanges with the shell.

use debrief_device::{CaptureChoices, LiveStatus, RecorderState, SourceChoice};
use debrief_mediaserver::MediaServer;
use serde::{Deserialize, Serialize};
use specta::Type;

use super::ClipView;

/// A camera or microphone to pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct SourceChoiceView {
    /// What `start_recording` takes as `source` or `mic`.
    pub id: String,
    pub label: String,
    /// A second line (the device's system name, or why it may not work).
    pub detail: Option<String>,
}

/// The cameras and microphones this device offers, the synthetic test
/// pattern and tone always among them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct CaptureDevicesView {
    pub cameras: Vec<SourceChoiceView>,
    pub microphones: Vec<SourceChoiceView>,
    pub default_camera: String,
    pub default_microphone: String,
    /// Why no camera can be used, when none can.
    pub camera_note: Option<String>,
    /// Why no microphone can be used, when none can.
    pub microphone_note: Option<String>,
}

impl From<SourceChoice> for SourceChoiceView {
    fn from(c: SourceChoice) -> Self {
        Self {
            id: c.id,
            label: c.label,
            detail: c.detail,
        }
    }
}

impl From<CaptureChoices> for CaptureDevicesView {
    fn from(c: CaptureChoices) -> Self {
        Self {
            cameras: c.cameras.into_iter().map(Into::into).collect(),
            microphones: c.microphones.into_iter().map(Into::into).collect(),
            default_camera: c.default_camera,
            default_microphone: c.default_microphone,
            camera_note: c.camera_note,
            microphone_note: c.microphone_note,
        }
    }
}

/// What to record with. Size, frame rate and maximum length come from the
/// settings (`[recording]` in config.toml; 1280x720 at 30 fps, 10 minutes).
#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct StartRecordingRequest {
    /// A camera's id from `list_capture_devices`, or `synthetic`.
    pub source: String,
    /// A microphone's id, `default`, `synthetic` or `none`; `null` takes
    /// the test tone for the test pattern and the default microphone for a
    /// camera.
    pub mic: Option<String>,
    /// Answer this challenge: the clip is linked to it when stored, and the
    /// challenge's maximum answer length caps the recording.
    #[serde(default)]
    pub challenge_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum RecordingState {
    Recording,
    Paused,
    /// Capture has ended (e.g. at the maximum length); the file is being
    /// finalised.
    Finishing,
    /// Ended by itself and saved to disk; `stop_recording` stores it.
    Finished,
}

/// Sound level of the latest 20 ms, in dBFS (0 is full scale, -100 silence).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Type)]
pub struct AudioLevelView {
    pub rms_dbfs: f32,
    pub peak_dbfs: f32,
}

/// The recording in progress, for the timer, the meter and the preview.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct RecordingStatusView {
    /// The id the clip will have.
    pub clip_id: String,
    /// The challenge the clip will answer, if any.
    pub challenge_id: Option<String>,
    pub state: RecordingState,
    /// Paused as the user asked (shown at once; the recorder follows at the
    /// next frame).
    pub paused: bool,
    /// Recorded time, pauses excluded.
    pub elapsed_ms: u64,
    pub max_length_ms: u64,
    /// `null` when recording without sound.
    pub audio_level: Option<AudioLevelView>,
    /// Size of the file so far.
    pub bytes: u64,
    pub frames_recorded: u64,
    pub frames_dropped: u64,
    /// Why it ended by itself (maximum length, disk full, camera lost).
    pub stop_message: Option<String>,
    /// The live preview as an MJPEG stream for an `<img>` (loopback, with
    /// this launch's token); it ends when the recording does.
    pub preview_url: String,
}

impl RecordingStatusView {
    pub fn new(live: LiveStatus, media: &MediaServer) -> Self {
        let s = live.status;
        Self {
            clip_id: live.clip_id.to_string(),
            challenge_id: live.challenge_id.map(|c| c.to_string()),
            state: match s.state {
                RecorderState::Recording => RecordingState::Recording,
                RecorderState::Paused => RecordingState::Paused,
                RecorderState::Finishing => RecordingState::Finishing,
                RecorderState::Finished => RecordingState::Finished,
            },
            paused: live.paused,
            elapsed_ms: s.elapsed.as_millis() as u64,
            max_length_ms: s.max_length.as_millis() as u64,
            audio_level: s.audio_level.map(|l| AudioLevelView {
                rms_dbfs: l.rms_dbfs,
                peak_dbfs: l.peak_dbfs,
            }),
            bytes: s.bytes_written,
            frames_recorded: s.frames_recorded,
            frames_dropped: s.frames_dropped,
            stop_message: live.stop_message,
            // The clip id in the query makes each recording a new URL, so a
            // webview never shows the last picture of the previous one.
            preview_url: format!("{}?clip={}", media.preview_stream_url(), live.clip_id),
        }
    }
}

/// A stopped recording, stored as a clip.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct RecordedClipView {
    pub clip: ClipView,
    /// Why it had stopped by itself, when it had (maximum length, ...).
    pub message: Option<String>,
    pub warnings: Vec<String>,
}

/// A recording a crash or kill interrupted, recovered when the library
/// opened at this launch.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct RecoveredRecordingView {
    pub clip: ClipView,
    /// What happened, e.g. "an interrupted recording was recovered (0:42)".
    pub message: Option<String>,
}

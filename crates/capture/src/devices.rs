//! One listing of every capture device, for `debrief devices` and the
//! settings screen.
//!
//! Having no camera or no microphone is normal (a server, a CI machine, a
//! laptop with its lid shut): those are empty lists. Only a failure to ask
//! at all (no audio system, a camera backend that errors) is reported, per
//! kind of device, so one broken subsystem does not hide the other.

use serde::{Deserialize, Serialize};

use crate::camera::{CameraInfo, list_cameras};
use crate::error::{CaptureError, CaptureErrorKind};
use crate::mic::{MicrophoneInfo, list_microphones};

/// Why a kind of device could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingError {
    pub kind: CaptureErrorKind,
    pub message: String,
}

impl From<CaptureError> for ListingError {
    fn from(e: CaptureError) -> Self {
        Self {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

/// Cameras and microphones attached to this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    pub cameras: Vec<CameraInfo>,
    pub microphones: Vec<MicrophoneInfo>,
    /// Set when cameras could not be listed (then `cameras` is empty).
    pub camera_error: Option<ListingError>,
    /// Set when microphones could not be listed, e.g.
    /// [`CaptureErrorKind::AudioHostUnavailable`].
    pub microphone_error: Option<ListingError>,
}

/// List every camera and microphone. Never fails as a whole.
pub fn list_devices() -> DeviceList {
    let (cameras, camera_error) = split(list_cameras());
    let (microphones, microphone_error) = split(list_microphones());
    DeviceList {
        cameras,
        microphones,
        camera_error,
        microphone_error,
    }
}

fn split<T>(result: Result<Vec<T>, CaptureError>) -> (Vec<T>, Option<ListingError>) {
    match result {
        Ok(list) => (list, None),
        Err(e) => (Vec::new(), Some(e.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_become_per_kind_errors_with_empty_lists() {
        let (list, error) = split::<u8>(Err(CaptureError::AudioHostUnavailable {
            detail: "Alsa: no sound server".into(),
        }));
        assert!(list.is_empty());
        let error = error.unwrap();
        assert_eq!(error.kind, CaptureErrorKind::AudioHostUnavailable);
        assert!(error.message.contains("--mic none"));
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["kind"], "audio_host_unavailable");

        let (list, error) = split(Ok(vec![1u8]));
        assert_eq!((list, error), (vec![1], None));
    }
}

//! Capture errors that tell the user what to do next.
//!
//! Device libraries report failures as OS codes wrapped in strings ("V4L2
//! Error: Device or resource busy (os error 16)"). This module turns them
//! into a few kinds a person can act on (no camera, camera busy, permission
//! denied, ...), each naming the device and the next step, with the raw OS
//! detail kept at the end of the message for bug reports. [`CaptureErrorKind`]
//! is the stable, serialisable tag the UI branches on.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("no camera was found; connect one or use --source synthetic ({detail})")]
    NoCamera { detail: String },

    #[error(
        "{camera} is in use by another app; close the other app (a video call, a browser tab) \
         and try again, or use --source synthetic ({detail})"
    )]
    CameraBusy { camera: String, detail: String },

    #[error(
        "permission denied opening {camera}; on Linux add your user to the `video` group \
         (sudo usermod -aG video $USER) and log in again, on macOS allow camera access in \
         System Settings > Privacy & Security ({detail})"
    )]
    CameraPermissionDenied { camera: String, detail: String },

    #[error(
        "{camera} offers no picture format Debrief can use (it offers: {offered}); \
         try another camera or use --source synthetic"
    )]
    UnsupportedCameraFormat { camera: String, offered: String },

    #[error(
        "no microphone found; connect one, choose another with --mic NAME, \
         or record video only with --mic none ({detail})"
    )]
    NoMicrophone { detail: String },

    #[error(
        "no microphone is named '{name}' (available: {available}); choose one with --mic NAME, \
         or record video only with --mic none"
    )]
    MicrophoneNotFound { name: String, available: String },

    #[error(
        "{microphone} is in use by another app; close it and try again, choose another with \
         --mic NAME, or record video only with --mic none ({detail})"
    )]
    MicrophoneBusy { microphone: String, detail: String },

    #[error(
        "permission denied opening {microphone}; on Linux add your user to the `audio` group \
         (sudo usermod -aG audio $USER) and log in again, on macOS allow microphone access in \
         System Settings > Privacy & Security; or record video only with --mic none ({detail})"
    )]
    MicrophonePermissionDenied { microphone: String, detail: String },

    #[error(
        "{microphone} offers no audio format Debrief can use; choose another with --mic NAME, \
         or record video only with --mic none ({detail})"
    )]
    UnsupportedMicrophoneFormat { microphone: String, detail: String },

    #[error(
        "the audio system is not available; check that the sound service is running, \
         or record video only with --mic none ({detail})"
    )]
    AudioHostUnavailable { detail: String },

    #[error(
        "{device} disconnected during capture; what was recorded so far is kept, \
         reconnect it and record again ({detail})"
    )]
    DeviceLost { device: String, detail: String },

    #[error("{device} failed; try again or choose another device ({detail})")]
    Device { device: String, detail: String },

    #[error(
        "cannot use the audio file {path}: {detail}; give a PCM WAV file \
         (8/16/24/32-bit integer or 32-bit float)",
        path = path.display()
    )]
    AudioFile { path: PathBuf, detail: String },

    #[error("invalid capture settings: {0}")]
    InvalidConfig(String),

    #[error("the capture thread of {device} crashed; this is a bug, please report it ({detail})")]
    ThreadPanicked { device: String, detail: String },
}

/// The stable tag of a [`CaptureError`], for the UI and the CLI's JSON errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureErrorKind {
    NoCamera,
    CameraBusy,
    CameraPermissionDenied,
    UnsupportedCameraFormat,
    NoMicrophone,
    MicrophoneNotFound,
    MicrophoneBusy,
    MicrophonePermissionDenied,
    UnsupportedMicrophoneFormat,
    AudioHostUnavailable,
    DeviceLost,
    Device,
    AudioFile,
    InvalidConfig,
    ThreadPanicked,
}

impl CaptureError {
    pub fn kind(&self) -> CaptureErrorKind {
        use CaptureErrorKind as K;
        match self {
            Self::NoCamera { .. } => K::NoCamera,
            Self::CameraBusy { .. } => K::CameraBusy,
            Self::CameraPermissionDenied { .. } => K::CameraPermissionDenied,
            Self::UnsupportedCameraFormat { .. } => K::UnsupportedCameraFormat,
            Self::NoMicrophone { .. } => K::NoMicrophone,
            Self::MicrophoneNotFound { .. } => K::MicrophoneNotFound,
            Self::MicrophoneBusy { .. } => K::MicrophoneBusy,
            Self::MicrophonePermissionDenied { .. } => K::MicrophonePermissionDenied,
            Self::UnsupportedMicrophoneFormat { .. } => K::UnsupportedMicrophoneFormat,
            Self::AudioHostUnavailable { .. } => K::AudioHostUnavailable,
            Self::DeviceLost { .. } => K::DeviceLost,
            Self::Device { .. } => K::Device,
            Self::AudioFile { .. } => K::AudioFile,
            Self::InvalidConfig(_) => K::InvalidConfig,
            Self::ThreadPanicked { .. } => K::ThreadPanicked,
        }
    }

    /// True when trying the same thing again later may work (the device was
    /// busy or went away), as opposed to a setting or permission the user
    /// must change first.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind(),
            CaptureErrorKind::CameraBusy
                | CaptureErrorKind::MicrophoneBusy
                | CaptureErrorKind::DeviceLost
                | CaptureErrorKind::Device
        )
    }
}

/// What an OS error string says happened, as far as the user is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OsCause {
    /// ENOENT, ENODEV, ENXIO: the device node is not there.
    NotFound,
    /// EBUSY: another process holds the device.
    Busy,
    /// EACCES, EPERM.
    PermissionDenied,
    Other,
}

/// Classify an error string from a device library: by its `(os error N)`
/// suffix when there is one (Rust's `io::Error` formatting), else by the
/// usual strerror phrases.
pub(crate) fn classify_os_detail(detail: &str) -> OsCause {
    if let Some(code) = os_error_code(detail) {
        match code {
            2 | 6 | 19 => return OsCause::NotFound,
            16 => return OsCause::Busy,
            1 | 13 => return OsCause::PermissionDenied,
            _ => {}
        }
    }
    let lower = detail.to_ascii_lowercase();
    if lower.contains("busy") {
        OsCause::Busy
    } else if lower.contains("permission denied")
        || lower.contains("operation not permitted")
        || lower.contains("access denied")
        || lower.contains("accessdenied")
    {
        OsCause::PermissionDenied
    } else if lower.contains("no such file") || lower.contains("no such device") {
        OsCause::NotFound
    } else {
        OsCause::Other
    }
}

fn os_error_code(detail: &str) -> Option<i32> {
    let start = detail.rfind("(os error ")? + "(os error ".len();
    let rest = &detail[start..];
    let end = rest.find(')')?;
    rest[..end].trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_rust_io_error_suffixes() {
        let cases = [
            (
                "V4L2 Error: No such file or directory (os error 2)",
                OsCause::NotFound,
            ),
            (
                "V4L2 Error: Device or resource busy (os error 16)",
                OsCause::Busy,
            ),
            (
                "V4L2 Error: Permission denied (os error 13)",
                OsCause::PermissionDenied,
            ),
            (
                "Operation not permitted (os error 1)",
                OsCause::PermissionDenied,
            ),
            ("No such device (os error 19)", OsCause::NotFound),
            ("Input/output error (os error 5)", OsCause::Other),
        ];
        for (detail, cause) in cases {
            assert_eq!(classify_os_detail(detail), cause, "{detail}");
        }
    }

    #[test]
    fn classifies_phrases_without_a_code() {
        assert_eq!(classify_os_detail("device is BUSY"), OsCause::Busy);
        assert_eq!(
            classify_os_detail("E_ACCESSDENIED"),
            OsCause::PermissionDenied
        );
        assert_eq!(classify_os_detail("No such device"), OsCause::NotFound);
        assert_eq!(classify_os_detail("Failed to Fufill"), OsCause::Other);
    }

    #[test]
    fn messages_say_what_to_do_and_keep_the_os_detail() {
        let err = CaptureError::NoCamera {
            detail: "camera 0: No such file or directory (os error 2)".into(),
        };
        let text = err.to_string();
        assert!(text.starts_with("no camera was found; connect one or use --source synthetic"));
        assert!(text.ends_with("(camera 0: No such file or directory (os error 2))"));

        let err = CaptureError::NoMicrophone {
            detail: "default: device not available".into(),
        };
        assert!(err.to_string().starts_with(
            "no microphone found; connect one, choose another with --mic NAME, \
             or record video only with --mic none"
        ));

        let err = CaptureError::CameraPermissionDenied {
            camera: "camera 0 (/dev/video0)".into(),
            detail: "Permission denied (os error 13)".into(),
        };
        assert!(err.to_string().contains("`video` group"));
        let err = CaptureError::MicrophonePermissionDenied {
            microphone: "microphone 'hw:0'".into(),
            detail: "Permission denied".into(),
        };
        assert!(err.to_string().contains("`audio` group"));
    }

    #[test]
    fn kinds_serialise_as_snake_case_and_classify_retries() {
        let json = serde_json::to_string(&CaptureErrorKind::CameraBusy).unwrap();
        assert_eq!(json, "\"camera_busy\"");
        let busy = CaptureError::CameraBusy {
            camera: "camera 0".into(),
            detail: String::new(),
        };
        assert_eq!(busy.kind(), CaptureErrorKind::CameraBusy);
        assert!(busy.is_retryable());
        assert!(!CaptureError::InvalidConfig("x".into()).is_retryable());
    }
}

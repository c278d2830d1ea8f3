//! The error every command returns across IPC: `{ kind, message }`.
//!
//! `message` is the core's sentence for the user (it already says what to
//! do next); `kind` is a closed set the UI can branch on, typed in the
//! generated bindings. Each kind mirrors a stable `DeviceError::kind()`
//! string; a kind the core adds later arrives as `internal` (and is logged)
//! until it is added here, so the UI never sees a value its types deny.

use debrief_device::DeviceError;
use serde::Serialize;
use specta::Type;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// No clip with that id (deleted meanwhile, or never here).
    NotFound,
    /// An id that is not a clip id.
    BadId,
    /// A tag that is empty, too long or has forbidden characters.
    BadTag,
    /// Other bad input (an empty or over-long title, over-long notes, ...).
    InvalidInput,
    /// The change is not this user's to make (e.g. deleting someone
    /// else's clip without being a manager, or editing someone else's
    /// comment).
    NotPermitted,
    /// This user's role in the team does not allow it: only managers and
    /// admins post challenges and edit the playbook (the message names the
    /// role needed).
    Forbidden,
    /// The file to import does not exist or cannot be read.
    FileNotFound,
    /// The file to import is not a video Debrief can use.
    BadMedia,
    /// Another Debrief process holds the library; retrying helps.
    Busy,
    DiskFull,
    /// The library was written by a newer Debrief.
    SchemaTooNew,
    Corrupt,
    Io,
    /// The configuration file cannot be read.
    Config,
    /// Team and sync (the server's answers are in `message`):
    /// this device has not joined a team.
    NotJoined,
    /// Joining while already in a team; leave first.
    AlreadyJoined,
    /// The invite code is unknown, expired or used up.
    InvalidInvite,
    /// Too many attempts; the message says when to try again.
    RateLimited,
    /// The server address is not a usable URL (or plain http to a remote host).
    BadUrl,
    /// The server cannot be reached (offline, wrong address, server down).
    Unreachable,
    /// The server refused this device's token; join again.
    Unauthorized,
    /// A team admin revoked this device.
    Revoked,
    /// The server and this app speak no common protocol version.
    IncompatibleServer,
    /// Leaving was refused because changes have not reached the team yet.
    UnsyncedChanges,
    /// The server refused a request (details in the message).
    Server,
    /// Sync failed for another reason (details in the message).
    Sync,
    /// The video is on the server only and this device is offline.
    Offline,
    /// The video is on the server only and Wi-Fi only keeps it there on a
    /// metered network.
    WifiOnly,
    /// Sync stopped (team left, setting changed) while a request waited.
    SyncStopped,
    /// The library could not be opened when the app started; every command
    /// reports that until the app is restarted.
    Startup,
    // Recording (the record screen): which device is missing or busy, and
    // what went wrong with a recording, so the UI can point at the picker.
    /// No camera is attached (or the chosen one is gone).
    NoCamera,
    /// Another app holds the camera.
    CameraBusy,
    CameraPermissionDenied,
    UnsupportedCameraFormat,
    NoMicrophone,
    /// The chosen microphone is not attached any more.
    MicrophoneNotFound,
    MicrophoneBusy,
    MicrophonePermissionDenied,
    UnsupportedMicrophoneFormat,
    /// The sound system itself is not available.
    AudioHostUnavailable,
    /// A camera or microphone stopped working during capture.
    DeviceLost,
    /// A capture device failed for another reason.
    Device,
    /// Recording or saving the recording failed.
    Record,
    /// A recording is already running: stop or discard it first.
    RecordingInProgress,
    /// A recording control was used while nothing records.
    NotRecording,
    /// A failure in the app itself (a bug, or a kind this shell does not
    /// know yet); details are in the log.
    Internal,
}

impl ErrorKind {
    /// The kind for a `DeviceError::kind()` (or `SyncError::kind()`) string.
    pub(crate) fn from_device_kind(kind: &str) -> Self {
        match kind {
            "not_found" => Self::NotFound,
            "bad_id" => Self::BadId,
            "bad_tag" => Self::BadTag,
            "invalid_input" => Self::InvalidInput,
            "not_permitted" => Self::NotPermitted,
            "forbidden" => Self::Forbidden,
            "file_not_found" => Self::FileNotFound,
            "bad_media" => Self::BadMedia,
            "busy" => Self::Busy,
            "disk_full" => Self::DiskFull,
            "schema_too_new" => Self::SchemaTooNew,
            "corrupt" => Self::Corrupt,
            "io" => Self::Io,
            "config" => Self::Config,
            "no_camera" => Self::NoCamera,
            "camera_busy" => Self::CameraBusy,
            "camera_permission_denied" => Self::CameraPermissionDenied,
            "unsupported_camera_format" => Self::UnsupportedCameraFormat,
            "no_microphone" => Self::NoMicrophone,
            "microphone_not_found" => Self::MicrophoneNotFound,
            "microphone_busy" => Self::MicrophoneBusy,
            "microphone_permission_denied" => Self::MicrophonePermissionDenied,
            "unsupported_microphone_format" => Self::UnsupportedMicrophoneFormat,
            "audio_host_unavailable" => Self::AudioHostUnavailable,
            "device_lost" => Self::DeviceLost,
            "device" => Self::Device,
            "record" => Self::Record,
            "recording_in_progress" => Self::RecordingInProgress,
            "not_recording" => Self::NotRecording,
            "not_joined" => Self::NotJoined,
            "bad_url" | "insecure_url" => Self::BadUrl,
            "unreachable" => Self::Unreachable,
            "unauthorized" => Self::Unauthorized,
            "token_store" => Self::Io,
            "revoked" => Self::Revoked,
            "incompatible_server" => Self::IncompatibleServer,
            "server" => Self::Server,
            "bad_response" | "hash_mismatch" | "sync_incomplete" | "library" => Self::Sync,
            "offline" => Self::Offline,
            "wifi_only" => Self::WifiOnly,
            other => {
                tracing::warn!(kind = other, "device error kind unknown to the app shell");
                Self::Internal
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub kind: ErrorKind,
    pub message: String,
}

impl IpcError {
    pub fn internal(message: impl Into<String>) -> Self {
        let message = message.into();
        tracing::error!(%message, "internal error in a command");
        Self {
            kind: ErrorKind::Internal,
            message,
        }
    }
}

/// A core message as a sentence for the UI: capital first letter, one
/// full stop at the end (core messages are lower-case clauses).
pub(crate) fn sentence(s: &str) -> String {
    let s = s.trim().trim_end_matches('.');
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

impl From<DeviceError> for IpcError {
    fn from(e: DeviceError) -> Self {
        Self {
            kind: ErrorKind::from_device_kind(e.kind()),
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use debrief_library::LibraryError;
    use debrief_protocol::{IdParseError, TagError};

    fn ipc(e: DeviceError) -> IpcError {
        IpcError::from(e)
    }

    #[test]
    fn every_device_error_maps_to_its_own_kind_and_keeps_its_message() {
        let cases: Vec<(DeviceError, ErrorKind)> = vec![
            (
                LibraryError::ClipNotFound("x".into()).into(),
                ErrorKind::NotFound,
            ),
            (
                LibraryError::BadId(IdParseError {
                    what: "clip",
                    input: "nope".into(),
                })
                .into(),
                ErrorKind::BadId,
            ),
            (
                LibraryError::BadTag(TagError::Empty).into(),
                ErrorKind::BadTag,
            ),
            (
                LibraryError::InvalidInput("title is empty".into()).into(),
                ErrorKind::InvalidInput,
            ),
            (
                LibraryError::NotPermitted("only the author can delete".into()).into(),
                ErrorKind::NotPermitted,
            ),
            (
                LibraryError::Forbidden("only managers and admins can create challenges".into())
                    .into(),
                ErrorKind::Forbidden,
            ),
            (LibraryError::Busy.into(), ErrorKind::Busy),
            (
                LibraryError::DiskFull {
                    action: "writing",
                    path: "/x".into(),
                }
                .into(),
                ErrorKind::DiskFull,
            ),
            (
                LibraryError::SchemaTooNew {
                    path: "/x".into(),
                    found: 9,
                    supported: 1,
                }
                .into(),
                ErrorKind::SchemaTooNew,
            ),
            (
                LibraryError::Corrupt("bad page".into()).into(),
                ErrorKind::Corrupt,
            ),
            (
                LibraryError::Io {
                    action: "read",
                    path: "/x".into(),
                    source: std::io::Error::other("boom"),
                }
                .into(),
                ErrorKind::Io,
            ),
            (
                DeviceError::InvalidInput("no".into()),
                ErrorKind::InvalidInput,
            ),
            (
                DeviceError::RecordingInProgress,
                ErrorKind::RecordingInProgress,
            ),
            (DeviceError::NotRecording, ErrorKind::NotRecording),
            (
                DeviceError::Config {
                    path: "/x/config.toml".into(),
                    message: "unknown field".into(),
                },
                ErrorKind::Config,
            ),
        ];
        for (err, kind) in cases {
            let message = err.to_string();
            let got = ipc(err);
            assert_eq!(got.kind, kind, "{message}");
            assert_eq!(got.message, message);
        }
    }

    #[test]
    fn unknown_kinds_become_internal() {
        assert_eq!(
            ErrorKind::from_device_kind("something_new"),
            ErrorKind::Internal
        );
    }

    #[test]
    fn serialises_as_kind_and_message() {
        let e = IpcError {
            kind: ErrorKind::BadTag,
            message: "tag is empty".into(),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"kind": "bad_tag", "message": "tag is empty"})
        );
    }
}

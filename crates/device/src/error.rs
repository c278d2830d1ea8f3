//! One error type for everything a user can ask the device to do. Shells
//! show `to_string()` and branch on [`DeviceError::kind`], a stable
//! snake_case name that the app's typed IPC error carries as `kind`.

use std::path::PathBuf;

use debrief_library::LibraryError;

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(transparent)]
    Library(#[from] LibraryError),

    /// Errors about reaching the file already name it; the rest get the path in front.
    #[error("{}", bad_media_message(path, source))]
    BadMedia {
        path: PathBuf,
        source: debrief_media::ProbeError,
    },

    #[error("{0}")]
    InvalidInput(String),

    #[error("cannot read the configuration {path}: {message}")]
    Config { path: PathBuf, message: String },

    #[error(transparent)]
    Sync(#[from] debrief_sync::SyncError),

    #[error(transparent)]
    Capture(debrief_capture::CaptureError),

    #[error(transparent)]
    Record(debrief_media::record::RecordError),

    /// A clip's media is on the server only and the network policy keeps
    /// it there for now.
    #[error("{}", media_blocked_message(title, *block))]
    MediaBlocked {
        title: String,
        block: crate::fetch::MediaBlock,
    },

    /// A sync round ran but some items failed (details in `debrief status`).
    #[error("{0}")]
    SyncIncomplete(String),

    /// A second recording was asked for while one is running.
    #[error("a recording is already running; stop or discard it before starting another")]
    RecordingInProgress,

    /// A recording control was used with nothing recording.
    #[error("nothing is being recorded right now; start a recording first")]
    NotRecording,
}

impl DeviceError {
    /// Stable machine-readable category.
    pub fn kind(&self) -> &'static str {
        match self {
            DeviceError::Library(e) => match e {
                LibraryError::ClipNotFound(_) | LibraryError::NotFound(_) => "not_found",
                LibraryError::BadId(_) => "bad_id",
                LibraryError::BadTag(_) => "bad_tag",
                LibraryError::InvalidInput(_) => "invalid_input",
                LibraryError::NotPermitted(_) => "not_permitted",
                LibraryError::Forbidden(_) => "forbidden",
                LibraryError::SchemaTooNew { .. } => "schema_too_new",
                LibraryError::Busy => "busy",
                LibraryError::DiskFull { .. } => "disk_full",
                LibraryError::Corrupt(_) => "corrupt",
                LibraryError::Open { .. } | LibraryError::Io { .. } | LibraryError::Sqlite(_) => {
                    "io"
                }
            },
            DeviceError::BadMedia { source, .. } if source.is_missing_file() => "file_not_found",
            DeviceError::BadMedia { .. } => "bad_media",
            DeviceError::InvalidInput(_) => "invalid_input",
            DeviceError::Config { .. } => "config",
            DeviceError::Sync(e) => e.kind(),
            DeviceError::SyncIncomplete(_) => "sync_incomplete",
            DeviceError::MediaBlocked { block, .. } => match block {
                crate::fetch::MediaBlock::Offline => "offline",
                crate::fetch::MediaBlock::WifiOnly => "wifi_only",
            },
            DeviceError::Capture(e) => capture_kind(e.kind()),
            DeviceError::Record(e) if e.is_disk_space() => "disk_full",
            DeviceError::Record(_) => "record",
            DeviceError::RecordingInProgress => "recording_in_progress",
            DeviceError::NotRecording => "not_recording",
        }
    }
}

fn bad_media_message(path: &std::path::Path, source: &debrief_media::ProbeError) -> String {
    if source.is_file_access() {
        source.to_string()
    } else {
        format!("{}: {source}", path.display())
    }
}

fn media_blocked_message(title: &str, block: crate::fetch::MediaBlock) -> String {
    match block {
        crate::fetch::MediaBlock::Offline => format!(
            "\"{title}\" is on the team server only and this device is offline; connect to a network to watch it"
        ),
        crate::fetch::MediaBlock::WifiOnly => format!(
            "\"{title}\" is on the team server only, and Wi-Fi only is on while this device is on a metered (cellular) network; connect to Wi-Fi, or turn off Wi-Fi only in Settings to download it now"
        ),
    }
}

fn capture_kind(k: debrief_capture::CaptureErrorKind) -> &'static str {
    use debrief_capture::CaptureErrorKind as K;
    match k {
        K::NoCamera => "no_camera",
        K::CameraBusy => "camera_busy",
        K::CameraPermissionDenied => "camera_permission_denied",
        K::UnsupportedCameraFormat => "unsupported_camera_format",
        K::NoMicrophone => "no_microphone",
        K::MicrophoneNotFound => "microphone_not_found",
        K::MicrophoneBusy => "microphone_busy",
        K::MicrophonePermissionDenied => "microphone_permission_denied",
        K::UnsupportedMicrophoneFormat => "unsupported_microphone_format",
        K::AudioHostUnavailable => "audio_host_unavailable",
        K::DeviceLost => "device_lost",
        K::Device => "device",
        K::AudioFile => "audio_file",
        K::InvalidConfig => "invalid_input",
        K::ThreadPanicked => "internal",
    }
}

pub type Result<T, E = DeviceError> = std::result::Result<T, E>;

//! What the commands share: the device facade and the media server.
//!
//! The `Device` owns a SQLite connection, which is `Send` but not `Sync`,
//! so it sits behind a mutex, and every call runs on Tokio's blocking pool:
//! an import copies a whole video and must not stall the async workers
//! that also stream media to the webview.
//!
//! If the library cannot be opened at launch (a newer schema, a damaged
//! database, a bad config file) the app still starts and every command
//! answers with that error as `kind: "startup"`, so the user reads why
//! instead of watching the window vanish.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use debrief_device::{Device, DeviceError, RecordingSlot};
use debrief_library::Clip;
use debrief_mediaserver::{MediaServer, ServeDirs};

use crate::dto::ClipView;
use crate::error::{ErrorKind, IpcError};
use crate::events::{CoachingChanged, CoachingSubject, LibraryChange, LibraryChanged};

/// Delivers library changes to the UI (the shell passes Tauri's emitter;
/// tests pass their own).
pub type Notifier = Box<dyn Fn(LibraryChanged) + Send + Sync>;

/// Delivers coaching changes to the UI (and wakes the sync loop).
pub type CoachingNotifier = Box<dyn Fn(CoachingChanged) + Send + Sync>;

pub struct AppState {
    ready: Result<Ready, IpcError>,
    notifier: Notifier,
    coaching: CoachingNotifier,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("ready", &self.ready)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Ready {
    device: Arc<Mutex<Device>>,
    media: MediaServer,
    data_dir: PathBuf,
    /// The recording in progress: outside the device's lock, so the
    /// library stays usable while it runs (see `commands::record`).
    recording: Arc<RecordingSlot>,
}

impl AppState {
    /// Open the library in `data_dir` and start the media server on the
    /// current Tokio runtime.
    pub async fn open(data_dir: &Path, notifier: Notifier) -> Self {
        let ready = match Device::open(data_dir) {
            Err(e) => Err(startup(e.to_string())),
            Ok(device) => {
                let data_dir = device.data_dir().to_path_buf();
                let recording = Arc::new(RecordingSlot::new());
                let preview = crate::preview::SlotPreview::source(recording.clone());
                match MediaServer::start_with_preview(ServeDirs::of_library(&data_dir), preview)
                    .await
                {
                    Ok(media) => Ok(Ready {
                        device: Arc::new(Mutex::new(device)),
                        media,
                        data_dir,
                        recording,
                    }),
                    Err(e) => Err(startup(e.to_string())),
                }
            }
        };
        if let Err(e) = &ready {
            tracing::error!(message = %e.message, "library unavailable");
        }
        Self {
            ready,
            notifier,
            coaching: Box::new(|_| {}),
        }
    }

    /// Where coaching changes go (by default, nowhere).
    pub fn with_coaching_notifier(mut self, coaching: CoachingNotifier) -> Self {
        self.coaching = coaching;
        self
    }

    fn ready(&self) -> Result<&Ready, IpcError> {
        self.ready.as_ref().map_err(Clone::clone)
    }

    /// Run one device operation off the async workers.
    pub async fn run<T, F>(&self, op: F) -> Result<T, IpcError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Device) -> Result<T, DeviceError> + Send + 'static,
    {
        let device = Arc::clone(&self.ready()?.device);
        tauri::async_runtime::spawn_blocking(move || {
            let mut guard = device
                .lock()
                .map_err(|_| IpcError::internal("the library lock was poisoned by a crash"))?;
            op(&mut guard).map_err(IpcError::from)
        })
        .await
        .map_err(|e| IpcError::internal(format!("a library task failed: {e}")))?
    }

    /// A clip as the UI sees it, with URLs on this launch's media server.
    pub fn view(&self, clip: Clip) -> Result<ClipView, IpcError> {
        Ok(ClipView::new(clip, &self.ready()?.media))
    }

    /// Tell the UI that a clip changed.
    pub fn notify(&self, change: LibraryChange, clip_id: &str) {
        (self.notifier)(LibraryChanged {
            change,
            clip_id: clip_id.to_string(),
        });
    }

    /// Tell the UI that a challenge, the playbook, comments or
    /// notifications changed.
    pub fn notify_coaching(&self, subject: CoachingSubject, id: &str) {
        (self.coaching)(CoachingChanged {
            subject,
            id: id.to_string(),
        });
    }

    pub fn data_dir(&self) -> Result<&Path, IpcError> {
        Ok(&self.ready()?.data_dir)
    }

    /// The recording slot, shared with the media server's live preview.
    pub fn recording(&self) -> Result<&Arc<RecordingSlot>, IpcError> {
        Ok(&self.ready()?.recording)
    }

    pub fn media(&self) -> Result<&MediaServer, IpcError> {
        Ok(&self.ready()?.media)
    }
}

fn startup(message: String) -> IpcError {
    IpcError {
        kind: ErrorKind::Startup,
        message: format!("Debrief cannot open your library: {message}"),
    }
}

//! Cameras: listing them and capturing from one.
//!
//! On Linux, macOS and Windows this is nokhwa's native backend (V4L2,
//! AVFoundation, Media Foundation) in `native`. Elsewhere (Android, iOS)
//! cameras come from the app shell through the same [`VideoSource`] trait,
//! so here there are none: the list is empty and opening one says so.
//!
//! A [`Camera`] is just an index; starting it opens the device on its own
//! thread, picks the mode closest to the request (`select`, [`pick_mode`]), converts every
//! frame to I420 and stamps it on the shared clock. Frames the consumer has
//! no room for are dropped (a camera cannot wait) and counted.

mod select;

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
mod native;

use serde::{Deserialize, Serialize};

pub use select::{CameraMode, pick_mode};

use crate::clock::CaptureClock;
use crate::error::CaptureError;
use crate::source::{VideoCapture, VideoConfig, VideoSource};

/// A camera by its system index (`--source camera:N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Camera {
    pub index: u32,
}

impl Camera {
    pub fn new(index: u32) -> Self {
        Self { index }
    }
}

/// A camera as listed for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraInfo {
    pub index: u32,
    pub name: String,
    /// Backend detail, e.g. "Video4Linux Device @ /dev/video0".
    pub description: String,
    /// Modes it offers; empty if it could not be asked (see `error`).
    pub formats: Vec<CameraMode>,
    /// Why the modes could not be read (e.g. another app holds the camera).
    pub error: Option<String>,
}

impl VideoSource for Camera {
    fn name(&self) -> String {
        format!("camera {}", self.index)
    }

    fn start(
        &self,
        config: &VideoConfig,
        clock: &CaptureClock,
    ) -> Result<VideoCapture, CaptureError> {
        config.validate()?;
        if clock.is_virtual() {
            return Err(CaptureError::InvalidConfig(
                "a camera runs in real time; start it with CaptureClock::real()".into(),
            ));
        }
        start_native(*self, *config, clock.clone())
    }
}

/// Cameras attached to this machine: an empty list, not an error, when
/// there are none.
pub fn list_cameras() -> Result<Vec<CameraInfo>, CaptureError> {
    list_native()
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
fn list_native() -> Result<Vec<CameraInfo>, CaptureError> {
    native::list()
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
fn start_native(
    camera: Camera,
    config: VideoConfig,
    clock: CaptureClock,
) -> Result<VideoCapture, CaptureError> {
    native::start(camera, config, clock)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn list_native() -> Result<Vec<CameraInfo>, CaptureError> {
    Ok(Vec::new())
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn start_native(
    camera: Camera,
    _config: VideoConfig,
    _clock: CaptureClock,
) -> Result<VideoCapture, CaptureError> {
    Err(CaptureError::NoCamera {
        detail: format!(
            "camera {}: on this platform the app provides camera frames",
            camera.index
        ),
    })
}

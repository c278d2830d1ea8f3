//! Capture for Debrief: camera, microphone and synthetic sources that
//! deliver I420 video frames and mono 48 kHz audio chunks, timestamped on one
//! monotonic [`CaptureClock`], over bounded channels.
//!
//! A recorder picks a [`VideoSource`] and an [`AudioSource`] (from the
//! user's words with [`VideoSourceSpec`] and [`MicSpec`]), starts both with
//! clones of one clock, and reads [`VideoCapture::frames`] and
//! [`AudioCapture::chunks`]. Each device is owned by one thread; stopping or
//! dropping a capture joins it. See [`source`] for the back-pressure policy,
//! [`synthetic`] for the stand-in used by tests and benchmarks, and
//! [`list_devices`] for what is attached.

pub mod audio;
pub mod camera;
pub mod clock;
pub mod convert;
pub mod devices;
pub mod error;
pub mod frame;
pub mod mic;
pub mod source;
pub mod spec;
pub mod synthetic;

mod resample;
mod worker;

pub use audio::{AudioChunk, AudioLevel, CHUNK_SAMPLES, SAMPLE_RATE};
pub use camera::{Camera, CameraInfo, CameraMode, list_cameras};
pub use clock::CaptureClock;
pub use convert::{ConvertError, PixelConverter, PixelFormat};
pub use devices::{DeviceList, ListingError, list_devices};
pub use error::{CaptureError, CaptureErrorKind};
pub use frame::{FrameError, VideoFrame};
pub use mic::{MicChoice, Microphone, MicrophoneInfo, list_microphones};
pub use source::{
    AudioCapture, AudioConfig, AudioFormat, AudioSource, AudioStats, VideoCapture, VideoConfig,
    VideoFormat, VideoSource, VideoStats,
};
pub use spec::{MicSpec, VideoSourceSpec};
pub use synthetic::{
    OverlayReading, SyncMarkers, SyntheticAudio, SyntheticSound, SyntheticVideo, read_overlay,
};

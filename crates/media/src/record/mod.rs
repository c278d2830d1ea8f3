//! Recording: camera and microphone into a crash-safe H.264 + Opus MP4.
//!
//! The device facade starts a [`Recorder`] with running captures (see
//! [`VideoFeed`] / [`AudioFeed`]), offers pause/resume, status and preview
//! while it runs, and gets a [`FinishedRecording`] from [`Recorder::stop`]
//! (or discards it). At start-up it lists what a crash left behind with
//! [`scan_interrupted`] and finalises each with [`recover`].
//!
//! How the parts fit:
//! - [`codec`]: encoders behind traits (OpenH264, Opus);
//! - `timeline`: capture time to recording time (pauses, maximum length,
//!   A/V alignment);
//! - `pipeline` / `writer`: the encode and writer threads;
//! - [`mp4`]: the file format: fragmented while recording (one fsync'd,
//!   checksummed fragment a second), finalised in place into a fast-start
//!   MP4 at stop or recovery;
//! - `store`: the folder of a recording in progress, its manifest and lock.
//!
//! Guarantees: memory does not grow with the length of a recording (one
//! fragment being built, a few in flight to the writer, audio waiting for
//! video at most 2 s); a kill or power loss loses at most the fragment being
//! written (about a second); audio and video share one timeline with no
//! gaps across pauses.

pub mod codec;
mod error;
mod feed;
mod finish;
pub mod mp4;
mod muxer;
mod pipeline;
mod recorder;
mod shared;
mod store;
mod timeline;
mod writer;

pub use error::{RecordError, StopReason, clock_time};
pub use feed::{AudioFeed, VideoFeed};
pub use finish::{FinishedRecording, recover};
pub use recorder::{Encoders, Recorder, RecorderConfig, RecordingPlan, free_space};
pub use shared::{RecorderState, RecorderStatus};
pub use store::{
    InterruptedRecording, RecordingManifest, RecordingMeta, RecordingSettings, recordings_dir,
    remove_recording, scan_interrupted,
};

//! The source traits and the running captures they start.
//!
//! A source is a description of a device (a camera index, a microphone
//! choice, the synthetic pattern); `start` opens the device on a thread of its
//! own and returns a running capture whose items arrive over a bounded
//! channel. The recorder holds one [`VideoCapture`] and one [`AudioCapture`],
//! both started with clones of the same [`CaptureClock`], and reads from
//! `frames()` / `chunks()` (plain `crossbeam_channel` receivers, so it can
//! `select!` over both).
//!
//! Back-pressure, decided per medium:
//! - video: a camera cannot wait, so when the channel is full the newest
//!   frame is dropped and counted ([`VideoStats::frames_dropped`]); a gap in
//!   [`VideoFrame::index`] shows where.
//! - audio: never dropped silently. A source buffers what its device delivers
//!   and waits for the consumer; only if that buffer overflows is audio lost,
//!   and then it is replaced by silence of the same length (so the timeline
//!   and A/V sync hold), counted in [`AudioStats::samples_lost`] and flagged on
//!   the chunk ([`AudioChunk::discontinuity`]).
//!
//! Ending: a capture ends when asked ([`VideoCapture::request_stop`], then
//! read until the channel disconnects, to get the tail) or when its device
//! fails (the channel disconnects; [`VideoCapture::stop`] returns the error).
//! Dropping a capture stops it and joins its thread.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::Receiver;
use serde::{Deserialize, Serialize};

use crate::audio::AudioChunk;
use crate::clock::CaptureClock;
use crate::error::CaptureError;
use crate::frame::{VideoFrame, i420_len};
use crate::worker::Worker;

/// What the recorder asks of a video source. A camera picks its closest
/// format and reports what it got in [`VideoCapture::format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoConfig {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Frames the channel holds before new ones are dropped.
    pub channel_capacity: usize,
}

impl Default for VideoConfig {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 720,
            fps: 30,
            channel_capacity: 8,
        }
    }
}

impl VideoConfig {
    pub fn validate(&self) -> Result<(), CaptureError> {
        i420_len(self.width, self.height)
            .map_err(|e| CaptureError::InvalidConfig(e.to_string()))?;
        if !(1..=240).contains(&self.fps) {
            return Err(CaptureError::InvalidConfig(format!(
                "frame rate must be between 1 and 240 fps; got {}",
                self.fps
            )));
        }
        if self.channel_capacity == 0 {
            return Err(CaptureError::InvalidConfig(
                "the video channel needs room for at least one frame".into(),
            ));
        }
        Ok(())
    }
}

/// What the recorder asks of an audio source. The device itself is chosen
/// by the source value (e.g. [`crate::Microphone::new`]); the output is
/// always mono 48 kHz in 20 ms chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioConfig {
    /// Chunks (20 ms each) the channel holds before the source must wait.
    pub channel_capacity: usize,
}

impl Default for AudioConfig {
    fn default() -> Self {
        Self {
            channel_capacity: 50,
        }
    }
}

impl AudioConfig {
    pub fn validate(&self) -> Result<(), CaptureError> {
        if self.channel_capacity == 0 {
            return Err(CaptureError::InvalidConfig(
                "the audio channel needs room for at least one chunk".into(),
            ));
        }
        Ok(())
    }
}

/// A camera, or anything that stands in for one.
pub trait VideoSource: fmt::Debug + Send {
    /// A human-readable name for logs and error messages.
    fn name(&self) -> String;
    /// Open the device and start capturing on its own thread.
    fn start(
        &self,
        config: &VideoConfig,
        clock: &CaptureClock,
    ) -> Result<VideoCapture, CaptureError>;
}

/// A microphone, or anything that stands in for one.
pub trait AudioSource: fmt::Debug + Send {
    /// A human-readable name for logs and error messages.
    fn name(&self) -> String;
    /// Open the device and start capturing on its own thread.
    fn start(
        &self,
        config: &AudioConfig,
        clock: &CaptureClock,
    ) -> Result<AudioCapture, CaptureError>;
}

/// What a video source actually delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoFormat {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// The device's own pixel format before conversion to I420
    /// (e.g. "MJPEG", "YUYV"; "I420" for the synthetic source).
    pub device_format: String,
}

/// What an audio device delivers before conversion to mono 48 kHz f32.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioFormat {
    pub device_sample_rate: u32,
    pub device_channels: u16,
    pub device_sample_format: String,
}

/// Counters of a running video capture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoStats {
    pub frames_delivered: u64,
    /// Frames dropped because the consumer fell behind.
    pub frames_dropped: u64,
}

/// Counters of a running audio capture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioStats {
    pub chunks_delivered: u64,
    pub samples_delivered: u64,
    /// Samples (at 48 kHz) lost to overruns and replaced by silence.
    pub samples_lost: u64,
    /// How many separate losses there were.
    pub overruns: u64,
}

#[derive(Debug, Default)]
pub(crate) struct VideoCounters {
    pub(crate) delivered: AtomicU64,
    pub(crate) dropped: AtomicU64,
}

impl VideoCounters {
    fn snapshot(&self) -> VideoStats {
        VideoStats {
            frames_delivered: self.delivered.load(Ordering::Relaxed),
            frames_dropped: self.dropped.load(Ordering::Relaxed),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct AudioCounters {
    pub(crate) chunks: AtomicU64,
    pub(crate) samples: AtomicU64,
    pub(crate) samples_lost: AtomicU64,
    pub(crate) overruns: AtomicU64,
}

impl AudioCounters {
    fn snapshot(&self) -> AudioStats {
        AudioStats {
            chunks_delivered: self.chunks.load(Ordering::Relaxed),
            samples_delivered: self.samples.load(Ordering::Relaxed),
            samples_lost: self.samples_lost.load(Ordering::Relaxed),
            overruns: self.overruns.load(Ordering::Relaxed),
        }
    }
}

/// A running video capture. Dropping it stops the device.
#[derive(Debug)]
pub struct VideoCapture {
    worker: Worker<VideoFrame>,
    format: VideoFormat,
    counters: Arc<VideoCounters>,
}

impl VideoCapture {
    pub(crate) fn new(
        worker: Worker<VideoFrame>,
        format: VideoFormat,
        counters: Arc<VideoCounters>,
    ) -> Self {
        Self {
            worker,
            format,
            counters,
        }
    }

    /// The device's name, as used in errors.
    pub fn name(&self) -> &str {
        self.worker.device()
    }

    /// What the device actually delivers (may differ from the request).
    pub fn format(&self) -> &VideoFormat {
        &self.format
    }

    /// The frames, in capture order. Disconnects when the capture ends.
    pub fn frames(&self) -> &Receiver<VideoFrame> {
        self.worker.items()
    }

    pub fn stats(&self) -> VideoStats {
        self.counters.snapshot()
    }

    /// Ask the device thread to finish; keep reading `frames()` until it
    /// disconnects to get everything, then call [`VideoCapture::stop`].
    pub fn request_stop(&self) {
        self.worker.request_stop();
    }

    /// True once the device thread has ended (stopped or failed).
    pub fn is_finished(&self) -> bool {
        self.worker.is_finished()
    }

    /// Stop (discarding frames not yet read), join the device thread, and
    /// return the final counters, or the error that ended the capture.
    pub fn stop(mut self) -> Result<VideoStats, CaptureError> {
        self.worker.stop()?;
        Ok(self.counters.snapshot())
    }
}

/// A running audio capture. Dropping it stops the device.
#[derive(Debug)]
pub struct AudioCapture {
    worker: Worker<AudioChunk>,
    format: AudioFormat,
    counters: Arc<AudioCounters>,
}

impl AudioCapture {
    pub(crate) fn new(
        worker: Worker<AudioChunk>,
        format: AudioFormat,
        counters: Arc<AudioCounters>,
    ) -> Self {
        Self {
            worker,
            format,
            counters,
        }
    }

    /// The device's name, as used in errors.
    pub fn name(&self) -> &str {
        self.worker.device()
    }

    /// What the device delivers before conversion to mono 48 kHz.
    pub fn format(&self) -> &AudioFormat {
        &self.format
    }

    /// The chunks, in capture order. Disconnects when the capture ends.
    pub fn chunks(&self) -> &Receiver<AudioChunk> {
        self.worker.items()
    }

    pub fn stats(&self) -> AudioStats {
        self.counters.snapshot()
    }

    /// Ask the device thread to finish; it flushes its last partial chunk.
    /// Keep reading `chunks()` until it disconnects, then call `stop`.
    pub fn request_stop(&self) {
        self.worker.request_stop();
    }

    /// True once the device thread has ended (stopped or failed).
    pub fn is_finished(&self) -> bool {
        self.worker.is_finished()
    }

    /// Stop (discarding chunks not yet read), join the device thread, and
    /// return the final counters, or the error that ended the capture.
    pub fn stop(mut self) -> Result<AudioStats, CaptureError> {
        self.worker.stop()?;
        Ok(self.counters.snapshot())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_validation_names_the_problem() {
        assert!(VideoConfig::default().validate().is_ok());
        let odd = VideoConfig {
            width: 641,
            ..VideoConfig::default()
        };
        assert!(odd.validate().unwrap_err().to_string().contains("641x720"));
        let fast = VideoConfig {
            fps: 1000,
            ..VideoConfig::default()
        };
        assert!(fast.validate().unwrap_err().to_string().contains("1000"));
        let none = AudioConfig {
            channel_capacity: 0,
        };
        assert!(none.validate().is_err());
    }
}

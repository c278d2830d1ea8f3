//! What the recorder reads from: a running capture, or a stand-in.
//!
//! The recorder owns a [`VideoFeed`] and optionally an [`AudioFeed`]. The
//! capture crate's running captures are feeds; benchmarks replay prepared
//! frames through the same traits. Both must be timestamped on one clock
//! (start the captures with clones of one `CaptureClock`).

use std::fmt;

use crossbeam_channel::Receiver;
use debrief_capture::{AudioCapture, AudioChunk, VideoCapture, VideoFrame};

/// A running source of I420 frames.
pub trait VideoFeed: Send + fmt::Debug {
    fn frames(&self) -> &Receiver<VideoFrame>;
    /// Picture size every frame has.
    fn size(&self) -> (u32, u32);
    /// Nominal frame rate (the last frame of a recording lasts `1 / fps`).
    fn fps(&self) -> u32;
    /// Frames the source had to drop so far.
    fn frames_dropped(&self) -> u64;
    /// Asks the source to finish; its channel disconnects after the tail.
    fn request_stop(&self);
    /// Stops and joins the source; the error that ended it, if any.
    fn finish(self: Box<Self>) -> Result<(), String>;
}

/// A running source of 48 kHz mono audio chunks.
pub trait AudioFeed: Send + fmt::Debug {
    fn chunks(&self) -> &Receiver<AudioChunk>;
    fn request_stop(&self);
    fn finish(self: Box<Self>) -> Result<(), String>;
}

impl VideoFeed for VideoCapture {
    fn frames(&self) -> &Receiver<VideoFrame> {
        VideoCapture::frames(self)
    }

    fn size(&self) -> (u32, u32) {
        (self.format().width, self.format().height)
    }

    fn fps(&self) -> u32 {
        self.format().fps
    }

    fn frames_dropped(&self) -> u64 {
        self.stats().frames_dropped
    }

    fn request_stop(&self) {
        VideoCapture::request_stop(self);
    }

    fn finish(self: Box<Self>) -> Result<(), String> {
        self.stop().map(|_| ()).map_err(|e| e.to_string())
    }
}

impl AudioFeed for AudioCapture {
    fn chunks(&self) -> &Receiver<AudioChunk> {
        AudioCapture::chunks(self)
    }

    fn request_stop(&self) {
        AudioCapture::request_stop(self);
    }

    fn finish(self: Box<Self>) -> Result<(), String> {
        self.stop().map(|_| ()).map_err(|e| e.to_string())
    }
}

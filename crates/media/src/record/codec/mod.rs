//! Encoders behind traits, so the recorder does not care which one runs.
//!
//! Today video is software H.264 ([`OpenH264Encoder`]) and audio is Opus
//! ([`OpusEncoder`]); the platforms' hardware encoders (MediaCodec,
//! VideoToolbox) and AAC (for iOS before 17, which cannot play Opus in MP4)
//! are meant to slot in behind the same traits. What the container needs
//! from an encoder is its *track format* (for H.264 the parameter sets, for
//! Opus the pre-skip), which the muxer turns into a sample entry.
//!
//! Invariants the muxer relies on: every [`EncodedVideo`] is one access unit
//! as length-prefixed (4-byte, big-endian) NAL units without parameter sets;
//! its decode order is its presentation order (no B-frames); the first one is
//! a keyframe. Every audio packet holds exactly
//! [`AudioEncoder::frame_samples`] samples of 48 kHz mono input.

mod h264;
mod opus;

pub use h264::{OpenH264Encoder, annex_b_to_length_prefixed};
pub use opus::{OPUS_PACKET_SAMPLES, OpusEncoder};

use debrief_capture::VideoFrame;

use crate::probe::{AudioCodec, VideoCodec};

/// An encoder failed; recording stops and keeps what was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {codec} encoder failed: {message}")]
pub struct EncodeError {
    pub codec: &'static str,
    pub message: String,
}

impl EncodeError {
    pub(crate) fn new(codec: &'static str, message: impl Into<String>) -> Self {
        Self {
            codec,
            message: message.into(),
        }
    }
}

/// One encoded picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedVideo {
    /// Length-prefixed NAL units (4-byte big-endian lengths).
    pub data: Vec<u8>,
    /// True for an IDR picture: decoding can start here.
    pub keyframe: bool,
}

/// What a video track needs in its sample entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoTrackFormat {
    H264 {
        width: u32,
        height: u32,
        /// Sequence parameter set, without start code or length prefix.
        sps: Vec<u8>,
        /// Picture parameter set, without start code or length prefix.
        pps: Vec<u8>,
    },
}

impl VideoTrackFormat {
    pub fn codec(&self) -> VideoCodec {
        match self {
            Self::H264 { .. } => VideoCodec::H264,
        }
    }

    pub fn dimensions(&self) -> (u32, u32) {
        match self {
            Self::H264 { width, height, .. } => (*width, *height),
        }
    }
}

/// What an audio track needs in its sample entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioTrackFormat {
    Opus {
        /// Samples (at 48 kHz) the decoder discards at the start.
        pre_skip: u16,
        channels: u8,
    },
}

impl AudioTrackFormat {
    pub fn codec(&self) -> AudioCodec {
        match self {
            Self::Opus { .. } => AudioCodec::Opus,
        }
    }

    /// Samples at the start of the decoded stream that are not content.
    pub fn priming_samples(&self) -> u32 {
        match self {
            Self::Opus { pre_skip, .. } => u32::from(*pre_skip),
        }
    }
}

/// A video encoder: software today, hardware on phones later.
pub trait VideoEncoder: Send + std::fmt::Debug {
    fn codec(&self) -> VideoCodec;

    /// Encodes one frame. `force_keyframe` asks for an IDR picture (the
    /// recorder starts every fragment with one). `None` means the encoder
    /// skipped the frame; the previous picture then stays on screen longer.
    fn encode(
        &mut self,
        frame: &VideoFrame,
        force_keyframe: bool,
    ) -> Result<Option<EncodedVideo>, EncodeError>;

    /// The track format, known once the first keyframe was encoded.
    fn track_format(&self) -> Option<VideoTrackFormat>;
}

/// An audio encoder taking 48 kHz mono samples in fixed-size frames.
pub trait AudioEncoder: Send + std::fmt::Debug {
    fn codec(&self) -> AudioCodec;

    fn track_format(&self) -> AudioTrackFormat;

    /// Samples per packet (960 for 20 ms Opus, 1024 for AAC).
    fn frame_samples(&self) -> usize;

    /// Encodes exactly [`AudioEncoder::frame_samples`] samples, replacing
    /// the contents of `packet`.
    fn encode(&mut self, pcm: &[f32], packet: &mut Vec<u8>) -> Result<(), EncodeError>;
}

/// Settings of the software video encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct VideoEncoderConfig {
    /// Target bit rate; 2.5 Mbit/s suits 1280x720 at 30 fps.
    pub bitrate_bps: u32,
    /// Encoder threads (1: predictable CPU use next to the camera thread).
    pub threads: u16,
    /// Speed against quality at the same bit rate.
    pub complexity: VideoComplexity,
}

impl Default for VideoEncoderConfig {
    fn default() -> Self {
        Self {
            bitrate_bps: 2_500_000,
            threads: 1,
            complexity: VideoComplexity::Medium,
        }
    }
}

/// How hard the encoder searches for a good encoding. Measured here on
/// noisy 720p at 2.5 Mbit/s: `Low` encodes about twice as fast as `Medium`
/// at the same PSNR on that content; on real footage with motion `Medium`
/// finds better motion vectors, so it is the default; `Low` suits a phone
/// that runs hot or short of battery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoComplexity {
    Low,
    #[default]
    Medium,
    High,
}

/// Settings of the audio encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AudioEncoderConfig {
    /// Target bit rate; 48 kbit/s is transparent for mono speech in Opus.
    pub bitrate_bps: u32,
}

impl Default for AudioEncoderConfig {
    fn default() -> Self {
        Self {
            bitrate_bps: 48_000,
        }
    }
}

//! H.264 with OpenH264 (software, every platform).
//!
//! OpenH264 emits Annex B (start-code delimited) NAL units with the SPS and
//! PPS in front of every IDR picture. MP4 wants length-prefixed NAL units and
//! the parameter sets once, in the sample entry ('avcC'), so they are cut out
//! here and kept as the track format. Rate control runs in bit-rate mode with
//! frame skipping off: a skipped frame would leave an empty sample.

use debrief_capture::VideoFrame;
use openh264::OpenH264API;
use openh264::encoder::{
    BitRate, Complexity, Encoder, EncoderConfig, FrameRate, FrameType, IntraFramePeriod,
    RateControlMode, UsageType, VuiConfig,
};
use openh264::formats::YUVSlices;

use super::{
    EncodeError, EncodedVideo, VideoComplexity, VideoEncoder, VideoEncoderConfig, VideoTrackFormat,
};
use crate::probe::VideoCodec;

const CODEC: &str = "H.264";
const NAL_SPS: u8 = 7;
const NAL_PPS: u8 = 8;
const NAL_AUD: u8 = 9;

/// Software H.264 encoder for one fixed picture size.
pub struct OpenH264Encoder {
    inner: Encoder,
    width: u32,
    height: u32,
    sps: Option<Vec<u8>>,
    pps: Option<Vec<u8>>,
    /// Reused Annex B scratch buffer.
    annex_b: Vec<u8>,
}

impl std::fmt::Debug for OpenH264Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenH264Encoder")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

impl OpenH264Encoder {
    /// An encoder for `width`x`height` pictures at about `fps` frames a second.
    pub fn new(
        config: &VideoEncoderConfig,
        width: u32,
        height: u32,
        fps: u32,
    ) -> Result<Self, EncodeError> {
        if config.bitrate_bps < 10_000 {
            return Err(EncodeError::new(
                CODEC,
                format!(
                    "a bit rate of {} bit/s is too low; use at least 10 kbit/s",
                    config.bitrate_bps
                ),
            ));
        }
        let encoder_config = EncoderConfig::new()
            .bitrate(BitRate::from_bps(config.bitrate_bps))
            .max_frame_rate(FrameRate::from_hz(fps.max(1) as f32))
            .rate_control_mode(RateControlMode::Bitrate)
            .usage_type(UsageType::CameraVideoRealTime)
            .skip_frames(false)
            // Keyframes are requested by the recorder at fragment starts, so
            // scene-change detection would only add keyframes; it and
            // background detection cost a quarter of the encoding time
            // (measured at 720p) without a gain in PSNR.
            .intra_frame_period(IntraFramePeriod::from_num_frames(0))
            .scene_change_detect(false)
            .background_detection(false)
            .complexity(match config.complexity {
                VideoComplexity::Low => Complexity::Low,
                VideoComplexity::Medium => Complexity::Medium,
                VideoComplexity::High => Complexity::High,
            })
            .num_threads(config.threads)
            // The capture crate delivers BT.601 limited range: say so.
            .vui(VuiConfig::bt601());
        let inner = Encoder::with_api_config(OpenH264API::from_source(), encoder_config)
            .map_err(|e| EncodeError::new(CODEC, e.to_string()))?;
        Ok(Self {
            inner,
            width,
            height,
            sps: None,
            pps: None,
            annex_b: Vec::new(),
        })
    }

    fn keep_parameter_set(slot: &mut Option<Vec<u8>>, nal: &[u8]) -> Result<(), EncodeError> {
        match slot {
            None => *slot = Some(nal.to_vec()),
            Some(known) if known.as_slice() == nal => {}
            Some(_) => {
                return Err(EncodeError::new(
                    CODEC,
                    "the encoder changed its parameter sets mid-stream",
                ));
            }
        }
        Ok(())
    }
}

impl VideoEncoder for OpenH264Encoder {
    fn codec(&self) -> VideoCodec {
        VideoCodec::H264
    }

    fn encode(
        &mut self,
        frame: &VideoFrame,
        force_keyframe: bool,
    ) -> Result<Option<EncodedVideo>, EncodeError> {
        if (frame.width(), frame.height()) != (self.width, self.height) {
            return Err(EncodeError::new(
                CODEC,
                format!(
                    "a {}x{} frame reached an encoder set up for {}x{}",
                    frame.width(),
                    frame.height(),
                    self.width,
                    self.height
                ),
            ));
        }
        let yuv = YUVSlices::new(
            frame.planes(),
            (self.width as usize, self.height as usize),
            frame.strides(),
        );
        if force_keyframe {
            self.inner.force_intra_frame();
        }
        let stream = self
            .inner
            .encode(&yuv)
            .map_err(|e| EncodeError::new(CODEC, e.to_string()))?;
        let keyframe = match stream.frame_type() {
            FrameType::IDR => true,
            FrameType::I | FrameType::P | FrameType::IPMixed => false,
            FrameType::Skip => return Ok(None),
            FrameType::Invalid => {
                return Err(EncodeError::new(CODEC, "the encoder rejected a frame"));
            }
        };
        self.annex_b.clear();
        stream.write_vec(&mut self.annex_b);
        let mut data = Vec::with_capacity(self.annex_b.len());
        let mut sps = None;
        let mut pps = None;
        annex_b_to_length_prefixed(&self.annex_b, &mut data, |kind, nal| match kind {
            NAL_SPS => sps = Some(nal.to_vec()),
            NAL_PPS => pps = Some(nal.to_vec()),
            _ => {}
        });
        if let Some(nal) = sps {
            Self::keep_parameter_set(&mut self.sps, &nal)?;
        }
        if let Some(nal) = pps {
            Self::keep_parameter_set(&mut self.pps, &nal)?;
        }
        if data.is_empty() {
            return Ok(None);
        }
        if keyframe && (self.sps.is_none() || self.pps.is_none()) {
            return Err(EncodeError::new(
                CODEC,
                "the first keyframe came without its parameter sets",
            ));
        }
        Ok(Some(EncodedVideo { data, keyframe }))
    }

    fn track_format(&self) -> Option<VideoTrackFormat> {
        Some(VideoTrackFormat::H264 {
            width: self.width,
            height: self.height,
            sps: self.sps.clone()?,
            pps: self.pps.clone()?,
        })
    }
}

/// Converts an Annex B stream into length-prefixed NAL units, appended to
/// `out`. Parameter sets and access unit delimiters are passed to
/// `parameter_set` (with their NAL type) instead of being copied.
pub fn annex_b_to_length_prefixed(
    stream: &[u8],
    out: &mut Vec<u8>,
    mut parameter_set: impl FnMut(u8, &[u8]),
) {
    for nal in split_annex_b(stream) {
        let Some(&header) = nal.first() else { continue };
        let kind = header & 0x1F;
        if matches!(kind, NAL_SPS | NAL_PPS | NAL_AUD) {
            parameter_set(kind, nal);
            continue;
        }
        // A NAL unit is far below 4 GB; the cast cannot truncate.
        out.extend_from_slice(&(nal.len() as u32).to_be_bytes());
        out.extend_from_slice(nal);
    }
}

/// The NAL units of an Annex B stream, without their start codes (and
/// without the trailing zero bytes a start code may be padded with).
fn split_annex_b(stream: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= stream.len() {
        if stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .map(|&next| next - 3)
        .chain(std::iter::once(stream.len()))
        .collect();
    starts.into_iter().zip(ends).map(move |(start, end)| {
        let mut end = end;
        while end > start && stream[end - 1] == 0 {
            end -= 1;
        }
        &stream[start..end]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn annex_b_becomes_length_prefixed_without_parameter_sets() {
        let stream = [
            0, 0, 0, 1, 0x67, 1, 2, // SPS
            0, 0, 0, 1, 0x68, 3, // PPS
            0, 0, 1, 0x65, 9, 9, 9, // IDR slice (3-byte start code)
            0, 0, 0, 1, 0x41, 7, // non-IDR slice
        ];
        let mut out = Vec::new();
        let mut sets = Vec::new();
        annex_b_to_length_prefixed(&stream, &mut out, |kind, nal| {
            sets.push((kind, nal.to_vec()))
        });
        assert_eq!(sets, vec![(7, vec![0x67, 1, 2]), (8, vec![0x68, 3])]);
        assert_eq!(out, vec![0, 0, 0, 4, 0x65, 9, 9, 9, 0, 0, 0, 2, 0x41, 7]);
    }

    #[test]
    fn first_frame_is_a_keyframe_with_parameter_sets_and_keyframes_can_be_forced() {
        let mut encoder =
            OpenH264Encoder::new(&VideoEncoderConfig::default(), 160, 120, 30).unwrap();
        assert!(encoder.track_format().is_none());
        let mut frame = VideoFrame::black(160, 120).unwrap();
        let first = encoder.encode(&frame, false).unwrap().unwrap();
        assert!(first.keyframe);
        let Some(VideoTrackFormat::H264 {
            sps, pps, width, ..
        }) = encoder.track_format()
        else {
            panic!("no track format after a keyframe");
        };
        assert_eq!((sps[0] & 0x1F, pps[0] & 0x1F, width), (7, 8, 160));
        // Every NAL length prefix adds up to the sample.
        let mut rest = first.data.as_slice();
        while !rest.is_empty() {
            let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            assert!(len > 0 && len + 4 <= rest.len());
            assert_ne!(rest[4] & 0x1F, 7, "no SPS inside samples");
            rest = &rest[4 + len..];
        }
        frame.pts = Duration::from_millis(33);
        let second = encoder.encode(&frame, false).unwrap().unwrap();
        assert!(!second.keyframe);
        let forced = encoder.encode(&frame, true).unwrap().unwrap();
        assert!(forced.keyframe);
    }

    #[test]
    fn wrong_frame_size_is_an_error_not_a_panic() {
        let mut encoder =
            OpenH264Encoder::new(&VideoEncoderConfig::default(), 160, 120, 30).unwrap();
        let frame = VideoFrame::black(320, 240).unwrap();
        let err = encoder.encode(&frame, false).unwrap_err();
        assert!(err.to_string().contains("320x240"), "{err}");
    }
}

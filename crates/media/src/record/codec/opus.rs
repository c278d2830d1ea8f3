//! Opus with the system libopus: 48 kHz mono, 20 ms packets.
//!
//! The encoder's look-ahead becomes the track's pre-skip: the decoder drops
//! that many samples at the start, and the MP4 edit list says the same, so
//! sample 0 of what was captured is sample 0 of what plays.

use super::{AudioEncoder, AudioEncoderConfig, AudioTrackFormat, EncodeError};
use crate::probe::AudioCodec;

const CODEC: &str = "Opus";
/// 20 ms at 48 kHz: the frame size the capture crate's chunks already have.
pub const OPUS_PACKET_SAMPLES: usize = 960;
/// Larger than any 20 ms mono packet at the bit rates we allow.
const MAX_PACKET: usize = 4000;

pub struct OpusEncoder {
    inner: opus::Encoder,
    pre_skip: u16,
    scratch: Vec<u8>,
}

impl std::fmt::Debug for OpusEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusEncoder")
            .field("pre_skip", &self.pre_skip)
            .finish_non_exhaustive()
    }
}

impl OpusEncoder {
    pub fn new(config: &AudioEncoderConfig) -> Result<Self, EncodeError> {
        if !(6_000..=256_000).contains(&config.bitrate_bps) {
            return Err(EncodeError::new(
                CODEC,
                format!(
                    "a bit rate of {} bit/s is outside what Opus takes (6 to 256 kbit/s)",
                    config.bitrate_bps
                ),
            ));
        }
        let err = |e: opus::Error| EncodeError::new(CODEC, e.to_string());
        let mut inner = opus::Encoder::new(48_000, opus::Channels::Mono, opus::Application::Audio)
            .map_err(err)?;
        let bitrate = i32::try_from(config.bitrate_bps).unwrap_or(i32::MAX);
        inner
            .set_bitrate(opus::Bitrate::Bits(bitrate))
            .map_err(err)?;
        let lookahead = inner.get_lookahead().map_err(err)?;
        let pre_skip = u16::try_from(lookahead)
            .map_err(|_| EncodeError::new(CODEC, format!("unexpected look-ahead {lookahead}")))?;
        Ok(Self {
            inner,
            pre_skip,
            scratch: vec![0; MAX_PACKET],
        })
    }
}

impl AudioEncoder for OpusEncoder {
    fn codec(&self) -> AudioCodec {
        AudioCodec::Opus
    }

    fn track_format(&self) -> AudioTrackFormat {
        AudioTrackFormat::Opus {
            pre_skip: self.pre_skip,
            channels: 1,
        }
    }

    fn frame_samples(&self) -> usize {
        OPUS_PACKET_SAMPLES
    }

    fn encode(&mut self, pcm: &[f32], packet: &mut Vec<u8>) -> Result<(), EncodeError> {
        if pcm.len() != OPUS_PACKET_SAMPLES {
            return Err(EncodeError::new(
                CODEC,
                format!(
                    "a packet needs {OPUS_PACKET_SAMPLES} samples; got {}",
                    pcm.len()
                ),
            ));
        }
        let len = self
            .inner
            .encode_float(pcm, &mut self.scratch)
            .map_err(|e| EncodeError::new(CODEC, e.to_string()))?;
        packet.clear();
        packet.extend_from_slice(&self.scratch[..len]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_20_ms_packets_and_reports_the_pre_skip() {
        let mut encoder = OpusEncoder::new(&AudioEncoderConfig::default()).unwrap();
        let AudioTrackFormat::Opus { pre_skip, channels } = encoder.track_format();
        assert_eq!((pre_skip, channels), (312, 1));
        let tone: Vec<f32> = (0..OPUS_PACKET_SAMPLES)
            .map(|i| (i as f32 * 0.05).sin() * 0.3)
            .collect();
        let mut packet = Vec::new();
        encoder.encode(&tone, &mut packet).unwrap();
        // TOC byte: config for 20 ms frames (CELT or SILK/hybrid), mono, one frame.
        assert!(!packet.is_empty() && packet.len() < 400, "{}", packet.len());
        assert_eq!(packet[0] & 0x04, 0, "mono");
        assert!(encoder.encode(&tone[..100], &mut packet).is_err());
    }

    #[test]
    fn absurd_bit_rates_are_refused() {
        let err = OpusEncoder::new(&AudioEncoderConfig { bitrate_bps: 1 }).unwrap_err();
        assert!(err.to_string().contains("6 to 256"), "{err}");
    }
}

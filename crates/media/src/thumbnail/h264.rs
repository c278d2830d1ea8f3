//! Decoding one early H.264 keyframe with OpenH264.
//!
//! MP4 stores H.264 as "AVCC": each sample is a run of NAL units with a
//! big-endian length prefix (1-4 bytes, from 'avcC'), and the parameter sets
//! (SPS/PPS) live once in 'avcC' rather than in the stream. OpenH264 reads
//! "Annex B": NAL units behind 00 00 00 01 start codes, parameter sets
//! in-band. So a keyframe is rewritten as start code + SPS, start code +
//! PPS, then start code + each NAL of the sample, and decoded by a fresh
//! decoder (a keyframe depends on no other frame).

use std::io::{Read, Seek, SeekFrom};
use std::ops::ControlFlow;

use image::RgbImage;
use mp4_atom::{Avcc, Codec};
use openh264::decoder::{DecodedYUV, Decoder};
use openh264::formats::YUVSource;

use crate::error::ProbeError;
use crate::probe::{Probed, SampleRef};

/// Prefer a keyframe from this far in (seconds' thousandths): the very
/// first frame is often black or a fade-in.
const PREFERRED_START_MS: u64 = 500;

/// Keyframes at or after [`PREFERRED_START_MS`] tried before giving up on
/// finding a bright one.
const MAX_CANDIDATES: usize = 4;

/// Video-range black is luma 16; a frame averaging below this is black or
/// nearly (a covered lens, a fade-in) and makes a useless thumbnail.
const DARK_MEAN_LUMA: f64 = 24.0;

/// A keyframe larger than this is not read (a 4K intra frame is a few MB).
const MAX_SAMPLE_BYTES: u32 = 64 << 20;

const START_CODE: [u8; 4] = [0, 0, 0, 1];

/// A decoded frame, upright as stored.
struct Frame {
    rgb: RgbImage,
    mean_luma: f64,
}

/// Decodes an early, not-dark keyframe of the video track; `None` if no
/// candidate keyframe decodes (an H.264 flavour OpenH264 lacks, or damage).
/// Errors are only for failing to read the file.
pub(super) fn early_frame<R: Read + Seek>(
    reader: &mut R,
    probed: &Probed,
) -> Result<Option<RgbImage>, ProbeError> {
    let Some(avcc) = probed.video_codec_config().and_then(avcc) else {
        return Ok(None);
    };
    let candidates = candidates(reader, probed)?;
    let mut best: Option<Frame> = None;
    for sample in candidates {
        let Some(annex_b) = read_annex_b(reader, sample, avcc)? else {
            continue;
        };
        let frame = match decode(&annex_b) {
            Ok(Some(frame)) => frame,
            Ok(None) => continue,
            Err(err) => {
                tracing::debug!(offset = sample.offset, %err, "keyframe did not decode");
                continue;
            }
        };
        if frame.mean_luma >= DARK_MEAN_LUMA {
            return Ok(Some(frame.rgb));
        }
        if best.as_ref().is_none_or(|b| frame.mean_luma > b.mean_luma) {
            best = Some(frame);
        }
    }
    Ok(best.map(|frame| frame.rgb))
}

fn avcc(codec: &Codec) -> Option<&Avcc> {
    match codec {
        Codec::Avc1(avc1) => Some(&avc1.avcc),
        Codec::Avc3(avc3) => Some(&avc3.avcc),
        _ => None,
    }
}

/// Keyframes to try, best first: up to [`MAX_CANDIDATES`] at or after half
/// a second, then the first keyframe of all if it is earlier.
fn candidates<R: Read + Seek>(
    reader: &mut R,
    probed: &Probed,
) -> Result<Vec<SampleRef>, ProbeError> {
    let preferred_start = u64::from(probed.video_timescale()) * PREFERRED_START_MS / 1000;
    let mut first = None;
    let mut later = Vec::new();
    probed.video_sync_samples(reader, |sample| {
        if sample.decode_time >= preferred_start {
            later.push(sample);
            if later.len() == MAX_CANDIDATES {
                return ControlFlow::Break(());
            }
        } else {
            first.get_or_insert(sample);
        }
        ControlFlow::Continue(())
    })?;
    later.extend(first);
    Ok(later)
}

/// The sample rewritten as Annex B with the parameter sets in front; `None`
/// if the sample is implausibly large or its NAL lengths do not add up.
fn read_annex_b<R: Read + Seek>(
    reader: &mut R,
    sample: SampleRef,
    avcc: &Avcc,
) -> Result<Option<Vec<u8>>, ProbeError> {
    if sample.size == 0 || sample.size > MAX_SAMPLE_BYTES {
        return Ok(None);
    }
    let mut data = vec![0u8; sample.size as usize];
    reader
        .seek(SeekFrom::Start(sample.offset))
        .and_then(|_| reader.read_exact(&mut data))
        .map_err(|source| ProbeError::Io { source })?;
    Ok(avcc_to_annex_b(&data, avcc))
}

fn avcc_to_annex_b(sample: &[u8], avcc: &Avcc) -> Option<Vec<u8>> {
    let length_size = usize::from(avcc.length_size);
    if !(1..=4).contains(&length_size) {
        return None;
    }
    let mut out = Vec::with_capacity(sample.len() + 256);
    for parameter_set in avcc
        .sequence_parameter_sets
        .iter()
        .chain(&avcc.picture_parameter_sets)
    {
        out.extend_from_slice(&START_CODE);
        out.extend_from_slice(parameter_set);
    }
    let mut rest = sample;
    while !rest.is_empty() {
        let (prefix, after) = rest.split_at_checked(length_size)?;
        let len = prefix
            .iter()
            .fold(0usize, |len, byte| (len << 8) | usize::from(*byte));
        let (nal, after) = after.split_at_checked(len)?;
        if !nal.is_empty() {
            out.extend_from_slice(&START_CODE);
            out.extend_from_slice(nal);
        }
        rest = after;
    }
    Some(out)
}

fn decode(annex_b: &[u8]) -> Result<Option<Frame>, openh264::Error> {
    let mut decoder = Decoder::new()?;
    if let Some(yuv) = decoder.decode(annex_b)? {
        return Ok(Some(to_frame(&yuv)));
    }
    Ok(decoder.flush_remaining()?.first().map(to_frame))
}

fn to_frame(yuv: &DecodedYUV<'_>) -> Frame {
    let (width, height) = yuv.dimensions();
    let (luma_stride, _, _) = yuv.strides();
    let luma_sum: u64 = yuv
        .y()
        .chunks(luma_stride.max(1))
        .take(height)
        .map(|row| row.iter().take(width).map(|v| u64::from(*v)).sum::<u64>())
        .sum();
    let pixels = (width * height).max(1);
    let mut rgb = vec![0u8; width * height * 3];
    yuv.write_rgb8(&mut rgb);
    let rgb = RgbImage::from_raw(width as u32, height as u32, rgb)
        .unwrap_or_else(|| RgbImage::new(width as u32, height as u32));
    Frame {
        rgb,
        mean_luma: luma_sum as f64 / pixels as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(length_size: u8) -> Avcc {
        Avcc {
            configuration_version: 1,
            length_size,
            sequence_parameter_sets: vec![vec![0x67, 1, 2]],
            picture_parameter_sets: vec![vec![0x68, 3]],
            ..Avcc::default()
        }
    }

    #[test]
    fn rewrites_length_prefixed_nals_with_parameter_sets_first() {
        let sample = [0, 0, 0, 2, 0x65, 9, 0, 0, 0, 1, 0x06];
        let annex_b = avcc_to_annex_b(&sample, &config(4)).unwrap();
        assert_eq!(
            annex_b,
            [
                0, 0, 0, 1, 0x67, 1, 2, //
                0, 0, 0, 1, 0x68, 3, //
                0, 0, 0, 1, 0x65, 9, //
                0, 0, 0, 1, 0x06,
            ]
        );
        let two_byte = [0, 2, 0x65, 9];
        assert!(
            avcc_to_annex_b(&two_byte, &config(2))
                .unwrap()
                .ends_with(&[0, 0, 0, 1, 0x65, 9])
        );
    }

    #[test]
    fn refuses_lengths_that_do_not_add_up() {
        assert_eq!(avcc_to_annex_b(&[0, 0, 0, 9, 0x65], &config(4)), None);
        assert_eq!(avcc_to_annex_b(&[0, 0], &config(4)), None);
        assert_eq!(avcc_to_annex_b(&[1, 0x65], &config(0)), None);
    }
}

//! Thumbnails: a small JPEG for the library grid and for remote clips.
//!
//! H.264 clips (all of Debrief's own recordings) get a real frame: an early
//! keyframe decoded with OpenH264, turned upright by the track's rotation,
//! scaled to [`THUMBNAIL_WIDTH`] and encoded as JPEG. A keyframe needs no
//! other frame to decode, so only its bytes are read. To avoid the black
//! first frame of a fade-in or a covered lens, the first keyframe at or
//! after half a second is preferred, and a dark frame is passed over for a
//! later keyframe (a few at most).
//!
//! HEVC clips get a generated poster instead, because no decoder for HEVC
//! is available as a Rust crate; so does an H.264 stream OpenH264 cannot
//! decode (e.g. 4:2:2 or 10-bit). [`Thumbnail::source`] says which it is.

mod h264;
mod poster;

use std::path::Path;

use image::RgbImage;
use image::imageops::{self, FilterType};

use crate::error::ThumbnailError;
use crate::probe::{self, MediaInfo, Probed, VideoCodec};

/// Width of every thumbnail, in pixels; the height keeps the picture's
/// displayed aspect ratio.
pub const THUMBNAIL_WIDTH: u32 = 320;

/// JPEG quality: small files (10-20 KB) without visible blocking at 320 px.
const JPEG_QUALITY: u8 = 80;

/// A thumbnail image.
#[derive(Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub source: ThumbnailSource,
}

impl std::fmt::Debug for Thumbnail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Thumbnail")
            .field("jpeg", &format_args!("{} bytes", self.jpeg.len()))
            .field("width", &self.width)
            .field("height", &self.height)
            .field("source", &self.source)
            .finish()
    }
}

/// Where a thumbnail's picture came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThumbnailSource {
    /// A frame of the video.
    DecodedFrame,
    /// A drawn poster, for video no available decoder can read.
    GeneratedPoster,
}

/// Makes the thumbnail of the video at `path`, which `info` describes (from
/// [`probe::probe_file`]).
pub fn make_thumbnail(path: &Path, info: &MediaInfo) -> Result<Thumbnail, ThumbnailError> {
    let mut size = thumbnail_size(info);
    let picture = match info.video_codec {
        VideoCodec::Hevc => None,
        VideoCodec::H264 => {
            // The frame is found through the index, so read it again; and
            // trust what the file says now over a description from before.
            let mut file = probe::open(path)?;
            let probed = Probed::read(&mut file)?;
            size = thumbnail_size(&probed.info);
            let frame = h264::early_frame(&mut file, &probed)?;
            if frame.is_none() {
                tracing::warn!(path = %path.display(), "no H.264 keyframe could be decoded; using a generated poster");
            }
            frame.map(|frame| fit(frame, probed.info.rotation, size.0, size.1))
        }
    };
    let (image, source) = match picture {
        Some(image) => (image, ThumbnailSource::DecodedFrame),
        None => (
            poster::draw(size.0, size.1),
            ThumbnailSource::GeneratedPoster,
        ),
    };
    let jpeg = encode_jpeg(&image)?;
    Ok(Thumbnail {
        jpeg,
        width: image.width(),
        height: image.height(),
        source,
    })
}

/// The thumbnail's size: [`THUMBNAIL_WIDTH`] wide, as tall as the video's
/// displayed (rotated) aspect ratio asks, at least 1 pixel.
pub(crate) fn thumbnail_size(info: &MediaInfo) -> (u32, u32) {
    let (display_width, display_height) = match info.rotation {
        90 | 270 => (info.height, info.width),
        _ => (info.width, info.height),
    };
    let height = (u64::from(THUMBNAIL_WIDTH) * u64::from(display_height)
        + u64::from(display_width) / 2)
        / u64::from(display_width.max(1));
    (
        THUMBNAIL_WIDTH,
        u32::try_from(height)
            .unwrap_or(u32::MAX)
            .clamp(1, 8 * THUMBNAIL_WIDTH),
    )
}

/// Scales a decoded frame (stored orientation) and turns it upright, ending
/// at `width` x `height`.
fn fit(frame: RgbImage, rotation: u16, width: u32, height: u32) -> RgbImage {
    let sideways = matches!(rotation, 90 | 270);
    let (stored_width, stored_height) = if sideways {
        (height, width)
    } else {
        (width, height)
    };
    let scaled = imageops::resize(&frame, stored_width, stored_height, FilterType::Triangle);
    match rotation {
        90 => imageops::rotate90(&scaled),
        180 => imageops::rotate180(&scaled),
        270 => imageops::rotate270(&scaled),
        _ => scaled,
    }
}

fn encode_jpeg(image: &RgbImage) -> Result<Vec<u8>, ThumbnailError> {
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(image)
        .map_err(|source| ThumbnailError::Encode { source })?;
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::AudioCodec;

    fn info(width: u32, height: u32, rotation: u16) -> MediaInfo {
        MediaInfo {
            duration_ms: 1000,
            width,
            height,
            rotation,
            video_codec: VideoCodec::Hevc,
            audio_codec: Some(AudioCodec::Aac),
            creation_time: None,
            fast_start: true,
            fragmented: false,
        }
    }

    #[test]
    fn size_keeps_the_displayed_aspect() {
        assert_eq!(thumbnail_size(&info(1920, 1080, 0)), (320, 180));
        assert_eq!(thumbnail_size(&info(1920, 1080, 90)), (320, 569));
        assert_eq!(thumbnail_size(&info(640, 480, 180)), (320, 240));
        assert_eq!(thumbnail_size(&info(100_000, 2, 0)), (320, 1));
        assert_eq!(thumbnail_size(&info(2, 100_000, 0)), (320, 2560));
    }

    #[test]
    fn rotation_turns_the_frame_upright() {
        // A landscape frame, red on the left, stored for a 90° clockwise turn.
        let frame = RgbImage::from_fn(64, 36, |x, _| {
            if x < 32 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        });
        let upright = fit(frame, 90, 36, 64);
        assert_eq!(upright.dimensions(), (36, 64));
        // Turning clockwise brings the left edge to the top.
        assert_eq!(upright.get_pixel(18, 2).0, [255, 0, 0]);
        assert_eq!(upright.get_pixel(18, 61).0, [0, 0, 255]);
    }
}

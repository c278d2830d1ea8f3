//! The live preview picture: a recording's latest I420 frame as a small JPEG
//! that a webview can show (the app serves it from its loopback media
//! server while the user records).
//!
//! The frame is shrunk by a whole factor (2 for a 720p camera and a
//! 640-pixel preview) by taking every other sample, which needs no
//! resampling filter and touches only the samples it keeps: a preview is
//! looked at for 33 ms, so aliasing is not worth the cost of averaging.
//! Colour: BT.601 limited range in, full-range RGB out, the convention the
//! encoder and the players use, so the preview looks like the recording.

use debrief_capture::VideoFrame;
use image::RgbImage;
use yuv::{YuvPlanarImage, YuvRange, YuvStandardMatrix};

/// The widest preview picture: enough for a phone's screen width and half a
/// desktop window, and small enough to encode at 30 fps on a phone.
pub const PREVIEW_MAX_WIDTH: u32 = 640;

/// JPEG quality of the preview: it is seen for 33 ms, never stored.
const PREVIEW_QUALITY: u8 = 70;

/// One preview picture.
#[derive(Clone, PartialEq, Eq)]
pub struct PreviewJpeg {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl std::fmt::Debug for PreviewJpeg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreviewJpeg")
            .field("jpeg", &format_args!("{} bytes", self.jpeg.len()))
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("encoding the preview JPEG failed: {0}; this is a bug, please report it")]
pub struct PreviewError(#[from] jpeg_encoder::EncodingError);

/// The size of the preview of a `width` x `height` frame: shrunk by the
/// smallest whole factor that fits [`PREVIEW_MAX_WIDTH`].
pub fn preview_size(width: u32, height: u32) -> (u32, u32) {
    let factor = preview_factor(width);
    ((width / factor).max(1), (height / factor).max(1))
}

fn preview_factor(width: u32) -> u32 {
    width.div_ceil(PREVIEW_MAX_WIDTH).max(1)
}

/// Encode `frame` as the preview JPEG.
pub fn preview_jpeg(frame: &VideoFrame) -> Result<PreviewJpeg, PreviewError> {
    let rgb = shrink_to_rgb(frame, preview_factor(frame.width()));
    let mut jpeg = Vec::with_capacity(64 * 1024);
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, PREVIEW_QUALITY);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder.encode(
        rgb.as_raw(),
        rgb.width() as u16,
        rgb.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )?;
    Ok(PreviewJpeg {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// I420 to RGB, `factor` times smaller in each direction: every plane is
/// subsampled (nearest sample) to a small I420 picture, which the `yuv`
/// crate's SIMD converter turns into RGB. Only the small picture is
/// converted, and the copying loops stay cheap even in unoptimised builds.
fn shrink_to_rgb(frame: &VideoFrame, factor: u32) -> RgbImage {
    let (width, height) = (frame.width() as usize, frame.height() as usize);
    let k = factor as usize;
    // Even sizes keep the 4:2:0 chroma grid whole.
    let out_w = ((width / k) & !1).max(2);
    let out_h = ((height / k) & !1).max(2);
    let (y, u, v) = frame.planes();
    let small_y = subsample(y, width, k, out_w, out_h);
    let small_u = subsample(u, width / 2, k, out_w / 2, out_h / 2);
    let small_v = subsample(v, width / 2, k, out_w / 2, out_h / 2);
    let planar = YuvPlanarImage {
        y_plane: &small_y,
        y_stride: out_w as u32,
        u_plane: &small_u,
        u_stride: (out_w / 2) as u32,
        v_plane: &small_v,
        v_stride: (out_w / 2) as u32,
        width: out_w as u32,
        height: out_h as u32,
    };
    let mut rgb = vec![0u8; out_w * out_h * 3];
    yuv::yuv420_to_rgb(
        &planar,
        &mut rgb,
        (out_w * 3) as u32,
        YuvRange::Limited,
        YuvStandardMatrix::Bt601,
    )
    .expect("planes and buffer are sized for the picture");
    RgbImage::from_raw(out_w as u32, out_h as u32, rgb).expect("buffer sized for the image")
}

/// Every `k`-th sample of every `k`-th row of a `stride`-wide plane.
fn subsample(plane: &[u8], stride: usize, k: usize, out_w: usize, out_h: usize) -> Vec<u8> {
    let mut out = vec![0u8; out_w * out_h];
    // Plain index loops: in unoptimised (debug) builds they are several
    // times faster than the equivalent iterator chain.
    for (oy, dst) in out.chunks_exact_mut(out_w).enumerate() {
        let row = &plane[oy * k * stride..];
        let mut x = 0;
        for d in dst.iter_mut() {
            *d = row[x];
            x += k;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn frame(width: u32, height: u32, y: u8, u: u8, v: u8) -> VideoFrame {
        let luma = (width * height) as usize;
        let chroma = luma / 4;
        let mut data = vec![y; luma];
        data.extend(std::iter::repeat_n(u, chroma));
        data.extend(std::iter::repeat_n(v, chroma));
        VideoFrame::from_i420(width, height, data, Duration::ZERO, 0).unwrap()
    }

    #[test]
    fn sizes_shrink_by_whole_factors_to_fit() {
        assert_eq!(preview_size(1280, 720), (640, 360));
        assert_eq!(preview_size(640, 360), (640, 360));
        assert_eq!(preview_size(320, 240), (320, 240));
        assert_eq!(preview_size(1920, 1080), (640, 360));
        assert_eq!(preview_size(3840, 2160), (640, 360));
        assert_eq!(preview_size(1000, 500), (500, 250));
    }

    #[test]
    fn a_720p_frame_becomes_a_640_wide_jpeg_that_decodes() {
        let preview = preview_jpeg(&frame(1280, 720, 128, 128, 128)).unwrap();
        assert_eq!((preview.width, preview.height), (640, 360));
        let decoded = image::load_from_memory_with_format(&preview.jpeg, image::ImageFormat::Jpeg)
            .unwrap()
            .to_rgb8();
        assert_eq!(decoded.dimensions(), (640, 360));
        // Mid grey in, mid grey out (limited 128 -> full ~130).
        let p = decoded.get_pixel(320, 180);
        for c in p.0 {
            assert!((125..=135).contains(&c), "{p:?}");
        }
    }

    #[test]
    fn colours_follow_bt601_limited_range() {
        let rgb = |y, u, v| shrink_to_rgb(&frame(4, 4, y, u, v), 1).get_pixel(1, 1).0;
        assert_eq!(rgb(16, 128, 128), [0, 0, 0]);
        assert_eq!(rgb(235, 128, 128), [255, 255, 255]);
        // BT.601 red: Y 81, U 90, V 240.
        let [r, g, b] = rgb(81, 90, 240);
        assert!(r > 245 && g < 10 && b < 10, "{r} {g} {b}");
    }

    #[test]
    fn shrinking_keeps_every_kth_sample_of_every_kth_row() {
        let plane: Vec<u8> = (0..24).collect(); // 6 wide, 4 high
        assert_eq!(subsample(&plane, 6, 2, 2, 2), vec![0, 2, 12, 14]);
        assert_eq!(subsample(&plane, 6, 1, 6, 4), plane);
        let small = shrink_to_rgb(&frame(1280, 720, 235, 128, 128), 2);
        assert_eq!(small.dimensions(), (640, 360));
        assert!(small.pixels().all(|p| p.0 == [255, 255, 255]));
    }
}

//! Conversion of whatever a camera delivers into tightly packed I420.
//!
//! Cameras hand out MJPEG, packed YUYV, NV12, greyscale or RGB/BGR. All of
//! it becomes BT.601 limited-range I420 here, on the camera's own thread,
//! using maintained SIMD converters (the `yuv` crate, the current release of
//! yuvutils-rs, and `zune-jpeg` for MJPEG) instead of per-pixel loops. NV12
//! has no direct planar path in those crates, so it goes through an RGB
//! scratch buffer; the scratch is kept between frames, so a running camera
//! allocates only the output frame. Kept platform-neutral: a phone camera
//! plugin delivering NV12 uses the same converter.
//!
//! Rows may be padded (some drivers align lines): the stride is inferred
//! from the buffer length when it is a whole number of rows.

use serde::{Deserialize, Serialize};
use yuv::{
    BufferStoreMut, YuvBiPlanarImage, YuvConversionMode, YuvPackedImage, YuvPlanarImageMut,
    YuvRange, YuvStandardMatrix,
};
use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

use crate::frame::i420_len;

/// Pixel layouts a camera can deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PixelFormat {
    /// Motion JPEG: each frame a JPEG image.
    Mjpeg,
    /// Packed 4:2:2, Y0 U Y1 V.
    Yuyv,
    /// 4:2:0, a Y plane then interleaved U/V.
    Nv12,
    /// 8-bit luma only.
    Gray,
    /// Packed 8-bit R, G, B.
    Rgb,
    /// Packed 8-bit B, G, R.
    Bgr,
}

impl PixelFormat {
    /// Relative cost of converting one frame; used to break ties when
    /// choosing a camera mode.
    pub(crate) fn conversion_cost(self) -> u32 {
        match self {
            Self::Yuyv | Self::Gray => 1,
            Self::Nv12 | Self::Rgb | Self::Bgr => 2,
            Self::Mjpeg => 4,
        }
    }
}

impl std::fmt::Display for PixelFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Mjpeg => "MJPEG",
            Self::Yuyv => "YUYV",
            Self::Nv12 => "NV12",
            Self::Gray => "GRAY",
            Self::Rgb => "RGB",
            Self::Bgr => "BGR",
        })
    }
}

/// A frame that could not be converted (corrupt JPEG, short buffer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot convert a {format} {width}x{height} frame to I420: {detail}")]
pub struct ConvertError {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
    pub detail: String,
}

/// Converts frames of one format and size to I420.
#[derive(Debug)]
pub struct PixelConverter {
    format: PixelFormat,
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

const RANGE: YuvRange = YuvRange::Limited;
const MATRIX: YuvStandardMatrix = YuvStandardMatrix::Bt601;
const MODE: YuvConversionMode = YuvConversionMode::Balanced;

impl PixelConverter {
    /// A converter for `width`x`height` frames (both even) in `format`.
    pub fn new(format: PixelFormat, width: u32, height: u32) -> Result<Self, ConvertError> {
        i420_len(width, height).map_err(|e| ConvertError {
            format,
            width,
            height,
            detail: e.to_string(),
        })?;
        Ok(Self {
            format,
            width,
            height,
            rgb: Vec::new(),
        })
    }

    pub fn format(&self) -> PixelFormat {
        self.format
    }

    /// Convert one frame into a new packed I420 buffer.
    pub fn convert(&mut self, src: &[u8]) -> Result<Vec<u8>, ConvertError> {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut out = vec![0u8; w * h * 3 / 2];
        match self.format {
            PixelFormat::Yuyv => {
                let stride = self.stride(src, w * 2, h)?;
                let packed = YuvPackedImage {
                    yuy: src,
                    yuy_stride: stride as u32,
                    width: self.width,
                    height: self.height,
                };
                yuv::yuyv422_to_yuv420(&mut self.planes(&mut out), &packed)
                    .map_err(|e| self.err(e.to_string()))?;
            }
            PixelFormat::Rgb | PixelFormat::Bgr => {
                let stride = self.stride(src, w * 3, h)?;
                let convert = if self.format == PixelFormat::Rgb {
                    yuv::rgb_to_yuv420
                } else {
                    yuv::bgr_to_yuv420
                };
                convert(
                    &mut self.planes(&mut out),
                    src,
                    stride as u32,
                    RANGE,
                    MATRIX,
                    MODE,
                )
                .map_err(|e| self.err(e.to_string()))?;
            }
            PixelFormat::Gray => {
                let stride = self.stride(src, w, h)?;
                let (luma, chroma) = out.split_at_mut(w * h);
                for (dst, row) in luma.chunks_exact_mut(w).zip(src.chunks(stride)) {
                    dst.copy_from_slice(&row[..w]);
                }
                chroma.fill(128);
            }
            PixelFormat::Nv12 => {
                // Y rows then h/2 interleaved UV rows, both of `stride` bytes.
                let stride = self.stride(src, w, h + h / 2)?;
                let (y_plane, uv_plane) = src.split_at(stride * h);
                let bi_planar = YuvBiPlanarImage {
                    y_plane,
                    y_stride: stride as u32,
                    uv_plane,
                    uv_stride: stride as u32,
                    width: self.width,
                    height: self.height,
                };
                self.rgb.resize(w * h * 3, 0);
                yuv::yuv_nv12_to_rgb(
                    &bi_planar,
                    &mut self.rgb,
                    (w * 3) as u32,
                    RANGE,
                    MATRIX,
                    MODE,
                )
                .map_err(|e| self.err(e.to_string()))?;
                self.rgb_scratch_to_i420(&mut out)?;
            }
            PixelFormat::Mjpeg => {
                let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGB);
                let mut decoder = JpegDecoder::new_with_options(ZCursor::new(src), options);
                decoder
                    .decode_headers()
                    .map_err(|e| self.err(format!("bad JPEG: {e:?}")))?;
                let (jw, jh) = decoder
                    .dimensions()
                    .ok_or_else(|| self.err("JPEG without dimensions".into()))?;
                if (jw, jh) != (w, h) {
                    return Err(self.err(format!("the JPEG is {jw}x{jh}")));
                }
                self.rgb.resize(w * h * 3, 0);
                decoder
                    .decode_into(&mut self.rgb)
                    .map_err(|e| self.err(format!("bad JPEG: {e:?}")))?;
                self.rgb_scratch_to_i420(&mut out)?;
            }
        }
        Ok(out)
    }

    fn rgb_scratch_to_i420(&self, out: &mut [u8]) -> Result<(), ConvertError> {
        let stride = self.width * 3;
        yuv::rgb_to_yuv420(
            &mut self.planes(out),
            &self.rgb,
            stride,
            RANGE,
            MATRIX,
            MODE,
        )
        .map_err(|e| self.err(e.to_string()))
    }

    /// The row stride of `src`: `row_bytes`, or more if the buffer holds
    /// exactly `rows` padded rows.
    fn stride(&self, src: &[u8], row_bytes: usize, rows: usize) -> Result<usize, ConvertError> {
        if src.len() < row_bytes * rows {
            return Err(self.err(format!(
                "the buffer holds {} bytes, {} needed",
                src.len(),
                row_bytes * rows
            )));
        }
        if src.len() > row_bytes * rows && src.len().is_multiple_of(rows) {
            Ok(src.len() / rows)
        } else {
            Ok(row_bytes)
        }
    }

    fn planes<'a>(&self, out: &'a mut [u8]) -> YuvPlanarImageMut<'a, u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        let (y, chroma) = out.split_at_mut(w * h);
        let (u, v) = chroma.split_at_mut((w / 2) * (h / 2));
        YuvPlanarImageMut {
            y_plane: BufferStoreMut::Borrowed(y),
            y_stride: self.width,
            u_plane: BufferStoreMut::Borrowed(u),
            u_stride: self.width / 2,
            v_plane: BufferStoreMut::Borrowed(v),
            v_stride: self.width / 2,
            width: self.width,
            height: self.height,
        }
    }

    fn err(&self, detail: String) -> ConvertError {
        ConvertError {
            format: self.format,
            width: self.width,
            height: self.height,
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::rgb_to_yuv601;

    const W: usize = 64;
    const H: usize = 48;
    /// Quadrant colours: top left, top right, bottom left, bottom right.
    const COLOURS: [(u8, u8, u8); 4] =
        [(200, 30, 30), (30, 200, 30), (30, 30, 200), (220, 220, 40)];

    fn colour_at(x: usize, y: usize) -> (u8, u8, u8) {
        COLOURS[usize::from(y >= H / 2) * 2 + usize::from(x >= W / 2)]
    }

    fn rgb_image() -> Vec<u8> {
        (0..H)
            .flat_map(|y| {
                (0..W).flat_map(move |x| {
                    let (r, g, b) = colour_at(x, y);
                    [r, g, b]
                })
            })
            .collect()
    }

    fn yuv_at(x: usize, y: usize) -> [u8; 3] {
        let (r, g, b) = colour_at(x, y);
        rgb_to_yuv601(r, g, b)
    }

    /// Compare the centre of each quadrant with the expected colour.
    fn check(out: &[u8], tolerance: u8, what: &str) {
        assert_eq!(out.len(), W * H * 3 / 2, "{what}");
        let (luma, chroma) = out.split_at(W * H);
        let (u, v) = chroma.split_at(W * H / 4);
        for (x, y) in [(16, 12), (48, 12), (16, 36), (48, 36)] {
            let want = yuv_at(x, y);
            let got = [
                luma[y * W + x],
                u[(y / 2) * (W / 2) + x / 2],
                v[(y / 2) * (W / 2) + x / 2],
            ];
            for (g, e) in got.iter().zip(want) {
                assert!(
                    g.abs_diff(e) <= tolerance,
                    "{what} at ({x},{y}): got {got:?}, want {want:?}"
                );
            }
        }
    }

    fn convert(format: PixelFormat, src: &[u8]) -> Result<Vec<u8>, ConvertError> {
        PixelConverter::new(format, W as u32, H as u32)?.convert(src)
    }

    #[test]
    fn rgb_and_bgr() {
        let rgb = rgb_image();
        check(&convert(PixelFormat::Rgb, &rgb).unwrap(), 2, "RGB");
        let bgr: Vec<u8> = rgb
            .chunks_exact(3)
            .flat_map(|p| [p[2], p[1], p[0]])
            .collect();
        check(&convert(PixelFormat::Bgr, &bgr).unwrap(), 2, "BGR");
    }

    fn yuyv_image(padding: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for y in 0..H {
            for x in (0..W).step_by(2) {
                let [yy, u, v] = yuv_at(x, y);
                out.extend_from_slice(&[yy, u, yy, v]);
            }
            out.extend(std::iter::repeat_n(0u8, padding));
        }
        out
    }

    #[test]
    fn yuyv_with_and_without_row_padding() {
        check(
            &convert(PixelFormat::Yuyv, &yuyv_image(0)).unwrap(),
            1,
            "YUYV",
        );
        check(
            &convert(PixelFormat::Yuyv, &yuyv_image(32)).unwrap(),
            1,
            "padded YUYV",
        );
    }

    #[test]
    fn nv12() {
        let mut src: Vec<u8> = (0..H)
            .flat_map(|y| (0..W).map(move |x| yuv_at(x, y)[0]))
            .collect();
        for y in (0..H).step_by(2) {
            for x in (0..W).step_by(2) {
                let [_, u, v] = yuv_at(x, y);
                src.extend_from_slice(&[u, v]);
            }
        }
        check(&convert(PixelFormat::Nv12, &src).unwrap(), 3, "NV12");
    }

    #[test]
    fn gray_keeps_luma_and_neutral_chroma() {
        let src: Vec<u8> = (0..W * H).map(|i| (i % 251) as u8).collect();
        let out = convert(PixelFormat::Gray, &src).unwrap();
        assert_eq!(&out[..W * H], &src[..]);
        assert!(out[W * H..].iter().all(|&c| c == 128));
    }

    #[test]
    fn mjpeg() {
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
            .encode(
                &rgb_image(),
                W as u32,
                H as u32,
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        check(&convert(PixelFormat::Mjpeg, &jpeg).unwrap(), 6, "MJPEG");
        let err = convert(PixelFormat::Mjpeg, &jpeg[..jpeg.len() / 3]).unwrap_err();
        assert!(err.to_string().contains("MJPEG 64x48"), "{err}");
        let err = PixelConverter::new(PixelFormat::Mjpeg, 32, 24)
            .unwrap()
            .convert(&jpeg)
            .unwrap_err();
        assert!(err.detail.contains("64x48"), "{err}");
    }

    #[test]
    fn short_buffers_and_odd_sizes_are_errors_not_panics() {
        let err = convert(PixelFormat::Yuyv, &[0u8; 100]).unwrap_err();
        assert!(err.detail.contains("100 bytes"), "{err}");
        assert!(PixelConverter::new(PixelFormat::Rgb, 63, 48).is_err());
    }

    #[test]
    fn formats_serialise_as_their_fourcc_like_names() {
        assert_eq!(
            serde_json::to_string(&PixelFormat::Mjpeg).unwrap(),
            "\"MJPEG\""
        );
        assert_eq!(PixelFormat::Nv12.to_string(), "NV12");
        assert!(PixelFormat::Mjpeg.conversion_cost() > PixelFormat::Yuyv.conversion_cost());
    }
}

//! What the video sources deliver: one I420 picture with its timestamp.
//!
//! I420 (planar Y, then U, then V, chroma at half width and half height) is
//! what openh264 encodes, so every source converts to it once, on its own
//! thread, and the encoder takes the planes as they are. The planes are
//! tightly packed (stride == plane width) in one buffer, which is also the
//! layout `openh264::formats::YUVBuffer::from_vec` expects.
//!
//! Colour: BT.601, limited ("TV") range, the convention of UVC cameras and
//! what decoders assume for untagged H.264.
//!
//! Invariants: width and height are even and non-zero; `data.len()` is
//! exactly `w*h + 2*(w/2)*(h/2)`.

use std::fmt;
use std::time::Duration;

/// One I420 video frame on the capture clock.
#[derive(Clone, PartialEq, Eq)]
pub struct VideoFrame {
    /// Sequence number given by the source, counting frames it had to drop,
    /// so a gap in `index` shows where frames were lost.
    pub index: u64,
    /// When the picture was captured, on the shared [`crate::CaptureClock`].
    pub pts: Duration,
    width: u32,
    height: u32,
    data: Vec<u8>,
}

/// A buffer that cannot hold an I420 frame of the stated size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("an I420 frame needs even, non-zero width and height; got {width}x{height}")]
    BadSize { width: u32, height: u32 },
    #[error("an I420 frame of {width}x{height} needs {expected} bytes; got {actual}")]
    BadLength {
        width: u32,
        height: u32,
        expected: usize,
        actual: usize,
    },
}

/// Bytes of a tightly packed I420 frame, or an error for sizes I420 cannot hold.
pub fn i420_len(width: u32, height: u32) -> Result<usize, FrameError> {
    if width == 0 || height == 0 || !width.is_multiple_of(2) || !height.is_multiple_of(2) {
        return Err(FrameError::BadSize { width, height });
    }
    let (w, h) = (width as usize, height as usize);
    Ok(w * h + 2 * (w / 2) * (h / 2))
}

impl VideoFrame {
    /// Wrap a tightly packed I420 buffer.
    pub fn from_i420(
        width: u32,
        height: u32,
        data: Vec<u8>,
        pts: Duration,
        index: u64,
    ) -> Result<Self, FrameError> {
        let expected = i420_len(width, height)?;
        if data.len() != expected {
            return Err(FrameError::BadLength {
                width,
                height,
                expected,
                actual: data.len(),
            });
        }
        Ok(Self {
            index,
            pts,
            width,
            height,
            data,
        })
    }

    /// A black frame (Y=16, U=V=128, limited range).
    pub fn black(width: u32, height: u32) -> Result<Self, FrameError> {
        let len = i420_len(width, height)?;
        let luma = width as usize * height as usize;
        let mut data = vec![128u8; len];
        data[..luma].fill(16);
        Self::from_i420(width, height, data, Duration::ZERO, 0)
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// Row lengths in bytes of the Y, U and V planes (tightly packed).
    pub fn strides(&self) -> (usize, usize, usize) {
        let w = self.width as usize;
        (w, w / 2, w / 2)
    }

    /// The Y, U and V planes.
    pub fn planes(&self) -> (&[u8], &[u8], &[u8]) {
        let (y_len, c_len) = self.plane_lens();
        let (y, rest) = self.data.split_at(y_len);
        let (u, v) = rest.split_at(c_len);
        (y, u, v)
    }

    /// The Y, U and V planes, writable.
    pub fn planes_mut(&mut self) -> (&mut [u8], &mut [u8], &mut [u8]) {
        let (y_len, c_len) = self.plane_lens();
        let (y, rest) = self.data.split_at_mut(y_len);
        let (u, v) = rest.split_at_mut(c_len);
        (y, u, v)
    }

    pub fn y(&self) -> &[u8] {
        self.planes().0
    }

    /// The whole packed I420 buffer (Y, then U, then V).
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Take the packed I420 buffer, e.g. to hand it to an encoder without a copy.
    pub fn into_bytes(self) -> Vec<u8> {
        self.data
    }

    /// Mean of the Y plane (16 = black, 235 = white); cheap enough for tests
    /// and for spotting the synthetic source's sync flashes.
    pub fn mean_luma(&self) -> f64 {
        let y = self.y();
        let sum: u64 = y.iter().map(|&v| u64::from(v)).sum();
        sum as f64 / y.len() as f64
    }

    fn plane_lens(&self) -> (usize, usize) {
        let (w, h) = (self.width as usize, self.height as usize);
        (w * h, (w / 2) * (h / 2))
    }
}

impl fmt::Debug for VideoFrame {
    // The pixel buffer is megabytes; never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VideoFrame")
            .field("index", &self.index)
            .field("pts", &self.pts)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked() {
        assert_eq!(i420_len(4, 2).unwrap(), 8 + 2 * 2);
        assert!(matches!(i420_len(3, 2), Err(FrameError::BadSize { .. })));
        assert!(matches!(i420_len(0, 2), Err(FrameError::BadSize { .. })));
        let err = VideoFrame::from_i420(4, 2, vec![0; 11], Duration::ZERO, 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "an I420 frame of 4x2 needs 12 bytes; got 11"
        );
    }

    #[test]
    fn planes_split_the_buffer() {
        let data: Vec<u8> = (0..24).collect();
        let frame = VideoFrame::from_i420(4, 4, data, Duration::from_millis(5), 7).unwrap();
        let (y, u, v) = frame.planes();
        assert_eq!(y.len(), 16);
        assert_eq!(u, &[16, 17, 18, 19]);
        assert_eq!(v, &[20, 21, 22, 23]);
        assert_eq!(frame.strides(), (4, 2, 2));
        let text = format!("{frame:?}");
        assert!(
            text.contains("index: 7") && !text.contains("data"),
            "{text}"
        );
    }

    #[test]
    fn black_frame_is_limited_range_black() {
        let frame = VideoFrame::black(8, 4).unwrap();
        assert_eq!(frame.mean_luma(), 16.0);
        assert!(frame.planes().1.iter().all(|&c| c == 128));
    }
}

//! Choosing the camera mode closest to what the recorder asked for.
//!
//! The recorder asks for a size and a frame rate; cameras offer a list of
//! (size, rate, pixel format) modes. We never scale, so the size matters
//! most: same aspect ratio first, then the nearest area (on a log scale, so
//! 2x too big and 2x too small weigh the same, with a slight preference for
//! too big, which keeps detail), then the nearest frame rate (a rate below
//! the request weighing three times one above: it makes motion choppy,
//! while a faster one only costs CPU), then the cheapest pixel format.
//! Modes whose size I420 cannot hold (odd) are never chosen.

use serde::{Deserialize, Serialize};

use crate::convert::PixelFormat;

/// One mode a camera offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CameraMode {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub pixel_format: PixelFormat,
}

impl std::fmt::Display for CameraMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}x{}@{}",
            self.pixel_format, self.width, self.height, self.fps
        )
    }
}

/// The best mode for `width`x`height` at `fps`, if any is usable.
pub fn pick_mode(modes: &[CameraMode], width: u32, height: u32, fps: u32) -> Option<CameraMode> {
    modes
        .iter()
        .filter(|m| {
            m.width > 0 && m.height > 0 && m.width.is_multiple_of(2) && m.height.is_multiple_of(2)
        })
        .min_by(|a, b| {
            cost(a, width, height, fps)
                .total_cmp(&cost(b, width, height, fps))
                .then(b.fps.cmp(&a.fps))
        })
        .copied()
}

fn cost(mode: &CameraMode, width: u32, height: u32, fps: u32) -> f64 {
    let want_aspect = f64::from(width) / f64::from(height.max(1));
    let aspect = f64::from(mode.width) / f64::from(mode.height);
    let aspect_cost = if (aspect / want_aspect).ln().abs() < 0.02 {
        0.0
    } else {
        100.0
    };
    let area = f64::from(mode.width) * f64::from(mode.height);
    let want_area = f64::from(width) * f64::from(height.max(1));
    let ratio = (area / want_area).ln();
    // Too small loses detail for good; too big only costs some CPU.
    let size_cost = if ratio < 0.0 {
        -ratio * 12.0
    } else {
        ratio * 10.0
    };
    let fps_cost = if mode.fps >= fps {
        f64::from(mode.fps - fps) * 0.1
    } else {
        f64::from(fps - mode.fps) * 0.3
    };
    let format_cost = f64::from(mode.pixel_format.conversion_cost()) * 0.01;
    aspect_cost + size_cost + fps_cost + format_cost
}

#[cfg(test)]
mod tests {
    use super::*;
    use PixelFormat::*;

    fn m(width: u32, height: u32, fps: u32, pixel_format: PixelFormat) -> CameraMode {
        CameraMode {
            width,
            height,
            fps,
            pixel_format,
        }
    }

    /// A typical USB2 webcam: YUYV only at low rates for big sizes.
    fn webcam() -> Vec<CameraMode> {
        vec![
            m(640, 480, 30, Yuyv),
            m(1280, 720, 10, Yuyv),
            m(1920, 1080, 5, Yuyv),
            m(640, 480, 30, Mjpeg),
            m(1280, 720, 30, Mjpeg),
            m(1920, 1080, 30, Mjpeg),
        ]
    }

    #[test]
    fn exact_size_and_rate_win_even_if_mjpeg() {
        assert_eq!(
            pick_mode(&webcam(), 1280, 720, 30),
            Some(m(1280, 720, 30, Mjpeg))
        );
    }

    #[test]
    fn cheaper_format_breaks_ties() {
        assert_eq!(
            pick_mode(&webcam(), 640, 480, 30),
            Some(m(640, 480, 30, Yuyv))
        );
    }

    #[test]
    fn same_aspect_beats_nearer_area() {
        let modes = [m(1024, 768, 30, Yuyv), m(1920, 1080, 30, Mjpeg)];
        assert_eq!(
            pick_mode(&modes, 1280, 720, 30),
            Some(m(1920, 1080, 30, Mjpeg))
        );
    }

    #[test]
    fn nearest_frame_rate_wins_and_slower_weighs_more() {
        let modes = [
            m(1280, 720, 15, Yuyv),
            m(1280, 720, 60, Yuyv),
            m(1280, 720, 24, Yuyv),
        ];
        assert_eq!(
            pick_mode(&modes, 1280, 720, 30),
            Some(m(1280, 720, 24, Yuyv))
        );
        assert_eq!(
            pick_mode(&modes[..2], 1280, 720, 30),
            Some(m(1280, 720, 60, Yuyv))
        );
        let modes = [m(1280, 720, 20, Yuyv), m(1280, 720, 40, Yuyv)];
        assert_eq!(
            pick_mode(&modes, 1280, 720, 30),
            Some(m(1280, 720, 40, Yuyv))
        );
    }

    #[test]
    fn odd_sizes_are_never_chosen_and_nothing_is_none() {
        assert_eq!(pick_mode(&[m(641, 481, 30, Yuyv)], 640, 480, 30), None);
        assert_eq!(pick_mode(&[], 640, 480, 30), None);
    }

    #[test]
    fn display_reads_like_a_mode() {
        assert_eq!(m(1280, 720, 30, Mjpeg).to_string(), "MJPEG 1280x720@30");
    }
}

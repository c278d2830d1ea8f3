//! The synthetic test picture: colour bars, a moving box, and the burnt-in
//! frame number and timestamp; a full white frame during sync markers.
//!
//! Cost matters (benchmarks need the whole encode pipeline at several times
//! real time on one core), so the bars and the white flash frame are built
//! once as finished I420 buffers; a frame is a copy of one of them plus a few
//! small rectangles (the box, the digit panel, the segments), all filled one
//! row slice at a time. No per-pixel work happens per frame.

use std::time::Duration;

use super::font::{Overlay, PANEL_LUMA, Rect, fill_luma};

/// Seconds for the box to cross the picture and come back.
const BOX_PERIOD_MS: u64 = 4_000;

/// Limited-range BT.601 YUV of an 8-bit RGB colour.
pub(crate) fn rgb_to_yuv601(r: u8, g: u8, b: u8) -> [u8; 3] {
    let (r, g, b) = (f64::from(r), f64::from(g), f64::from(b));
    let y = 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0;
    let u = 128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0;
    let v = 128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0;
    [y, u, v].map(|c| c.round().clamp(0.0, 255.0) as u8)
}

/// 75% colour bars, left to right.
const BARS: [(u8, u8, u8); 8] = [
    (191, 191, 191),
    (191, 191, 0),
    (0, 191, 191),
    (0, 191, 0),
    (191, 0, 191),
    (191, 0, 0),
    (0, 0, 191),
    (0, 0, 0),
];

const BOX_RGB: (u8, u8, u8) = (255, 128, 0);
const WHITE_YUV: [u8; 3] = [235, 128, 128];

/// Renders frames of one size.
#[derive(Debug)]
pub(crate) struct Pattern {
    width: usize,
    height: usize,
    bars: Vec<u8>,
    white: Vec<u8>,
    overlay: Overlay,
    box_size: usize,
    box_yuv: [u8; 3],
}

impl Pattern {
    /// `width` and `height` must be even (checked by the caller).
    pub(crate) fn new(width: u32, height: u32) -> Self {
        let (w, h) = (width as usize, height as usize);
        let mut bars = vec![0u8; w * h * 3 / 2];
        let (cw, ch) = (w / 2, h / 2);
        {
            let (y, chroma) = bars.split_at_mut(w * h);
            let (u, v) = chroma.split_at_mut(cw * ch);
            let colours = BARS.map(|(r, g, b)| rgb_to_yuv601(r, g, b));
            fill_bars(y, w, |c| c[0], &colours);
            fill_bars(u, cw, |c| c[1], &colours);
            fill_bars(v, cw, |c| c[2], &colours);
        }
        let mut white = vec![WHITE_YUV[1]; w * h * 3 / 2];
        white[..w * h].fill(WHITE_YUV[0]);
        Self {
            width: w,
            height: h,
            bars,
            white,
            overlay: Overlay::for_frame(width, height),
            box_size: ((h / 6).max(8)) & !1,
            box_yuv: rgb_to_yuv601(BOX_RGB.0, BOX_RGB.1, BOX_RGB.2),
        }
    }

    /// The I420 picture of frame `index` at `pts`; `flash` paints it white
    /// (a sync marker), keeping only the digit panel.
    pub(crate) fn render(&self, index: u64, pts: Duration, flash: bool) -> Vec<u8> {
        let pts_ms = u64::try_from(pts.as_millis()).unwrap_or(u64::MAX);
        let mut data = if flash {
            self.white.clone()
        } else {
            self.bars.clone()
        };
        if !flash {
            let moving = self.box_at(pts_ms);
            self.fill_yuv(&mut data, moving, self.box_yuv);
        }
        let panel = self.overlay.panel();
        self.fill_yuv(&mut data, panel, [PANEL_LUMA, 128, 128]);
        let (luma, _) = data.split_at_mut(self.width * self.height);
        self.overlay.draw(luma, self.width, index, pts_ms);
        data
    }

    /// Where the box is at `pts_ms`: it sweeps left and right along the
    /// middle of the picture, so consecutive frames always differ.
    fn box_at(&self, pts_ms: u64) -> Rect {
        let travel = self.width.saturating_sub(self.box_size) as u64;
        let phase = pts_ms % BOX_PERIOD_MS;
        let half = BOX_PERIOD_MS / 2;
        let along = if phase < half {
            phase
        } else {
            BOX_PERIOD_MS - phase
        };
        let x = (travel * along / half) as usize & !1;
        let y = (self.height / 2).saturating_sub(self.box_size / 2) & !1;
        Rect {
            x,
            y,
            w: self.box_size,
            h: self.box_size,
        }
    }

    /// Fill a rectangle (even position and size) in all three planes.
    fn fill_yuv(&self, data: &mut [u8], r: Rect, yuv: [u8; 3]) {
        let (w, h) = (self.width, self.height);
        let (luma, chroma) = data.split_at_mut(w * h);
        let (u, v) = chroma.split_at_mut((w / 2) * (h / 2));
        let r = clip(r, w, h);
        fill_luma(luma, w, r, yuv[0]);
        let half = Rect {
            x: r.x / 2,
            y: r.y / 2,
            w: r.w / 2,
            h: r.h / 2,
        };
        fill_luma(u, w / 2, half, yuv[1]);
        fill_luma(v, w / 2, half, yuv[2]);
    }
}

fn clip(r: Rect, width: usize, height: usize) -> Rect {
    let x = r.x.min(width);
    let y = r.y.min(height);
    Rect {
        x,
        y,
        w: r.w.min(width - x),
        h: r.h.min(height - y),
    }
}

/// Paint one plane with the eight bars: build the first row, copy it down.
fn fill_bars(
    plane: &mut [u8],
    stride: usize,
    pick: impl Fn(&[u8; 3]) -> u8,
    colours: &[[u8; 3]; 8],
) {
    let (first, rest) = plane.split_at_mut(stride);
    for (i, colour) in colours.iter().enumerate() {
        let start = i * stride / colours.len();
        let end = (i + 1) * stride / colours.len();
        first[start..end].fill(pick(colour));
    }
    for row in rest.chunks_exact_mut(stride) {
        row.copy_from_slice(first);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::VideoFrame;

    #[test]
    fn bt601_reference_colours() {
        assert_eq!(rgb_to_yuv601(0, 0, 0), [16, 128, 128]);
        assert_eq!(rgb_to_yuv601(255, 255, 255), [235, 128, 128]);
        assert_eq!(rgb_to_yuv601(255, 0, 0), [81, 90, 240]);
    }

    #[test]
    fn frames_move_and_carry_their_numbers() {
        let pattern = Pattern::new(640, 360);
        let a = pattern.render(10, Duration::from_millis(333), false);
        let b = pattern.render(11, Duration::from_millis(366), false);
        assert_ne!(a, b);
        let frame = VideoFrame::from_i420(640, 360, b, Duration::ZERO, 0).unwrap();
        let read = super::super::font::Overlay::for_frame(640, 360)
            .read(frame.y(), 640)
            .unwrap();
        assert_eq!((read.frame, read.pts_ms), (11, 366));
    }

    #[test]
    fn the_box_moves_between_frames() {
        let pattern = Pattern::new(640, 360);
        let a = pattern.box_at(0);
        let b = pattern.box_at(33);
        let far = pattern.box_at(BOX_PERIOD_MS / 2);
        assert!(b.x > a.x);
        assert_eq!(far.x + far.w, 640, "reaches the right edge at half period");
        assert_eq!(pattern.box_at(BOX_PERIOD_MS).x, a.x);
    }

    #[test]
    fn flash_frames_are_white_apart_from_the_panel() {
        let pattern = Pattern::new(1280, 720);
        let flash = pattern.render(60, Duration::from_secs(2), true);
        let normal = pattern.render(61, Duration::from_millis(2033), false);
        let mean = |d: Vec<u8>| {
            VideoFrame::from_i420(1280, 720, d, Duration::ZERO, 0)
                .unwrap()
                .mean_luma()
        };
        let (f, n) = (mean(flash), mean(normal));
        assert!(f > 200.0, "flash mean luma {f}");
        assert!(n < 150.0, "normal mean luma {n}");
    }
}

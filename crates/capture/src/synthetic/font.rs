//! Seven-segment digits burnt into the synthetic picture, and a reader that
//! gets them back out of a (possibly encoded and decoded) frame.
//!
//! The overlay is a black panel in the top-left corner with two lines of
//! white digits: the frame number (7 digits) and the `pts` in milliseconds
//! (9 digits). Both wrap around modulo their width. Tests and the A/V sync
//! check read them back to know which frame and instant they are looking at,
//! so drawing and reading share one [`Overlay`] layout computed from the frame
//! size alone. Segments are thick rectangles and are read by averaging the
//! middle of each one, which survives H.264 at ordinary bitrates.

/// Luma of the panel and of lit segments (limited range black and white).
pub(crate) const PANEL_LUMA: u8 = 16;
pub(crate) const DIGIT_LUMA: u8 = 235;

pub(crate) const FRAME_DIGITS: usize = 7;
pub(crate) const PTS_DIGITS: usize = 9;

// Segment bits: a (top), b (top right), c (bottom right), d (bottom),
// e (bottom left), f (top left), g (middle).
const GLYPHS: [u8; 10] = [
    0b011_1111, // 0: a b c d e f
    0b000_0110, // 1: b c
    0b101_1011, // 2: a b d e g
    0b100_1111, // 3: a b c d g
    0b110_0110, // 4: b c f g
    0b110_1101, // 5: a c d f g
    0b111_1101, // 6: a c d e f g
    0b000_0111, // 7: a b c
    0b111_1111, // 8
    0b110_1111, // 9: a b c d f g
];

/// An axis-aligned rectangle in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x: usize,
    pub y: usize,
    pub w: usize,
    pub h: usize,
}

/// Where the panel and every digit cell go for a given frame size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overlay {
    digit_w: usize,
    digit_h: usize,
    thick: usize,
    gap: usize,
    pad: usize,
    origin: usize,
}

/// The numbers read back from a frame's overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverlayReading {
    /// Frame number modulo 10^7.
    pub frame: u64,
    /// `pts` in whole milliseconds, modulo 10^9.
    pub pts_ms: u64,
}

impl Overlay {
    pub(crate) fn for_frame(width: u32, height: u32) -> Self {
        // Even sizes keep the panel aligned with the half-size chroma grid;
        // the nine-digit line is about 7.5 digit heights wide.
        let by_height = height as usize / 12;
        let by_width = width as usize / 8;
        let digit_h = (by_height.min(by_width).max(14)) & !1;
        let digit_w = (digit_h * 5 / 9).max(7);
        let thick = (digit_h / 8).max(2);
        let gap = (digit_w / 3).max(2) & !1;
        let pad = (digit_h / 4).max(2) & !1;
        Self {
            digit_w,
            digit_h,
            thick,
            gap,
            pad,
            origin: pad,
        }
    }

    /// The black panel behind the digits.
    pub(crate) fn panel(&self) -> Rect {
        let cols = FRAME_DIGITS.max(PTS_DIGITS);
        let w = 2 * self.pad + cols * (self.digit_w + self.gap) - self.gap;
        let h = 3 * self.pad + 2 * self.digit_h;
        Rect {
            x: self.origin,
            y: self.origin,
            w: (w + 1) & !1,
            h: (h + 1) & !1,
        }
    }

    fn cell(&self, line: usize, col: usize) -> (usize, usize) {
        let x = self.origin + self.pad + col * (self.digit_w + self.gap);
        let y = self.origin + self.pad + line * (self.digit_h + self.pad);
        (x, y)
    }

    fn segments(&self, x: usize, y: usize) -> [Rect; 7] {
        let (w, h, t) = (self.digit_w, self.digit_h, self.thick);
        let half = h / 2;
        let upper = half - t - t / 2;
        let lower = h - (half + t / 2) - t;
        [
            Rect {
                x: x + t,
                y,
                w: w - 2 * t,
                h: t,
            },
            Rect {
                x: x + w - t,
                y: y + t,
                w: t,
                h: upper,
            },
            Rect {
                x: x + w - t,
                y: y + half + t / 2,
                w: t,
                h: lower,
            },
            Rect {
                x: x + t,
                y: y + h - t,
                w: w - 2 * t,
                h: t,
            },
            Rect {
                x,
                y: y + half + t / 2,
                w: t,
                h: lower,
            },
            Rect {
                x,
                y: y + t,
                w: t,
                h: upper,
            },
            Rect {
                x: x + t,
                y: y + half - t / 2,
                w: w - 2 * t,
                h: t,
            },
        ]
    }

    /// Draw both lines into a Y plane whose panel area is already dark.
    pub(crate) fn draw(&self, luma: &mut [u8], stride: usize, frame: u64, pts_ms: u64) {
        self.draw_number(luma, stride, 0, frame, FRAME_DIGITS);
        self.draw_number(luma, stride, 1, pts_ms, PTS_DIGITS);
    }

    fn draw_number(&self, luma: &mut [u8], stride: usize, line: usize, value: u64, digits: usize) {
        for (col, digit) in decimal_digits(value, digits).into_iter().enumerate() {
            let (x, y) = self.cell(line, col);
            let glyph = GLYPHS[digit];
            for (bit, seg) in self.segments(x, y).iter().enumerate() {
                if glyph & (1 << bit) != 0 {
                    fill_luma(luma, stride, *seg, DIGIT_LUMA);
                }
            }
        }
    }

    /// Read both lines back; `None` if any cell is not a clean digit.
    pub(crate) fn read(&self, luma: &[u8], stride: usize) -> Option<OverlayReading> {
        let panel = self.panel();
        if (panel.y + panel.h) * stride > luma.len() || panel.x + panel.w > stride {
            return None;
        }
        Some(OverlayReading {
            frame: self.read_number(luma, stride, 0, FRAME_DIGITS)?,
            pts_ms: self.read_number(luma, stride, 1, PTS_DIGITS)?,
        })
    }

    fn read_number(&self, luma: &[u8], stride: usize, line: usize, digits: usize) -> Option<u64> {
        let threshold = (u32::from(PANEL_LUMA) + u32::from(DIGIT_LUMA)) / 2;
        let mut value = 0u64;
        for col in 0..digits {
            let (x, y) = self.cell(line, col);
            let mut mask = 0u8;
            for (bit, seg) in self.segments(x, y).iter().enumerate() {
                if mean_of_middle(luma, stride, *seg) > threshold {
                    mask |= 1 << bit;
                }
            }
            let digit = GLYPHS.iter().position(|&g| g == mask)?;
            value = value * 10 + digit as u64;
        }
        Some(value)
    }
}

/// The lowest `count` decimal digits of `value`, most significant first.
fn decimal_digits(mut value: u64, count: usize) -> Vec<usize> {
    let mut out = vec![0; count];
    for slot in out.iter_mut().rev() {
        *slot = (value % 10) as usize;
        value /= 10;
    }
    out
}

/// Fill a rectangle of a plane, one row slice at a time.
pub(crate) fn fill_luma(plane: &mut [u8], stride: usize, r: Rect, value: u8) {
    for row in plane.chunks_exact_mut(stride).skip(r.y).take(r.h) {
        row[r.x..r.x + r.w].fill(value);
    }
}

/// Mean of the central half of a rectangle (away from edges that ringing
/// and chroma bleeding blur).
fn mean_of_middle(plane: &[u8], stride: usize, r: Rect) -> u32 {
    let (mx, my) = (r.w / 4, r.h / 4);
    let inner = Rect {
        x: r.x + mx,
        y: r.y + my,
        w: (r.w - 2 * mx).max(1),
        h: (r.h - 2 * my).max(1),
    };
    let mut sum = 0u32;
    for row in plane.chunks_exact(stride).skip(inner.y).take(inner.h) {
        sum += row[inner.x..inner.x + inner.w]
            .iter()
            .map(|&v| u32::from(v))
            .sum::<u32>();
    }
    sum / (inner.w * inner.h) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canvas(width: usize, height: usize, overlay: &Overlay) -> Vec<u8> {
        let mut luma = vec![128u8; width * height];
        fill_luma(&mut luma, width, overlay.panel(), PANEL_LUMA);
        luma
    }

    #[test]
    fn every_digit_round_trips_at_several_sizes() {
        for (w, h) in [(160, 120), (640, 360), (1280, 720), (1920, 1080)] {
            let overlay = Overlay::for_frame(w as u32, h as u32);
            let panel = overlay.panel();
            assert!(panel.x + panel.w <= w && panel.y + panel.h <= h, "{w}x{h}");
            for (frame, pts) in [(1_234_567, 987_654_321), (8_900_000, 12_345), (0, 0)] {
                let mut luma = canvas(w, h, &overlay);
                overlay.draw(&mut luma, w, frame, pts);
                let read = overlay.read(&luma, w).expect("digits are readable");
                assert_eq!((read.frame, read.pts_ms), (frame, pts), "{w}x{h}");
            }
        }
    }

    #[test]
    fn numbers_wrap_to_their_width() {
        let overlay = Overlay::for_frame(640, 360);
        let mut luma = canvas(640, 360, &overlay);
        overlay.draw(&mut luma, 640, 12_345_678, 1_000_000_001);
        let read = overlay.read(&luma, 640).unwrap();
        assert_eq!((read.frame, read.pts_ms), (2_345_678, 1));
    }

    #[test]
    fn an_unlit_cell_is_not_a_reading() {
        let overlay = Overlay::for_frame(640, 360);
        let mut luma = canvas(640, 360, &overlay);
        overlay.draw(&mut luma, 640, 42, 42);
        assert!(overlay.read(&luma, 640).is_some());
        // Wipe one digit cell: the reader must refuse rather than guess.
        let (x, y) = overlay.cell(0, 3);
        let cell = Rect {
            x,
            y,
            w: overlay.digit_w,
            h: overlay.digit_h,
        };
        fill_luma(&mut luma, 640, cell, PANEL_LUMA);
        assert_eq!(overlay.read(&luma, 640), None);
    }

    #[test]
    fn too_small_a_plane_is_not_read() {
        let overlay = Overlay::for_frame(1280, 720);
        assert_eq!(overlay.read(&[0u8; 100], 10), None);
    }
}

//! A drawn poster for video no available decoder can read (HEVC).
//!
//! A calm diagonal gradient, a strip of film perforations along the top and
//! bottom edges, and a play button in the middle: clearly "a video", at the
//! clip's own aspect ratio so the library grid keeps its shape. Shapes are
//! drawn with 4x4 supersampling inside their bounding boxes, which keeps
//! the edges smooth at thumbnail size without a graphics library.

use image::{Rgb, RgbImage};

const TOP_LEFT: [f32; 3] = [42.0, 46.0, 104.0];
const BOTTOM_RIGHT: [f32; 3] = [20.0, 128.0, 136.0];
const FILM: [f32; 3] = [14.0, 16.0, 30.0];
const LIGHT: [f32; 3] = [238.0, 240.0, 246.0];

/// Draws a `width` x `height` poster.
pub(super) fn draw(width: u32, height: u32) -> RgbImage {
    let (w, h) = (width as f32, height as f32);
    let short_side = w.min(h);
    let band = (short_side * 0.11).max(1.0);
    let hole_w = band * 0.6;
    let hole_h = band * 0.5;
    let pitch = band * 1.25;
    let (cx, cy) = (w / 2.0, h / 2.0);
    let radius = (short_side * 0.2).max(1.0);

    let mut image = RgbImage::from_fn(width, height, |x, y| {
        let t = ((x as f32 / w.max(1.0)) + (y as f32 / h.max(1.0))) / 2.0;
        to_rgb(mix(TOP_LEFT, BOTTOM_RIGHT, t))
    });

    let in_band = |_: f32, y: f32| y < band || y >= h - band;
    let in_hole = |x: f32, y: f32| {
        let column = ((x - pitch / 2.0) / pitch).round();
        let hole_x = pitch / 2.0 + column * pitch;
        let top_row = band / 2.0;
        let bottom_row = h - band / 2.0;
        let near = |centre_x: f32, centre_y: f32| {
            rounded_rect(
                x - centre_x,
                y - centre_y,
                hole_w / 2.0,
                hole_h / 2.0,
                hole_h * 0.3,
            )
        };
        near(hole_x, top_row) || near(hole_x, bottom_row)
    };
    let in_circle = |x: f32, y: f32| (x - cx).powi(2) + (y - cy).powi(2) <= radius * radius;
    // Nudged right: a centred triangle looks left-heavy.
    let triangle = [
        (cx - radius * 0.32, cy - radius * 0.45),
        (cx - radius * 0.32, cy + radius * 0.45),
        (cx + radius * 0.48, cy),
    ];
    let in_triangle = |x: f32, y: f32| inside_triangle((x, y), triangle);

    let everywhere = (0, 0, width, height);
    let circle_box = bounding_box(
        cx - radius,
        cy - radius,
        cx + radius,
        cy + radius,
        width,
        height,
    );
    paint(&mut image, everywhere, in_band, FILM, 0.85);
    paint(&mut image, everywhere, in_hole, LIGHT, 0.9);
    paint(&mut image, circle_box, in_circle, LIGHT, 0.92);
    let centre_colour = mix(TOP_LEFT, BOTTOM_RIGHT, 0.5);
    paint(&mut image, circle_box, in_triangle, centre_colour, 1.0);
    image
}

/// Blends `colour` over the pixels of `area` by how much of each `inside` covers.
fn paint(
    image: &mut RgbImage,
    (x0, y0, x1, y1): (u32, u32, u32, u32),
    inside: impl Fn(f32, f32) -> bool,
    colour: [f32; 3],
    opacity: f32,
) {
    const STEPS: u32 = 4;
    for y in y0..y1 {
        for x in x0..x1 {
            let mut hits = 0u32;
            for sy in 0..STEPS {
                for sx in 0..STEPS {
                    let px = x as f32 + (sx as f32 + 0.5) / STEPS as f32;
                    let py = y as f32 + (sy as f32 + 0.5) / STEPS as f32;
                    hits += u32::from(inside(px, py));
                }
            }
            if hits == 0 {
                continue;
            }
            let alpha = opacity * hits as f32 / (STEPS * STEPS) as f32;
            let pixel = image.get_pixel_mut(x, y);
            let below = pixel.0.map(f32::from);
            *pixel = to_rgb(mix(below, colour, alpha));
        }
    }
}

fn bounding_box(
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    width: u32,
    height: u32,
) -> (u32, u32, u32, u32) {
    let clamp = |v: f32, max: u32| (v.max(0.0) as u32).min(max);
    (
        clamp(x0.floor(), width),
        clamp(y0.floor(), height),
        clamp(x1.ceil() + 1.0, width),
        clamp(y1.ceil() + 1.0, height),
    )
}

/// Whether (dx, dy), relative to a rectangle's centre, is inside it, with
/// corners rounded by `r`.
fn rounded_rect(dx: f32, dy: f32, half_w: f32, half_h: f32, r: f32) -> bool {
    let (qx, qy) = (dx.abs() - (half_w - r), dy.abs() - (half_h - r));
    if qx <= 0.0 || qy <= 0.0 {
        return qx <= r && qy <= r;
    }
    qx * qx + qy * qy <= r * r
}

fn inside_triangle(p: (f32, f32), [a, b, c]: [(f32, f32); 3]) -> bool {
    let side = |(x0, y0): (f32, f32), (x1, y1): (f32, f32)| {
        (x1 - x0) * (p.1 - y0) - (y1 - y0) * (p.0 - x0)
    };
    let (d1, d2, d3) = (side(a, b), side(b, c), side(c, a));
    let negative = d1 < 0.0 || d2 < 0.0 || d3 < 0.0;
    let positive = d1 > 0.0 || d2 > 0.0 || d3 > 0.0;
    !(negative && positive)
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    let t = t.clamp(0.0, 1.0);
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

fn to_rgb(colour: [f32; 3]) -> Rgb<u8> {
    Rgb(colour.map(|c| c.round().clamp(0.0, 255.0) as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_a_light_play_button_and_dark_film_edges() {
        let poster = draw(320, 180);
        assert_eq!(poster.dimensions(), (320, 180));
        // The button's ring (left of the triangle) is light, the triangle is not.
        let ring = poster.get_pixel(160 - 30, 90).0;
        assert!(ring.iter().all(|c| *c > 200), "ring {ring:?}");
        let glyph = poster.get_pixel(165, 90).0;
        assert!(glyph.iter().any(|c| *c < 150), "glyph {glyph:?}");
        // Film band between two perforations is dark.
        let band = poster.get_pixel(0, 1).0;
        assert!(band.iter().all(|c| *c < 60), "band {band:?}");
    }

    #[test]
    fn any_size_draws() {
        for (w, h) in [(320, 1), (320, 2560), (1, 1), (320, 569)] {
            assert_eq!(draw(w, h).dimensions(), (w, h));
        }
    }
}

//! Thumbnails of real files, compared with ffmpeg's own rendering of the
//! same frame, so a broken decoder, colour conversion, keyframe choice or
//! rotation fails here.

mod helpers;

use std::path::Path;

use debrief_media::{THUMBNAIL_WIDTH, Thumbnail, ThumbnailSource, make_thumbnail, probe_file};
use helpers::{Fixtures, ffmpeg_frame_rgb, mean_abs_diff, variance};

/// A decoded JPEG frame this close to ffmpeg's is the same picture: JPEG
/// and the two scalers differ by a few levels; another frame of the moving
/// pattern, or a wrong colour matrix, differs by far more.
const SAME_PICTURE: f64 = 6.0;

fn thumbnail(path: &Path) -> Thumbnail {
    let info = probe_file(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    make_thumbnail(path, &info).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Decodes the JPEG, checking it says the size the thumbnail says.
fn pixels(thumb: &Thumbnail) -> Vec<u8> {
    let image = image::load_from_memory_with_format(&thumb.jpeg, image::ImageFormat::Jpeg)
        .expect("the thumbnail is a valid JPEG")
        .to_rgb8();
    assert_eq!(image.dimensions(), (thumb.width, thumb.height));
    image.into_raw()
}

#[test]
fn h264_thumbnail_is_the_first_keyframe_when_none_follows_half_a_second() {
    let fx = Fixtures::new();
    // x264's default keyframe interval (250) leaves one keyframe in 3 s.
    let path = fx.h264_aac_fast_start();
    let thumb = thumbnail(&path);
    assert_eq!(thumb.source, ThumbnailSource::DecodedFrame);
    assert_eq!((thumb.width, thumb.height), (THUMBNAIL_WIDTH, 180));
    let ours = pixels(&thumb);
    assert!(variance(&ours) > 1000.0, "a test pattern is not uniform");
    let reference = ffmpeg_frame_rgb(&path, 0, 320, 180);
    let diff = mean_abs_diff(&ours, &reference);
    assert!(
        diff < SAME_PICTURE,
        "differs from ffmpeg's frame 0 by {diff}"
    );
}

#[test]
fn h264_thumbnail_prefers_the_keyframe_at_half_a_second() {
    let fx = Fixtures::new();
    // A keyframe every 15 frames (0.5 s), no B-frames: frame 15 is the pick.
    let path = fx.av(
        "gop15.mp4",
        "2",
        &["-c:v", "libx264", "-g", "15", "-bf", "0", "-c:a", "aac"],
    );
    let ours = pixels(&thumbnail(&path));
    let at_half = mean_abs_diff(&ours, &ffmpeg_frame_rgb(&path, 15, 320, 180));
    let at_start = mean_abs_diff(&ours, &ffmpeg_frame_rgb(&path, 0, 320, 180));
    assert!(at_half < SAME_PICTURE, "differs from frame 15 by {at_half}");
    assert!(
        at_half < at_start,
        "closer to frame 0 ({at_start}) than to frame 15 ({at_half})"
    );
}

#[test]
fn dark_keyframes_are_passed_over() {
    let fx = Fixtures::new();
    // 1.5 s of black, then the pattern; keyframes every 0.5 s.
    let path = fx.ffmpeg(
        "fade_in.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "color=c=black:size=640x360:rate=30:duration=1.5",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=30:duration=1.5",
            "-filter_complex",
            "[0:v][1:v]concat=n=2:v=1:a=0[v]",
            "-map",
            "[v]",
            "-c:v",
            "libx264",
            "-g",
            "15",
            "-bf",
            "0",
        ],
    );
    let thumb = thumbnail(&path);
    assert_eq!(thumb.source, ThumbnailSource::DecodedFrame);
    let ours = pixels(&thumb);
    let diff = mean_abs_diff(&ours, &ffmpeg_frame_rgb(&path, 45, 320, 180));
    assert!(
        diff < SAME_PICTURE,
        "not the first bright keyframe (frame 45): differs by {diff}"
    );
}

#[test]
fn fragmented_and_moov_at_end_files_get_frames_too() {
    let fx = Fixtures::new();
    for path in [
        fx.h264_aac_fragmented(),
        fx.h264_aac_moov_at_end(),
        fx.h264_opus(),
    ] {
        let thumb = thumbnail(&path);
        assert_eq!(
            thumb.source,
            ThumbnailSource::DecodedFrame,
            "{}",
            path.display()
        );
        let ours = pixels(&thumb);
        assert!(
            variance(&ours) > 1000.0,
            "{}: uniform thumbnail",
            path.display()
        );
    }
    // Fragmented files have a keyframe every 0.5 s, the one at 0.5 s in
    // their second fragment; where its bytes are is worked out differently
    // in each layout.
    let layouts = [
        "+frag_keyframe+empty_moov+default_base_moof",
        "+frag_keyframe+empty_moov",
        "+frag_keyframe",
        "+frag_keyframe+empty_moov+separate_moof+omit_tfhd_offset",
    ];
    for (i, flags) in layouts.into_iter().enumerate() {
        let path = fx.av(
            &format!("frag{i}.mp4"),
            "2",
            &[
                "-c:v",
                "libx264",
                "-g",
                "15",
                "-bf",
                "0",
                "-an",
                "-movflags",
                flags,
            ],
        );
        let ours = pixels(&thumbnail(&path));
        let diff = mean_abs_diff(&ours, &ffmpeg_frame_rgb(&path, 15, 320, 180));
        assert!(
            diff < SAME_PICTURE,
            "{flags}: differs from frame 15 by {diff}"
        );
    }
}

#[test]
fn rotated_video_gets_an_upright_portrait_thumbnail() {
    let fx = Fixtures::new();
    let plain = fx.h264_aac_fast_start();
    let rotated = fx.ffmpeg(
        "rotated.mp4",
        &[
            "-i",
            plain.to_str().unwrap(),
            "-c",
            "copy",
            "-metadata:s:v:0",
            "rotate=90",
        ],
    );
    let thumb = thumbnail(&rotated);
    // 640x360 shown turned: 360x640, so 320 wide and 569 tall.
    assert_eq!((thumb.width, thumb.height), (320, 569));
    let ours = pixels(&thumb);
    // ffmpeg applies the rotation when it renders, as players do.
    let diff = mean_abs_diff(&ours, &ffmpeg_frame_rgb(&rotated, 0, 320, 569));
    assert!(
        diff < SAME_PICTURE,
        "differs from ffmpeg's upright frame by {diff}"
    );
}

#[test]
fn hevc_gets_a_generated_poster_with_the_video_aspect() {
    let fx = Fixtures::new();
    let path = fx.hevc_aac();
    let thumb = thumbnail(&path);
    assert_eq!(thumb.source, ThumbnailSource::GeneratedPoster);
    assert_eq!((thumb.width, thumb.height), (320, 180));
    let ours = pixels(&thumb);
    assert!(
        variance(&ours) > 100.0,
        "the poster has a gradient and a glyph"
    );

    let portrait = fx.ffmpeg(
        "portrait_hevc.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=360x640:rate=30",
            "-t",
            "1",
            "-c:v",
            "libx265",
            "-x265-params",
            "log-level=error",
        ],
    );
    let thumb = thumbnail(&portrait);
    assert_eq!(thumb.source, ThumbnailSource::GeneratedPoster);
    assert_eq!((thumb.width, thumb.height), (320, 569));
    pixels(&thumb);
}

#[test]
fn an_undecodable_h264_stream_falls_back_to_the_poster() {
    let fx = Fixtures::new();
    let mut bytes = std::fs::read(fx.h264_aac_fast_start()).unwrap();
    // Wipe the media data: the index still probes, no frame decodes.
    let mdat = bytes.windows(4).position(|w| w == b"mdat").unwrap() + 4;
    bytes[mdat..].fill(0xFF);
    let path = fx.write("wiped.mp4", &bytes);
    let thumb = thumbnail(&path);
    assert_eq!(thumb.source, ThumbnailSource::GeneratedPoster);
    assert_eq!((thumb.width, thumb.height), (320, 180));
    pixels(&thumb);
}

#[test]
fn a_file_gone_since_probing_is_an_error() {
    let fx = Fixtures::new();
    let path = fx.h264_opus();
    let info = probe_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let err = make_thumbnail(&path, &info).unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

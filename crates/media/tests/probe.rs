//! Probing real files made by ffmpeg, judged by ffprobe; and refusing files
//! Debrief cannot play with the right reason.

mod helpers;

use std::path::Path;

use debrief_media::{AudioCodec, DetectedFormat, MediaInfo, ProbeError, VideoCodec, probe_file};
use helpers::{FRAME_MS, Fixtures, ffprobe_audio_codec, ffprobe_duration_ms, ffprobe_video};

/// Probes `path` and checks it against ffprobe: codec names, frame size,
/// and duration within one frame.
fn probe_and_judge(path: &Path) -> MediaInfo {
    let info = probe_file(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let (codec, width, height) = ffprobe_video(path);
    assert_eq!(info.video_codec.as_str(), codec);
    assert_eq!((info.width, info.height), (width, height));
    let audio = ffprobe_audio_codec(path);
    assert_eq!(info.audio_codec.map_or("", |a| a.as_str()), audio);
    let expected = ffprobe_duration_ms(path);
    assert!(
        info.duration_ms.abs_diff(expected) <= FRAME_MS,
        "duration {} ms, ffprobe says {expected} ms",
        info.duration_ms
    );
    info
}

#[test]
fn h264_aac_fast_start() {
    let fx = Fixtures::new();
    let info = probe_and_judge(&fx.h264_aac_fast_start());
    assert_eq!(info.video_codec, VideoCodec::H264);
    assert_eq!(info.audio_codec, Some(AudioCodec::Aac));
    assert_eq!((info.width, info.height, info.rotation), (640, 360, 0));
    assert!(info.duration_ms.abs_diff(3000) <= FRAME_MS);
    assert!(info.fast_start);
    assert!(!info.fragmented);
    // ffmpeg writes no creation time unless told to; 0 (1904) is not believed.
    assert_eq!(info.creation_time, None);
}

#[test]
fn h264_opus() {
    let fx = Fixtures::new();
    let info = probe_and_judge(&fx.h264_opus());
    assert_eq!(info.video_codec, VideoCodec::H264);
    assert_eq!(info.audio_codec, Some(AudioCodec::Opus));
}

#[test]
fn moov_at_end_is_not_fast_start() {
    let fx = Fixtures::new();
    let info = probe_and_judge(&fx.h264_aac_moov_at_end());
    assert!(!info.fast_start);
    assert!(!info.fragmented);
    assert_eq!(info.audio_codec, Some(AudioCodec::Aac));
}

#[test]
fn fragmented_duration_comes_from_the_fragments() {
    let fx = Fixtures::new();
    let path = fx.h264_aac_fragmented();
    let info = probe_and_judge(&path);
    assert!(info.fragmented);
    // The index is empty: only the fragments can give 3 seconds.
    assert!(info.duration_ms >= 3000 - FRAME_MS, "{info:?}");
    assert_eq!((info.width, info.height), (640, 360));
}

#[test]
fn other_fragment_layouts_ffmpeg_writes() {
    let fx = Fixtures::new();
    // Explicit base offsets in 'tfhd' (no default-base-is-moof), and a
    // first fragment kept in the index itself (no empty_moov).
    for (name, flags) in [
        ("explicit_base.mp4", "+frag_keyframe+empty_moov"),
        ("samples_in_moov.mp4", "+frag_keyframe"),
        (
            "separate_moof.mp4",
            "+frag_keyframe+empty_moov+separate_moof+omit_tfhd_offset",
        ),
    ] {
        let path = fx.av(
            name,
            "3",
            &[
                "-c:v",
                "libx264",
                "-g",
                "15",
                "-c:a",
                "aac",
                "-movflags",
                flags,
            ],
        );
        let info = probe_and_judge(&path);
        assert!(info.fragmented, "{name}");
    }
}

#[test]
fn hevc_aac() {
    let fx = Fixtures::new();
    let info = probe_and_judge(&fx.hevc_aac());
    assert_eq!(info.video_codec, VideoCodec::Hevc);
    assert_eq!(info.audio_codec, Some(AudioCodec::Aac));
}

#[test]
fn hevc_tagged_hev1_and_h264_tagged_avc3() {
    let fx = Fixtures::new();
    let hev1 = fx.av(
        "hev1.mp4",
        "1",
        &[
            "-c:v",
            "libx265",
            "-x265-params",
            "log-level=error",
            "-tag:v",
            "hev1",
            "-an",
        ],
    );
    assert_eq!(probe_and_judge(&hev1).video_codec, VideoCodec::Hevc);
    let avc3 = fx.av(
        "avc3.mp4",
        "1",
        &["-c:v", "libx264", "-tag:v", "avc3", "-an"],
    );
    let info = probe_and_judge(&avc3);
    assert_eq!(info.video_codec, VideoCodec::H264);
    assert_eq!(info.audio_codec, None);
}

#[test]
fn creation_time_and_rotation_are_read() {
    let fx = Fixtures::new();
    let plain = fx.h264_aac_fast_start();
    let tagged = fx.ffmpeg(
        "tagged.mp4",
        &[
            "-i",
            plain.to_str().unwrap(),
            "-c",
            "copy",
            "-metadata",
            "creation_time=2024-05-06T07:08:09Z",
            "-metadata:s:v:0",
            "rotate=90",
        ],
    );
    let info = probe_and_judge(&tagged);
    assert_eq!(
        info.creation_time,
        Some(time::macros::datetime!(2024-05-06 07:08:09 UTC))
    );
    // ffmpeg 5's `rotate=90` tag writes a matrix it displays turned 90°
    // counter-clockwise, i.e. 270° clockwise (ffprobe: rotation=90 CCW).
    assert_eq!(info.rotation, 270);
    assert_eq!((info.width, info.height), (640, 360));
}

fn expect_err(path: &Path) -> ProbeError {
    match probe_file(path) {
        Ok(info) => panic!("{} should be refused, got {info:?}", path.display()),
        Err(err) => err,
    }
}

#[test]
fn audio_only_is_refused() {
    let fx = Fixtures::new();
    let err = expect_err(&fx.audio_only());
    assert!(
        matches!(err, ProbeError::NoVideoTrack { has_audio: true }),
        "{err:?}"
    );
    assert!(err.to_string().contains("audio only"), "{err}");
}

#[test]
fn vp9_in_mp4_is_refused_naming_the_codec() {
    let fx = Fixtures::new();
    let err = expect_err(&fx.vp9_in_mp4());
    let ProbeError::UnsupportedVideoCodec { codec } = &err else {
        panic!("{err:?}");
    };
    assert_eq!((codec.name, codec.fourcc.as_str()), ("VP9", "vp09"));
    let message = err.to_string();
    assert!(
        message.contains("VP9") && message.contains("H.264 or HEVC"),
        "{message}"
    );
}

#[test]
fn mpeg4_part2_is_refused_naming_the_codec() {
    let fx = Fixtures::new();
    let path = fx.ffmpeg(
        "mpeg4.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25",
            "-t",
            "1",
            "-c:v",
            "mpeg4",
        ],
    );
    let err = expect_err(&path);
    assert!(err.to_string().contains("MPEG-4 Part 2"), "{err}");
}

#[test]
fn webm_renamed_to_mp4_is_called_webm() {
    let fx = Fixtures::new();
    let err = expect_err(&fx.webm_named_mp4());
    assert!(
        matches!(
            err,
            ProbeError::NotMp4 {
                detected: Some(DetectedFormat::WebM)
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("WebM"), "{err}");
}

#[test]
fn text_renamed_to_mp4_is_called_text() {
    let fx = Fixtures::new();
    for (name, text) in [
        ("notes.mp4", "Pricing objection: lead with value.\n"),
        ("tiny.mp4", "hi\n"),
    ] {
        let err = expect_err(&fx.write(name, text.as_bytes()));
        assert!(
            matches!(
                err,
                ProbeError::NotMp4 {
                    detected: Some(DetectedFormat::Text)
                }
            ),
            "{name}: {err:?}"
        );
        assert!(err.to_string().contains("text file"), "{err}");
    }
}

#[test]
fn empty_missing_and_folder_are_told_apart() {
    let fx = Fixtures::new();
    let err = expect_err(&fx.write("empty.mp4", b""));
    assert!(matches!(err, ProbeError::Empty), "{err:?}");

    let missing = fx.path("never-written.mp4");
    let err = expect_err(&missing);
    assert!(matches!(err, ProbeError::NotFound { .. }), "{err:?}");
    assert!(err.is_missing_file());
    assert!(err.to_string().contains("never-written.mp4"), "{err}");

    let folder = fx.path("folder.mp4");
    std::fs::create_dir(&folder).unwrap();
    let err = expect_err(&folder);
    assert!(matches!(err, ProbeError::IsDirectory { .. }), "{err:?}");
}

#[test]
fn a_file_cut_at_60_percent_is_truncated_with_byte_counts() {
    let fx = Fixtures::new();
    let full = std::fs::read(fx.h264_aac_fast_start()).unwrap();
    let cut = full.len() * 6 / 10;
    let path = fx.write("cut.mp4", &full[..cut]);
    let err = expect_err(&path);
    let ProbeError::Truncated { present, needed } = err else {
        panic!("{err:?}");
    };
    assert_eq!(present, cut as u64);
    assert_eq!(
        needed,
        full.len() as u64,
        "the last sample ends at the end of the file"
    );
    let message = expect_err(&path).to_string();
    assert!(
        message.contains(&present.to_string()) && message.contains(&needed.to_string()),
        "{message}"
    );
}

#[test]
fn a_fragmented_file_cut_mid_fragment_is_truncated() {
    let fx = Fixtures::new();
    let full = std::fs::read(fx.h264_aac_fragmented()).unwrap();
    let cut = full.len() * 6 / 10;
    let err = expect_err(&fx.write("cut_fragmented.mp4", &full[..cut]));
    assert!(
        matches!(err, ProbeError::Truncated { present, needed } if present == cut as u64 && needed > present),
        "{err:?}"
    );
}

#[test]
fn a_file_without_moov_is_missing_its_index() {
    let fx = Fixtures::new();
    let full = std::fs::read(fx.h264_aac_moov_at_end()).unwrap();
    // Everything up to the index: what a recorder leaves when killed before finishing.
    let moov = full
        .windows(4)
        .rposition(|w| w == b"moov")
        .expect("a moov box")
        - 4;
    let err = expect_err(&fx.write("no_moov.mp4", &full[..moov]));
    assert!(
        matches!(err, ProbeError::MissingIndex { declared: None, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("not finished writing or was truncated"),
        "{err}"
    );

    // Cut at 60%, the index at the end is lost with the tail of the media.
    let cut = full.len() * 6 / 10;
    let err = expect_err(&fx.write("cut_moov_at_end.mp4", &full[..cut]));
    assert!(
        matches!(err, ProbeError::MissingIndex { present, declared: Some(declared) } if present == cut as u64 && declared > present),
        "{err:?}"
    );
}

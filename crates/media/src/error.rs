//! Errors of probing and thumbnailing.
//!
//! A probe error is what a user sees when an import is refused, so every
//! message says what is wrong with the file *and* what to do about it. File
//! system errors name the path; errors about the content do not, because the
//! same content can be probed from a reader (the caller adds the file name).

use std::fmt;
use std::path::PathBuf;

/// Why a file is not a playable MP4 that Debrief can use.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{} does not exist: check the path, or pick the file again", path.display())]
    NotFound { path: PathBuf },

    #[error("{} is a folder, not a video file: pick an .mp4 file inside it", path.display())]
    IsDirectory { path: PathBuf },

    #[error("cannot read {}: {source}; check that the file is readable by this user", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "reading the file failed part way: {source}; if it is on removable or network storage, copy it to the device and try again"
    )]
    Io {
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the file is empty (0 bytes): it was not written, or the copy failed; copy or export it again"
    )]
    Empty,

    #[error("{}", not_mp4_message(*.detected))]
    NotMp4 { detected: Option<DetectedFormat> },

    #[error("{}", no_video_message(*.has_audio))]
    NoVideoTrack { has_audio: bool },

    #[error(
        "the video track has no frames: the recording stopped before its first frame was written; record it again"
    )]
    NoVideoFrames,

    #[error(
        "the video is {codec}, which Debrief cannot play: it needs H.264 or HEVC video; convert it to H.264 MP4 (for example `ffmpeg -i IN -c:v libx264 -c:a aac OUT.mp4`)"
    )]
    UnsupportedVideoCodec { codec: CodecName },

    #[error(
        "the audio is {codec}, which Debrief cannot play: it needs AAC or Opus audio; convert the audio to AAC (for example `ffmpeg -i IN -c:v copy -c:a aac OUT.mp4`)"
    )]
    UnsupportedAudioCodec { codec: CodecName },

    #[error("the file is truncated: it has {present} bytes but its index needs {needed} ({} missing); copy it again from the source, or re-export it", needed.saturating_sub(*present))]
    Truncated { present: u64, needed: u64 },

    #[error("{}", missing_index_message(*.present, *.declared))]
    MissingIndex { present: u64, declared: Option<u64> },

    #[error(
        "the MP4 index is damaged ({detail}): the file is corrupt; re-export it from the source"
    )]
    Malformed { detail: String },
}

impl ProbeError {
    /// The path names nothing: the file was moved or deleted, or mistyped.
    pub fn is_missing_file(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// The file could not be read at all (as opposed to read and refused):
    /// missing, a folder, unreadable, or an I/O failure part way.
    pub fn is_file_access(&self) -> bool {
        matches!(
            self,
            Self::NotFound { .. }
                | Self::IsDirectory { .. }
                | Self::Unreadable { .. }
                | Self::Io { .. }
        )
    }
}

/// What a non-MP4 file looks like, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectedFormat {
    WebM,
    Matroska,
    Avi,
    MpegTransportStream,
    MpegProgramStream,
    Flv,
    Ogg,
    Wav,
    Mp3,
    Flac,
    HeifImage,
    Jpeg,
    Png,
    Gif,
    Pdf,
    Zip,
    Text,
}

impl DetectedFormat {
    /// Whether this is a video container that a converter can turn into MP4.
    pub fn is_video_container(self) -> bool {
        matches!(
            self,
            Self::WebM
                | Self::Matroska
                | Self::Avi
                | Self::MpegTransportStream
                | Self::MpegProgramStream
                | Self::Flv
                | Self::Ogg
        )
    }
}

impl fmt::Display for DetectedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::WebM => "a WebM video",
            Self::Matroska => "a Matroska (MKV) video",
            Self::Avi => "an AVI video",
            Self::MpegTransportStream => "an MPEG transport stream (.ts)",
            Self::MpegProgramStream => "an MPEG program stream (.mpg)",
            Self::Flv => "a Flash video (FLV)",
            Self::Ogg => "an Ogg file",
            Self::Wav => "a WAV audio file",
            Self::Mp3 => "an MP3 audio file",
            Self::Flac => "a FLAC audio file",
            Self::HeifImage => "a HEIF/AVIF image",
            Self::Jpeg => "a JPEG image",
            Self::Png => "a PNG image",
            Self::Gif => "a GIF image",
            Self::Pdf => "a PDF document",
            Self::Zip => "a ZIP archive",
            Self::Text => "a text file",
        })
    }
}

/// A codec named for people ("VP9"), with the four-character code from the
/// file ("vp09") for support questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecName {
    pub name: &'static str,
    pub fourcc: String,
}

impl fmt::Display for CodecName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ('{}')", self.name, self.fourcc)
    }
}

fn not_mp4_message(detected: Option<DetectedFormat>) -> String {
    match detected {
        Some(format) if format.is_video_container() => format!(
            "this is {format}, not an MP4: convert it to MP4 with H.264 video (for example `ffmpeg -i IN -c:v libx264 -c:a aac OUT.mp4`)"
        ),
        Some(format) => format!("this is {format}, not a video: pick an MP4 video file"),
        None => "this is not an MP4 video (it does not start with MP4 boxes): pick an MP4 video file, or convert it to MP4".to_owned(),
    }
}

fn no_video_message(has_audio: bool) -> String {
    if has_audio {
        "this MP4 has no video track (it is audio only): Debrief clips need video; record or export a video".to_owned()
    } else {
        "this MP4 has no video track: Debrief clips need video; record or export a video".to_owned()
    }
}

fn missing_index_message(present: u64, declared: Option<u64>) -> String {
    let base = "this MP4 has no index ('moov' box): it was not finished writing or was truncated";
    match declared {
        Some(declared) if declared > present => format!(
            "{base} (it has {present} bytes, its boxes continue to byte {declared}); if it is a recording that was cut off, let Debrief recover it, otherwise copy it again"
        ),
        _ => format!(
            "{base}; if it is a recording that was cut off, let Debrief recover it, otherwise copy or export it again"
        ),
    }
}

/// Why a thumbnail could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    /// The file could not be re-read (moved, deleted or damaged since it was probed).
    #[error("cannot read the video to make its thumbnail: {0}")]
    Probe(#[from] ProbeError),

    #[error("encoding the thumbnail JPEG failed: {source}; this is a bug, please report it")]
    Encode {
        #[source]
        source: image::ImageError,
    },
}

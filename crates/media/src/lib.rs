//! Debrief's media: recording, what is in a video file, and its thumbnail.
//!
//! [`record`] turns camera and microphone captures into a crash-safe
//! H.264 + Opus MP4 (fragmented while recording, finalised in place into a
//! fast-start file at stop), and recovers recordings a crash left behind.
//! [`probe_file`] reads an MP4's index (never its media data) and either
//! describes a clip Debrief can play, or says precisely why not and what to
//! do. [`make_thumbnail`] turns an early frame into a small JPEG, or draws
//! a poster for video no bundled decoder reads; [`preview::preview_jpeg`]
//! turns a live frame into the preview JPEG the app shows while recording.
//!
//! Codecs live here and nowhere else, so the server and the library store
//! build without them.

mod error;
pub mod preview;
pub mod probe;
pub mod record;
pub mod thumbnail;

pub use error::{CodecName, DetectedFormat, ProbeError, ThumbnailError};
pub use probe::{AudioCodec, MediaInfo, VideoCodec, probe_file, probe_reader};
pub use thumbnail::{THUMBNAIL_WIDTH, Thumbnail, ThumbnailSource, make_thumbnail};

//! Choosing the video and audio tracks, and naming their codecs.
//!
//! Debrief plays H.264 or HEVC video with AAC or Opus audio (what every
//! webview it targets can decode). The first video track with a playable
//! codec is the clip's picture; the first audio track with a playable codec
//! is its sound. When no track is playable the error names the codec that
//! was found, in words a user can search for ("VP9", not "vp09").

use mp4_atom::{Codec, FourCC, Moov, Trak};

use crate::error::{CodecName, ProbeError};

/// The video codecs Debrief accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoCodec {
    /// H.264 / AVC ('avc1' or 'avc3').
    H264,
    /// H.265 / HEVC ('hvc1' or 'hev1').
    Hevc,
}

impl VideoCodec {
    /// Stable lowercase name, as ffprobe's `codec_name` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::H264 => "h264",
            Self::Hevc => "hevc",
        }
    }
}

impl std::fmt::Display for VideoCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The audio codecs Debrief accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioCodec {
    /// AAC ('mp4a' with an MPEG-4 or MPEG-2 AAC object type).
    Aac,
    /// Opus ('Opus' with a 'dOps' box).
    Opus,
}

impl AudioCodec {
    /// Stable lowercase name, as ffprobe's `codec_name` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aac => "aac",
            Self::Opus => "opus",
        }
    }
}

impl std::fmt::Display for AudioCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tracks a clip is made of.
#[derive(Debug)]
pub(crate) struct Chosen<'a> {
    pub video: &'a Trak,
    pub video_codec: VideoCodec,
    pub audio: Option<(&'a Trak, AudioCodec)>,
}

pub(crate) fn choose(moov: &Moov) -> Result<Chosen<'_>, ProbeError> {
    let tracks =
        |handler: &'static [u8; 4]| moov.trak.iter().filter(move |t| is_handler(t, handler));

    let (video, unplayable_video) = first_playable(tracks(b"vide"), video_codec);
    let Some((video, video_codec)) = video else {
        // Name the codec that was found, so the user learns what they have.
        return Err(match unplayable_video {
            Some(codec) => ProbeError::UnsupportedVideoCodec { codec },
            None => ProbeError::NoVideoTrack {
                has_audio: tracks(b"soun").next().is_some(),
            },
        });
    };
    let (audio, unplayable_audio) = first_playable(tracks(b"soun"), audio_codec);
    if let (None, Some(codec)) = (audio, unplayable_audio) {
        return Err(ProbeError::UnsupportedAudioCodec { codec });
    }
    Ok(Chosen {
        video,
        video_codec,
        audio,
    })
}

/// The first track whose codec `classify` accepts, or else the name of the
/// first codec it refused.
fn first_playable<'a, T>(
    tracks: impl Iterator<Item = &'a Trak>,
    classify: impl Fn(&Codec) -> Result<T, CodecName>,
) -> (Option<(&'a Trak, T)>, Option<CodecName>) {
    let mut refused = None;
    for trak in tracks {
        match first_codec(trak).map(&classify) {
            Some(Ok(codec)) => return (Some((trak, codec)), None),
            Some(Err(name)) => {
                refused.get_or_insert(name);
            }
            None => {}
        }
    }
    (None, refused)
}

fn is_handler(trak: &Trak, handler: &[u8; 4]) -> bool {
    trak.mdia.hdlr.handler == FourCC::new(handler)
}

/// The sample entry that describes a track's samples. Files with several
/// entries per track exist but are rare; the first describes the start,
/// which is what probing and thumbnails look at.
pub(crate) fn first_codec(trak: &Trak) -> Option<&Codec> {
    trak.mdia.minf.stbl.stsd.codecs.first()
}

fn video_codec(codec: &Codec) -> Result<VideoCodec, CodecName> {
    let (name, fourcc) = match codec {
        Codec::Avc1(_) | Codec::Avc3(_) => return Ok(VideoCodec::H264),
        Codec::Hvc1(_) | Codec::Hev1(_) => return Ok(VideoCodec::Hevc),
        Codec::Vp09(_) => ("VP9", *b"vp09"),
        Codec::Vp08(_) => ("VP8", *b"vp08"),
        Codec::Av01(_) => ("AV1", *b"av01"),
        Codec::Jpeg(_) => ("Motion JPEG", *b"jpeg"),
        Codec::Uncv(_) => ("uncompressed video", *b"uncv"),
        Codec::Unknown(kind, _) => {
            let fourcc: [u8; 4] = (*kind).into();
            (unknown_video_name(&fourcc), fourcc)
        }
        other => ("a non-video format", fourcc_of(other)),
    };
    Err(codec_name(name, fourcc))
}

fn unknown_video_name(fourcc: &[u8; 4]) -> &'static str {
    match fourcc {
        b"mp4v" => "MPEG-4 Part 2 (MPEG-4 Visual, e.g. Xvid/DivX)",
        b"s263" | b"h263" => "H.263",
        b"mjp2" => "Motion JPEG 2000",
        b"mjpa" | b"mjpb" => "Motion JPEG",
        b"apch" | b"apcn" | b"apcs" | b"apco" | b"ap4h" | b"ap4x" => "Apple ProRes",
        b"dvh1" | b"dvhe" | b"dvav" | b"dva1" => "Dolby Vision",
        b"encv" => "encrypted (DRM-protected) video",
        b"vvc1" | b"vvi1" => "H.266 / VVC",
        b"avc2" | b"avc4" => "H.264 with parameter sets Debrief cannot read",
        b"dvc " | b"dvcp" | b"dv5n" | b"dv5p" => "DV",
        b"mp2v" | b"m2v1" | b"xdvc" => "MPEG-2 video",
        _ => "an unknown codec",
    }
}

fn audio_codec(codec: &Codec) -> Result<AudioCodec, CodecName> {
    let (name, fourcc) = match codec {
        Codec::Opus(_) => return Ok(AudioCodec::Opus),
        Codec::Mp4a(mp4a) => match mp4a.esds.es_desc.dec_config.object_type_indication {
            // MPEG-4 AAC, and MPEG-2 AAC Main / LC / SSR.
            0x40 | 0x66 | 0x67 | 0x68 => return Ok(AudioCodec::Aac),
            0x69 | 0x6B => ("MP3", *b"mp4a"),
            0xA5 => ("AC-3 (Dolby Digital)", *b"mp4a"),
            0xA6 => ("E-AC-3 (Dolby Digital Plus)", *b"mp4a"),
            0xA9..=0xAC => ("DTS", *b"mp4a"),
            0xAD => ("Opus in an 'mp4a' box (not standard)", *b"mp4a"),
            _ => ("an unknown MPEG-4 audio format", *b"mp4a"),
        },
        Codec::Mp3(_) => ("MP3", *b".mp3"),
        Codec::Flac(_) => ("FLAC", *b"fLaC"),
        Codec::Ac3(_) => ("AC-3 (Dolby Digital)", *b"ac-3"),
        Codec::Eac3(_) => ("E-AC-3 (Dolby Digital Plus)", *b"ec-3"),
        Codec::Samr(_) => ("AMR", *b"samr"),
        Codec::Ipcm(_)
        | Codec::Fpcm(_)
        | Codec::Sowt(_)
        | Codec::Twos(_)
        | Codec::Lpcm(_)
        | Codec::In24(_)
        | Codec::In32(_)
        | Codec::Fl32(_)
        | Codec::Fl64(_)
        | Codec::S16l(_) => ("uncompressed PCM audio", fourcc_of(codec)),
        Codec::Unknown(kind, _) => {
            let fourcc: [u8; 4] = (*kind).into();
            let name = match &fourcc {
                b"alac" => "Apple Lossless (ALAC)",
                b"enca" => "encrypted (DRM-protected) audio",
                b"sawb" => "AMR-WB",
                b"ac-4" => "AC-4",
                _ => "an unknown codec",
            };
            (name, fourcc)
        }
        other => ("a non-audio format", fourcc_of(other)),
    };
    Err(codec_name(name, fourcc))
}

fn codec_name(name: &'static str, fourcc: [u8; 4]) -> CodecName {
    CodecName {
        name,
        fourcc: fourcc
            .iter()
            .map(|b| {
                if b.is_ascii_graphic() || *b == b' ' {
                    *b as char
                } else {
                    '?'
                }
            })
            .collect(),
    }
}

/// The four-character code of a sample entry, for codecs named only by kind.
fn fourcc_of(codec: &Codec) -> [u8; 4] {
    let kind = match codec {
        Codec::Avc1(_) => b"avc1",
        Codec::Avc3(_) => b"avc3",
        Codec::Hev1(_) => b"hev1",
        Codec::Hvc1(_) => b"hvc1",
        Codec::Vp08(_) => b"vp08",
        Codec::Vp09(_) => b"vp09",
        Codec::Av01(_) => b"av01",
        Codec::Jpeg(_) => b"jpeg",
        Codec::Mp4a(_) => b"mp4a",
        Codec::Mp3(_) => b".mp3",
        Codec::Opus(_) => b"Opus",
        Codec::Tx3g(_) => b"tx3g",
        Codec::Uncv(_) => b"uncv",
        Codec::Flac(_) => b"fLaC",
        Codec::Ac3(_) => b"ac-3",
        Codec::Eac3(_) => b"ec-3",
        Codec::Ipcm(_) => b"ipcm",
        Codec::Fpcm(_) => b"fpcm",
        Codec::Sowt(_) => b"sowt",
        Codec::Twos(_) => b"twos",
        Codec::Lpcm(_) => b"lpcm",
        Codec::In24(_) => b"in24",
        Codec::In32(_) => b"in32",
        Codec::Fl32(_) => b"fl32",
        Codec::Fl64(_) => b"fl64",
        Codec::S16l(_) => b"s16l",
        Codec::Wvtt(_) => b"wvtt",
        Codec::Samr(_) => b"samr",
        Codec::Unknown(kind, _) => return (*kind).into(),
        _ => b"????",
    };
    *kind
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fourccs_are_named_for_people() {
        let mp4v = Codec::Unknown(FourCC::new(b"mp4v"), Vec::new());
        let err = video_codec(&mp4v).unwrap_err();
        assert!(err.name.starts_with("MPEG-4 Part 2"), "{err}");
        assert_eq!(err.fourcc, "mp4v");
        let weird = Codec::Unknown(FourCC::new(&[b'x', 0, b'y', 0xFF]), Vec::new());
        let err = video_codec(&weird).unwrap_err();
        assert_eq!(err.fourcc, "x?y?");
        assert_eq!(err.name, "an unknown codec");
    }
}

//! The walk over an MP4's top-level boxes.
//!
//! Only box headers are read, by seeking from one to the next, so a 2 GB file
//! costs a few dozen small reads whatever its size: media data ('mdat') is
//! never read. The one box read whole is the index ('moov'), bounded by
//! [`MAX_MOOV_BYTES`]; fragment headers ('moof') are only located here and
//! read later, one at a time.
//!
//! Invariant: every box the walk accepts lies inside the file. A box that
//! claims to end past the end of the file stops the walk and is reported as
//! `overrun`, which the caller turns into "truncated" or "missing index".

use std::io::{Read, Seek, SeekFrom};

use mp4_atom::{DecodeAtom, FourCC, Header, Moov, ReadFrom};

use super::sniff;
use crate::error::{DetectedFormat, ProbeError};

/// The largest index accepted. A two-hour phone video's 'moov' is a few MB;
/// anything near this bound is damage or an attack, not a real index.
const MAX_MOOV_BYTES: u64 = 256 << 20;

/// Fragmented files have one 'moof' per fragment (about one per second or
/// per keyframe); a million is days of video.
const MAX_FRAGMENTS: usize = 1_000_000;

/// Top-level boxes a real file has are few; a file of millions of tiny boxes
/// is not a video, and walking it would take long.
const MAX_TOP_LEVEL_BOXES: usize = 4_000_000;

/// Box kinds that may open an MP4 (ISO-BMFF or QuickTime) file.
const OPENING_KINDS: [&[u8; 4]; 12] = [
    b"ftyp", b"styp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"moof",
    b"sidx", b"junk",
];

/// Where a box is in the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BoxSpan {
    /// Offset of the box's first header byte.
    pub offset: u64,
    /// Bytes of header (8, or 16 with a 64-bit size).
    pub header_len: u64,
    /// Whole box, header included.
    pub size: u64,
}

/// What the walk found.
#[derive(Debug)]
pub(crate) struct Layout {
    pub moov: Option<(BoxSpan, Moov)>,
    pub first_mdat: Option<u64>,
    pub moofs: Vec<BoxSpan>,
    /// The box that claims to end past the end of the file, if one does.
    pub overrun: Option<Overrun>,
}

/// A box cut off by the end of the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Overrun {
    /// Its kind; `None` when even its header is cut.
    pub kind: Option<[u8; 4]>,
    /// Where it claims to end.
    pub end: u64,
}

impl Overrun {
    /// Whether the cut box holds media or its description, as opposed to
    /// trailing metadata or padding a player can do without.
    pub fn cuts_media(&self) -> bool {
        matches!(self.kind.as_ref(), Some(b"mdat" | b"moof"))
    }
}

pub(crate) fn walk<R: Read + Seek>(reader: &mut R, file_len: u64) -> Result<Layout, ProbeError> {
    let mut layout = Layout {
        moov: None,
        first_mdat: None,
        moofs: Vec::new(),
        overrun: None,
    };
    let mut pos = 0u64;
    let mut boxes = 0usize;
    while pos < file_len {
        let remaining = file_len - pos;
        if remaining < 8 && pos == 0 {
            return Err(not_mp4(reader)?);
        }
        if remaining < 8 {
            // Not even a box header fits: the file was cut inside one.
            layout.overrun = Some(Overrun {
                kind: None,
                end: pos + 8,
            });
            break;
        }
        seek(reader, pos)?;
        let header = match Header::read_from(reader) {
            Ok(header) => header,
            Err(_) if pos == 0 => return Err(not_mp4(reader)?),
            Err(mp4_atom::Error::Io(source)) if is_eof(&source) => {
                // A 64-bit size cut off by the end of the file.
                layout.overrun = Some(Overrun {
                    kind: None,
                    end: pos + 16,
                });
                break;
            }
            Err(mp4_atom::Error::Io(source)) => return Err(ProbeError::Io { source }),
            Err(err) => return Err(malformed(format!("the box at byte {pos}: {err}"))),
        };
        let header_len = position(reader)? - pos;
        if pos == 0 {
            let opening = OPENING_KINDS
                .iter()
                .any(|kind| FourCC::new(kind) == header.kind);
            if !opening || is_image(reader)? {
                return Err(not_mp4(reader)?);
            }
        }
        if !is_printable(header.kind) {
            // Junk after the last real box (some tools pad files); stop here.
            break;
        }
        let size = match header.size {
            Some(body) => (body as u64).saturating_add(header_len),
            None => remaining,
        };
        let end = pos.saturating_add(size);
        let span = BoxSpan {
            offset: pos,
            header_len,
            size,
        };
        boxes += 1;
        if boxes > MAX_TOP_LEVEL_BOXES {
            return Err(malformed("the file has millions of top-level boxes"));
        }
        let kind: [u8; 4] = header.kind.into();
        if end > file_len {
            if &kind == b"moov" {
                return Err(ProbeError::Truncated {
                    present: file_len,
                    needed: end,
                });
            }
            layout.overrun = Some(Overrun {
                kind: Some(kind),
                end,
            });
            if &kind == b"mdat" {
                layout.first_mdat.get_or_insert(pos);
            }
            break;
        }
        match &kind {
            b"moov" if layout.moov.is_none() => {
                layout.moov = Some((span, read_moov(reader, span)?));
            }
            b"mdat" => {
                layout.first_mdat.get_or_insert(pos);
            }
            b"moof" => {
                if layout.moofs.len() == MAX_FRAGMENTS {
                    return Err(malformed("the file has more than a million fragments"));
                }
                layout.moofs.push(span);
            }
            _ => {}
        }
        pos = end;
    }
    Ok(layout)
}

fn read_moov<R: Read + Seek>(reader: &mut R, span: BoxSpan) -> Result<Moov, ProbeError> {
    let body_len = span.size - span.header_len;
    if body_len > MAX_MOOV_BYTES {
        return Err(malformed(format!(
            "its index is {} MB, larger than any real video's",
            body_len >> 20
        )));
    }
    seek(reader, span.offset + span.header_len)?;
    // `body_len` is bounded above, and the walk checked the box is inside the file.
    let mut body = vec![0u8; body_len as usize];
    reader
        .read_exact(&mut body)
        .map_err(|source| ProbeError::Io { source })?;
    let header = Header {
        kind: FourCC::new(b"moov"),
        size: Some(body.len()),
    };
    Moov::decode_atom(&header, &mut body.as_slice())
        .map_err(|err| malformed(format!("moov: {err}")))
}

/// Reads one box body that the walk located (used for 'moof').
pub(crate) fn read_body<R: Read + Seek>(
    reader: &mut R,
    span: BoxSpan,
) -> Result<Vec<u8>, ProbeError> {
    let body_len = span.size - span.header_len;
    if body_len > MAX_MOOV_BYTES {
        return Err(malformed(format!(
            "a fragment header is {} MB, larger than any real video's",
            body_len >> 20
        )));
    }
    seek(reader, span.offset + span.header_len)?;
    let mut body = vec![0u8; body_len as usize];
    reader
        .read_exact(&mut body)
        .map_err(|source| ProbeError::Io { source })?;
    Ok(body)
}

fn not_mp4<R: Read + Seek>(reader: &mut R) -> Result<ProbeError, ProbeError> {
    let head = read_head(reader, sniff::SNIFF_LEN)?;
    Ok(ProbeError::NotMp4 {
        detected: sniff::detect(&head),
    })
}

/// An ISO-BMFF file whose brand says it is a still image (HEIF, AVIF).
fn is_image<R: Read + Seek>(reader: &mut R) -> Result<bool, ProbeError> {
    let head = read_head(reader, 16)?;
    Ok(sniff::detect(&head) == Some(DetectedFormat::HeifImage))
}

fn read_head<R: Read + Seek>(reader: &mut R, len: usize) -> Result<Vec<u8>, ProbeError> {
    seek(reader, 0)?;
    let mut head = Vec::with_capacity(len);
    reader
        .take(len as u64)
        .read_to_end(&mut head)
        .map_err(|source| ProbeError::Io { source })?;
    Ok(head)
}

fn is_printable(kind: FourCC) -> bool {
    let bytes: [u8; 4] = kind.into();
    // QuickTime uses '©' (0xA9) in some atom names.
    bytes
        .iter()
        .all(|b| b.is_ascii_graphic() || *b == b' ' || *b == 0xA9)
}

fn is_eof(err: &std::io::Error) -> bool {
    err.kind() == std::io::ErrorKind::UnexpectedEof
}

fn seek<R: Seek>(reader: &mut R, pos: u64) -> Result<(), ProbeError> {
    reader
        .seek(SeekFrom::Start(pos))
        .map(drop)
        .map_err(|source| ProbeError::Io { source })
}

fn position<R: Seek>(reader: &mut R) -> Result<u64, ProbeError> {
    reader
        .stream_position()
        .map_err(|source| ProbeError::Io { source })
}

pub(crate) fn malformed(detail: impl Into<String>) -> ProbeError {
    ProbeError::Malformed {
        detail: detail.into(),
    }
}

//! Telling what a file is when it is not an MP4, from its first bytes.
//!
//! Only used to word the rejection: "this is a WebM video" tells the user what
//! to do far better than "not an MP4". A wrong guess here can only make a
//! message less helpful, never accept a file, so the checks are simple magic
//! numbers and a conservative text test.

use crate::error::DetectedFormat;

/// How many leading bytes [`detect`] wants to see.
pub(crate) const SNIFF_LEN: usize = 512;

/// Guesses the format of a file that does not start with MP4 boxes.
pub(crate) fn detect(head: &[u8]) -> Option<DetectedFormat> {
    use DetectedFormat::*;

    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        // The EBML header names the DocType within its first few dozen bytes.
        let header = &head[..head.len().min(64)];
        return Some(if contains(header, b"webm") {
            WebM
        } else {
            Matroska
        });
    }
    if starts(b"RIFF") && head.len() >= 12 {
        match &head[8..12] {
            b"AVI " => return Some(Avi),
            b"WAVE" => return Some(Wav),
            _ => {}
        }
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        // ISO-BMFF, but an image rather than a movie.
        const IMAGE_BRANDS: [&[u8; 4]; 6] = [b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis"];
        if IMAGE_BRANDS.iter().any(|brand| &head[8..12] == *brand) {
            return Some(HeifImage);
        }
    }
    let magics: [(&[u8], DetectedFormat); 10] = [
        (b"OggS", Ogg),
        (b"FLV\x01", Flv),
        (&[0x00, 0x00, 0x01, 0xBA], MpegProgramStream),
        (b"ID3", Mp3),
        (b"fLaC", Flac),
        (&[0xFF, 0xD8, 0xFF], Jpeg),
        (b"\x89PNG\r\n\x1a\n", Png),
        (b"GIF8", Gif),
        (b"%PDF-", Pdf),
        (b"PK\x03\x04", Zip),
    ];
    if let Some((_, format)) = magics.iter().find(|(magic, _)| starts(magic)) {
        return Some(*format);
    }
    if head.len() >= 189 && head[0] == 0x47 && head[188] == 0x47 {
        return Some(MpegTransportStream);
    }
    // MPEG audio frame sync: 11 set bits, then a valid layer.
    if head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 && head[1] & 0x06 != 0 {
        return Some(Mp3);
    }
    if looks_like_text(head) {
        return Some(Text);
    }
    None
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// UTF-8 without control characters other than tab, CR, LF and form feed.
/// The sample may end in the middle of a multi-byte character.
fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let valid = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A character cut at the end of the sample is fine; anything else is binary.
        Err(err) if err.error_len().is_none() => {
            match std::str::from_utf8(&head[..err.valid_up_to()]) {
                Ok(text) => text,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    !valid.is_empty()
        && valid
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use DetectedFormat::*;

    #[test]
    fn recognises_common_formats() {
        let webm = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm";
        assert_eq!(detect(webm), Some(WebM));
        let mkv = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska";
        assert_eq!(detect(mkv), Some(Matroska));
        assert_eq!(detect(b"RIFF\0\0\0\0AVI LIST"), Some(Avi));
        assert_eq!(detect(b"RIFF\0\0\0\0WAVEfmt "), Some(Wav));
        assert_eq!(detect(b"\0\0\0\x18ftypheic\0\0\0\0"), Some(HeifImage));
        assert_eq!(detect(b"OggS\0\x02"), Some(Ogg));
        assert_eq!(detect(b"ID3\x04\0"), Some(Mp3));
        assert_eq!(detect(&[0xFF, 0xFB, 0x90, 0x00]), Some(Mp3));
        assert_eq!(detect(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Jpeg));
        assert_eq!(detect(b"%PDF-1.7\n"), Some(Pdf));
        let mut ts = vec![0u8; 376];
        ts[0] = 0x47;
        ts[188] = 0x47;
        assert_eq!(detect(&ts), Some(MpegTransportStream));
    }

    #[test]
    fn text_is_text_and_binary_is_not() {
        assert_eq!(detect(b"Meeting notes\n- pricing objection\n"), Some(Text));
        assert_eq!(detect("Grüße aus Köln\r\n".as_bytes()), Some(Text));
        // A multi-byte character cut by the sample window still counts as text.
        assert_eq!(detect(&"ééé".as_bytes()[..5]), Some(Text));
        assert_eq!(detect(&[0x00, 0x01, 0x02, 0x03, 0x10]), None);
        assert_eq!(detect(b""), None);
        assert_eq!(detect(&[0u8; 16]), None);
    }
}

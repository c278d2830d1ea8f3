//! The recording file: a fragmented MP4 while recording that becomes a
//! fast-start MP4 at stop without moving a byte of media.
//!
//! While recording the file is
//!
//! ```text
//! ftyp | free "region descriptor" | free (reserved) ... | moov (init, mvex)
//!      | moof mdat check | moof mdat check | ...
//! ```
//!
//! Everything after the reserved region is an ordinary fragmented MP4
//! stream (players read it as such: the leading `free` boxes are skipped).
//! Each fragment (about a second, starting with a keyframe) is one `moof`,
//! its `mdat`, and a small trailing `free` box holding a CRC-32 of the two:
//! the *check* box is the fragment's commit record. It is written last and
//! the whole fragment is fsync'd, so after a crash a fragment counts only if
//! its check box is present and matches (see `scan`).
//!
//! Finalising ([`finalise`]) rewrites only the reserved region:
//!
//! ```text
//! ftyp | free "region descriptor" | moov (sample tables) | free | mdat header
//!      | [the whole fragmented stream, now the payload of that mdat]
//! ```
//!
//! The final `moov` points straight at the samples inside the fragments, so
//! stopping costs a scan of the fragment headers and one write of the
//! region, whatever the length. Players see `ftyp, free, moov, free, mdat`:
//! a plain fast-start file. Because the fragmented stream after the region is
//! never modified, finalising can be repeated or interrupted at any point
//! and redone from the fragments alone; the region descriptor (never
//! rewritten) says where the stream starts.
//!
//! The region is sized at start for the longest recording allowed; the
//! recorder checks a running upper bound of the final `moov` size
//! (`MoovBudget`) and ends the recording before it could outgrow it.
//!
//! # Why our own writer (and not `muxide`)
//!
//! `muxide` 0.5 was evaluated first. Its fast-start muxer keeps every
//! encoded sample in memory until `finish` (and caps `mdat` at 4 GB), so
//! memory grows with the recording and a crash loses everything. Its
//! fragmented muxer takes no edit list (Opus pre-skip would play as 6.5 ms
//! of priming audio), estimates the last sample's duration from the average
//! of a fragment instead of taking it from the caller, has no notion of
//! fsync or of reading fragments back, and nothing turns its fragments into
//! a fast-start file. What is needed here is small: boxes are encoded and
//! decoded with `mp4-atom` (already this crate's demuxer), and this module
//! adds the layout, the commit records and the finalising.

mod budget;
mod file;
mod finalise;
mod fragment;
mod moov;
mod scan;

pub(crate) use budget::MoovBudget;
pub(crate) use file::{RecordingFile, is_disk_full};
pub use finalise::{Finalised, finalise};
pub(crate) use fragment::{FragmentBuilder, FragmentBytes};
pub(crate) use moov::{init_moov, mp4_time};
pub use scan::{ScanError, Verify};

use super::codec::{AudioTrackFormat, VideoTrackFormat};

pub(crate) const VIDEO_TRACK_ID: u32 = 1;
pub(crate) const AUDIO_TRACK_ID: u32 = 2;
/// 90 kHz: the usual video clock, exact for 24, 25, 30, 50 and 60 fps.
pub(crate) const VIDEO_TIMESCALE: u32 = 90_000;
pub(crate) const AUDIO_TIMESCALE: u32 = 48_000;
pub(crate) const MOVIE_TIMESCALE: u32 = 1_000;

/// Magic in the region descriptor; the version digit changes with the layout.
const REGION_MAGIC: &[u8; 16] = b"debrief-region-1";
/// `free` header (8) + magic (16) + region end (8).
pub(crate) const DESCRIPTOR_LEN: u64 = 32;
/// The mdat header that ends the region in a finalised file (64-bit size).
pub(crate) const MDAT_HEADER_LEN: u64 = 16;
/// Smallest `free` box.
const FREE_HEADER_LEN: u64 = 8;
/// Magic at the start of a fragment's check box, after `free`.
const CHECK_MAGIC: &[u8; 8] = b"dbrfchk1";
/// `free` header (8) + magic (8) + sequence number (4) + CRC-32 (4).
pub(crate) const CHECK_LEN: u64 = 24;

/// The tracks of a recording, as their sample entries need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackSetup {
    pub video: VideoTrackFormat,
    pub audio: Option<AudioTrack>,
}

/// An audio track and its fixed packet duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioTrack {
    pub format: AudioTrackFormat,
    /// Samples (at 48 kHz) per packet.
    pub packet_samples: u32,
}

/// The `ftyp` box of a recording. Fixed, so a file's layout can be found
/// from its first bytes.
pub(crate) fn ftyp() -> Vec<u8> {
    let mut out = Vec::with_capacity(36);
    let brands: [&[u8; 4]; 5] = [b"isom", b"iso2", b"iso6", b"avc1", b"mp41"];
    let size = 16 + 4 * brands.len() as u32;
    out.extend_from_slice(&size.to_be_bytes());
    out.extend_from_slice(b"ftyp");
    out.extend_from_slice(b"isom");
    out.extend_from_slice(&0x200u32.to_be_bytes());
    for brand in brands {
        out.extend_from_slice(brand);
    }
    out
}

/// The region descriptor: a `free` box that says where the reserved region
/// ends (where the fragmented stream starts). Written once, never changed.
pub(crate) fn region_descriptor(region_end: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(DESCRIPTOR_LEN as usize);
    out.extend_from_slice(&(DESCRIPTOR_LEN as u32).to_be_bytes());
    out.extend_from_slice(b"free");
    out.extend_from_slice(REGION_MAGIC);
    out.extend_from_slice(&region_end.to_be_bytes());
    out
}

/// Reads a region descriptor back; `None` if `bytes` is not one.
pub(crate) fn parse_region_descriptor(bytes: &[u8]) -> Option<u64> {
    let bytes: &[u8; DESCRIPTOR_LEN as usize] =
        bytes.get(..DESCRIPTOR_LEN as usize)?.try_into().ok()?;
    let ok = bytes[..4] == (DESCRIPTOR_LEN as u32).to_be_bytes()
        && &bytes[4..8] == b"free"
        && &bytes[8..24] == REGION_MAGIC;
    ok.then(|| u64::from_be_bytes(bytes[24..32].try_into().unwrap_or_default()))
}

/// A `free` box of `len` bytes (at least 8) as its header only; the body is
/// whatever follows (zeros when reserved).
pub(crate) fn free_header(len: u64) -> [u8; 8] {
    let mut out = [0u8; 8];
    // Region sizes are far below 4 GB (checked where they are chosen).
    out[..4].copy_from_slice(&(len as u32).to_be_bytes());
    out[4..].copy_from_slice(b"free");
    out
}

/// The check box that commits a fragment.
pub(crate) fn check_box(sequence: u32, crc: u32) -> [u8; CHECK_LEN as usize] {
    let mut out = [0u8; CHECK_LEN as usize];
    out[..4].copy_from_slice(&(CHECK_LEN as u32).to_be_bytes());
    out[4..8].copy_from_slice(b"free");
    out[8..16].copy_from_slice(CHECK_MAGIC);
    out[16..20].copy_from_slice(&sequence.to_be_bytes());
    out[20..24].copy_from_slice(&crc.to_be_bytes());
    out
}

/// Reads a check box back: `(sequence, crc)`.
pub(crate) fn parse_check_box(bytes: &[u8]) -> Option<(u32, u32)> {
    let bytes = bytes.get(..CHECK_LEN as usize)?;
    let ok = bytes[..4] == (CHECK_LEN as u32).to_be_bytes()
        && &bytes[4..8] == b"free"
        && &bytes[8..16] == CHECK_MAGIC;
    ok.then(|| {
        (
            u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]),
            u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]),
        )
    })
}

/// True if the file at `path` is a finalised recording (its region starts
/// with a `moov`). A cheap look at the first bytes, for listings.
pub(crate) fn is_finalised(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 36 + DESCRIPTOR_LEN as usize + 8];
    let ok = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    let region_start = ftyp().len() + DESCRIPTOR_LEN as usize;
    ok.is_ok()
        && head[..ftyp().len()] == ftyp()[..]
        && &head[region_start + 4..region_start + 8] == b"moov"
}

/// Converts a time to ticks of `timescale`, rounding to the nearest tick.
pub(crate) fn to_ticks(time: std::time::Duration, timescale: u32) -> u64 {
    let ticks = (time.as_nanos() * u128::from(timescale) + 500_000_000) / 1_000_000_000;
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// Converts ticks of one timescale to another, rounding to nearest.
pub(crate) fn rescale(ticks: u64, from: u32, to: u32) -> u64 {
    let from = u128::from(from.max(1));
    let value = (u128::from(ticks) * u128::from(to) + from / 2) / from;
    u64::try_from(value).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn descriptor_and_check_box_round_trip() {
        let d = region_descriptor(123_456);
        assert_eq!(d.len() as u64, DESCRIPTOR_LEN);
        assert_eq!(parse_region_descriptor(&d), Some(123_456));
        let mut bad = d.clone();
        bad[10] ^= 1;
        assert_eq!(parse_region_descriptor(&bad), None);
        assert_eq!(parse_region_descriptor(&d[..20]), None);

        let c = check_box(7, 0xDEAD_BEEF);
        assert_eq!(parse_check_box(&c), Some((7, 0xDEAD_BEEF)));
        assert_eq!(parse_check_box(&c[..23]), None);
        assert_eq!(parse_check_box(&[0; 24]), None);
    }

    #[test]
    fn ticks_round_to_nearest() {
        assert_eq!(to_ticks(Duration::from_nanos(33_333_333), 90_000), 3000);
        assert_eq!(to_ticks(Duration::from_secs(2), 48_000), 96_000);
        assert_eq!(rescale(3000, 90_000, 1000), 33);
        assert_eq!(rescale(48_000 * 60, 48_000, 1000), 60_000);
        assert_eq!(ftyp().len(), 36);
    }
}

//! Finalising: turning the fragmented recording into a fast-start MP4 in
//! place (see the module docs of [`super`] for the layout).
//!
//! Steps, each safe to interrupt:
//! 1. scan the fragments (read only);
//! 2. set a torn or damaged tail aside, if any: it becomes a `free` box
//!    (only bytes no accepted fragment covers are touched);
//! 3. write the region: final `moov`, `free` filler, and an `mdat` header
//!    whose payload is the whole fragmented stream; then fsync.
//!
//! The fragmented stream itself is never touched, so running this again
//! (after a crash half-way, or on an already finalised file) scans the same
//! fragments and writes the same bytes.

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use super::moov::{audio_presented, final_moov};
use super::scan::{Scan, ScanError, Verify, scan};
use super::{
    AUDIO_TIMESCALE, FREE_HEADER_LEN, MDAT_HEADER_LEN, MOVIE_TIMESCALE, TrackSetup,
    VIDEO_TIMESCALE, free_header, rescale,
};

/// What a finalised recording holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finalised {
    pub setup: TrackSetup,
    /// Presentation length (the longer track), in milliseconds.
    pub duration_ms: u64,
    /// Video length in 90 kHz ticks (exact).
    pub video_ticks: u64,
    /// Audio samples that play (after the pre-skip, trimmed to the video).
    pub audio_samples: Option<u64>,
    pub video_frames: u64,
    pub fragments: u32,
    /// File size after finalising.
    pub bytes: u64,
    /// Bytes after the last good fragment (set aside, not played), and why.
    pub dropped_bytes: u64,
    pub dropped_reason: Option<String>,
}

/// Finalises the recording at `path` in place.
pub fn finalise(path: &Path, verify: Verify) -> Result<Finalised, ScanError> {
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let scanned = scan(&mut file, verify)?;
    if scanned.fragments == 0 {
        return Err(ScanError::NothingRecorded);
    }
    let dropped_bytes = scanned.file_len - scanned.valid_end;
    if dropped_bytes > 0 {
        set_tail_aside(&mut file, scanned.valid_end, dropped_bytes)?;
    }
    let region = region_bytes(&scanned)?;
    file.seek(SeekFrom::Start(scanned.region_start))?;
    file.write_all(&region)?;
    file.sync_data()?;
    Ok(describe(&scanned, dropped_bytes))
}

/// Keeps the bytes after the last good fragment out of the way without
/// destroying them: they become the body of a `free` box (whose header
/// replaces the first bytes of the rejected fragment, which failed its
/// checks anyway). A damaged fragment in the middle of a recording thus
/// leaves everything after it on disk for a later, smarter salvage. A tail
/// too short for a box header is cut off.
fn set_tail_aside(file: &mut std::fs::File, at: u64, len: u64) -> Result<(), ScanError> {
    let header: Vec<u8> = if len >= 16 {
        let mut h = 1u32.to_be_bytes().to_vec();
        h.extend_from_slice(b"free");
        h.extend_from_slice(&len.to_be_bytes());
        h
    } else if len >= FREE_HEADER_LEN {
        free_header(len).to_vec()
    } else {
        file.set_len(at)?;
        file.sync_all()?;
        return Ok(());
    };
    file.seek(SeekFrom::Start(at))?;
    file.write_all(&header)?;
    file.sync_data()?;
    Ok(())
}

/// The finalised region: `moov`, `free` filler, `mdat` header.
fn region_bytes(scanned: &Scan) -> Result<Vec<u8>, ScanError> {
    let moov = final_moov(
        &scanned.setup,
        scanned.creation,
        &scanned.video,
        scanned.audio.as_ref(),
    )?;
    let room = scanned.region_end - scanned.region_start;
    let needed = moov.len() as u64 + FREE_HEADER_LEN + MDAT_HEADER_LEN;
    if needed > room {
        return Err(ScanError::RegionTooSmall { needed, room });
    }
    let mut region = Vec::with_capacity(room as usize);
    region.extend_from_slice(&moov);
    let filler = room - moov.len() as u64 - MDAT_HEADER_LEN;
    region.extend_from_slice(&free_header(filler));
    region.resize(region.len() + (filler - FREE_HEADER_LEN) as usize, 0);
    let mdat_len = MDAT_HEADER_LEN + (scanned.valid_end - scanned.region_end);
    region.extend_from_slice(&1u32.to_be_bytes());
    region.extend_from_slice(b"mdat");
    region.extend_from_slice(&mdat_len.to_be_bytes());
    debug_assert_eq!(region.len() as u64, room);
    Ok(region)
}

fn describe(scanned: &Scan, dropped_bytes: u64) -> Finalised {
    let video_ticks = scanned.video.duration;
    let audio_samples = match (&scanned.setup.audio, &scanned.audio) {
        (Some(track), Some(tables)) => Some(audio_presented(track, tables.duration, video_ticks)),
        _ => None,
    };
    let video_ms = rescale(video_ticks, VIDEO_TIMESCALE, MOVIE_TIMESCALE);
    let audio_ms = audio_samples.map_or(0, |s| rescale(s, AUDIO_TIMESCALE, MOVIE_TIMESCALE));
    Finalised {
        setup: scanned.setup.clone(),
        duration_ms: video_ms.max(audio_ms),
        video_ticks,
        audio_samples,
        video_frames: scanned.video.sizes.len() as u64,
        fragments: scanned.fragments,
        bytes: scanned.valid_end,
        dropped_bytes,
        dropped_reason: scanned.tail_dropped.clone(),
    }
}

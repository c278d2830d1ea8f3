//! Reading a recording's fragments back: what finalising and recovery stand on.
//!
//! The scan starts at the region descriptor (which says where the
//! fragmented stream begins), reads the initial `moov` for the track setup,
//! then walks the fragments in order. A fragment is accepted only if all of
//! it is there and consistent: `moof` decodes, its sequence number is the
//! next one, every track's `tfdt` continues exactly where the previous
//! fragment ended, data offsets point at its own `mdat`, sample sizes add up
//! to that `mdat`, video starts with a keyframe, and its check box is
//! present with the same sequence number (and, with [`Verify::Checksums`],
//! the CRC-32 of `moof` + `mdat` matches). The first fragment that fails
//! ends the scan: it and anything after it is the torn tail of a crash.
//!
//! Only headers are read unless checksums are verified, so a scan of a
//! ten-minute recording is a few hundred small reads. Memory is the sample
//! tables (a few bytes per sample), which the final `moov` needs anyway.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use mp4_atom::{Decode, Moof, Moov, Traf};

use super::moov::{TrackTables, setup_from_init};
use super::{
    AUDIO_TRACK_ID, CHECK_LEN, DESCRIPTOR_LEN, TrackSetup, VIDEO_TRACK_ID, parse_check_box,
    parse_region_descriptor,
};

/// How much of each fragment to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Structure and commit records only: for a file this process just
    /// wrote and synced (a normal stop).
    Structure,
    /// Also the CRC-32 of every fragment: for files left by a crash.
    Checksums,
}

/// Why a file could not be scanned at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("reading the recording failed: {0}")]
    Io(#[from] io::Error),
    #[error("this file is not a Debrief recording ({0})")]
    NotARecording(String),
    #[error("the recording stopped before its first frame was saved, so there is nothing to keep")]
    NothingRecorded,
    #[error(
        "the recording's index does not fit the room reserved for it ({needed} > {room} bytes)"
    )]
    RegionTooSmall { needed: u64, room: u64 },
    #[error("the recording's index could not be written: {0}")]
    Encode(#[from] mp4_atom::Error),
}

/// What the scan found.
#[derive(Debug)]
pub(crate) struct Scan {
    pub setup: TrackSetup,
    pub creation: u64,
    pub region_start: u64,
    pub region_end: u64,
    pub video: TrackTables,
    pub audio: Option<TrackTables>,
    pub fragments: u32,
    /// End of the last accepted fragment.
    pub valid_end: u64,
    pub file_len: u64,
    /// Why the scan stopped before the end of the file, if it did.
    pub tail_dropped: Option<String>,
}

/// Largest `moof` or initial `moov` accepted (ours are a few KB).
const MAX_HEADER_BOX: u64 = 8 << 20;
/// Largest sample accepted (an uncompressed 4K frame is 12 MB).
const MAX_SAMPLE: u32 = 64 << 20;

pub(crate) fn scan(file: &mut File, verify: Verify) -> Result<Scan, ScanError> {
    let file_len = file.metadata()?.len();
    let not_ours = |why: &str| ScanError::NotARecording(why.to_string());
    let head = read_at(file, 0, 8.min(file_len))?;
    if head.len() < 8 || &head[4..8] != b"ftyp" {
        return Err(not_ours("it does not start with an MP4 'ftyp' box"));
    }
    let ftyp_len = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
    if !(8..=256).contains(&ftyp_len) || ftyp_len + DESCRIPTOR_LEN > file_len {
        return Err(not_ours("its 'ftyp' box is not one Debrief writes"));
    }
    let descriptor = read_at(file, ftyp_len, DESCRIPTOR_LEN)?;
    let region_start = ftyp_len + DESCRIPTOR_LEN;
    let region_end = parse_region_descriptor(&descriptor)
        .ok_or_else(|| not_ours("it has no region descriptor"))?;
    if region_end < region_start + 8 || region_end > file_len {
        return Err(ScanError::NothingRecorded);
    }

    // The initial moov, written with the first fragment.
    let Some((kind, moov_len)) = box_header(file, region_end, file_len)? else {
        return Err(ScanError::NothingRecorded);
    };
    if &kind != b"moov" || moov_len > MAX_HEADER_BOX || region_end + moov_len > file_len {
        return Err(ScanError::NothingRecorded);
    }
    let moov_bytes = read_at(file, region_end, moov_len)?;
    let moov = Moov::decode(&mut moov_bytes.as_slice())
        .map_err(|e| not_ours(&format!("its track setup is unreadable: {e}")))?;
    if moov.mvex.is_none() {
        return Err(not_ours("its track setup is not fragmented"));
    }
    let (setup, creation) = setup_from_init(&moov).map_err(|e| not_ours(&e))?;

    let mut state = Scan {
        audio: setup.audio.as_ref().map(|_| TrackTables::default()),
        setup,
        creation,
        region_start,
        region_end,
        video: TrackTables::default(),
        fragments: 0,
        valid_end: region_end + moov_len,
        file_len,
        tail_dropped: None,
    };
    loop {
        let pos = state.valid_end;
        if pos == file_len {
            break;
        }
        match read_fragment(file, &state, pos, verify)? {
            Ok(fragment) => state.accept(fragment),
            Err(why) => {
                state.tail_dropped = Some(format!(
                    "{} bytes after fragment {} dropped: {why}",
                    file_len - pos,
                    state.fragments
                ));
                break;
            }
        }
    }
    Ok(state)
}

/// One track's run in an accepted fragment.
#[derive(Debug)]
struct Run {
    track: u32,
    offset: u64,
    samples: Vec<(u32, u32, bool)>,
}

#[derive(Debug)]
struct Fragment {
    end: u64,
    runs: Vec<Run>,
}

impl Scan {
    fn accept(&mut self, fragment: Fragment) {
        for run in fragment.runs {
            let tables = if run.track == VIDEO_TRACK_ID {
                &mut self.video
            } else if let Some(audio) = self.audio.as_mut() {
                audio
            } else {
                continue;
            };
            tables.chunks.push((run.offset, run.samples.len() as u32));
            for (size, duration, sync) in run.samples {
                tables.push_sample(size, duration);
                if sync && run.track == VIDEO_TRACK_ID {
                    tables.sync.push(tables.sizes.len() as u32);
                }
            }
        }
        self.fragments += 1;
        self.valid_end = fragment.end;
    }

    fn track_time(&self, track: u32) -> Option<u64> {
        match track {
            VIDEO_TRACK_ID => Some(self.video.duration),
            AUDIO_TRACK_ID => self.audio.as_ref().map(|a| a.duration),
            _ => None,
        }
    }
}

/// Reads and checks the fragment at `pos`. The outer error is an I/O
/// failure; the inner one says why the fragment is rejected.
fn read_fragment(
    file: &mut File,
    scan: &Scan,
    pos: u64,
    verify: Verify,
) -> Result<Result<Fragment, String>, ScanError> {
    let file_len = scan.file_len;
    let Some((kind, moof_len)) = box_header(file, pos, file_len)? else {
        return Ok(Err("a box header is cut short".into()));
    };
    if &kind == b"free" {
        return Ok(Err("it was set aside by an earlier recovery".into()));
    }
    if &kind != b"moof" {
        return Ok(Err(format!(
            "found '{}' where a fragment should start",
            String::from_utf8_lossy(&kind)
        )));
    }
    if moof_len > MAX_HEADER_BOX || pos + moof_len > file_len {
        return Ok(Err("the fragment header is cut short".into()));
    }
    let moof_bytes = read_at(file, pos, moof_len)?;
    let moof = match Moof::decode(&mut moof_bytes.as_slice()) {
        Ok(moof) => moof,
        Err(e) => return Ok(Err(format!("the fragment header is damaged: {e}"))),
    };
    let mdat_pos = pos + moof_len;
    let Some((kind, mdat_len)) = box_header(file, mdat_pos, file_len)? else {
        return Ok(Err("the fragment's media is cut short".into()));
    };
    let check_pos = mdat_pos + mdat_len;
    if &kind != b"mdat" || check_pos + CHECK_LEN > file_len {
        return Ok(Err("the fragment's media is cut short".into()));
    }
    let check = read_at(file, check_pos, CHECK_LEN)?;
    let expected_sequence = scan.fragments + 1;
    let Some((sequence, crc)) = parse_check_box(&check) else {
        return Ok(Err("the fragment was never committed".into()));
    };
    if sequence != expected_sequence || moof.mfhd.sequence_number != expected_sequence {
        return Ok(Err(format!(
            "fragment {} is out of sequence (expected {expected_sequence})",
            moof.mfhd.sequence_number
        )));
    }
    let runs = match check_runs(scan, &moof, pos, moof_len, mdat_len) {
        Ok(runs) => runs,
        Err(why) => return Ok(Err(why)),
    };
    if verify == Verify::Checksums && crc_of(file, pos, check_pos)? != crc {
        return Ok(Err("the fragment's checksum does not match".into()));
    }
    Ok(Ok(Fragment {
        end: check_pos + CHECK_LEN,
        runs,
    }))
}

fn check_runs(
    scan: &Scan,
    moof: &Moof,
    pos: u64,
    moof_len: u64,
    mdat_len: u64,
) -> Result<Vec<Run>, String> {
    let mut runs: Vec<Run> = Vec::with_capacity(2);
    let mut expected_offset = moof_len + 8;
    for traf in &moof.traf {
        let run = check_traf(scan, traf, expected_offset)?;
        if runs.iter().any(|r| r.track == run.track) {
            return Err(format!("track {} appears twice", run.track));
        }
        let bytes: u64 = run.samples.iter().map(|s| u64::from(s.0)).sum();
        expected_offset += bytes;
        runs.push(Run {
            offset: pos + run.offset,
            ..run
        });
    }
    if runs.is_empty() {
        return Err("the fragment holds no samples".into());
    }
    if expected_offset != moof_len + mdat_len {
        return Err("the sample sizes do not add up to the fragment's media".into());
    }
    Ok(runs)
}

/// Checks one track fragment; the run's offset is relative to the `moof`.
fn check_traf(scan: &Scan, traf: &Traf, expected_offset: u64) -> Result<Run, String> {
    let tfhd = &traf.tfhd;
    let track = tfhd.track_id;
    let time = scan
        .track_time(track)
        .ok_or_else(|| format!("unknown track {track}"))?;
    if !tfhd.default_base_is_moof || tfhd.base_data_offset.is_some() {
        return Err("data offsets are not relative to the fragment".into());
    }
    if traf.tfdt.as_ref().map(|t| t.base_media_decode_time) != Some(time) {
        return Err(format!("track {track} does not continue where it stopped"));
    }
    let [trun] = traf.trun.as_slice() else {
        return Err(format!("track {track} has {} sample runs", traf.trun.len()));
    };
    if trun.data_offset.and_then(|o| u64::try_from(o).ok()) != Some(expected_offset) {
        return Err(format!("track {track}'s data is not where it should be"));
    }
    let packet = scan.setup.audio.as_ref().map_or(0, |a| a.packet_samples);
    let mut samples = Vec::with_capacity(trun.samples.len());
    for (index, entry) in trun.samples.iter().enumerate() {
        let size = entry.size.or(tfhd.default_sample_size).unwrap_or(0);
        let duration = entry.duration.or(tfhd.default_sample_duration).unwrap_or(0);
        let flags = entry.flags.or(tfhd.default_sample_flags).unwrap_or(0);
        let sync = flags & 0x0001_0000 == 0;
        if size == 0 || size > MAX_SAMPLE || duration == 0 {
            return Err(format!("track {track} has an impossible sample"));
        }
        if track == VIDEO_TRACK_ID && index == 0 && !sync {
            return Err("the fragment does not start with a keyframe".into());
        }
        if track == AUDIO_TRACK_ID && duration != packet {
            return Err("an audio packet has an unexpected duration".into());
        }
        samples.push((size, duration, sync));
    }
    if samples.is_empty() {
        return Err(format!("track {track} has an empty run"));
    }
    Ok(Run {
        track,
        offset: expected_offset,
        samples,
    })
}

/// The type and total size of the box at `pos`, if its header is complete.
fn box_header(file: &mut File, pos: u64, file_len: u64) -> io::Result<Option<([u8; 4], u64)>> {
    if pos + 8 > file_len {
        return Ok(None);
    }
    let head = read_at(file, pos, 8)?;
    let kind = [head[4], head[5], head[6], head[7]];
    let mut size = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
    if size == 1 && pos + 16 <= file_len {
        // A 64-bit size: only the `free` box a recovery sets a tail aside in.
        let large = read_at(file, pos + 8, 8)?;
        size = u64::from_be_bytes(large.try_into().unwrap_or_default());
        return Ok((size >= 16).then_some((kind, size)));
    }
    // Size 0 ("to the end of the file") never appears in what we write;
    // zeros are what a torn write often leaves.
    if size < 8 {
        return Ok(None);
    }
    Ok(Some((kind, size)))
}

fn read_at(file: &mut File, pos: u64, len: u64) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(pos))?;
    let mut buf = vec![0; usize::try_from(len).unwrap_or(usize::MAX)];
    file.read_exact(&mut buf)?;
    Ok(buf)
}

fn crc_of(file: &mut File, from: u64, to: u64) -> io::Result<u32> {
    file.seek(SeekFrom::Start(from))?;
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = to - from;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        file.read_exact(&mut buf[..n])?;
        hasher.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(hasher.finalize())
}

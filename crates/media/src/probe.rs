//! Probing: what an MP4 holds, read from its index alone.
//!
//! Import calls this before it copies a file into the library, so a file
//! that Debrief could not play is refused with a message saying why and what
//! to do (see [`ProbeError`]). Only box headers, the index ('moov') and
//! fragment headers ('moof') are read: never sample data, so probing a 2 GB
//! file costs a handful of small reads and memory bounded by its index.
//!
//! # Demuxer: `mp4-atom`
//!
//! Boxes are decoded with the `mp4-atom` crate (0.17). Of the MP4 crates
//! evaluated it is the only one that covers everything Debrief meets:
//!
//! - `mp4-atom`: typed boxes for avc1/avc3, hvc1/hev1, mp4a (with its esds),
//!   Opus/dOps, VP8/VP9/AV1 (so refusals can name them), and the fragment
//!   boxes (mvex/trex, moof/traf/tfhd/tfdt/trun). It decodes from a buffer
//!   with `Result` errors and was written for untrusted input: it never
//!   allocates from a count it has not seen the bytes for, so truncated or
//!   bit-flipped files give errors (our tests flip and cut a real file at
//!   thousands of places to hold it to that). Headers are read on their own,
//!   so large 'mdat' boxes are skipped with a seek.
//! - `mp4parse` (Mozilla, 0.17): robust and fuzzed, but it has no HEVC at
//!   all, skips 'mdat' by reading through it (it takes only `Read`), and
//!   does not parse 'moof', so fragmented durations are out of reach.
//! - `mp4` (0.14): no Opus and no 'hvc1' (only 'hev1'), and it sizes vectors
//!   from counts in the file (`Vec::with_capacity(entry_count)`), which
//!   aborts on hostile input.
//! - `re_mp4` (0.5): a fork of `mp4` for video only: no Opus or audio codec
//!   detail, with the same reader structure.
//!
//! `mp4-atom` is a box codec, not a demuxer: the small amount of demuxing
//! on top of it (walking top-level boxes, sample tables, fragment runs) is
//! here, in [`layout`], [`samples`] and [`fragments`].

mod fragments;
mod layout;
mod samples;
mod sniff;
mod tracks;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::Path;

use mp4_atom::{Codec, Moov, Trak};
use time::OffsetDateTime;

pub use tracks::{AudioCodec, VideoCodec};

use crate::error::ProbeError;
use layout::{Layout, malformed};
pub(crate) use samples::SampleRef;
use samples::SampleTable;

/// What Debrief needs to know about a playable MP4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    /// Presentation length, rounded to the nearest millisecond.
    pub duration_ms: u64,
    /// Stored (coded) frame size in pixels, before `rotation`.
    pub width: u32,
    pub height: u32,
    /// Clockwise degrees (0, 90, 180 or 270) a player turns the picture to
    /// show it, from the track matrix: phones record portrait video as
    /// landscape frames with a 90 or 270 rotation.
    pub rotation: u16,
    pub video_codec: VideoCodec,
    /// `None` when the file has no audio track.
    pub audio_codec: Option<AudioCodec>,
    /// When the file says it was made ('mvhd' creation time), if it says
    /// so plausibly: many tools write 0 (1904) or garbage there.
    pub creation_time: Option<OffsetDateTime>,
    /// The index comes before the media data, so playback over HTTP can
    /// start before the whole file has arrived.
    pub fast_start: bool,
    /// Samples are described by fragments ('moof'), as in a recording in
    /// progress or a stream; WebKitGTK mis-reports such files' duration.
    pub fragmented: bool,
}

/// Probes the MP4 file at `path`; see [`probe_reader`].
pub fn probe_file(path: &Path) -> Result<MediaInfo, ProbeError> {
    let mut file = open(path)?;
    probe_reader(&mut file)
}

/// Probes an MP4 from any seekable reader (a file, a buffer, a download).
pub fn probe_reader<R: Read + Seek>(mut reader: R) -> Result<MediaInfo, ProbeError> {
    Ok(Probed::read(&mut reader)?.info)
}

/// Opens a file for probing, telling the common ways that fails apart.
pub(crate) fn open(path: &Path) -> Result<File, ProbeError> {
    let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ProbeError::NotFound {
            path: path.to_owned(),
        },
        _ => ProbeError::Unreadable {
            path: path.to_owned(),
            source,
        },
    })?;
    if metadata.is_dir() {
        return Err(ProbeError::IsDirectory {
            path: path.to_owned(),
        });
    }
    File::open(path).map_err(|source| ProbeError::Unreadable {
        path: path.to_owned(),
        source,
    })
}

/// A probed file, with what the thumbnail needs to find its frames.
#[derive(Debug)]
pub(crate) struct Probed {
    pub info: MediaInfo,
    layout: Layout,
    moov: Moov,
    video_track: usize,
}

impl Probed {
    pub fn read<R: Read + Seek>(reader: &mut R) -> Result<Self, ProbeError> {
        let file_len = reader
            .seek(SeekFrom::End(0))
            .map_err(|source| ProbeError::Io { source })?;
        if file_len == 0 {
            return Err(ProbeError::Empty);
        }
        let mut layout = layout::walk(reader, file_len)?;
        let Some((moov_span, moov)) = layout.moov.take() else {
            return Err(ProbeError::MissingIndex {
                present: file_len,
                declared: layout.overrun.map(|overrun| overrun.end),
            });
        };
        let chosen = tracks::choose(&moov)?;
        let video = TrackFacts::of(chosen.video)?;
        let audio = chosen
            .audio
            .map(|(trak, _)| TrackFacts::of(trak))
            .transpose()?;

        let mut needed = video.data_end.max(audio.map_or(0, |a| a.data_end));
        if let Some(overrun) = layout.overrun.filter(|o| o.cuts_media()) {
            needed = needed.max(overrun.end);
        }
        let mut video_samples = video.samples;
        let mut video_end = video.duration;
        let mut audio_end = audio.map_or(0, |a| a.duration);
        if !layout.moofs.is_empty() {
            let mut tracks = vec![(video.track_id, video.duration)];
            tracks.extend(audio.map(|a| (a.track_id, a.duration)));
            let summary = fragments::summarize(reader, &layout.moofs, &moov, &tracks)?;
            needed = needed.max(summary.data_end);
            video_samples += summary.tracks[0].samples;
            video_end = video_end.max(summary.tracks[0].end_time);
            if let Some(totals) = summary.tracks.get(1) {
                audio_end = audio_end.max(totals.end_time);
            }
        }
        if needed > file_len {
            return Err(ProbeError::Truncated {
                present: file_len,
                needed,
            });
        }
        if video_samples == 0 {
            return Err(ProbeError::NoVideoFrames);
        }

        // The movie header's duration is what players show (it applies edit
        // lists, e.g. trimming AAC priming); fragments extend past it, and a
        // file without it falls back to its longest track.
        let track_ms = video
            .shown_ms(video_end)
            .max(audio.map_or(0, |a| a.shown_ms(audio_end)));
        let movie_ms = movie_duration_ms(&moov);
        let duration_ms = if movie_ms > 0 && layout.moofs.is_empty() {
            movie_ms
        } else {
            movie_ms.max(track_ms)
        };
        let (width, height) = frame_size(chosen.video)?;
        let info = MediaInfo {
            duration_ms,
            width,
            height,
            rotation: rotation(chosen.video),
            video_codec: chosen.video_codec,
            audio_codec: chosen.audio.map(|(_, codec)| codec),
            creation_time: creation_time(moov.mvhd.creation_time),
            fast_start: layout.first_mdat.is_none_or(|mdat| moov_span.offset < mdat),
            fragmented: !layout.moofs.is_empty(),
        };
        let video_track = moov
            .trak
            .iter()
            .position(|trak| std::ptr::eq(trak, chosen.video))
            .ok_or_else(|| malformed("the video track vanished"))?;
        Ok(Self {
            info,
            layout,
            moov,
            video_track,
        })
    }

    pub fn video_trak(&self) -> &Trak {
        &self.moov.trak[self.video_track]
    }

    pub fn video_codec_config(&self) -> Option<&Codec> {
        tracks::first_codec(self.video_trak())
    }

    /// Ticks per second of the video track's times.
    pub fn video_timescale(&self) -> u32 {
        self.video_trak().mdia.mdhd.timescale
    }

    /// Calls `visit` with each sync sample of the video track in decode
    /// order (those in the index, then those in fragments) until it breaks.
    pub fn video_sync_samples<R: Read + Seek>(
        &self,
        reader: &mut R,
        mut visit: impl FnMut(SampleRef) -> ControlFlow<()>,
    ) -> Result<(), ProbeError> {
        let trak = self.video_trak();
        let table = SampleTable::new(&trak.mdia.minf.stbl)?;
        for sample in table.sync_samples() {
            if visit(sample).is_break() {
                return Ok(());
            }
        }
        if self.layout.moofs.is_empty() {
            return Ok(());
        }
        let track = (trak.tkhd.track_id, table.duration());
        fragments::sync_samples(reader, &self.layout.moofs, &self.moov, track, visit)
    }
}

/// What the index says about one chosen track.
#[derive(Debug, Clone, Copy)]
struct TrackFacts {
    track_id: u32,
    timescale: u32,
    samples: u64,
    /// In `timescale` ticks.
    duration: u64,
    data_end: u64,
    /// Media time the edit list starts showing at (B-frame delay, AAC
    /// priming), in `timescale` ticks.
    edit_start: u64,
}

impl TrackFacts {
    fn of(trak: &Trak) -> Result<Self, ProbeError> {
        let table = SampleTable::new(&trak.mdia.minf.stbl)?;
        let timescale = trak.mdia.mdhd.timescale;
        if timescale == 0 {
            return Err(malformed("a track's timescale is 0"));
        }
        Ok(Self {
            track_id: trak.tkhd.track_id,
            timescale,
            samples: table.sample_count(),
            duration: table.duration().max(known(trak.mdia.mdhd.duration)),
            data_end: table.data_end().unwrap_or(0),
            edit_start: edit_start(trak),
        })
    }

    /// Milliseconds shown, for a track whose media ends at `end` ticks.
    fn shown_ms(&self, end: u64) -> u64 {
        to_ms(end.saturating_sub(self.edit_start), self.timescale)
    }
}

/// The media time of the first edit that shows media; 0 without edits.
fn edit_start(trak: &Trak) -> u64 {
    let edits = trak.edts.as_ref().and_then(|edts| edts.elst.as_ref());
    edits
        .and_then(|elst| elst.entries.iter().find_map(|entry| entry.media_time))
        .unwrap_or(0)
}

/// 'mvhd' duration, which accounts for edit lists, as players show it.
fn movie_duration_ms(moov: &Moov) -> u64 {
    to_ms(known(moov.mvhd.duration), moov.mvhd.timescale)
}

/// A duration field, with the "unknown" markers (all ones) read as 0.
fn known(duration: u64) -> u64 {
    if duration == u64::from(u32::MAX) || duration == u64::MAX {
        0
    } else {
        duration
    }
}

fn to_ms(ticks: u64, timescale: u32) -> u64 {
    if timescale == 0 {
        return 0;
    }
    let timescale = u128::from(timescale);
    let ms = (u128::from(ticks) * 1000 + timescale / 2) / timescale;
    u64::try_from(ms).unwrap_or(u64::MAX)
}

fn frame_size(trak: &Trak) -> Result<(u32, u32), ProbeError> {
    let visual = tracks::first_codec(trak).and_then(Codec::visual);
    let (mut width, mut height) =
        visual.map_or((0, 0), |v| (u32::from(v.width), u32::from(v.height)));
    if width == 0 || height == 0 {
        width = u32::from(trak.tkhd.width.integer());
        height = u32::from(trak.tkhd.height.integer());
    }
    if width == 0 || height == 0 {
        return Err(malformed("the video's frame size is 0"));
    }
    Ok((width, height))
}

/// Clockwise display rotation from the track matrix. The matrix maps
/// (x, y) to (a·x + c·y, b·x + d·y) in screen coordinates (y down), so
/// b > 0, c < 0 turns right into down: 90° clockwise. Mirrors and shears
/// are not rotations and count as 0.
fn rotation(trak: &Trak) -> u16 {
    let m = &trak.tkhd.matrix;
    let sign = |v: i32| v.signum();
    match (sign(m.a), sign(m.b), sign(m.c), sign(m.d)) {
        (0, 1, -1, 0) => 90,
        (-1, 0, 0, -1) => 180,
        (0, -1, 1, 0) => 270,
        _ => 0,
    }
}

/// Seconds from 1904-01-01 (the MP4 epoch) to 1970-01-01.
const MP4_EPOCH_OFFSET: i64 = 2_082_844_800;

/// The creation time if it is plausible for a video made with a digital
/// device: not before 1990 and not more than a day in the future (clock
/// skew). Tools that write 0, or Unix time by mistake, fail this.
fn creation_time(seconds_since_1904: u64) -> Option<OffsetDateTime> {
    let unix = i64::try_from(seconds_since_1904).ok()? - MP4_EPOCH_OFFSET;
    let time = OffsetDateTime::from_unix_timestamp(unix).ok()?;
    let earliest = time::macros::datetime!(1990-01-01 0:00 UTC);
    let latest = OffsetDateTime::now_utc() + time::Duration::days(1);
    (earliest..=latest).contains(&time).then_some(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creation_time_must_be_plausible() {
        assert_eq!(creation_time(0), None);
        // 2024-05-06T07:08:09Z
        let t = creation_time(3_797_824_089).unwrap();
        assert_eq!(t, time::macros::datetime!(2024-05-06 07:08:09 UTC));
        // Unix time written by mistake lands in the 1950s.
        assert_eq!(creation_time(1_715_000_000), None);
        // Far future.
        assert_eq!(creation_time(u64::MAX), None);
    }

    #[test]
    fn milliseconds_round_to_nearest() {
        assert_eq!(to_ms(46_080, 15_360), 3_000);
        assert_eq!(to_ms(1, 3), 333);
        assert_eq!(to_ms(1, 3000), 0);
        assert_eq!(to_ms(2, 3), 667);
        assert_eq!(to_ms(u64::MAX, 1), u64::MAX);
        assert_eq!(to_ms(5, 0), 0);
    }
}

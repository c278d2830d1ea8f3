//! Fragmented MP4: samples described by 'moof' boxes instead of the index.
//!
//! Debrief records fragmented files (they survive a crash), and imports may
//! be fragmented too. Their 'moov' holds no samples; each fragment's
//! 'traf'/'trun' boxes list durations, sizes and flags, with defaults from
//! 'tfhd' and the index's 'trex'. Duration and data extent come from walking
//! every fragment header (small, read one at a time); sample data is never read.
//!
//! As with sample tables, a run that only *claims* a count ("inherit the
//! defaults for 4 billion samples") is summed with arithmetic, never looped.

use std::io::{Read, Seek};
use std::ops::ControlFlow;

use mp4_atom::{DecodeAtom, FourCC, Header, Moof, Moov, Traf, Trex, TrunSamples};

use super::layout::{self, BoxSpan, malformed};
use super::samples::SampleRef;
use crate::error::ProbeError;

/// 'sample_is_non_sync_sample' in the sample flags (ISO/IEC 14496-12 8.8.3.1).
const NON_SYNC: u32 = 0x0001_0000;

/// What the fragments say about one track.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TrackTotals {
    /// When the track's last sample stops being shown, in its timescale
    /// (before any edit list).
    pub end_time: u64,
    pub samples: u64,
}

/// What the fragments say about the file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Summary {
    /// The first byte after the last sample's data.
    pub data_end: u64,
    /// Totals of the tracks asked for, in the order asked.
    pub tracks: Vec<TrackTotals>,
}

/// Per-sample values that fragments may leave to defaults.
#[derive(Debug, Clone, Copy)]
struct Defaults {
    duration: u32,
    size: u32,
    flags: u32,
}

/// Sums over one run of samples.
#[derive(Debug, Clone, Copy, Default)]
struct RunTotals {
    samples: u64,
    /// Sum of sample durations, in the track's timescale.
    duration: u64,
    bytes: u64,
    /// When the last sample shown stops being shown (decode time plus
    /// composition offset plus duration), in the track's timescale.
    presentation_end: u64,
}

/// One run of samples placed in the file: what a 'trun' resolves to.
#[derive(Debug)]
struct Run<'a> {
    /// Offset of the run's first sample.
    data_start: u64,
    first_decode_time: u64,
    defaults: Defaults,
    samples: &'a TrunSamples,
}

impl Run<'_> {
    /// Sums over the run, without looping over samples it only claims.
    fn totals(&self) -> RunTotals {
        match self.samples {
            TrunSamples::Inherited { count, .. } => {
                let count = u64::from(*count);
                let duration = count.saturating_mul(u64::from(self.defaults.duration));
                RunTotals {
                    samples: count,
                    duration,
                    bytes: count.saturating_mul(u64::from(self.defaults.size)),
                    presentation_end: self.first_decode_time.saturating_add(duration),
                }
            }
            TrunSamples::Explicit(entries) => {
                let mut totals = RunTotals {
                    presentation_end: self.first_decode_time,
                    ..RunTotals::default()
                };
                for entry in entries {
                    let duration = u64::from(entry.duration.unwrap_or(self.defaults.duration));
                    let start = self.first_decode_time.saturating_add(totals.duration);
                    // B-frames are shown later than decoded (by 'cts'), so the
                    // last one shown may end after the last one decoded.
                    let shown_end = start
                        .saturating_add_signed(entry.cts.unwrap_or(0))
                        .saturating_add(duration);
                    totals.samples += 1;
                    totals.duration = totals.duration.saturating_add(duration);
                    totals.bytes += u64::from(entry.size.unwrap_or(self.defaults.size));
                    totals.presentation_end = totals.presentation_end.max(shown_end);
                }
                totals
            }
        }
    }

    /// Calls `visit` with each sync sample in the run, until it breaks.
    fn sync_samples(
        &self,
        visit: &mut impl FnMut(SampleRef) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let mut time = self.first_decode_time;
        let mut offset = self.data_start;
        let is_sync = |flags: u32| flags & NON_SYNC == 0;
        match self.samples {
            TrunSamples::Inherited { count, first_flags } => {
                let first = first_flags.unwrap_or(self.defaults.flags);
                let step_time = u64::from(self.defaults.duration);
                let step_size = u64::from(self.defaults.size);
                if *count > 0 && is_sync(first) {
                    visit(sample(time, offset, self.defaults.size))?;
                }
                // The rest share the default flags: all sync or none.
                if is_sync(self.defaults.flags) {
                    for _ in 1..*count {
                        time = time.saturating_add(step_time);
                        offset = offset.saturating_add(step_size);
                        visit(sample(time, offset, self.defaults.size))?;
                    }
                }
            }
            TrunSamples::Explicit(entries) => {
                for entry in entries {
                    let size = entry.size.unwrap_or(self.defaults.size);
                    // mp4-atom folds 'first_sample_flags' into the first entry.
                    let flags = entry.flags.unwrap_or(self.defaults.flags);
                    if is_sync(flags) {
                        visit(sample(time, offset, size))?;
                    }
                    time = time.saturating_add(u64::from(
                        entry.duration.unwrap_or(self.defaults.duration),
                    ));
                    offset = offset.saturating_add(u64::from(size));
                }
            }
        }
        ControlFlow::Continue(())
    }
}

fn sample(decode_time: u64, offset: u64, size: u32) -> SampleRef {
    SampleRef {
        decode_time,
        offset,
        size,
    }
}

/// Walks every fragment, totalling the tracks in `tracks`: (track id, decode
/// time where its fragments start when a fragment has no 'tfdt', i.e. the
/// duration of the samples the index itself holds, usually 0).
pub(crate) fn summarize<R: Read + Seek>(
    reader: &mut R,
    moofs: &[BoxSpan],
    moov: &Moov,
    tracks: &[(u32, u64)],
) -> Result<Summary, ProbeError> {
    let mut summary = Summary {
        data_end: 0,
        tracks: tracks
            .iter()
            .map(|&(_, end_time)| TrackTotals {
                end_time,
                samples: 0,
            })
            .collect(),
    };
    for_each_run(reader, moofs, moov, tracks, |track_id, run| {
        let totals = run.totals();
        if totals.samples > 0 {
            summary.data_end = summary
                .data_end
                .max(run.data_start.saturating_add(totals.bytes));
        }
        if let Some(i) = tracks.iter().position(|(id, _)| *id == track_id) {
            let track = &mut summary.tracks[i];
            track.end_time = track.end_time.max(totals.presentation_end);
            track.samples = track.samples.saturating_add(totals.samples);
        }
        ControlFlow::Continue(())
    })?;
    Ok(summary)
}

/// Calls `visit` with each sync sample of the track in file order, until it
/// breaks. `track` is (track id, start time) as for [`summarize`].
pub(crate) fn sync_samples<R: Read + Seek>(
    reader: &mut R,
    moofs: &[BoxSpan],
    moov: &Moov,
    track: (u32, u64),
    mut visit: impl FnMut(SampleRef) -> ControlFlow<()>,
) -> Result<(), ProbeError> {
    for_each_run(reader, moofs, moov, &[track], |track_id, run| {
        if track_id == track.0 {
            run.sync_samples(&mut visit)
        } else {
            ControlFlow::Continue(())
        }
    })
}

/// Reads the fragments one by one and calls `visit` with every run of
/// samples, resolved to file offsets and decode times, until it breaks.
fn for_each_run<R: Read + Seek>(
    reader: &mut R,
    moofs: &[BoxSpan],
    moov: &Moov,
    start_times: &[(u32, u64)],
    mut visit: impl FnMut(u32, &Run<'_>) -> ControlFlow<()>,
) -> Result<(), ProbeError> {
    // Decode clocks per track, for fragments without 'tfdt'.
    let mut clocks: Vec<(u32, u64)> = start_times.to_vec();
    for span in moofs {
        let moof = read_moof(reader, *span)?;
        // Without an explicit base, the first track fragment's data is
        // relative to the 'moof', and each next one follows the previous.
        let mut next_traf_base = span.offset;
        for traf in &moof.traf {
            let track_id = traf.tfhd.track_id;
            let base = match (traf.tfhd.base_data_offset, traf.tfhd.default_base_is_moof) {
                (Some(base), _) => base,
                (None, true) => span.offset,
                (None, false) => next_traf_base,
            };
            let slot = match clocks.iter().position(|(id, _)| *id == track_id) {
                Some(slot) => slot,
                None => {
                    clocks.push((track_id, 0));
                    clocks.len() - 1
                }
            };
            let clock = &mut clocks[slot].1;
            let defaults = defaults(traf, trex(moov, track_id));
            let mut time = traf
                .tfdt
                .as_ref()
                .map_or(*clock, |tfdt| tfdt.base_media_decode_time);
            let mut cursor = base;
            for trun in &traf.trun {
                let data_start = match trun.data_offset {
                    Some(relative) => {
                        base.checked_add_signed(i64::from(relative))
                            .ok_or_else(|| {
                                malformed(format!(
                                    "a fragment at byte {} points before the start of the file",
                                    span.offset
                                ))
                            })?
                    }
                    None => cursor,
                };
                let run = Run {
                    data_start,
                    first_decode_time: time,
                    defaults,
                    samples: &trun.samples,
                };
                if visit(track_id, &run).is_break() {
                    return Ok(());
                }
                let totals = run.totals();
                time = time.saturating_add(totals.duration);
                cursor = data_start.saturating_add(totals.bytes);
            }
            *clock = time;
            next_traf_base = cursor;
        }
    }
    Ok(())
}

fn read_moof<R: Read + Seek>(reader: &mut R, span: BoxSpan) -> Result<Moof, ProbeError> {
    let body = layout::read_body(reader, span)?;
    let header = Header {
        kind: FourCC::new(b"moof"),
        size: Some(body.len()),
    };
    Moof::decode_atom(&header, &mut body.as_slice())
        .map_err(|err| malformed(format!("the fragment at byte {}: {err}", span.offset)))
}

fn trex(moov: &Moov, track_id: u32) -> Option<&Trex> {
    moov.mvex
        .as_ref()?
        .trex
        .iter()
        .find(|trex| trex.track_id == track_id)
}

fn defaults(traf: &Traf, trex: Option<&Trex>) -> Defaults {
    let tfhd = &traf.tfhd;
    Defaults {
        duration: tfhd
            .default_sample_duration
            .unwrap_or_else(|| trex.map_or(0, |t| t.default_sample_duration)),
        size: tfhd
            .default_sample_size
            .unwrap_or_else(|| trex.map_or(0, |t| t.default_sample_size)),
        flags: tfhd
            .default_sample_flags
            .unwrap_or_else(|| trex.map_or(0, |t| t.default_sample_flags)),
    }
}

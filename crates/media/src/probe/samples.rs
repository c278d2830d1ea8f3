//! Where a track's samples lie and when they play, from its sample table
//! ('stbl': stts, stsc, stco/co64, stsz, stss).
//!
//! All walks here are bounded by the size of the tables the index holds in
//! memory, never by counts the file merely claims: a sample-size box may
//! say "four billion samples of 1 byte" in eight bytes, so sizes are summed
//! per chunk with arithmetic rather than sample by sample.
//!
//! Sample numbers are 0-based here (the file's tables are 1-based).

use mp4_atom::{Stbl, StscEntry, StszSamples};

use super::layout::malformed;
use crate::error::ProbeError;

/// One sample's place and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SampleRef {
    /// Decode time in the track's timescale.
    pub decode_time: u64,
    pub offset: u64,
    pub size: u32,
}

/// A validated view of one track's sample table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SampleTable<'a> {
    stbl: &'a Stbl,
    chunks: ChunkOffsets<'a>,
}

#[derive(Debug, Clone, Copy)]
enum ChunkOffsets<'a> {
    Short(&'a [u32]),
    Long(&'a [u64]),
}

impl ChunkOffsets<'_> {
    fn len(&self) -> u64 {
        match self {
            Self::Short(offsets) => offsets.len() as u64,
            Self::Long(offsets) => offsets.len() as u64,
        }
    }

    fn get(&self, chunk: u64) -> Option<u64> {
        let chunk = usize::try_from(chunk).ok()?;
        match self {
            Self::Short(offsets) => offsets.get(chunk).map(|o| u64::from(*o)),
            Self::Long(offsets) => offsets.get(chunk).copied(),
        }
    }
}

impl<'a> SampleTable<'a> {
    pub fn new(stbl: &'a Stbl) -> Result<Self, ProbeError> {
        let chunks = match (&stbl.stco, &stbl.co64) {
            (Some(stco), _) => ChunkOffsets::Short(&stco.entries),
            (None, Some(co64)) => ChunkOffsets::Long(&co64.entries),
            (None, None) => ChunkOffsets::Short(&[]),
        };
        let table = Self { stbl, chunks };
        if table.sample_count() > 0 && chunks.len() == 0 {
            return Err(malformed("a track has samples but no chunk offsets"));
        }
        let mut previous = 0u32;
        for entry in &stbl.stsc.entries {
            if entry.first_chunk <= previous {
                return Err(malformed("the sample-to-chunk table is out of order"));
            }
            previous = entry.first_chunk;
        }
        Ok(table)
    }

    pub fn sample_count(&self) -> u64 {
        match &self.stbl.stsz.samples {
            StszSamples::Identical { count, .. } => u64::from(*count),
            StszSamples::Different { sizes } => sizes.len() as u64,
        }
    }

    /// Total play time of the samples, in the track's timescale.
    pub fn duration(&self) -> u64 {
        self.stbl.stts.entries.iter().fold(0u64, |total, entry| {
            total.saturating_add(u64::from(entry.sample_count) * u64::from(entry.sample_delta))
        })
    }

    /// The first byte after the last byte of sample data, if there is any.
    pub fn data_end(&self) -> Option<u64> {
        self.chunk_runs()
            .filter(|run| run.samples > 0)
            .filter_map(|run| {
                let start = self.chunks.get(run.chunk)?;
                Some(start.saturating_add(self.sizes_sum(run.first_sample, run.samples)))
            })
            .max()
    }

    /// The sync (key) samples in decode order; every sample when the table
    /// has no sync-sample box. Stops early if the sync table is out of order.
    pub fn sync_samples(&self) -> SyncSamples<'a> {
        SyncSamples {
            table: *self,
            next_listed: 0,
            next_sample: 0,
            times: TimeCursor::default(),
            runs: self.chunk_runs(),
            run: None,
        }
    }

    fn chunk_runs(&self) -> ChunkRuns<'a> {
        ChunkRuns {
            stsc: &self.stbl.stsc.entries,
            chunk_count: self.chunks.len(),
            sample_count: self.sample_count(),
            entry: 0,
            chunk: 0,
            next_sample: 0,
        }
    }

    fn sample_size(&self, sample: u64) -> Option<u32> {
        match &self.stbl.stsz.samples {
            StszSamples::Identical { count, size } => (sample < u64::from(*count)).then_some(*size),
            StszSamples::Different { sizes } => sizes.get(usize::try_from(sample).ok()?).copied(),
        }
    }

    /// Bytes taken by `count` samples from `first`, clamped to the table.
    fn sizes_sum(&self, first: u64, count: u64) -> u64 {
        match &self.stbl.stsz.samples {
            StszSamples::Identical { size, .. } => count.saturating_mul(u64::from(*size)),
            StszSamples::Different { sizes } => {
                let start = (first as usize).min(sizes.len());
                let end = (first.saturating_add(count) as usize).min(sizes.len());
                sizes[start..end].iter().map(|s| u64::from(*s)).sum()
            }
        }
    }
}

/// A chunk and the samples it holds.
#[derive(Debug, Clone, Copy)]
struct ChunkRun {
    chunk: u64,
    first_sample: u64,
    samples: u64,
}

/// Chunks in order, with the samples each holds (per 'stsc').
#[derive(Debug, Clone)]
struct ChunkRuns<'a> {
    stsc: &'a [StscEntry],
    chunk_count: u64,
    sample_count: u64,
    entry: usize,
    chunk: u64,
    next_sample: u64,
}

impl Iterator for ChunkRuns<'_> {
    type Item = ChunkRun;

    fn next(&mut self) -> Option<ChunkRun> {
        if self.chunk >= self.chunk_count || self.next_sample >= self.sample_count {
            return None;
        }
        while self
            .stsc
            .get(self.entry + 1)
            .is_some_and(|next| u64::from(next.first_chunk) <= self.chunk + 1)
        {
            self.entry += 1;
        }
        let per_chunk = match self.stsc.get(self.entry) {
            Some(entry) if u64::from(entry.first_chunk) <= self.chunk + 1 => {
                u64::from(entry.samples_per_chunk)
            }
            _ => 0,
        };
        let samples = per_chunk.min(self.sample_count - self.next_sample);
        let run = ChunkRun {
            chunk: self.chunk,
            first_sample: self.next_sample,
            samples,
        };
        self.chunk += 1;
        self.next_sample += samples;
        Some(run)
    }
}

/// Decode times of increasing sample numbers, walking 'stts' once.
#[derive(Debug, Clone, Default)]
struct TimeCursor {
    entry: usize,
    entry_first_sample: u64,
    entry_start_time: u64,
}

impl TimeCursor {
    fn time_of(&mut self, stbl: &Stbl, sample: u64) -> u64 {
        let entries = &stbl.stts.entries;
        while let Some(entry) = entries.get(self.entry) {
            let count = u64::from(entry.sample_count);
            let delta = u64::from(entry.sample_delta);
            if sample < self.entry_first_sample + count {
                return self.entry_start_time + (sample - self.entry_first_sample) * delta;
            }
            self.entry_first_sample += count;
            self.entry_start_time = self.entry_start_time.saturating_add(count * delta);
            self.entry += 1;
        }
        // Past the table: the time-to-sample box is short, clamp to its end.
        self.entry_start_time
    }
}

/// Iterator over sync samples; see [`SampleTable::sync_samples`].
#[derive(Debug, Clone)]
pub(crate) struct SyncSamples<'a> {
    table: SampleTable<'a>,
    next_listed: usize,
    next_sample: u64,
    times: TimeCursor,
    runs: ChunkRuns<'a>,
    run: Option<ChunkRun>,
}

impl SyncSamples<'_> {
    fn next_sync_number(&mut self) -> Option<u64> {
        let Some(stss) = &self.table.stbl.stss else {
            return Some(self.next_sample);
        };
        loop {
            let listed = *stss.entries.get(self.next_listed)?;
            self.next_listed += 1;
            // 1-based; 0 is invalid, and a number behind us means the table is unsorted.
            if listed == 0 {
                continue;
            }
            let sample = u64::from(listed) - 1;
            return (sample >= self.next_sample).then_some(sample);
        }
    }

    fn locate(&mut self, sample: u64) -> Option<u64> {
        loop {
            match self.run {
                Some(run) if sample < run.first_sample + run.samples => {
                    let start = self.table.chunks.get(run.chunk)?;
                    let before = self
                        .table
                        .sizes_sum(run.first_sample, sample - run.first_sample);
                    return start.checked_add(before);
                }
                _ => self.run = Some(self.runs.next()?),
            }
        }
    }
}

impl Iterator for SyncSamples<'_> {
    type Item = SampleRef;

    fn next(&mut self) -> Option<SampleRef> {
        let sample = self.next_sync_number()?;
        if sample >= self.table.sample_count() {
            return None;
        }
        self.next_sample = sample + 1;
        let decode_time = self.times.time_of(self.table.stbl, sample);
        let offset = self.locate(sample)?;
        let size = self.table.sample_size(sample)?;
        Some(SampleRef {
            decode_time,
            offset,
            size,
        })
    }
}

#[cfg(test)]
mod tests {
    use mp4_atom::{Stco, Stss, Stsz, Stts, SttsEntry};

    use super::*;

    /// 10 samples of 100 bytes at 3 per chunk (chunks at 1000, 2000, 3000,
    /// 4000), 512 ticks each, sync at 1, 5 and 9 (1-based).
    fn table() -> Stbl {
        Stbl {
            stts: Stts {
                entries: vec![SttsEntry {
                    sample_count: 10,
                    sample_delta: 512,
                }],
            },
            stsc: mp4_atom::Stsc {
                entries: vec![StscEntry {
                    first_chunk: 1,
                    samples_per_chunk: 3,
                    sample_description_index: 1,
                }],
            },
            stsz: Stsz {
                samples: StszSamples::Identical {
                    count: 10,
                    size: 100,
                },
            },
            stco: Some(Stco {
                entries: vec![1000, 2000, 3000, 4000],
            }),
            stss: Some(Stss {
                entries: vec![1, 5, 9],
            }),
            ..Stbl::default()
        }
    }

    #[test]
    fn finds_sync_samples_with_their_offsets_and_times() {
        let stbl = table();
        let table = SampleTable::new(&stbl).unwrap();
        let syncs: Vec<_> = table.sync_samples().collect();
        assert_eq!(
            syncs,
            vec![
                SampleRef {
                    decode_time: 0,
                    offset: 1000,
                    size: 100
                },
                SampleRef {
                    decode_time: 4 * 512,
                    offset: 2100,
                    size: 100
                },
                SampleRef {
                    decode_time: 8 * 512,
                    offset: 3200,
                    size: 100
                },
            ]
        );
        assert_eq!(table.duration(), 10 * 512);
        // The last chunk holds only the tenth sample.
        assert_eq!(table.data_end(), Some(4100));
    }

    #[test]
    fn claimed_counts_do_not_drive_the_work() {
        let mut stbl = table();
        stbl.stsz.samples = StszSamples::Identical {
            count: u32::MAX,
            size: 1,
        };
        stbl.stsc.entries[0].samples_per_chunk = u32::MAX;
        let table = SampleTable::new(&stbl).unwrap();
        assert_eq!(table.data_end(), Some(1000 + u64::from(u32::MAX)));
        // Every sample is a sync sample without 'stss'; taking a few is cheap.
        stbl.stss = None;
        let table = SampleTable::new(&stbl).unwrap();
        assert_eq!(table.sync_samples().take(3).count(), 3);
    }

    #[test]
    fn rejects_unordered_chunk_map_and_missing_offsets() {
        let mut stbl = table();
        stbl.stsc.entries.push(StscEntry {
            first_chunk: 1,
            samples_per_chunk: 1,
            sample_description_index: 1,
        });
        assert!(SampleTable::new(&stbl).is_err());
        let mut stbl = table();
        stbl.stco = None;
        assert!(SampleTable::new(&stbl).is_err());
    }
}

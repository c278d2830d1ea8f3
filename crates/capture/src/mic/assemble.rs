//! Cutting the microphone's raw blocks into timestamped 48 kHz chunks.
//!
//! The first block anchors the stream: its `captured_at` is the `pts` of
//! the first sample. After that a chunk's `pts` is the anchor plus the
//! samples before it, so audio time is continuous. Audio the callback had
//! to drop, or that the device skipped (its timestamps run ahead of the
//! samples counted by more than [`GAP_TOLERANCE`]: an overrun it recovered
//! from, or clock drift), is replaced by silence of the same length,
//! counted, and flagged on the next chunk.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crossbeam_channel::Sender;

use crate::audio::{AudioChunk, CHUNK_SAMPLES, SAMPLE_RATE};
use crate::clock::grid_pts;
use crate::resample::MonoResampler;
use crate::source::AudioCounters;

/// How far the device's timestamps may run ahead of the samples counted
/// before the difference is treated as lost audio.
const GAP_TOLERANCE: Duration = Duration::from_millis(120);

/// At least 10 ms of audio from one or more callbacks: mono, at the device rate.
pub(super) struct RawBlock {
    pub(super) samples: Vec<f32>,
    pub(super) captured_at: Duration,
    /// Device frames the callback had to throw away since the last block.
    pub(super) dropped_before: u64,
}

/// Turns raw blocks into timestamped 48 kHz chunks.
pub(super) struct Assembler<'a> {
    rate: u32,
    resampler: MonoResampler,
    counters: &'a AudioCounters,
    anchor: Option<Duration>,
    input_frames: u64,
    pending: Vec<f32>,
    emitted: u64,
    next_index: u64,
    pub(super) discontinuity: bool,
}

impl<'a> Assembler<'a> {
    pub(super) fn new(rate: u32, counters: &'a AudioCounters) -> Result<Self, String> {
        Ok(Self {
            rate,
            resampler: MonoResampler::new(rate)?,
            counters,
            anchor: None,
            input_frames: 0,
            pending: Vec::new(),
            emitted: 0,
            next_index: 0,
            discontinuity: false,
        })
    }

    pub(super) fn accept(&mut self, block: RawBlock, free: &Sender<Vec<f32>>) -> Vec<AudioChunk> {
        let anchor = *self.anchor.get_or_insert_with(|| {
            block
                .captured_at
                .saturating_sub(grid_pts(block.dropped_before, u64::from(self.rate)))
        });
        let expected = anchor + grid_pts(self.input_frames, u64::from(self.rate));
        let mut missing = block.dropped_before;
        if missing == 0 && block.captured_at > expected + GAP_TOLERANCE {
            let gap = block.captured_at - expected;
            missing = (gap.as_nanos() * u128::from(self.rate) / 1_000_000_000) as u64;
        }
        if missing > 0 {
            self.fill_lost(missing);
        }
        self.resampler.push(&block.samples, &mut self.pending);
        self.input_frames += block.samples.len() as u64;
        let _ = free.try_send(block.samples);
        self.take_chunks(false)
    }

    /// Silence in place of `frames` lost device frames.
    fn fill_lost(&mut self, frames: u64) {
        let lost_48k = frames * u64::from(SAMPLE_RATE) / u64::from(self.rate);
        let total_lost = self
            .counters
            .samples_lost
            .fetch_add(lost_48k, Ordering::Relaxed)
            + lost_48k;
        let overruns = self.counters.overruns.fetch_add(1, Ordering::Relaxed) + 1;
        // A device that keeps overrunning would otherwise write a line per
        // block: report the 1st, 2nd, 4th, 8th... time, with the totals.
        if overruns.is_power_of_two() {
            tracing::warn!(
                samples = lost_48k,
                total_samples = total_lost,
                times = overruns,
                "microphone audio lost; filled with silence"
            );
        }
        self.resampler
            .push_silence(frames as usize, &mut self.pending);
        self.input_frames += frames;
        self.discontinuity = true;
    }

    /// End of stream: everything left, the last chunk possibly short.
    pub(super) fn finish(&mut self) -> Vec<AudioChunk> {
        self.resampler.flush(&mut self.pending);
        self.take_chunks(true)
    }

    fn take_chunks(&mut self, include_partial: bool) -> Vec<AudioChunk> {
        let Some(anchor) = self.anchor else {
            return Vec::new();
        };
        let mut chunks = Vec::new();
        let mut start = 0;
        while self.pending.len() - start >= CHUNK_SAMPLES
            || (include_partial && self.pending.len() > start)
        {
            let end = (start + CHUNK_SAMPLES).min(self.pending.len());
            let samples = self.pending[start..end].to_vec();
            let pts = anchor + grid_pts(self.emitted, u64::from(SAMPLE_RATE));
            self.emitted += samples.len() as u64;
            chunks.push(AudioChunk::new(
                self.next_index,
                pts,
                samples,
                std::mem::take(&mut self.discontinuity),
            ));
            self.next_index += 1;
            start = end;
        }
        self.pending.drain(..start);
        chunks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::bounded;

    fn block(n: usize, at_ms: u64, dropped: u64) -> RawBlock {
        RawBlock {
            samples: vec![0.5; n],
            captured_at: Duration::from_millis(at_ms),
            dropped_before: dropped,
        }
    }

    #[test]
    fn chunks_are_anchored_at_the_first_block_and_continuous() {
        let counters = AudioCounters::default();
        let (free, _keep) = bounded(8);
        let mut a = Assembler::new(48_000, &counters).unwrap();
        let mut chunks = a.accept(block(1_500, 1_000, 0), &free);
        chunks.extend(a.accept(block(1_500, 1_031, 0), &free));
        chunks.extend(a.finish());
        let pts: Vec<_> = chunks.iter().map(|c| c.pts.as_micros()).collect();
        assert_eq!(pts, vec![1_000_000, 1_020_000, 1_040_000, 1_060_000]);
        let lens: Vec<_> = chunks.iter().map(|c| c.samples.len()).collect();
        assert_eq!(
            lens,
            vec![960, 960, 960, 120],
            "3000 samples, last chunk short"
        );
        assert!(chunks.iter().all(|c| !c.discontinuity));
    }

    #[test]
    fn dropped_blocks_become_counted_silence() {
        let counters = AudioCounters::default();
        let (free, _keep) = bounded(8);
        let mut a = Assembler::new(48_000, &counters).unwrap();
        let mut chunks = a.accept(block(960, 0, 0), &free);
        chunks.extend(a.accept(block(960, 40, 960), &free));
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[1].pts, Duration::from_millis(20));
        assert!(chunks[1].discontinuity && chunks[1].samples.iter().all(|&s| s == 0.0));
        assert_eq!(chunks[2].pts, Duration::from_millis(40));
        assert_eq!(chunks[2].samples[0], 0.5);
        assert_eq!(counters.samples_lost.load(Ordering::Relaxed), 960);
    }

    #[test]
    fn a_device_that_skipped_ahead_is_filled_but_early_blocks_are_not() {
        let counters = AudioCounters::default();
        let (free, _keep) = bounded(8);
        let mut a = Assembler::new(48_000, &counters).unwrap();
        a.accept(block(960, 0, 0), &free);
        // Faster than real time (as ALSA's file plugin delivers): no gap.
        a.accept(block(960, 1, 0), &free);
        assert_eq!(counters.samples_lost.load(Ordering::Relaxed), 0);
        // 500 ms later than the 40 ms of audio so far: 460 ms were lost.
        let chunks = a.accept(block(960, 500, 0), &free);
        assert_eq!(counters.samples_lost.load(Ordering::Relaxed), 22_080);
        assert!(chunks[0].discontinuity);
        let total: usize = chunks.iter().map(|c| c.samples.len()).sum::<usize>() + a.pending.len();
        assert_eq!(total, 22_080 + 960);
    }

    #[test]
    fn other_rates_are_resampled_to_48k_chunks() {
        let counters = AudioCounters::default();
        let (free, _keep) = bounded(8);
        let mut a = Assembler::new(44_100, &counters).unwrap();
        let mut samples = 0;
        for i in 0..10 {
            for c in a.accept(block(4_410, i * 100, 0), &free) {
                samples += c.samples.len();
            }
        }
        samples += a.finish().iter().map(|c| c.samples.len()).sum::<usize>();
        assert_eq!(samples, 48_000, "one second in, one second out");
    }
}

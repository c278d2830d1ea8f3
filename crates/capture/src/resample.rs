//! Conversion of any device's audio to mono 48 kHz.
//!
//! Downmixing averages the channels of each frame. Rate conversion uses
//! rubato's synchronous FFT resampler: the device rate is fixed for the life
//! of a stream, and it is both fast and of high quality. Drift between the
//! device's crystal and the monotonic clock is not corrected here; timestamps
//! are anchored to the clock by the microphone source instead.
//!
//! Invariants: output sample `k` corresponds to input time `k / 48000` from
//! the first input sample (the resampler's start-up delay is trimmed), and
//! after [`MonoResampler::flush`] the total output length is the input length
//! scaled by `48000 / rate`, rounded. At 48 kHz the input passes through
//! bit-identical.

use rubato::audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Resampler};

use crate::audio::SAMPLE_RATE;

/// Target chunk size handed to rubato; it rounds it to fit the ratio.
const RESAMPLER_CHUNK: usize = 1024;

/// Average interleaved frames of `channels` samples into mono, appending to `out`.
pub(crate) fn downmix_into(interleaved: &[f32], channels: usize, out: &mut Vec<f32>) {
    if channels <= 1 {
        out.extend_from_slice(interleaved);
        return;
    }
    let scale = 1.0 / channels as f32;
    out.extend(
        interleaved
            .chunks_exact(channels)
            .map(|frame| frame.iter().sum::<f32>() * scale),
    );
}

/// Streams mono audio at one rate into mono audio at 48 kHz.
pub(crate) struct MonoResampler {
    input_rate: u32,
    fft: Option<Box<Fft<f32>>>,
    pending: Vec<f32>,
    scratch: Vec<f32>,
    skip: usize,
    total_in: u64,
    total_out: u64,
}

impl std::fmt::Debug for MonoResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonoResampler")
            .field("input_rate", &self.input_rate)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl MonoResampler {
    pub(crate) fn new(input_rate: u32) -> Result<Self, String> {
        if input_rate == 0 {
            return Err("a sample rate of 0 Hz".into());
        }
        let fft = if input_rate == SAMPLE_RATE {
            None
        } else {
            let fft = Fft::<f32>::new(
                input_rate as usize,
                SAMPLE_RATE as usize,
                RESAMPLER_CHUNK,
                1,
                FixedSync::Both,
            )
            .map_err(|e| format!("cannot resample {input_rate} Hz to 48 kHz: {e}"))?;
            Some(Box::new(fft))
        };
        let (scratch, skip) = match &fft {
            Some(f) => (vec![0.0; f.output_frames_max()], f.output_delay()),
            None => (Vec::new(), 0),
        };
        Ok(Self {
            input_rate,
            fft,
            pending: Vec::new(),
            scratch,
            skip,
            total_in: 0,
            total_out: 0,
        })
    }

    /// Convert `mono` (at the input rate), appending 48 kHz samples to `out`.
    /// Some input may be held back until a full resampler chunk is there.
    pub(crate) fn push(&mut self, mono: &[f32], out: &mut Vec<f32>) {
        self.total_in += mono.len() as u64;
        if self.fft.is_none() {
            out.extend_from_slice(mono);
            self.total_out += mono.len() as u64;
            return;
        }
        self.pending.extend_from_slice(mono);
        self.drain_full_chunks(out);
    }

    /// Convert `count` samples of silence (audio that was lost).
    pub(crate) fn push_silence(&mut self, count: usize, out: &mut Vec<f32>) {
        const BLOCK: [f32; 1024] = [0.0; 1024];
        let mut left = count;
        while left > 0 {
            let n = left.min(BLOCK.len());
            self.push(&BLOCK[..n], out);
            left -= n;
        }
    }

    /// End of stream: push out everything held back, so the output has
    /// exactly the length the input had, at 48 kHz.
    pub(crate) fn flush(&mut self, out: &mut Vec<f32>) {
        let expected = (self.total_in * u64::from(SAMPLE_RATE) + u64::from(self.input_rate) / 2)
            / u64::from(self.input_rate);
        let Some(need) = self.fft.as_ref().map(|f| f.input_frames_next()) else {
            return;
        };
        let start = out.len();
        while self.total_out < expected {
            self.pending.resize(need.max(self.pending.len()), 0.0);
            self.drain_full_chunks(out);
        }
        let excess = (self.total_out - expected) as usize;
        out.truncate(out.len() - excess.min(out.len() - start));
        self.total_out = expected;
        self.pending.clear();
    }

    fn drain_full_chunks(&mut self, out: &mut Vec<f32>) {
        let Some(fft) = self.fft.as_mut() else {
            return;
        };
        let mut offset = 0;
        loop {
            let need = fft.input_frames_next();
            if self.pending.len() - offset < need {
                break;
            }
            let produced = {
                let input = SequentialSlice::new(&self.pending[offset..offset + need], 1, need);
                let capacity = self.scratch.len();
                let output = SequentialSlice::new_mut(&mut self.scratch, 1, capacity);
                match (input, output) {
                    (Ok(input), Ok(mut output)) => {
                        match fft.process_into_buffer(&input, &mut output, None) {
                            Ok((_, written)) => written,
                            // Sizes come from the resampler itself, so this
                            // cannot fail; never panic on the audio path.
                            Err(e) => {
                                tracing::error!("resampler rejected a chunk: {e}");
                                0
                            }
                        }
                    }
                    _ => 0,
                }
            };
            offset += need;
            let skipped = self.skip.min(produced);
            self.skip -= skipped;
            out.extend_from_slice(&self.scratch[skipped..produced]);
            self.total_out += (produced - skipped) as u64;
        }
        self.pending.drain(..offset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::AudioLevel;
    use std::f64::consts::TAU;

    fn sine(rate: u32, freq: f64, amplitude: f64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (amplitude * (TAU * freq * i as f64 / f64::from(rate)).sin()) as f32)
            .collect()
    }

    /// Frequency estimated from zero crossings.
    fn frequency(samples: &[f32], rate: f64) -> f64 {
        let crossings = samples
            .windows(2)
            .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
            .count();
        crossings as f64 * rate / samples.len() as f64
    }

    #[test]
    fn downmix_averages_frames() {
        let mut out = Vec::new();
        downmix_into(&[1.0, 0.0, 0.5, 0.5, -1.0, 1.0], 2, &mut out);
        assert_eq!(out, vec![0.5, 0.5, 0.0]);
        downmix_into(&[0.25], 1, &mut out);
        assert_eq!(out.last(), Some(&0.25));
    }

    #[test]
    fn passthrough_at_48k_is_bit_identical() {
        let input = sine(48_000, 440.0, 0.5, 4_800);
        let mut r = MonoResampler::new(48_000).unwrap();
        let mut out = Vec::new();
        r.push(&input, &mut out);
        r.flush(&mut out);
        assert_eq!(out, input);
    }

    #[test]
    fn resampling_keeps_duration_pitch_and_level() {
        for rate in [44_100, 16_000, 96_000, 22_050] {
            let input = sine(rate, 1000.0, 0.5, rate as usize); // one second
            let mut r = MonoResampler::new(rate).unwrap();
            let mut out = Vec::new();
            // Feed in uneven pieces, as a device would.
            for piece in input.chunks(333) {
                r.push(piece, &mut out);
            }
            r.flush(&mut out);
            assert_eq!(
                out.len(),
                48_000,
                "{rate} Hz: one second in, one second out"
            );
            let middle = &out[4_800..43_200];
            let f = frequency(middle, 48_000.0);
            assert!((f - 1000.0).abs() < 5.0, "{rate} Hz: pitch {f}");
            let level = AudioLevel::measure(middle);
            assert!(
                (level.rms_dbfs - (-9.03)).abs() < 0.2,
                "{rate} Hz: {level:?}"
            );
        }
    }

    #[test]
    fn startup_delay_is_trimmed() {
        // A click at input sample 441 (10 ms at 44.1 kHz) must come out near
        // output sample 480 (10 ms at 48 kHz), not delayed by the FFT block.
        let mut input = vec![0.0f32; 44_100 / 5];
        input[441] = 1.0;
        let mut r = MonoResampler::new(44_100).unwrap();
        let mut out = Vec::new();
        r.push(&input, &mut out);
        r.flush(&mut out);
        let peak = out
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(i, _)| i)
            .unwrap();
        assert!(peak.abs_diff(480) <= 2, "click at {peak}");
    }

    #[test]
    fn silence_counts_as_input_time() {
        let mut r = MonoResampler::new(32_000).unwrap();
        let mut out = Vec::new();
        r.push_silence(32_000, &mut out);
        r.flush(&mut out);
        assert_eq!(out.len(), 48_000);
        assert!(out.iter().all(|s| s.abs() < 1e-6));
    }

    #[test]
    fn zero_rate_is_refused() {
        assert!(MonoResampler::new(0).is_err());
    }
}

//! What the audio sources deliver: mono f32 samples at 48 kHz in fixed
//! 20 ms chunks, each with the `pts` of its first sample and its level.
//!
//! Why this shape: Opus runs at 48 kHz and takes 20 ms frames (960 samples),
//! so the encoder can feed chunks straight through; one channel is what a
//! voice debrief needs. Every source converts whatever its device delivers
//! (rate, sample format, channel count) into this, on its own thread.
//!
//! Invariants: every chunk holds exactly [`CHUNK_SAMPLES`] samples except
//! possibly the last one of a stream; samples are in `-1.0..=1.0`; the `pts`
//! of consecutive chunks advance by exactly the duration of the samples
//! between them (lost audio is replaced by silence, never skipped, so the
//! timeline stays continuous and video stays in sync).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::grid_pts;

/// Sample rate of every [`AudioChunk`].
pub const SAMPLE_RATE: u32 = 48_000;
/// Samples per chunk: 20 ms at 48 kHz, one Opus frame.
pub const CHUNK_SAMPLES: usize = 960;
/// The level reported for digital silence (a floor, so the value stays finite
/// and serialisable).
pub const SILENCE_DBFS: f32 = -100.0;

/// One chunk of mono 48 kHz audio.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioChunk {
    /// Sequence number within the stream.
    pub index: u64,
    /// Capture time of the first sample, on the shared [`crate::CaptureClock`].
    pub pts: Duration,
    /// Mono samples at [`SAMPLE_RATE`].
    pub samples: Vec<f32>,
    /// Level of this chunk, for the live meter.
    pub level: AudioLevel,
    /// True when audio was lost just before or inside this chunk (the device
    /// overran or the consumer fell behind) and silence stands in for it.
    pub discontinuity: bool,
}

impl AudioChunk {
    /// Build a chunk, measuring its level.
    pub fn new(index: u64, pts: Duration, samples: Vec<f32>, discontinuity: bool) -> Self {
        let level = AudioLevel::measure(&samples);
        Self {
            index,
            pts,
            samples,
            level,
            discontinuity,
        }
    }

    /// How long the samples last.
    pub fn duration(&self) -> Duration {
        grid_pts(self.samples.len() as u64, u64::from(SAMPLE_RATE))
    }

    /// The `pts` just after the last sample.
    pub fn end_pts(&self) -> Duration {
        self.pts + self.duration()
    }
}

/// RMS and peak level of a block of samples, in dBFS (0 dBFS = full scale).
/// A full-scale sine has an RMS of -3.01 dBFS and a peak of 0 dBFS.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AudioLevel {
    pub rms_dbfs: f32,
    pub peak_dbfs: f32,
}

impl AudioLevel {
    /// The level of digital silence.
    pub const SILENT: AudioLevel = AudioLevel {
        rms_dbfs: SILENCE_DBFS,
        peak_dbfs: SILENCE_DBFS,
    };

    /// Measure a block of samples.
    pub fn measure(samples: &[f32]) -> Self {
        if samples.is_empty() {
            return Self::SILENT;
        }
        let mut sum_squares = 0.0f64;
        let mut peak = 0.0f32;
        for &s in samples {
            sum_squares += f64::from(s) * f64::from(s);
            peak = peak.max(s.abs());
        }
        let rms = (sum_squares / samples.len() as f64).sqrt();
        Self {
            rms_dbfs: to_dbfs(rms),
            peak_dbfs: to_dbfs(f64::from(peak)),
        }
    }
}

/// Amplitude (1.0 = full scale) to dBFS, floored at [`SILENCE_DBFS`].
pub fn to_dbfs(amplitude: f64) -> f32 {
    if amplitude <= 0.0 {
        return SILENCE_DBFS;
    }
    ((20.0 * amplitude.log10()) as f32).max(SILENCE_DBFS)
}

/// dBFS to amplitude (1.0 = full scale).
pub fn from_dbfs(dbfs: f32) -> f32 {
    10f32.powf(dbfs / 20.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::TAU;

    fn sine(amplitude: f64, freq: f64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (amplitude * (TAU * freq * i as f64 / 48_000.0).sin()) as f32)
            .collect()
    }

    #[test]
    fn full_scale_sine_is_minus_three_dbfs_rms_and_zero_peak() {
        let level = AudioLevel::measure(&sine(1.0, 1000.0, 48_000));
        assert!((level.rms_dbfs - (-3.0103)).abs() < 0.01, "{level:?}");
        assert!(level.peak_dbfs.abs() < 0.01, "{level:?}");
    }

    #[test]
    fn half_scale_sine_is_six_db_lower() {
        let level = AudioLevel::measure(&sine(0.5, 440.0, 48_000));
        assert!((level.rms_dbfs - (-9.0309)).abs() < 0.02, "{level:?}");
        assert!((level.peak_dbfs - (-6.0206)).abs() < 0.02, "{level:?}");
    }

    #[test]
    fn full_scale_square_wave_is_zero_dbfs_rms() {
        let square: Vec<f32> = (0..960)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let level = AudioLevel::measure(&square);
        assert!(level.rms_dbfs.abs() < 1e-4, "{level:?}");
    }

    #[test]
    fn silence_is_the_floor_not_minus_infinity() {
        assert_eq!(AudioLevel::measure(&[0.0; 960]), AudioLevel::SILENT);
        assert_eq!(AudioLevel::measure(&[]), AudioLevel::SILENT);
        let json = serde_json::to_string(&AudioLevel::SILENT).unwrap();
        assert_eq!(json, r#"{"rms_dbfs":-100.0,"peak_dbfs":-100.0}"#);
    }

    #[test]
    fn dbfs_round_trips() {
        assert!((from_dbfs(-6.0206) - 0.5).abs() < 1e-4);
        assert!((to_dbfs(f64::from(from_dbfs(-20.0))) + 20.0).abs() < 1e-4);
    }

    #[test]
    fn chunk_duration_and_end() {
        let chunk = AudioChunk::new(
            3,
            Duration::from_millis(60),
            vec![0.25; CHUNK_SAMPLES],
            false,
        );
        assert_eq!(chunk.duration(), Duration::from_millis(20));
        assert_eq!(chunk.end_pts(), Duration::from_millis(80));
        assert!((chunk.level.rms_dbfs - (-12.0412)).abs() < 0.01);
    }
}

//! The synthetic camera and microphone: how every test and benchmark runs on
//! machines without devices.
//!
//! The picture is colour bars with a moving box and the frame number and
//! `pts` burnt in as digits ([`read_overlay`] reads them back); the sound is a
//! tone, silence or a WAV file. At every sync marker the picture turns white
//! and the sound beeps at 1 kHz, both starting at the marker instant on the
//! shared clock, so a test can decode a recording and measure the A/V offset.
//!
//! Pacing follows the clock the sources are started with:
//! - a real clock ([`CaptureClock::real`], `--source synthetic`): frames and
//!   chunks come at the rate a camera and microphone would deliver them,
//!   stamped on a grid aligned to the clock's origin;
//! - a virtual clock ([`CaptureClock::virtual_time`], `synthetic:fast`):
//!   they come as fast as the consumer takes them, stamped `n / fps` and
//!   `n / 48000` from zero, and the clock advances with them.
//!
//! Invariants: frame `pts` lie on the `1/fps` grid and chunk `pts` on the
//! 20 ms grid, both anchored at the clock's zero; a frame is a flash frame
//! exactly when its `pts` falls inside a marker window, and a sample is a
//! beep sample exactly when its instant does.

mod font;
mod pattern;
mod sound;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crossbeam_channel::{Sender, TrySendError};

pub use font::OverlayReading;
#[cfg(test)]
pub(crate) use pattern::rgb_to_yuv601;
pub use sound::SyntheticSound;

use crate::audio::{AudioChunk, CHUNK_SAMPLES, SAMPLE_RATE};
use crate::clock::{CaptureClock, grid_index_at_or_after, grid_pts};
use crate::error::CaptureError;
use crate::frame::VideoFrame;
use crate::source::{
    AudioCapture, AudioConfig, AudioCounters, AudioFormat, AudioSource, VideoCapture, VideoConfig,
    VideoCounters, VideoFormat, VideoSource,
};
use crate::worker::{Sent, StopSignal, Worker};
use font::Overlay;
use pattern::Pattern;
use sound::SoundGenerator;

/// Frequency of the sync beep.
pub const BEEP_HZ: f32 = 1000.0;
/// Peak level of the sync beep.
pub const BEEP_DBFS: f32 = -6.0;
/// Smallest picture the overlay fits in.
pub const MIN_WIDTH: u32 = 160;
pub const MIN_HEIGHT: u32 = 120;

/// When the picture flashes and the sound beeps: windows of `length`
/// starting at every multiple of `period` after zero (never at zero itself,
/// so a recording does not open with a flash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncMarkers {
    pub period: Duration,
    pub length: Duration,
}

impl Default for SyncMarkers {
    /// A 100 ms flash and beep every 2 s.
    fn default() -> Self {
        Self {
            period: Duration::from_secs(2),
            length: Duration::from_millis(100),
        }
    }
}

impl SyncMarkers {
    pub fn validate(&self) -> Result<(), CaptureError> {
        if self.period.is_zero() || self.length.is_zero() || self.length >= self.period {
            return Err(CaptureError::InvalidConfig(format!(
                "sync markers need 0 < length < period; got a {:?} marker every {:?}",
                self.length, self.period
            )));
        }
        Ok(())
    }

    /// The start of the marker window containing `t`, if any.
    pub fn marker_at(&self, t: Duration) -> Option<Duration> {
        let period = self.period.as_nanos();
        let k = t.as_nanos() / period;
        if k == 0 {
            return None;
        }
        let start = Duration::from_nanos(u64::try_from(k * period).ok()?);
        (t < start + self.length).then_some(start)
    }

    /// Marker instants up to (excluding) `end`.
    pub fn instants_until(&self, end: Duration) -> impl Iterator<Item = Duration> + '_ {
        (1u32..)
            .map(move |k| self.period * k)
            .take_while(move |&t| t < end)
    }

    /// Marker windows, as `[start, end)` sample indices at `rate`, that
    /// overlap the samples `[from, to)`.
    pub(crate) fn sample_windows(&self, from: u64, to: u64, rate: u64) -> Vec<(u64, u64)> {
        let first = (grid_pts(from, rate).as_nanos() / self.period.as_nanos()).max(1);
        let mut windows = Vec::new();
        for k in first.. {
            let start_t = self.period * u32::try_from(k).unwrap_or(u32::MAX);
            let start = grid_index_at_or_after(start_t, rate);
            if start >= to {
                break;
            }
            let end = grid_index_at_or_after(start_t + self.length, rate);
            if end > from {
                windows.push((start, end));
            }
        }
        windows
    }
}

/// Read the frame number and `pts` burnt into a synthetic frame (also after
/// it went through an encoder and decoder, at ordinary quality).
pub fn read_overlay(frame: &VideoFrame) -> Option<OverlayReading> {
    Overlay::for_frame(frame.width(), frame.height()).read(frame.y(), frame.strides().0)
}

/// The synthetic camera.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyntheticVideo {
    /// `None` for a picture without flashes.
    pub markers: Option<SyncMarkers>,
}

impl SyntheticVideo {
    pub fn new(markers: Option<SyncMarkers>) -> Self {
        Self { markers }
    }
}

impl VideoSource for SyntheticVideo {
    fn name(&self) -> String {
        "synthetic camera".into()
    }

    fn start(
        &self,
        config: &VideoConfig,
        clock: &CaptureClock,
    ) -> Result<VideoCapture, CaptureError> {
        config.validate()?;
        if config.width < MIN_WIDTH || config.height < MIN_HEIGHT {
            return Err(CaptureError::InvalidConfig(format!(
                "the synthetic picture needs at least {MIN_WIDTH}x{MIN_HEIGHT}; got {}x{}",
                config.width, config.height
            )));
        }
        if let Some(m) = &self.markers {
            m.validate()?;
        }
        let counters = Arc::new(VideoCounters::default());
        let run = VideoRun {
            pattern: Pattern::new(config.width, config.height),
            config: *config,
            clock: clock.clone(),
            markers: self.markers,
            counters: counters.clone(),
        };
        let worker = Worker::spawn(self.name(), config.channel_capacity, move |stop, tx| {
            run.run(&stop, &tx);
            Ok(())
        })?;
        let format = VideoFormat {
            width: config.width,
            height: config.height,
            fps: config.fps,
            device_format: "I420".into(),
        };
        Ok(VideoCapture::new(worker, format, counters))
    }
}

struct VideoRun {
    pattern: Pattern,
    config: VideoConfig,
    clock: CaptureClock,
    markers: Option<SyncMarkers>,
    counters: Arc<VideoCounters>,
}

impl VideoRun {
    fn run(&self, stop: &StopSignal, tx: &Sender<VideoFrame>) {
        let fps = u64::from(self.config.fps);
        let paced = !self.clock.is_virtual();
        let first = if paced {
            grid_index_at_or_after(self.clock.now(), fps)
        } else {
            0
        };
        let mut n = first;
        loop {
            let mut pts = grid_pts(n, fps);
            if paced {
                let now = self.clock.now();
                if pts > now {
                    if stop.wait(pts - now) {
                        return;
                    }
                } else if now - pts > grid_pts(2, fps) {
                    // Fell behind (a stalled machine): skip to the present
                    // like a camera would, counting the frames never made.
                    let caught_up = grid_index_at_or_after(now, fps);
                    let skipped = caught_up - n;
                    self.counters.dropped.fetch_add(skipped, Ordering::Relaxed);
                    n = caught_up;
                    pts = grid_pts(n, fps);
                }
            }
            if stop.is_set() {
                return;
            }
            let index = n - first;
            let flash = self.markers.is_some_and(|m| m.marker_at(pts).is_some());
            let data = self.pattern.render(index, pts, flash);
            let Ok(frame) =
                VideoFrame::from_i420(self.config.width, self.config.height, data, pts, index)
            else {
                // The pattern is built for exactly this size; unreachable.
                return;
            };
            self.clock.publish(pts);
            if paced {
                match tx.try_send(frame) {
                    Ok(()) => self.counters.delivered.fetch_add(1, Ordering::Relaxed),
                    Err(TrySendError::Full(_)) => {
                        self.counters.dropped.fetch_add(1, Ordering::Relaxed)
                    }
                    Err(TrySendError::Disconnected(_)) => return,
                };
            } else {
                match stop.send(tx, frame) {
                    Sent::Delivered => self.counters.delivered.fetch_add(1, Ordering::Relaxed),
                    Sent::Stopped | Sent::Disconnected => return,
                };
            }
            n += 1;
        }
    }
}

/// The synthetic microphone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyntheticAudio {
    pub sound: SyntheticSound,
    /// `None` for no beeps.
    pub markers: Option<SyncMarkers>,
}

impl SyntheticAudio {
    pub fn new(sound: SyntheticSound, markers: Option<SyncMarkers>) -> Self {
        Self { sound, markers }
    }
}

impl AudioSource for SyntheticAudio {
    fn name(&self) -> String {
        "synthetic microphone".into()
    }

    fn start(
        &self,
        config: &AudioConfig,
        clock: &CaptureClock,
    ) -> Result<AudioCapture, CaptureError> {
        config.validate()?;
        if let Some(m) = &self.markers {
            m.validate()?;
        }
        let generator = SoundGenerator::new(&self.sound, self.markers)?;
        let counters = Arc::new(AudioCounters::default());
        let thread_counters = counters.clone();
        let clock = clock.clone();
        let worker = Worker::spawn(self.name(), config.channel_capacity, move |stop, tx| {
            run_audio(generator, &clock, &thread_counters, &stop, &tx)
        })?;
        let format = AudioFormat {
            device_sample_rate: SAMPLE_RATE,
            device_channels: 1,
            device_sample_format: "F32".into(),
        };
        Ok(AudioCapture::new(worker, format, counters))
    }
}

fn run_audio(
    mut generator: SoundGenerator,
    clock: &CaptureClock,
    counters: &AudioCounters,
    stop: &StopSignal,
    tx: &Sender<AudioChunk>,
) -> Result<(), CaptureError> {
    let rate = u64::from(SAMPLE_RATE);
    let chunks_per_second = rate / CHUNK_SAMPLES as u64;
    let paced = !clock.is_virtual();
    let first = if paced {
        grid_index_at_or_after(clock.now(), chunks_per_second)
    } else {
        0
    };
    for k in first.. {
        let start = k * CHUNK_SAMPLES as u64;
        let pts = grid_pts(start, rate);
        if paced {
            // Like a microphone, a chunk is delivered once all of it has
            // been "heard". If the consumer held us up, catch up without
            // waiting: audio is never skipped.
            let ready_at = grid_pts(start + CHUNK_SAMPLES as u64, rate);
            let now = clock.now();
            if ready_at > now && stop.wait(ready_at - now) {
                return Ok(());
            }
        }
        if stop.is_set() {
            return Ok(());
        }
        let mut samples = vec![0.0f32; CHUNK_SAMPLES];
        generator.fill(start, &mut samples)?;
        let chunk = AudioChunk::new(k - first, pts, samples, false);
        clock.publish(pts);
        match stop.send(tx, chunk) {
            Sent::Delivered => {
                counters.chunks.fetch_add(1, Ordering::Relaxed);
                counters
                    .samples
                    .fetch_add(CHUNK_SAMPLES as u64, Ordering::Relaxed);
            }
            Sent::Stopped | Sent::Disconnected => return Ok(()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_found_inside_their_windows_only() {
        let m = SyncMarkers::default();
        assert_eq!(m.marker_at(Duration::ZERO), None, "no flash at zero");
        assert_eq!(m.marker_at(Duration::from_millis(1999)), None);
        assert_eq!(
            m.marker_at(Duration::from_secs(2)),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            m.marker_at(Duration::from_millis(2099)),
            Some(Duration::from_secs(2))
        );
        assert_eq!(m.marker_at(Duration::from_millis(2100)), None);
        let instants: Vec<_> = m.instants_until(Duration::from_secs(7)).collect();
        assert_eq!(instants, [2, 4, 6].map(Duration::from_secs));
    }

    #[test]
    fn sample_windows_cover_exactly_the_marker_samples() {
        let m = SyncMarkers::default();
        assert_eq!(m.sample_windows(0, 96_000, 48_000), vec![]);
        assert_eq!(
            m.sample_windows(95_040, 96_960, 48_000),
            vec![(96_000, 100_800)]
        );
        assert_eq!(
            m.sample_windows(100_000, 101_000, 48_000),
            vec![(96_000, 100_800)]
        );
        assert_eq!(m.sample_windows(100_800, 101_000, 48_000), vec![]);
    }

    #[test]
    fn bad_markers_and_sizes_are_refused() {
        let bad = SyncMarkers {
            period: Duration::from_millis(100),
            length: Duration::from_millis(100),
        };
        assert!(bad.validate().is_err());
        let tiny = VideoConfig {
            width: 64,
            height: 48,
            ..VideoConfig::default()
        };
        let err = SyntheticVideo::default()
            .start(&tiny, &CaptureClock::virtual_time())
            .unwrap_err();
        assert!(err.to_string().contains("160x120"), "{err}");
    }
}

//! The microphone's device thread and its conversion to 48 kHz mono chunks.
//!
//! Two stages, as rubato's authors advise for capture: cpal's callback does
//! only light work (sample format to f32, downmix to mono, timestamp) and
//! hands the block to the owning thread over a bounded channel without ever
//! blocking; the owning thread resamples, cuts 20 ms chunks, measures levels
//! and sends them to the consumer, waiting for it if it must.
//!
//! Timestamps: the first block anchors the stream (`clock.now()` at the
//! callback minus the latency cpal reports between capture and callback);
//! after that a chunk's `pts` is the anchor plus the samples before it, so
//! audio time is continuous. Audio is lost only when the callback finds the
//! block channel full (the owner or the consumer fell two seconds behind) or
//! the device itself skips ahead (an overrun it recovered from); both are
//! filled with silence of the same length, counted, and flagged on the
//! chunk, so the timeline and A/V sync survive. Device clock drift shows up
//! as a growing gap and is corrected the same way once it passes
//! [`GAP_TOLERANCE`].

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, InputCallbackInfo, Sample, SampleFormat, SizedSample};
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded, select};

use super::{MicChoice, Microphone, find_device, open_error};
use crate::audio::{AudioChunk, CHUNK_SAMPLES, SAMPLE_RATE};
use crate::clock::{CaptureClock, grid_pts};
use crate::error::CaptureError;
use crate::resample::MonoResampler;
use crate::source::{AudioCapture, AudioConfig, AudioCounters, AudioFormat};
use crate::worker::{StopSignal, Worker};

/// Blocks (10 ms or more each) buffered between the callback and the owner:
/// at least five seconds of audio.
const RAW_BLOCKS: usize = 512;
/// How far the device's timestamps may run ahead of the samples counted
/// before the difference is treated as lost audio.
const GAP_TOLERANCE: Duration = Duration::from_millis(120);
/// With no audio for this long, the device is considered gone.
const SILENT_DEVICE_TIMEOUT: Duration = Duration::from_secs(5);

/// At least 10 ms of audio from one or more callbacks: mono, at the device rate.
struct RawBlock {
    samples: Vec<f32>,
    captured_at: Duration,
    /// Device frames the callback had to throw away since the last block.
    dropped_before: u64,
}

pub(super) fn start(
    mic: Microphone,
    config: AudioConfig,
    clock: CaptureClock,
) -> Result<AudioCapture, CaptureError> {
    use crate::source::AudioSource;
    let counters = Arc::new(AudioCounters::default());
    let (ready_tx, ready_rx) = bounded(1);
    let thread_counters = counters.clone();
    let mut worker = Worker::spawn(mic.name(), config.channel_capacity, move |stop, tx| {
        run(&mic, &clock, &thread_counters, &stop, &tx, &ready_tx)
    })?;
    match ready_rx.recv() {
        Ok(Ok(format)) => Ok(AudioCapture::new(worker, format, counters)),
        Ok(Err(e)) => {
            let _ = worker.stop();
            Err(e)
        }
        Err(_) => Err(worker.stop().err().unwrap_or(CaptureError::Device {
            device: worker.device().to_string(),
            detail: "its capture thread ended before opening it".into(),
        })),
    }
}

fn run(
    mic: &Microphone,
    clock: &CaptureClock,
    counters: &AudioCounters,
    stop: &StopSignal,
    tx: &Sender<AudioChunk>,
    ready: &Sender<Result<AudioFormat, CaptureError>>,
) -> Result<(), CaptureError> {
    let opened = match open(mic, clock) {
        Ok(o) => o,
        Err(e) => {
            let _ = ready.send(Err(e.clone()));
            return Err(e);
        }
    };
    let _ = ready.send(Ok(opened.format.clone()));
    let Opened {
        stream,
        label,
        raw,
        errors,
        free,
        format,
    } = opened;
    let mut assembler = Assembler::new(format.device_sample_rate, counters).map_err(|detail| {
        CaptureError::UnsupportedMicrophoneFormat {
            microphone: label.clone(),
            detail,
        }
    })?;
    let mut last_audio = Instant::now();
    let outcome = loop {
        select! {
            recv(raw) -> block => match block {
                Ok(block) => {
                    last_audio = Instant::now();
                    let samples = assembler.accept(block, &free);
                    if !send_all(tx, samples, counters) {
                        break Ok(());
                    }
                }
                Err(_) => break Err(lost(&label, "its audio stream closed")),
            },
            recv(errors) -> err => if let Ok(err) = err {
                if let Some(fatal) = stream_error(&label, &err, &mut assembler, counters) {
                    break Err(fatal);
                }
            },
            recv(stop.receiver()) -> _ => break Ok(()),
            default(Duration::from_millis(500)) => {
                if last_audio.elapsed() > SILENT_DEVICE_TIMEOUT {
                    break Err(lost(&label, "no audio arrived for 5 s"));
                }
            }
        }
    };
    // Stop the callbacks, then convert what they left behind and flush the
    // resampler so the last partial chunk is delivered too.
    drop(stream);
    if outcome.is_ok() {
        for block in raw.try_iter() {
            let chunks = assembler.accept(block, &free);
            if !send_all(tx, chunks, counters) {
                return Ok(());
            }
        }
        send_all(tx, assembler.finish(), counters);
    }
    outcome
}

fn lost(label: &str, detail: &str) -> CaptureError {
    CaptureError::DeviceLost {
        device: label.to_string(),
        detail: detail.to_string(),
    }
}

/// Deliver chunks, waiting for the consumer. False once nobody listens.
fn send_all(tx: &Sender<AudioChunk>, chunks: Vec<AudioChunk>, counters: &AudioCounters) -> bool {
    for chunk in chunks {
        let n = chunk.samples.len() as u64;
        if tx.send(chunk).is_err() {
            return false;
        }
        counters.chunks.fetch_add(1, Ordering::Relaxed);
        counters.samples.fetch_add(n, Ordering::Relaxed);
    }
    true
}

/// Handle an error reported by a running stream; `Some` if it ends capture.
fn stream_error(
    label: &str,
    err: &cpal::Error,
    assembler: &mut Assembler<'_>,
    counters: &AudioCounters,
) -> Option<CaptureError> {
    use cpal::ErrorKind as K;
    match err.kind() {
        K::Xrun => {
            counters.overruns.fetch_add(1, Ordering::Relaxed);
            assembler.discontinuity = true;
            tracing::warn!(microphone = label, "audio overrun: {err}");
            None
        }
        K::DeviceChanged | K::RealtimeDenied => {
            tracing::info!(microphone = label, "{err}");
            None
        }
        K::DeviceNotAvailable | K::StreamInvalidated => Some(lost(label, &err.to_string())),
        _ => {
            // Unclassified backend trouble: keep going; if the device is
            // really gone the silence watchdog ends the capture.
            tracing::warn!(microphone = label, "audio stream error: {err}");
            None
        }
    }
}

struct Opened {
    stream: cpal::Stream,
    label: String,
    raw: Receiver<RawBlock>,
    errors: Receiver<cpal::Error>,
    free: Sender<Vec<f32>>,
    format: AudioFormat,
}

fn open(mic: &Microphone, clock: &CaptureClock) -> Result<Opened, CaptureError> {
    let (device, label) = find_device(&mic.choice)?;
    let is_default = mic.choice == MicChoice::Default;
    let supported = choose_config(&device, mic)
        .map_err(|e| open_error(&label, is_default, &e))?
        .ok_or_else(|| CaptureError::UnsupportedMicrophoneFormat {
            microphone: label.clone(),
            detail: format!(
                "it offers no {} Hz, {}-channel input",
                mic.device_sample_rate
                    .map_or("default".into(), |r| r.to_string()),
                mic.device_channels.map_or("any".into(), |c| c.to_string()),
            ),
        })?;
    let config = supported.config();
    let (raw_tx, raw) = bounded(RAW_BLOCKS);
    let (err_tx, errors) = bounded(64);
    let (free, free_rx) = bounded(RAW_BLOCKS);
    let parts = CallbackParts {
        channels: usize::from(config.channels.max(1)),
        raw: raw_tx,
        free: free_rx,
        clock: clock.clone(),
    };
    let on_error = move |e: cpal::Error| {
        let _ = err_tx.try_send(e);
    };
    let sample_format = supported.sample_format();
    let stream = match sample_format {
        SampleFormat::I8 => build::<i8>(&device, config, parts, on_error),
        SampleFormat::I16 => build::<i16>(&device, config, parts, on_error),
        SampleFormat::I24 => build::<cpal::I24>(&device, config, parts, on_error),
        SampleFormat::I32 => build::<i32>(&device, config, parts, on_error),
        SampleFormat::I64 => build::<i64>(&device, config, parts, on_error),
        SampleFormat::U8 => build::<u8>(&device, config, parts, on_error),
        SampleFormat::U16 => build::<u16>(&device, config, parts, on_error),
        SampleFormat::U24 => build::<cpal::U24>(&device, config, parts, on_error),
        SampleFormat::U32 => build::<u32>(&device, config, parts, on_error),
        SampleFormat::U64 => build::<u64>(&device, config, parts, on_error),
        SampleFormat::F32 => build::<f32>(&device, config, parts, on_error),
        SampleFormat::F64 => build::<f64>(&device, config, parts, on_error),
        other => {
            return Err(CaptureError::UnsupportedMicrophoneFormat {
                microphone: label,
                detail: format!("{other:?} samples"),
            });
        }
    }
    .map_err(|e| open_error(&label, is_default, &e))?;
    stream
        .play()
        .map_err(|e| open_error(&label, is_default, &e))?;
    Ok(Opened {
        stream,
        format: AudioFormat {
            device_sample_rate: config.sample_rate,
            device_channels: config.channels,
            device_sample_format: format!("{sample_format:?}"),
        },
        label,
        raw,
        errors,
        free,
    })
}

/// The device's default config, or the one matching the requested rate and
/// channels. Explicit requests prefer 16-bit samples, the native format of
/// most capture hardware, so ALSA's `plug` layer passes them through
/// untouched; then float, then 32-bit. `Ok(None)`: no match.
fn choose_config(
    device: &cpal::Device,
    mic: &Microphone,
) -> Result<Option<cpal::SupportedStreamConfig>, cpal::Error> {
    if mic.device_sample_rate.is_none() && mic.device_channels.is_none() {
        return device.default_input_config().map(Some);
    }
    let default = device.default_input_config()?;
    let rate = mic.device_sample_rate.unwrap_or(default.sample_rate());
    let channels = mic.device_channels.unwrap_or(default.channels());
    let rank = |f: SampleFormat| match f {
        SampleFormat::I16 => 0,
        SampleFormat::F32 => 1,
        SampleFormat::I32 => 2,
        _ => 3,
    };
    let mut ranges: Vec<_> = device
        .supported_input_configs()?
        .filter(|r| r.channels() == channels && r.contains_rate(rate))
        .collect();
    ranges.sort_by_key(|r| rank(r.sample_format()));
    Ok(ranges.into_iter().next().map(|r| r.with_sample_rate(rate)))
}

struct CallbackParts {
    channels: usize,
    raw: Sender<RawBlock>,
    free: Receiver<Vec<f32>>,
    clock: CaptureClock,
}

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    parts: CallbackParts,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let CallbackParts {
        channels,
        raw,
        free,
        clock,
    } = parts;
    // Blocks of at least 10 ms, whatever the device's period, so the block
    // channel always buffers seconds of audio (some devices call back every
    // few dozen frames).
    let min_block = (config.sample_rate / 100).max(1) as usize;
    let mut dropped = 0u64;
    let mut pending: Vec<f32> = Vec::new();
    let mut pending_at: Option<Duration> = None;
    let on_data = move |data: &[T], info: &InputCallbackInfo| {
        let now = clock.now();
        let ts = info.timestamp();
        let latency = ts
            .callback
            .checked_duration_since(ts.capture)
            .unwrap_or_default()
            .min(Duration::from_secs(1));
        if pending_at.is_none() {
            pending_at = Some(now.saturating_sub(latency));
            // Reuse a buffer the owner gave back, so the callback rarely allocates.
            pending = free.try_recv().unwrap_or_default();
            pending.clear();
        }
        if channels == 1 {
            pending.extend(data.iter().map(|&s| <f32 as Sample>::from_sample(s)));
        } else {
            let scale = 1.0 / channels as f32;
            pending.extend(data.chunks_exact(channels).map(|f| {
                f.iter()
                    .map(|&s| <f32 as Sample>::from_sample(s))
                    .sum::<f32>()
                    * scale
            }));
        }
        if pending.len() < min_block {
            return;
        }
        let samples = std::mem::take(&mut pending);
        let frames = samples.len() as u64;
        let block = RawBlock {
            samples,
            captured_at: pending_at.take().unwrap_or(now),
            dropped_before: dropped,
        };
        match raw.try_send(block) {
            Ok(()) => dropped = 0,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => dropped += frames,
        }
    };
    device.build_input_stream::<T, _, _>(config, on_data, on_error, None)
}

/// Turns raw blocks into timestamped 48 kHz chunks.
struct Assembler<'a> {
    rate: u32,
    resampler: MonoResampler,
    counters: &'a AudioCounters,
    anchor: Option<Duration>,
    input_frames: u64,
    pending: Vec<f32>,
    emitted: u64,
    next_index: u64,
    discontinuity: bool,
}

impl<'a> Assembler<'a> {
    fn new(rate: u32, counters: &'a AudioCounters) -> Result<Self, String> {
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

    fn accept(&mut self, block: RawBlock, free: &Sender<Vec<f32>>) -> Vec<AudioChunk> {
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
        self.counters
            .samples_lost
            .fetch_add(lost_48k, Ordering::Relaxed);
        self.counters.overruns.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            samples = lost_48k,
            "microphone audio lost; filled with silence"
        );
        self.resampler
            .push_silence(frames as usize, &mut self.pending);
        self.input_frames += frames;
        self.discontinuity = true;
    }

    /// End of stream: everything left, the last chunk possibly short.
    fn finish(&mut self) -> Vec<AudioChunk> {
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

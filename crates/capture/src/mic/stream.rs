//! The microphone's device thread.
//!
//! Two stages, as rubato's authors advise for capture: cpal's callback does
//! only light work (sample format to f32, downmix to mono, timestamp,
//! gathering at least 10 ms) and hands the block to the owning thread over a
//! bounded channel without ever blocking; the owning thread resamples, cuts
//! 20 ms chunks ([`super::assemble`]), and sends them to the consumer,
//! waiting for it if it must. Audio is lost only if the owner falls seconds
//! behind; the loss is then filled with silence, counted and flagged.
//!
//! A block's timestamp is `clock.now()` at the callback minus the latency
//! cpal reports between capture and callback. Fatal stream errors and a
//! device that goes silent for [`SILENT_DEVICE_TIMEOUT`] end the capture with
//! [`CaptureError::DeviceLost`].

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, InputCallbackInfo, Sample, SampleFormat, SizedSample};
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded, select};

use super::assemble::{Assembler, RawBlock};
use super::{MicChoice, Microphone, find_device, open_error};
use crate::audio::AudioChunk;
use crate::clock::CaptureClock;
use crate::error::CaptureError;
use crate::source::{AudioCapture, AudioConfig, AudioCounters, AudioFormat};
use crate::worker::{Opening, StopSignal, Worker};

/// Blocks (10 ms or more each) buffered between the callback and the owner:
/// at least five seconds of audio.
const RAW_BLOCKS: usize = 512;
/// With no audio for this long, the device is considered gone.
const SILENT_DEVICE_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) fn start(
    mic: Microphone,
    config: AudioConfig,
    clock: CaptureClock,
) -> Result<AudioCapture, CaptureError> {
    use crate::source::AudioSource;
    let counters = Arc::new(AudioCounters::default());
    let thread_counters = counters.clone();
    let (worker, format) = Worker::spawn_opening(
        mic.name(),
        config.channel_capacity,
        move |stop, tx, opening| run(&mic, &clock, &thread_counters, &stop, &tx, opening),
    )?;
    Ok(AudioCapture::new(worker, format, counters))
}

fn run(
    mic: &Microphone,
    clock: &CaptureClock,
    counters: &AudioCounters,
    stop: &StopSignal,
    tx: &Sender<AudioChunk>,
    opening: Opening<AudioFormat>,
) -> Result<(), CaptureError> {
    let opened = match open(mic, clock) {
        Ok(o) => o,
        Err(e) => return opening.report(Err(e)),
    };
    opening.report(Ok(opened.format.clone()))?;
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
            recv(errors) -> err => {
                let fatal = err
                    .ok()
                    .and_then(|e| stream_error(&label, &e, &mut assembler, counters));
                if let Some(fatal) = fatal {
                    break Err(fatal);
                }
            }
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
    super::quiet::quiet_alsa(|| open_loud(mic, clock))
}

fn open_loud(mic: &Microphone, clock: &CaptureClock) -> Result<Opened, CaptureError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CaptureErrorKind;

    #[test]
    fn overruns_are_counted_and_a_vanished_device_ends_the_capture() {
        let counters = AudioCounters::default();
        let mut assembler = Assembler::new(48_000, &counters).unwrap();
        let xrun = cpal::Error::new(cpal::ErrorKind::Xrun);
        assert!(stream_error("mic", &xrun, &mut assembler, &counters).is_none());
        assert!(assembler.discontinuity, "the next chunk is flagged");
        assert_eq!(counters.overruns.load(Ordering::Relaxed), 1);

        let changed = cpal::Error::new(cpal::ErrorKind::DeviceChanged);
        assert!(stream_error("mic", &changed, &mut assembler, &counters).is_none());

        let gone = cpal::Error::with_message(cpal::ErrorKind::DeviceNotAvailable, "unplugged");
        let err = stream_error("microphone 'USB'", &gone, &mut assembler, &counters).unwrap();
        assert_eq!(err.kind(), CaptureErrorKind::DeviceLost);
        assert!(
            err.to_string()
                .starts_with("microphone 'USB' disconnected during capture")
        );
        assert!(err.to_string().ends_with("(unplugged)"));
    }
}

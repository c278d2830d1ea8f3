//! The synthetic microphone: a tone, silence, or a WAV file, with a 1 kHz
//! beep at every sync marker.
//!
//! Samples are addressed by their absolute index on the clock's 48 kHz grid
//! (sample `n` is at `n / 48000` s), the same grid the markers are defined on,
//! so a beep starts on exactly the sample of its marker instant. A WAV file
//! is read lazily, a chunk at a time, converted to mono 48 kHz on the way,
//! and followed by silence once it ends: memory stays bounded however long
//! the recording or the file.

use std::f64::consts::TAU;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use hound::{SampleFormat, WavReader};

use super::{BEEP_DBFS, BEEP_HZ, SyncMarkers};
use crate::audio::{SAMPLE_RATE, from_dbfs};
use crate::error::CaptureError;
use crate::resample::{MonoResampler, downmix_into};

/// What the synthetic microphone plays.
#[derive(Debug, Clone, PartialEq)]
pub enum SyntheticSound {
    /// A sine tone.
    Tone { frequency_hz: f32, level_dbfs: f32 },
    /// Digital silence (only the sync beeps are heard).
    Silence,
    /// A WAV file (any rate and channel count), then silence.
    Wav(PathBuf),
}

impl Default for SyntheticSound {
    fn default() -> Self {
        Self::Tone {
            frequency_hz: 440.0,
            level_dbfs: -18.0,
        }
    }
}

/// Produces the samples; owned by the synthetic audio thread.
#[derive(Debug)]
pub(crate) struct SoundGenerator {
    content: Content,
    markers: Option<SyncMarkers>,
}

#[derive(Debug)]
enum Content {
    Tone { step: f64, amplitude: f64 },
    Silence,
    Wav(Box<WavStream>),
}

impl SoundGenerator {
    pub(crate) fn new(
        sound: &SyntheticSound,
        markers: Option<SyncMarkers>,
    ) -> Result<Self, CaptureError> {
        let content = match sound {
            SyntheticSound::Tone {
                frequency_hz,
                level_dbfs,
            } => {
                if !(1.0..24_000.0).contains(frequency_hz) {
                    return Err(CaptureError::InvalidConfig(format!(
                        "the synthetic tone must be between 1 Hz and 24 kHz; got {frequency_hz} Hz"
                    )));
                }
                Content::Tone {
                    step: TAU * f64::from(*frequency_hz) / f64::from(SAMPLE_RATE),
                    amplitude: f64::from(from_dbfs(level_dbfs.min(0.0))),
                }
            }
            SyntheticSound::Silence => Content::Silence,
            SyntheticSound::Wav(path) => Content::Wav(Box::new(WavStream::open(path)?)),
        };
        Ok(Self { content, markers })
    }

    /// Fill `out` with the samples starting at absolute sample `start`.
    /// Calls must be consecutive (a WAV file is read as a stream).
    pub(crate) fn fill(&mut self, start: u64, out: &mut [f32]) -> Result<(), CaptureError> {
        match &mut self.content {
            Content::Tone { step, amplitude } => {
                for (i, s) in out.iter_mut().enumerate() {
                    // Phase from the absolute index: exact however long we run.
                    let phase = (*step * (start + i as u64) as f64) % TAU;
                    *s = (*amplitude * phase.sin()) as f32;
                }
            }
            Content::Silence => out.fill(0.0),
            Content::Wav(stream) => stream.read(out)?,
        }
        if let Some(markers) = self.markers {
            write_beeps(&markers, start, out);
        }
        Ok(())
    }
}

/// Replace the samples inside marker windows by the beep, which starts at
/// full amplitude (a cosine) so its onset is sharp and measurable.
fn write_beeps(markers: &SyncMarkers, start: u64, out: &mut [f32]) {
    let rate = u64::from(SAMPLE_RATE);
    let end = start + out.len() as u64;
    let amplitude = f64::from(from_dbfs(BEEP_DBFS));
    let step = TAU * f64::from(BEEP_HZ) / rate as f64;
    for (m_start, m_end) in markers.sample_windows(start, end, rate) {
        let from = m_start.max(start);
        let to = m_end.min(end);
        for n in from..to {
            let phase = (step * (n - m_start) as f64) % TAU;
            out[(n - start) as usize] = (amplitude * phase.cos()) as f32;
        }
    }
}

/// A WAV file read a block at a time and converted to mono 48 kHz.
struct WavStream {
    path: PathBuf,
    reader: WavReader<BufReader<File>>,
    channels: usize,
    format: SampleFormat,
    bits: u16,
    resampler: MonoResampler,
    ready: Vec<f32>,
    interleaved: Vec<f32>,
    mono: Vec<f32>,
    ended: bool,
}

impl std::fmt::Debug for WavStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavStream")
            .field("path", &self.path)
            .field("channels", &self.channels)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl WavStream {
    fn open(path: &Path) -> Result<Self, CaptureError> {
        let err = |detail: String| CaptureError::AudioFile {
            path: path.to_path_buf(),
            detail,
        };
        let reader = WavReader::open(path).map_err(|e| err(e.to_string()))?;
        let spec = reader.spec();
        if spec.channels == 0 {
            return Err(err("it declares zero channels".into()));
        }
        match (spec.sample_format, spec.bits_per_sample) {
            (SampleFormat::Int, 8 | 16 | 24 | 32) | (SampleFormat::Float, 32) => {}
            (format, bits) => {
                return Err(err(format!(
                    "{bits}-bit {format:?} samples are not supported"
                )));
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            channels: usize::from(spec.channels),
            format: spec.sample_format,
            bits: spec.bits_per_sample,
            resampler: MonoResampler::new(spec.sample_rate).map_err(err)?,
            reader,
            ready: Vec::new(),
            interleaved: Vec::new(),
            mono: Vec::new(),
            ended: false,
        })
    }

    fn read(&mut self, out: &mut [f32]) -> Result<(), CaptureError> {
        while self.ready.len() < out.len() && !self.ended {
            self.read_block()?;
        }
        let n = self.ready.len().min(out.len());
        out[..n].copy_from_slice(&self.ready[..n]);
        out[n..].fill(0.0);
        self.ready.drain(..n);
        Ok(())
    }

    fn read_block(&mut self) -> Result<(), CaptureError> {
        const FRAMES: usize = 4_096;
        self.interleaved.clear();
        let wanted = FRAMES * self.channels;
        let scale = 1.0 / (1u64 << (self.bits - 1)) as f32;
        let result: Result<(), hound::Error> = match self.format {
            SampleFormat::Float => self
                .reader
                .samples::<f32>()
                .take(wanted)
                .try_for_each(|s| s.map(|v| self.interleaved.push(v))),
            SampleFormat::Int => self
                .reader
                .samples::<i32>()
                .take(wanted)
                .try_for_each(|s| s.map(|v| self.interleaved.push(v as f32 * scale))),
        };
        result.map_err(|e| CaptureError::AudioFile {
            path: self.path.clone(),
            detail: e.to_string(),
        })?;
        // A truncated last frame is dropped rather than misaligning channels.
        let whole = self.interleaved.len() / self.channels * self.channels;
        self.mono.clear();
        downmix_into(&self.interleaved[..whole], self.channels, &mut self.mono);
        self.resampler.push(&self.mono, &mut self.ready);
        if self.interleaved.len() < wanted {
            self.resampler.flush(&mut self.ready);
            self.ended = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::AudioLevel;
    use std::time::Duration;

    #[test]
    fn tone_has_the_requested_level_and_continues_across_chunks() {
        let sound = SyntheticSound::Tone {
            frequency_hz: 1000.0,
            level_dbfs: -6.0206,
        };
        let mut generator = SoundGenerator::new(&sound, None).unwrap();
        let mut a = vec![0.0; 960];
        let mut b = vec![0.0; 960];
        generator.fill(0, &mut a).unwrap();
        generator.fill(960, &mut b).unwrap();
        let level = AudioLevel::measure(&a);
        assert!((level.peak_dbfs - (-6.02)).abs() < 0.05, "{level:?}");
        // 960 samples is exactly 20 periods of 1 kHz: the chunks repeat.
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-4);
        }
    }

    #[test]
    fn beeps_start_on_the_marker_sample() {
        let markers = SyncMarkers {
            period: Duration::from_millis(500),
            length: Duration::from_millis(50),
        };
        let mut generator = SoundGenerator::new(&SyntheticSound::Silence, Some(markers)).unwrap();
        let mut out = vec![0.0; 48_000];
        generator.fill(0, &mut out).unwrap();
        let onsets: Vec<usize> = out
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0] == 0.0 && w[1] != 0.0)
            .map(|(i, _)| i + 1)
            .collect();
        assert_eq!(
            onsets,
            vec![24_000],
            "one marker at 0.5 s in the first second"
        );
        let beep = &out[24_000..26_400];
        assert!(out[26_400..].iter().all(|&s| s == 0.0), "beep lasts 50 ms");
        let level = AudioLevel::measure(beep);
        assert!((level.peak_dbfs - BEEP_DBFS).abs() < 0.01, "{level:?}");
    }

    #[test]
    fn unreadable_files_and_tones_are_refused_with_a_reason() {
        let missing = SyntheticSound::Wav("/nonexistent/speech.wav".into());
        let err = SoundGenerator::new(&missing, None).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/speech.wav"), "{err}");
        let shrill = SyntheticSound::Tone {
            frequency_hz: 30_000.0,
            level_dbfs: -6.0,
        };
        assert!(SoundGenerator::new(&shrill, None).is_err());
    }

    #[test]
    fn wav_files_are_streamed_converted_and_followed_by_silence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tone.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 44_100,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..44_100u32 / 2 {
            let v = (0.5 * (TAU * 1000.0 * f64::from(i) / 44_100.0).sin() * 32_767.0) as i16;
            writer.write_sample(v).unwrap();
            writer.write_sample(v).unwrap();
        }
        writer.finalize().unwrap();

        let mut generator = SoundGenerator::new(&SyntheticSound::Wav(path), None).unwrap();
        let mut out = vec![0.0; 48_000];
        for (i, chunk) in out.chunks_mut(960).enumerate() {
            generator.fill(i as u64 * 960, chunk).unwrap();
        }
        let sound = &out[1_000..23_000];
        let level = AudioLevel::measure(sound);
        assert!((level.rms_dbfs - (-9.03)).abs() < 0.2, "{level:?}");
        assert!(
            out[24_100..].iter().all(|&s| s == 0.0),
            "silence after 0.5 s"
        );
    }
}

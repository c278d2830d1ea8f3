//! Recording through the facade: pick sources from what the user named,
//! start the recorder, and turn a finished (or recovered) recording into a
//! library clip. The recording's own folder is removed only after the clip
//! is stored, so a crash at any point leaves something the next start
//! recovers.

use std::path::PathBuf;
use std::time::Duration;

use debrief_capture::{
    AudioConfig, AudioSource, MicChoice, MicSpec, Microphone, SyncMarkers, SyntheticAudio,
    SyntheticSound, VideoConfig, VideoSourceSpec,
};
use debrief_library::{Clip, MediaState, NewClip, files};
use debrief_media::record::{
    FinishedRecording, RecordError, Recorder, RecorderConfig, RecorderStatus, RecordingMeta,
    RecordingPlan, StopReason, recover, scan_interrupted,
};
use debrief_protocol::{ChallengeId, ClipId, ClipKind, Visibility};
use time::OffsetDateTime;

use crate::error::{DeviceError, Result};
use crate::{Device, parse_tags};

/// The microphone name that picks the synthetic test tone.
pub const SYNTHETIC_MIC: &str = "synthetic";

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct RecordOptions {
    /// `synthetic`, `synthetic:fast`, `camera`, `camera:N`.
    pub source: String,
    /// `default`, a device name, `synthetic` (the test tone) or `none`;
    /// `None` picks the test tone for a synthetic source and the default
    /// microphone for a camera.
    pub mic: Option<String>,
    /// Use this WAV file as the sound (with a synthetic picture).
    pub audio_file: Option<PathBuf>,
    /// Picture size and rate; `None` takes the configuration's `[recording]`.
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fps: Option<u32>,
    /// Stop after this long (recorded time); also caps the maximum length
    /// (the configuration's `max_length_secs`, 10 minutes by default).
    pub seconds: Option<f64>,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub private: bool,
    /// Answer this challenge: the clip is linked to it when it is stored
    /// (a recovered recording too), and the challenge's maximum answer
    /// length caps the recording.
    pub challenge_id: Option<String>,
}

/// A recording in progress.
#[derive(Debug)]
pub struct Recording {
    recorder: Recorder,
    /// `--seconds` was given: reaching that length is what the user asked
    /// for, not news worth a note.
    length_asked: bool,
    /// The challenge the clip will answer.
    challenge_id: Option<ChallengeId>,
}

impl Recording {
    pub fn clip_id(&self) -> ClipId {
        self.recorder.clip_id()
    }
    /// The challenge this recording answers, if any.
    pub fn challenge_id(&self) -> Option<ChallengeId> {
        self.challenge_id
    }
    pub fn pause(&self) {
        self.recorder.pause();
    }
    pub fn resume(&self) {
        self.recorder.resume();
    }
    pub fn status(&self) -> RecorderStatus {
        self.recorder.status()
    }
    pub fn preview(&self) -> Option<std::sync::Arc<debrief_capture::VideoFrame>> {
        self.recorder.preview()
    }
    /// Wait until it ended by itself (maximum length, a full disk, a lost
    /// device); false on timeout.
    pub fn wait_until_finished(&self, timeout: Duration) -> bool {
        self.recorder.wait_until_finished(timeout)
    }
}

/// A stored recording and what to tell the user about it.
#[derive(Debug, Clone)]
pub struct RecordedClip {
    pub clip: Clip,
    /// Why it stopped, when that is news (maximum length, disk full, ...).
    pub message: Option<String>,
    pub warnings: Vec<String>,
}

impl Device {
    /// Start recording. The sources start at once; stop with
    /// [`Device::finish_recording`] or [`Device::discard_recording`].
    pub fn start_recording(&self, opts: &RecordOptions) -> Result<Recording> {
        let tags = parse_tags(&opts.tags)?;
        let spec: VideoSourceSpec = if opts.source.is_empty() {
            "camera"
        } else {
            opts.source.as_str()
        }
        .parse()
        .map_err(capture)?;
        let clock = spec.new_clock();
        let markers = spec.is_synthetic().then(SyncMarkers::default);
        let defaults = &self.config().recording;
        let video_config = VideoConfig {
            width: opts.width.unwrap_or(defaults.width),
            height: opts.height.unwrap_or(defaults.height),
            fps: opts.fps.unwrap_or(defaults.fps),
            ..VideoConfig::default()
        };
        let audio_source: Option<Box<dyn AudioSource>> = match (&opts.mic, &opts.audio_file) {
            (Some(m), Some(_)) if !m.eq_ignore_ascii_case("none") => {
                return Err(DeviceError::InvalidInput(
                    "give either --mic or --audio-file, not both".into(),
                ));
            }
            (_, Some(wav)) => {
                if !spec.is_synthetic() {
                    return Err(DeviceError::InvalidInput("--audio-file goes with a synthetic picture (--source synthetic); a camera records its microphone".into()));
                }
                Some(Box::new(SyntheticAudio::new(
                    SyntheticSound::Wav(wav.clone()),
                    markers,
                )))
            }
            (None, None) if spec.is_synthetic() => Some(Box::new(SyntheticAudio::new(
                SyntheticSound::default(),
                markers,
            ))),
            (None, None) => Some(Box::new(Microphone::new(MicChoice::Default))),
            (Some(m), None) if m.eq_ignore_ascii_case(SYNTHETIC_MIC) => Some(Box::new(
                SyntheticAudio::new(SyntheticSound::default(), markers),
            )),
            (Some(m), None) => match m.parse::<MicSpec>().expect("infallible") {
                MicSpec::None => None,
                MicSpec::Device(choice) => Some(Box::new(Microphone::new(choice))),
            },
        };
        let mut config = RecorderConfig {
            max_length: Duration::from_secs(u64::from(defaults.max_length_secs)),
            // Publishing a frame for the preview is a pointer swap; a live
            // preview then shows every frame it can encode.
            preview_every: 1,
            ..RecorderConfig::default()
        };
        let challenge = match &opts.challenge_id {
            Some(id) => Some(self.answerable_challenge(id)?),
            None => None,
        };
        if let Some(max) = challenge.as_ref().and_then(|c| c.max_answer_ms) {
            config.max_length = config.max_length.min(Duration::from_millis(max));
        }
        if let Some(s) = opts.seconds {
            if !(s > 0.0 && s.is_finite()) {
                return Err(DeviceError::InvalidInput(format!(
                    "--seconds must be a positive number, got {s}"
                )));
            }
            config.max_length = config.max_length.min(Duration::from_secs_f64(s));
        }
        let video = spec
            .video_source(markers)
            .start(&video_config, &clock)
            .map_err(capture)?;
        let audio = match audio_source {
            Some(src) => Some(
                src.start(&AudioConfig::default(), &clock)
                    .map_err(capture)?,
            ),
            None => None,
        };
        let now = OffsetDateTime::now_utc();
        let title = opts
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| default_title(now));
        let mut meta = RecordingMeta {
            title,
            notes: opts.notes.clone().unwrap_or_default(),
            tags: tags.iter().map(|t| t.display().to_string()).collect(),
            ..Default::default()
        };
        if opts.private {
            meta.attributes
                .insert("visibility".into(), "private".into());
        }
        if let Some(c) = &challenge {
            meta.attributes
                .insert("challenge_id".into(), c.id.to_string());
        }
        let plan = RecordingPlan {
            data_dir: self.data_dir().to_path_buf(),
            clip_id: ClipId::new(),
            meta,
            config,
        };
        let recorder = Recorder::start(
            plan,
            Box::new(video),
            audio.map(|a| Box::new(a) as Box<dyn debrief_media::record::AudioFeed>),
        )
        .map_err(record)?;
        Ok(Recording {
            recorder,
            length_asked: opts.seconds.is_some(),
            challenge_id: challenge.map(|c| c.id),
        })
    }

    /// Stop (if still running), finalise and store the recording as a clip.
    pub fn finish_recording(&mut self, rec: Recording) -> Result<RecordedClip> {
        let finished = rec.recorder.stop().map_err(record)?;
        let asked_length_reached =
            rec.length_asked && matches!(finished.stop_reason, StopReason::MaxLength);
        let mut stored = self.store_recording(finished)?;
        if asked_length_reached {
            stored.message = None;
        }
        Ok(stored)
    }

    /// Throw a recording away (retake).
    pub fn discard_recording(&mut self, rec: Recording) -> Result<()> {
        rec.recorder.discard().map_err(record)
    }

    /// Finish and store every recording a crash or kill interrupted.
    /// Returns what was recovered; ones another process is still recording
    /// are left alone, and ones that cannot be read are reported in the log.
    pub fn recover_interrupted(&mut self) -> Result<Vec<RecordedClip>> {
        let mut out = Vec::new();
        for found in scan_interrupted(self.data_dir()).map_err(record)? {
            // A recording stored as a clip whose folder removal was cut short.
            if self.library.clip(found.clip_id).is_ok() {
                let _ = debrief_media::record::remove_recording(self.data_dir(), found.clip_id);
                continue;
            }
            match recover(self.data_dir(), found.clip_id) {
                Ok(finished) => match self.store_recording(finished) {
                    Ok(c) => out.push(c),
                    // Kept on disk: the next start tries again.
                    Err(e) => {
                        tracing::warn!(clip = %found.clip_id, error = %e, "a recovered recording could not be stored yet")
                    }
                },
                Err(RecordError::InProgress { .. }) => {}
                Err(RecordError::NothingRecorded) => {}
                Err(e) => {
                    tracing::warn!(clip = %found.clip_id, error = %e, "an interrupted recording could not be recovered; it is kept in {}", found.dir.display())
                }
            }
        }
        Ok(out)
    }

    fn store_recording(&mut self, finished: FinishedRecording) -> Result<RecordedClip> {
        let staging = self.library.stage_for(finished.clip_id)?;
        finished.place_into(&staging.media_part()).map_err(record)?;
        let sha256 = files::hash_file(&staging.media_part())?;
        let thumbnail_sha256 = match &finished.thumbnail {
            Some(t) => {
                std::fs::write(staging.thumb_part(), &t.jpeg).map_err(|e| {
                    debrief_library::LibraryError::io("write", staging.thumb_part(), e)
                })?;
                Some(files::hash_bytes(&t.jpeg))
            }
            None => None,
        };
        let meta = &finished.manifest.meta;
        let private = meta
            .attributes
            .get("visibility")
            .is_some_and(|v| v == "private");
        let challenge: Option<ChallengeId> = meta
            .attributes
            .get("challenge_id")
            .and_then(|c| c.parse().ok());
        let new = NewClip {
            title: meta.title.clone(),
            notes: meta.notes.clone(),
            kind: if challenge.is_some() {
                ClipKind::ChallengeAnswer
            } else {
                ClipKind::Debrief
            },
            visibility: if private {
                Visibility::Private
            } else {
                Visibility::Team
            },
            recorded_at: finished.manifest.started_at,
            duration_ms: finished.duration_ms,
            width: finished.width,
            height: finished.height,
            bytes: finished.bytes,
            sha256,
            video_codec: Some(finished.video_codec.to_string()),
            audio_codec: finished.audio_codec.map(|a| a.to_string()),
            thumbnail_sha256,
            media_state: if finished.recovered {
                MediaState::Recovered
            } else {
                MediaState::Ready
            },
            tags: parse_tags(&meta.tags)?,
        };
        let mut clip = self.library.add_clip(staging, new)?;
        let message = finished.message.clone();
        let mut warnings = finished.warnings.clone();
        if let Some(challenge) = challenge {
            // The clip is stored whatever happens; a link that cannot be
            // made (the challenge was deleted meanwhile) is reported.
            match self.library.answer(challenge, clip.id) {
                Ok(linked) => clip = linked,
                Err(e) => warnings.push(format!(
                    "the clip was kept but not linked to the challenge: {e}"
                )),
            }
        }
        if let Err(e) = finished.remove() {
            // The clip is stored; the folder is found again at the next start and removed then.
            tracing::warn!(error = %e, "could not remove a stored recording's folder");
        }
        Ok(RecordedClip {
            clip,
            message,
            warnings,
        })
    }
}

fn default_title(now: OffsetDateTime) -> String {
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][now.month() as usize - 1];
    format!(
        "Debrief {} {month} {:02}:{:02}",
        now.day(),
        now.hour(),
        now.minute()
    )
}

fn capture(e: debrief_capture::CaptureError) -> DeviceError {
    DeviceError::Capture(e)
}

fn record(e: RecordError) -> DeviceError {
    DeviceError::Record(e)
}

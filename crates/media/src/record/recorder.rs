//! The recorder: owns the running captures, encodes on its own thread,
//! writes on another, and offers the controls of a recording screen.
//!
//! ```text
//! camera thread ─frames─┐
//!                       ├─> encode thread ─fragments (≤ 3)─> writer thread ─> recording.mp4
//! microphone thread ────┘        (timeline, encoders, muxer)      (fsync, free space, finalise)
//! ```
//!
//! The file is finalised by the writer thread as soon as capture ends, for
//! whatever reason (stop, maximum length, disk full, camera lost), so a
//! recording is playable even before anyone calls [`Recorder::stop`];
//! `stop` asks for the end if it has not happened, waits, and returns the
//! [`FinishedRecording`]. Dropping a recorder stops it the same way and
//! leaves the result on disk for [`super::scan_interrupted`].

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use debrief_capture::VideoFrame;
use debrief_protocol::ClipId;
use time::OffsetDateTime;

use super::codec::{
    AudioEncoder, AudioEncoderConfig, OpenH264Encoder, OpusEncoder, VideoEncoder,
    VideoEncoderConfig,
};
use super::error::{RecordError, StopReason};
use super::feed::{AudioFeed, VideoFeed};
use super::finish::{Extras, FinishedRecording, complete};
use super::mp4::{AudioTrack, MoovBudget, RecordingFile, Verify};
use super::muxer::Muxer;
use super::pipeline::{Pipeline, PipelineEnd};
use super::shared::{RecorderStatus, Shared};
use super::store::{MEDIA_FILE, RecordingDir, RecordingManifest, RecordingMeta, RecordingSettings};
use super::timeline::Timeline;
use super::writer::{WriterEnd, run_writer};

/// How a recording is made.
#[derive(Debug, Clone, PartialEq)]
pub struct RecorderConfig {
    pub video: VideoEncoderConfig,
    pub audio: AudioEncoderConfig,
    /// Recording stops cleanly at this length (default 10 minutes).
    pub max_length: Duration,
    /// Target fragment length: at most this much is lost to a crash (plus
    /// the fragment being written). Also the keyframe interval.
    pub fragment_duration: Duration,
    /// Refuse to start with less free space than this (default 200 MB).
    pub min_free_to_start: u64,
    /// Stop cleanly when free space falls below this (default 50 MB; 0: only
    /// a failing write stops the recording).
    pub min_free_while_recording: u64,
    /// Publish every n-th frame as the preview (default 3: 10 fps at 30 fps).
    pub preview_every: u32,
    /// Start paused: the preview runs, nothing is recorded until `resume`.
    pub start_paused: bool,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        Self {
            video: VideoEncoderConfig::default(),
            audio: AudioEncoderConfig::default(),
            max_length: Duration::from_secs(600),
            fragment_duration: Duration::from_secs(1),
            min_free_to_start: 200_000_000,
            min_free_while_recording: 50_000_000,
            preview_every: 3,
            start_paused: false,
        }
    }
}

/// What to record and where.
#[derive(Debug, Clone)]
pub struct RecordingPlan {
    /// The device's data directory; the recording goes to
    /// `recordings/<clip id>/` inside it.
    pub data_dir: PathBuf,
    pub clip_id: ClipId,
    pub meta: RecordingMeta,
    pub config: RecorderConfig,
}

/// The encoders a recording uses.
#[derive(Debug)]
pub struct Encoders {
    pub video: Box<dyn VideoEncoder>,
    /// `None` records video only.
    pub audio: Option<Box<dyn AudioEncoder>>,
}

impl Encoders {
    /// OpenH264 and Opus.
    pub fn software(
        config: &RecorderConfig,
        (width, height): (u32, u32),
        fps: u32,
        with_audio: bool,
    ) -> Result<Self, RecordError> {
        let video = Box::new(OpenH264Encoder::new(&config.video, width, height, fps)?);
        let audio: Option<Box<dyn AudioEncoder>> = if with_audio {
            Some(Box::new(OpusEncoder::new(&config.audio)?))
        } else {
            None
        };
        Ok(Self { video, audio })
    }
}

/// A recording in progress.
#[derive(Debug)]
pub struct Recorder {
    clip_id: ClipId,
    shared: Arc<Shared>,
    encode: Option<JoinHandle<()>>,
    writer: Option<JoinHandle<WriterResult>>,
}

enum WriterResult {
    Finished(Result<FinishedRecording, RecordError>),
    Discarded(RecordingDir),
}

/// Free bytes where recordings of `data_dir` are saved.
pub fn free_space(data_dir: &std::path::Path) -> Result<u64, RecordError> {
    fs4::available_space(data_dir)
        .map_err(|e| RecordError::io("measure free space on", data_dir, e))
}

impl Recorder {
    /// Starts recording from running captures (started with clones of one
    /// clock) with the software encoders. Refuses to start below
    /// [`RecorderConfig::min_free_to_start`].
    pub fn start(
        plan: RecordingPlan,
        video: Box<dyn VideoFeed>,
        audio: Option<Box<dyn AudioFeed>>,
    ) -> Result<Self, RecordError> {
        let encoders =
            Encoders::software(&plan.config, video.size(), video.fps(), audio.is_some())?;
        Self::start_with_encoders(plan, video, audio, encoders)
    }

    /// Like [`Recorder::start`], with given encoders (the audio encoder is
    /// used only if there is an audio feed).
    pub fn start_with_encoders(
        plan: RecordingPlan,
        video: Box<dyn VideoFeed>,
        audio: Option<Box<dyn AudioFeed>>,
        encoders: Encoders,
    ) -> Result<Self, RecordError> {
        let config = &plan.config;
        validate(config)?;
        std::fs::create_dir_all(&plan.data_dir)
            .map_err(|e| RecordError::io("create", &plan.data_dir, e))?;
        let free = free_space(&plan.data_dir)?;
        if free < config.min_free_to_start {
            return Err(RecordError::LowDiskSpace {
                free_bytes: free,
                needed_bytes: config.min_free_to_start,
            });
        }
        let (width, height) = video.size();
        let fps = video.fps().max(1);
        let audio_encoder = if audio.is_some() {
            encoders.audio
        } else {
            None
        };
        let audio_track = audio_encoder.as_ref().map(|e| AudioTrack {
            format: e.track_format(),
            packet_samples: e.frame_samples() as u32,
        });
        let region_len = MoovBudget::region_for(
            config.max_length.as_secs_f64(),
            fps,
            config.fragment_duration.as_secs_f64(),
            audio_track.is_some(),
        );
        let started_at = OffsetDateTime::now_utc();
        let manifest = RecordingManifest {
            version: 1,
            clip_id: plan.clip_id,
            started_at,
            meta: plan.meta.clone(),
            settings: RecordingSettings {
                width,
                height,
                fps,
                video_bitrate_bps: config.video.bitrate_bps,
                audio_bitrate_bps: audio_track.map(|_| config.audio.bitrate_bps),
                max_length_ms: config.max_length.as_millis() as u64,
            },
        };
        let (dir, file) = RecordingDir::create(&plan.data_dir, manifest, |folder| {
            let path = folder.join(MEDIA_FILE);
            RecordingFile::create(&path, region_len)
                .map_err(|e| RecordError::io("create", &path, e))
        })?;
        let final_path = dir.media_path();
        let file = file.moved_to(final_path);

        let shared = Arc::new(Shared::new(config.max_length));
        shared
            .want_pause
            .store(config.start_paused, Ordering::Release);
        let (to_writer, from_muxer) = crossbeam_channel::bounded(3);
        let (end_tx, end_rx) = crossbeam_channel::bounded::<PipelineEnd>(1);
        let creation = super::mp4::mp4_time(started_at.unix_timestamp());
        let pipeline = Pipeline {
            timeline: Timeline::new(
                Duration::from_nanos(1_000_000_000 / u64::from(fps)),
                config.max_length,
                audio_track.is_some(),
            ),
            muxer: Muxer::new(audio_track, region_len, creation, config.fragment_duration),
            video,
            audio: if audio_track.is_some() { audio } else { None },
            video_encoder: encoders.video,
            audio_encoder,
            to_writer,
            shared: shared.clone(),
            fragment: config.fragment_duration,
            preview_every: u64::from(config.preview_every.max(1)),
        };
        let encode = std::thread::Builder::new()
            .name("debrief-encode".into())
            .spawn(move || {
                let end = pipeline.run();
                let _ = end_tx.send(end);
            })
            .map_err(|e| RecordError::Internal(format!("cannot start the encoder thread: {e}")))?;
        let writer_shared = shared.clone();
        let min_free = config.min_free_while_recording;
        let writer = std::thread::Builder::new()
            .name("debrief-writer".into())
            .spawn(move || {
                let written = run_writer(file, from_muxer, writer_shared.clone(), min_free);
                let result = finish_writing(dir, written, end_rx.recv().ok(), &writer_shared);
                writer_shared.mark_finished();
                result
            })
            .map_err(|e| RecordError::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            clip_id: plan.clip_id,
            shared,
            encode: Some(encode),
            writer: Some(writer),
        })
    }

    pub fn clip_id(&self) -> ClipId {
        self.clip_id
    }

    /// Pauses from the next frame on; nothing captured while paused is kept.
    pub fn pause(&self) {
        self.shared.want_pause.store(true, Ordering::Release);
    }

    /// Resumes from the next frame on, with no gap in the recording.
    pub fn resume(&self) {
        self.shared.want_pause.store(false, Ordering::Release);
    }

    pub fn status(&self) -> RecorderStatus {
        self.shared.status()
    }

    /// The latest preview frame (I420, shared, never copied).
    pub fn preview(&self) -> Option<Arc<VideoFrame>> {
        self.shared.preview()
    }

    /// Waits until the recording has ended on its own (maximum length, disk
    /// full, camera lost) and its file is finalised; false on timeout.
    pub fn wait_until_finished(&self, timeout: Duration) -> bool {
        self.shared.wait_finished(timeout)
    }

    /// Stops (if it has not ended already), finalises and returns the result.
    pub fn stop(mut self) -> Result<FinishedRecording, RecordError> {
        self.shared.want_stop.store(true, Ordering::Release);
        match self.join()? {
            WriterResult::Finished(result) => result,
            WriterResult::Discarded(_) => Err(RecordError::Internal("discarded".into())),
        }
    }

    /// Stops and deletes everything recorded.
    pub fn discard(mut self) -> Result<(), RecordError> {
        self.shared.discard.store(true, Ordering::Release);
        self.shared.want_stop.store(true, Ordering::Release);
        match self.join()? {
            WriterResult::Discarded(dir) => dir.remove(),
            WriterResult::Finished(Ok(finished)) => finished.remove(),
            WriterResult::Finished(Err(RecordError::NothingRecorded)) => Ok(()),
            WriterResult::Finished(Err(err)) => Err(err),
        }
    }

    fn join(&mut self) -> Result<WriterResult, RecordError> {
        let panicked = |what: &str| RecordError::Internal(format!("the {what} thread panicked"));
        if let Some(encode) = self.encode.take() {
            encode.join().map_err(|_| panicked("encoder"))?;
        }
        let writer = self.writer.take().ok_or_else(|| panicked("writer"))?;
        writer.join().map_err(|_| panicked("writer"))
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if self.writer.is_some() {
            self.shared.want_stop.store(true, Ordering::Release);
            // The folder (finalised, unlocked) is found again by the scan.
            let _ = self.join();
        }
    }
}

fn finish_writing(
    dir: RecordingDir,
    written: WriterEnd,
    end: Option<PipelineEnd>,
    shared: &Shared,
) -> WriterResult {
    tracing::info!(
        fragments = written.fragments,
        bytes = written.bytes,
        "recording written"
    );
    let writer_stop = written.stop;
    if shared.wants_discard() {
        return WriterResult::Discarded(dir);
    }
    let end = end.unwrap_or(PipelineEnd {
        reason: StopReason::EncoderFailed {
            message: "the encoder thread ended unexpectedly".into(),
        },
        dropped: 0,
        warnings: Vec::new(),
    });
    // A disk problem seen by the writer explains the end better than the
    // request the pipeline saw when it acted on it.
    let reason = writer_stop.unwrap_or(end.reason);
    let result = complete(
        dir,
        Verify::Structure,
        reason.clone(),
        Extras {
            frames_dropped: end.dropped,
            warnings: end.warnings,
        },
    );
    let result = match result {
        Err(RecordError::NothingRecorded) if reason == StopReason::DiskFull => {
            Err(RecordError::DiskFullBeforeFirstFrame)
        }
        other => other,
    };
    shared.update_status(|s| s.stop_reason = Some(reason));
    WriterResult::Finished(result)
}

fn validate(config: &RecorderConfig) -> Result<(), RecordError> {
    if config.max_length < Duration::from_secs(1)
        || config.max_length > Duration::from_secs(4 * 3600)
    {
        return Err(RecordError::InvalidConfig(format!(
            "the maximum length must be between 1 s and 4 h; got {:?}",
            config.max_length
        )));
    }
    if !(Duration::from_millis(200)..=Duration::from_secs(10)).contains(&config.fragment_duration) {
        return Err(RecordError::InvalidConfig(format!(
            "fragments must last between 0.2 s and 10 s; got {:?}",
            config.fragment_duration
        )));
    }
    Ok(())
}

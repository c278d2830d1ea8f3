//! The encode thread: reads frames and audio, decides what is recorded
//! ([`Timeline`]), encodes, cuts fragments ([`Muxer`]) and hands them to
//! the writer thread over a bounded channel.
//!
//! The two inputs are read in step: the one behind (by timestamp) is read
//! first when it has something, and neither is read more than [`LEAD`]
//! ahead of the other while both are open. With a virtual clock both run as
//! fast as they are read, and one would otherwise race ahead and pile up
//! waiting for the other (audio in the timeline, video in the muxer). A
//! source that goes quiet for [`STALL`] no longer holds the other back.
//!
//! Ending: on a stop request the sources are asked to stop and everything
//! they captured until then is still recorded (their channels are drained
//! until they disconnect); on the maximum length, a disk problem or an
//! encoder failure the timeline ends at once and the rest is dropped. Then
//! the audio is released up to the end of the last frame, the last packet
//! padded, the last fragment cut, and the writer's channel closed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Select, Sender};
use debrief_capture::{AudioChunk, VideoFrame};

use super::codec::{AudioEncoder, VideoEncoder};
use super::error::{StopReason, clock_time};
use super::feed::{AudioFeed, VideoFeed};
use super::muxer::{MuxOutput, Muxer};
use super::shared::{RecorderState, Shared};
use super::timeline::{FrameFate, Timeline};

/// How far one input may be read ahead of the other when the one behind
/// has nothing to give (a microphone delivering in bursts must not make the
/// camera drop frames).
const LEAD: Duration = Duration::from_secs(1);
/// After this long without an item, a source no longer holds the other back.
const STALL: Duration = Duration::from_millis(500);
/// How often requests are looked at when no input arrives.
const POLL: Duration = Duration::from_millis(20);

pub(crate) struct Pipeline {
    pub video: Box<dyn VideoFeed>,
    pub audio: Option<Box<dyn AudioFeed>>,
    pub video_encoder: Box<dyn VideoEncoder>,
    pub audio_encoder: Option<Box<dyn AudioEncoder>>,
    pub muxer: Muxer,
    pub timeline: Timeline,
    pub to_writer: Sender<MuxOutput>,
    pub shared: Arc<Shared>,
    pub fragment: Duration,
    pub preview_every: u64,
}

/// How the encode thread ended.
#[derive(Debug)]
pub(crate) struct PipelineEnd {
    pub reason: StopReason,
    pub dropped: u64,
    pub warnings: Vec<String>,
}

enum Input {
    Video(VideoFrame),
    Audio(AudioChunk),
    VideoClosed,
    AudioClosed,
    Idle,
}

struct Run {
    ending: Option<StopReason>,
    video_open: bool,
    audio_open: bool,
    last_video: Duration,
    last_audio: Duration,
    /// When each input last delivered anything.
    video_seen: Instant,
    audio_seen: Instant,
    received: u64,
    frames: u64,
    dropped: u64,
    last_keyframe: Option<Duration>,
    released: Vec<f32>,
    fifo: Vec<f32>,
    packet: Vec<u8>,
    warnings: Vec<String>,
}

impl Pipeline {
    pub(crate) fn run(mut self) -> PipelineEnd {
        let mut run = Run {
            ending: None,
            video_open: true,
            audio_open: self.audio.is_some(),
            last_video: Duration::ZERO,
            last_audio: Duration::ZERO,
            video_seen: Instant::now(),
            audio_seen: Instant::now(),
            received: 0,
            frames: 0,
            dropped: 0,
            last_keyframe: None,
            released: Vec::new(),
            fifo: Vec::new(),
            packet: Vec::new(),
            warnings: Vec::new(),
        };
        let (fps, size) = (self.video.fps(), self.video.size());
        while run.video_open || run.audio_open {
            if self.shared.wants_discard() {
                self.request_stop();
                break;
            }
            self.check_requests(&mut run);
            match self.next_input(&mut run) {
                Input::Video(frame) => self.on_video(&mut run, frame, fps, size),
                Input::Audio(chunk) => self.on_audio(&mut run, &chunk),
                Input::VideoClosed => {
                    run.video_open = false;
                    if run.ending.is_none() {
                        run.ending = Some(StopReason::SourceEnded {
                            message: "it delivered no more frames".into(),
                        });
                        self.request_stop();
                    }
                    self.timeline.end();
                }
                Input::AudioClosed => {
                    run.audio_open = false;
                    if run.ending.is_none() {
                        let at = clock_time(self.timeline.recorded());
                        run.warnings.push(format!(
                            "the microphone stopped at {at}: the rest has no sound"
                        ));
                    }
                }
                Input::Idle => {}
            }
            self.publish_status(&run);
        }
        self.finish(run)
    }

    fn check_requests(&mut self, run: &mut Run) {
        if run.ending.is_some() {
            return;
        }
        if self.shared.wants_stop() {
            // Keep what was captured up to now: drain, then end.
            run.ending = Some(StopReason::Requested);
            self.request_stop();
        } else if let Some(reason) = self.shared.take_writer_stop() {
            self.end_now(run, reason);
        }
    }

    fn end_now(&mut self, run: &mut Run, reason: StopReason) {
        if run.ending.is_none() || run.ending == Some(StopReason::Requested) {
            run.ending = Some(reason);
        }
        self.timeline.end();
        self.request_stop();
    }

    fn request_stop(&self) {
        self.video.request_stop();
        if let Some(audio) = &self.audio {
            audio.request_stop();
        }
    }

    fn next_input(&self, run: &mut Run) -> Input {
        // The input that is behind goes first when it has something: with a
        // virtual clock both always do, and they advance in step.
        if run.video_open && run.last_video <= run.last_audio {
            if let Ok(frame) = self.video.frames().try_recv() {
                run.video_seen = Instant::now();
                return Input::Video(frame);
            }
        } else if run.audio_open
            && let Some(Ok(chunk)) = self.audio.as_ref().map(|a| a.chunks().try_recv())
        {
            run.audio_seen = Instant::now();
            return Input::Audio(chunk);
        }
        // A quiet input stops holding the other back.
        let video_stalled = run.video_seen.elapsed() > STALL;
        let audio_stalled = run.audio_seen.elapsed() > STALL;
        let want_video = run.video_open
            && (!run.audio_open || audio_stalled || run.last_video <= run.last_audio + LEAD);
        let want_audio = run.audio_open
            && (!run.video_open || video_stalled || run.last_audio <= run.last_video + LEAD);
        let frames = self.video.frames();
        let chunks = self.audio.as_ref().map(|a| a.chunks());
        let mut select = Select::new();
        let video_index = want_video.then(|| select.recv(frames));
        let audio_index = match (want_audio, chunks) {
            (true, Some(chunks)) => Some(select.recv(chunks)),
            _ => None,
        };
        let Ok(op) = select.select_timeout(POLL) else {
            return Input::Idle;
        };
        let index = op.index();
        if Some(index) == video_index {
            run.video_seen = Instant::now();
            match op.recv(frames) {
                Ok(frame) => Input::Video(frame),
                Err(_) => Input::VideoClosed,
            }
        } else if let (Some(chunks), true) = (chunks, Some(index) == audio_index) {
            run.audio_seen = Instant::now();
            match op.recv(chunks) {
                Ok(chunk) => Input::Audio(chunk),
                Err(_) => Input::AudioClosed,
            }
        } else {
            Input::Idle
        }
    }

    fn on_video(&mut self, run: &mut Run, frame: VideoFrame, fps: u32, size: (u32, u32)) {
        run.last_video = frame.pts;
        run.received += 1;
        let preview = run.received % self.preview_every.max(1) == 1 || self.preview_every <= 1;
        if (frame.width(), frame.height()) != size {
            run.dropped += 1;
            return;
        }
        if run.ending.is_none() && !self.muxer.has_room(fps) {
            // The index region is full: end as at the maximum length.
            self.end_now(run, StopReason::MaxLength);
        }
        match self.timeline.video(frame.pts, self.shared.wants_pause()) {
            FrameFate::Keep { out } => self.encode(run, &frame, out),
            FrameFate::Full => {
                if run.ending.is_none() {
                    self.end_now(run, StopReason::MaxLength);
                }
            }
            FrameFate::Late => run.dropped += 1,
            FrameFate::Paused => {}
        }
        if !run.audio_open && self.audio_encoder.is_some() && self.timeline.has_started() {
            // No more sound is coming: keep the audio track as long as the video.
            self.timeline
                .pad_audio_to(self.timeline.recorded(), &mut run.released);
            self.encode_released(run, false);
        }
        if preview {
            self.shared.set_preview(Arc::new(frame));
        }
    }

    fn encode(&mut self, run: &mut Run, frame: &VideoFrame, out: Duration) {
        if matches!(
            run.ending,
            Some(StopReason::EncoderFailed { .. } | StopReason::WriteFailed { .. })
        ) {
            return;
        }
        let force = run.last_keyframe.is_none_or(|k| out >= k + self.fragment);
        let picture = match self.video_encoder.encode(frame, force) {
            Ok(Some(picture)) => picture,
            Ok(None) => {
                run.dropped += 1;
                return;
            }
            Err(err) => {
                self.end_now(
                    run,
                    StopReason::EncoderFailed {
                        message: err.to_string(),
                    },
                );
                return;
            }
        };
        if picture.keyframe {
            run.last_keyframe = Some(out);
        }
        let encoder = &self.video_encoder;
        let tx = &self.to_writer;
        let result = self
            .muxer
            .push_video(picture, out, || encoder.track_format(), &mut |o| {
                let _ = tx.send(o);
            });
        match result {
            Ok(true) => run.frames += 1,
            Ok(false) => run.dropped += 1,
            Err(message) => self.end_now(run, StopReason::EncoderFailed { message }),
        }
    }

    fn on_audio(&mut self, run: &mut Run, chunk: &AudioChunk) {
        run.last_audio = chunk.end_pts();
        self.shared
            .update_status(|s| s.audio_level = Some(chunk.level));
        if self.audio_encoder.is_none() {
            return;
        }
        self.timeline
            .audio(chunk.pts, &chunk.samples, &mut run.released);
        self.encode_released(run, false);
    }

    /// Encodes released audio in whole packets (`flush`: pad the last one).
    fn encode_released(&mut self, run: &mut Run, flush: bool) {
        let Some(encoder) = self.audio_encoder.as_mut() else {
            run.released.clear();
            return;
        };
        run.fifo.append(&mut run.released);
        let n = encoder.frame_samples();
        if flush {
            // The encoder holds back its look-ahead (the priming samples):
            // pad past it too, or the last recorded samples never come out
            // and the track ends up to 6.5 ms before the picture. The final
            // index plays no further than the video's end.
            let priming = encoder.track_format().priming_samples() as usize;
            let padded = (run.fifo.len() + priming).next_multiple_of(n);
            run.fifo.resize(padded, 0.0);
        }
        let mut used = 0;
        while run.fifo.len() - used >= n {
            let pcm = &run.fifo[used..used + n];
            used += n;
            if let Err(err) = encoder.encode(pcm, &mut run.packet) {
                run.fifo.clear();
                let reason = StopReason::EncoderFailed {
                    message: err.to_string(),
                };
                self.end_now(run, reason);
                return;
            }
            let tx = &self.to_writer;
            if let Err(message) = self.muxer.push_audio(&run.packet, &mut |o| {
                let _ = tx.send(o);
            }) {
                run.fifo.clear();
                self.end_now(run, StopReason::EncoderFailed { message });
                return;
            }
        }
        run.fifo.drain(..used);
    }

    fn publish_status(&self, run: &Run) {
        let paused = self.timeline.is_paused()
            || (self.shared.wants_pause() && !self.timeline.has_started());
        let dropped = run.dropped + self.video.frames_dropped();
        let pipeline_bytes = self.muxer.buffered_bytes()
            + self.timeline.buffered_bytes()
            + (run.fifo.capacity() + run.released.capacity()) * size_of::<f32>();
        self.shared.update_status(|s| {
            s.elapsed = self.timeline.recorded();
            s.frames_recorded = run.frames;
            s.frames_dropped = dropped;
            s.pipeline_bytes = pipeline_bytes as u64;
            s.state = match (&run.ending, paused) {
                (Some(_), _) => RecorderState::Finishing,
                (None, true) => RecorderState::Paused,
                (None, false) => RecorderState::Recording,
            };
            s.stop_reason.clone_from(&run.ending);
        });
    }

    fn finish(mut self, mut run: Run) -> PipelineEnd {
        let recorded = self.timeline.end().unwrap_or(Duration::ZERO);
        let discard = self.shared.wants_discard();
        if !discard && self.muxer.started() {
            self.timeline.release_all(&mut run.released);
            self.encode_released(&mut run, true);
            let tx = &self.to_writer;
            if let Err(message) = self.muxer.finish(recorded, &mut |o| {
                let _ = tx.send(o);
            }) {
                run.warnings
                    .push(format!("the last second could not be saved: {message}"));
            }
        }
        let dropped = run.dropped + self.video.frames_dropped();
        let mut reason = run.ending.take().unwrap_or(StopReason::Requested);
        if let Err(message) = self.video.finish()
            && matches!(reason, StopReason::SourceEnded { .. })
        {
            reason = StopReason::SourceEnded { message };
        }
        if let Some(audio) = self.audio.take()
            && let Err(message) = audio.finish()
        {
            run.warnings
                .push(format!("the microphone failed: {message}"));
        }
        self.shared.update_status(|s| {
            s.state = RecorderState::Finishing;
            s.stop_reason = Some(reason.clone());
            s.elapsed = recorded;
        });
        tracing::info!(
            ?reason,
            ?recorded,
            frames = run.frames,
            dropped,
            "capture ended"
        );
        PipelineEnd {
            reason,
            dropped,
            warnings: run.warnings,
        }
    }
}

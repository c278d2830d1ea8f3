//! From encoded samples to fragments: sample durations, fragment cuts and
//! the index budget.
//!
//! A video sample's duration is only known when the next frame arrives
//! (capture timestamps decide it), so one encoded picture is held back. A
//! fragment is cut before a keyframe once it holds at least the target
//! duration of video, so every fragment starts with a keyframe (the
//! recorder forces one at that cadence). The initial `moov` is emitted with
//! the first keyframe, when the parameter sets are known.

use std::time::Duration;

use super::codec::{EncodedVideo, VideoTrackFormat};
use super::mp4::{
    AudioTrack, FragmentBuilder, FragmentBytes, MoovBudget, TrackSetup, VIDEO_TIMESCALE, init_moov,
    to_ticks,
};

/// What the muxer hands to the writer, in order.
#[derive(Debug)]
pub(crate) enum MuxOutput {
    Init(Vec<u8>),
    Fragment(FragmentBytes),
}

#[derive(Debug)]
struct Pending {
    data: Vec<u8>,
    start: u64,
    keyframe: bool,
}

#[derive(Debug)]
pub(crate) struct Muxer {
    builder: FragmentBuilder,
    audio: Option<AudioTrack>,
    region_len: u64,
    creation: u64,
    target_ticks: u64,
    budget: Option<MoovBudget>,
    pending: Option<Pending>,
    audio_packets: u64,
}

impl Muxer {
    pub(crate) fn new(
        audio: Option<AudioTrack>,
        region_len: u64,
        creation: u64,
        fragment: Duration,
    ) -> Self {
        Self {
            builder: FragmentBuilder::new(audio.map(|a| a.packet_samples)),
            audio,
            region_len,
            creation,
            target_ticks: to_ticks(fragment, VIDEO_TIMESCALE).max(1),
            budget: None,
            pending: None,
            audio_packets: 0,
        }
    }

    /// Adds a picture recorded at `out`. `format` gives the track format the
    /// first time (it must be a keyframe). Returns false if the picture was
    /// not used (too close to the previous one to have a duration).
    pub(crate) fn push_video(
        &mut self,
        picture: EncodedVideo,
        out: Duration,
        format: impl FnOnce() -> Option<VideoTrackFormat>,
        emit: &mut impl FnMut(MuxOutput),
    ) -> Result<bool, String> {
        let start = to_ticks(out, VIDEO_TIMESCALE);
        if self.budget.is_none() {
            if !picture.keyframe {
                return Ok(false);
            }
            let video = format().ok_or("the encoder gave no track format with its keyframe")?;
            let setup = TrackSetup {
                video,
                audio: self.audio,
            };
            let moov = init_moov(&setup, self.creation).map_err(|e| e.to_string())?;
            self.budget =
                Some(MoovBudget::new(&setup, self.region_len).map_err(|e| e.to_string())?);
            emit(MuxOutput::Init(moov));
        }
        if let Some(previous) = &self.pending {
            if start <= previous.start {
                return Ok(false);
            }
            self.commit_pending(start);
        }
        if picture.keyframe && self.builder.video_ticks() >= self.target_ticks {
            self.cut(emit)?;
        }
        self.pending = Some(Pending {
            data: picture.data,
            start,
            keyframe: picture.keyframe,
        });
        Ok(true)
    }

    /// Adds an audio packet (in order, contiguous).
    pub(crate) fn push_audio(&mut self, packet: &[u8]) {
        self.builder.push_audio(packet);
        self.audio_packets += 1;
        if let (Some(budget), Some(audio)) = (self.budget.as_mut(), self.audio) {
            budget.add_audio(audio.packet_samples);
        }
    }

    /// Whether the index can still take the rest of this fragment and the
    /// next one at `fps`.
    pub(crate) fn has_room(&self, fps: u32) -> bool {
        self.budget.as_ref().is_none_or(|b| {
            let frames = 2 * u64::from(fps.max(1)) + 4;
            b.fits_more(frames, 2 * 60, 2)
        })
    }

    /// Ends the recording at `end`: the last picture lasts until then.
    pub(crate) fn finish(
        &mut self,
        end: Duration,
        emit: &mut impl FnMut(MuxOutput),
    ) -> Result<(), String> {
        if let Some(pending) = &self.pending {
            let end = to_ticks(end, VIDEO_TIMESCALE).max(pending.start + 1);
            self.commit_pending(end);
        }
        if self.budget.is_some() {
            self.cut(emit)?;
        }
        Ok(())
    }

    /// True once the initial `moov` was emitted.
    pub(crate) fn started(&self) -> bool {
        self.budget.is_some()
    }

    pub(crate) fn buffered_bytes(&self) -> usize {
        self.builder.buffered_bytes() + self.pending.as_ref().map_or(0, |p| p.data.capacity())
    }

    fn commit_pending(&mut self, next_start: u64) {
        if let Some(p) = self.pending.take() {
            let duration = u32::try_from(next_start - p.start).unwrap_or(u32::MAX);
            self.builder.push_video(&p.data, duration, p.keyframe);
            if let Some(budget) = self.budget.as_mut() {
                budget.add_video(duration, p.keyframe);
            }
        }
    }

    fn cut(&mut self, emit: &mut impl FnMut(MuxOutput)) -> Result<(), String> {
        if let Some(fragment) = self.builder.finish().map_err(|e| e.to_string())? {
            if let Some(budget) = self.budget.as_mut() {
                budget.add_fragment(fragment.video_samples > 0, fragment.audio_samples > 0);
            }
            emit(MuxOutput::Fragment(fragment));
        }
        Ok(())
    }
}

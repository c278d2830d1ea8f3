//! From encoded samples to fragments: sample durations, fragment cuts and
//! the index budget.
//!
//! A video sample's duration is only known when the next frame arrives
//! (capture timestamps decide it), so one encoded picture is held back. A
//! fragment is cut before a keyframe once it holds at least the target
//! duration of video, so every fragment starts with a keyframe (the
//! recorder forces one at that cadence).
//!
//! Cuts are aligned across tracks: audio trails video on its way here (it
//! waits until video has passed it), so at a cut the pictures of the next
//! fragment are held back until the audio has reached the cut instant.
//! Every fragment then ends with both tracks at the same time (audio at
//! most one packet later), and a recording cut short after any fragment,
//! as a crash leaves it, still has sound to the end of its picture. The
//! hold is bounded ([`MAX_HOLD`]): silence from a stalled microphone
//! cannot make video pile up.
//!
//! The initial `moov` is emitted with the first keyframe, when the
//! parameter sets are known.

use std::collections::VecDeque;
use std::time::Duration;

use super::codec::{EncodedVideo, VideoTrackFormat};
use super::mp4::{
    AUDIO_TIMESCALE, AudioTrack, FragmentBuilder, FragmentBytes, MoovBudget, TrackSetup,
    VIDEO_TIMESCALE, init_moov, rescale, to_ticks,
};

/// Longest the next fragment's video waits for audio to reach a cut.
const MAX_HOLD: Duration = Duration::from_secs(1);

/// What the muxer hands to the writer, in order.
#[derive(Debug)]
pub(crate) enum MuxOutput {
    Init(Vec<u8>),
    Fragment(FragmentBytes),
}

#[derive(Debug)]
struct Picture {
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
    /// The latest picture, waiting for the next one to know its duration.
    pending: Option<Picture>,
    /// Where the next fragment starts (video ticks), once decided.
    cut_at: Option<u64>,
    /// Pictures of the next fragment, with their durations.
    held: VecDeque<(Picture, u32)>,
    /// End of the audio pushed so far, in 48 kHz presentation samples.
    audio_end: i64,
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
            cut_at: None,
            held: VecDeque::new(),
            audio_end: -audio.map_or(0, |a| i64::from(a.format.priming_samples())),
        }
    }

    /// Adds a picture recorded at `out`. `format` gives the track format the
    /// first time (it must be a keyframe). Returns false if the picture was
    /// not used (before the first keyframe, or too close to the previous
    /// one to have a duration).
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
            let budget = MoovBudget::new(&setup, self.region_len).map_err(|e| e.to_string())?;
            self.budget = Some(budget);
            emit(MuxOutput::Init(moov));
        }
        if let Some(previous) = self.pending.take() {
            if start <= previous.start {
                self.pending = Some(previous);
                return Ok(false);
            }
            self.complete(previous, start);
        }
        if picture.keyframe
            && self.cut_at.is_none()
            && self.builder.video_ticks() >= self.target_ticks
        {
            self.cut_at = Some(start);
        }
        self.pending = Some(Picture {
            data: picture.data,
            start,
            keyframe: picture.keyframe,
        });
        self.try_cut(emit, false)?;
        Ok(true)
    }

    /// Adds an audio packet (in order, contiguous).
    pub(crate) fn push_audio(
        &mut self,
        packet: &[u8],
        emit: &mut impl FnMut(MuxOutput),
    ) -> Result<(), String> {
        self.builder.push_audio(packet);
        if let Some(audio) = self.audio {
            self.audio_end += i64::from(audio.packet_samples);
            if let Some(budget) = self.budget.as_mut() {
                budget.add_audio(audio.packet_samples);
            }
        }
        self.try_cut(emit, false)
    }

    /// Whether the index can still take the rest of this fragment and the
    /// next one at `fps`.
    pub(crate) fn has_room(&self, fps: u32) -> bool {
        self.budget.as_ref().is_none_or(|b| {
            let frames = 3 * u64::from(fps.max(1)) + 4;
            b.fits_more(frames, 3 * 60, 3)
        })
    }

    /// Ends the recording at `end`: the last picture lasts until then.
    pub(crate) fn finish(
        &mut self,
        end: Duration,
        emit: &mut impl FnMut(MuxOutput),
    ) -> Result<(), String> {
        if let Some(pending) = self.pending.take() {
            let end = to_ticks(end, VIDEO_TIMESCALE).max(pending.start + 1);
            self.complete(pending, end);
        }
        self.try_cut(emit, true)?;
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
        self.builder.buffered_bytes()
            + self.pending.as_ref().map_or(0, |p| p.data.capacity())
            + self
                .held
                .iter()
                .map(|(p, _)| p.data.capacity())
                .sum::<usize>()
    }

    /// A picture's duration is known: it joins the current fragment, or
    /// the held ones if a cut is waiting for audio.
    fn complete(&mut self, picture: Picture, next_start: u64) {
        let duration = u32::try_from(next_start - picture.start).unwrap_or(u32::MAX);
        if let Some(budget) = self.budget.as_mut() {
            budget.add_video(duration, picture.keyframe);
        }
        if self.cut_at.is_some() {
            self.held.push_back((picture, duration));
        } else {
            self.builder
                .push_video(&picture.data, duration, picture.keyframe);
        }
    }

    /// Cuts at `cut_at` once audio has reached it (or the hold is too long,
    /// or `force`), then moves the held pictures into the new fragment.
    fn try_cut(&mut self, emit: &mut impl FnMut(MuxOutput), force: bool) -> Result<(), String> {
        let Some(cut_at) = self.cut_at else {
            return Ok(());
        };
        let audio_reached = self.audio.is_none()
            || self.audio_end >= rescale(cut_at, VIDEO_TIMESCALE, AUDIO_TIMESCALE) as i64;
        let held_ticks: u64 = self.held.iter().map(|(_, d)| u64::from(*d)).sum();
        let held_too_long = held_ticks >= to_ticks(MAX_HOLD, VIDEO_TIMESCALE);
        if !(audio_reached || held_too_long || force) {
            return Ok(());
        }
        self.cut(emit)?;
        self.cut_at = None;
        while let Some((picture, duration)) = self.held.pop_front() {
            self.builder
                .push_video(&picture.data, duration, picture.keyframe);
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::codec::AudioTrackFormat;
    use mp4_atom::{Decode, Moof};

    fn picture(keyframe: bool) -> EncodedVideo {
        EncodedVideo {
            data: vec![0, 0, 0, 1, if keyframe { 0x65 } else { 0x41 }],
            keyframe,
        }
    }

    fn format() -> Option<VideoTrackFormat> {
        Some(VideoTrackFormat::H264 {
            width: 160,
            height: 120,
            sps: vec![0x67, 0x42, 0xC0, 0x1E],
            pps: vec![0x68, 0xCE],
        })
    }

    /// (video end, audio end) of each fragment, in seconds.
    fn track_ends(outputs: &[MuxOutput]) -> Vec<(f64, f64)> {
        let (mut video, mut audio) = (0u64, 0u64);
        let mut ends = Vec::new();
        for output in outputs {
            if let MuxOutput::Fragment(f) = output {
                let moof = Moof::decode(&mut f.header.as_slice()).unwrap();
                for traf in &moof.traf {
                    let n = traf.trun[0].samples.len() as u64;
                    if traf.tfhd.track_id == 1 {
                        video += traf.trun[0]
                            .samples
                            .iter()
                            .map(|e| u64::from(e.duration.unwrap()))
                            .sum::<u64>();
                    } else {
                        audio += n * 960;
                    }
                }
                ends.push((video as f64 / 90_000.0, (audio as f64 - 312.0) / 48_000.0));
            }
        }
        ends
    }

    #[test]
    fn fragments_end_with_both_tracks_together_although_audio_trails() {
        let audio = AudioTrack {
            format: AudioTrackFormat::Opus {
                pre_skip: 312,
                channels: 1,
            },
            packet_samples: 960,
        };
        let mut muxer = Muxer::new(Some(audio), 1 << 20, 0, Duration::from_secs(1));
        let mut outputs = Vec::new();
        let mut emit = |o| outputs.push(o);
        let mut packets = 0u64;
        for n in 0..150u64 {
            let out = debrief_capture::clock::grid_pts(n, 30);
            muxer
                .push_video(picture(n % 30 == 0), out, format, &mut emit)
                .unwrap();
            // Audio arrives 120 ms behind the picture.
            while (packets * 960) as f64 / 48_000.0 + 0.120 < out.as_secs_f64() {
                muxer.push_audio(&[1, 2, 3], &mut emit).unwrap();
                packets += 1;
            }
        }
        while packets * 960 < 5 * 48_000 + 312 {
            muxer.push_audio(&[1, 2, 3], &mut emit).unwrap();
            packets += 1;
        }
        muxer.finish(Duration::from_secs(5), &mut emit).unwrap();
        assert!(matches!(outputs[0], MuxOutput::Init(_)));
        let ends = track_ends(&outputs);
        assert_eq!(ends.len(), 5, "{ends:?}");
        for (i, (video, audio)) in ends.iter().enumerate() {
            assert!(
                (video - (i + 1) as f64).abs() < 1e-9,
                "fragment {i} video ends at {video}"
            );
            assert!(
                *audio >= *video && *audio < video + 0.021,
                "fragment {i}: audio ends at {audio}, video at {video}"
            );
        }
        assert!(muxer.held.is_empty() && muxer.pending.is_none());
    }

    #[test]
    fn audio_that_never_comes_cannot_hold_video_back() {
        let audio = AudioTrack {
            format: AudioTrackFormat::Opus {
                pre_skip: 312,
                channels: 1,
            },
            packet_samples: 960,
        };
        let mut muxer = Muxer::new(Some(audio), 1 << 20, 0, Duration::from_secs(1));
        let mut fragments = 0;
        let mut emit = |o| fragments += usize::from(matches!(o, MuxOutput::Fragment(_)));
        for n in 0..300u64 {
            let out = debrief_capture::clock::grid_pts(n, 30);
            muxer
                .push_video(picture(n % 30 == 0), out, format, &mut emit)
                .unwrap();
            assert!(muxer.held.len() <= 31, "held {} pictures", muxer.held.len());
        }
        // Without audio every other keyframe waits out the hold: 2 s fragments.
        assert!(
            fragments >= 4,
            "{fragments} fragments while audio never came"
        );
    }
}

//! How big the final `moov` can get, known while recording.
//!
//! The final `moov` must fit the region reserved at the start of the file.
//! Its size is its empty form plus a few bytes per table entry, so the
//! recorder counts entries as samples arrive (a handful of integers, never a
//! list) and ends the recording before one more second could overflow the
//! region. The bound is deliberately pessimistic: every chunk is assumed to
//! need its own `stsc` entry and a 64-bit offset.

use super::moov::{TrackTables, final_moov};
use super::{FREE_HEADER_LEN, MDAT_HEADER_LEN, TrackSetup};

/// Bytes per table entry: `stsz` 4; `stts` 8 per run; `stss` 4;
/// `stsc` 12 + `co64` 8 per chunk.
const SIZE_ENTRY: u64 = 4;
const RUN_ENTRY: u64 = 8;
const SYNC_ENTRY: u64 = 4;
const CHUNK_ENTRY: u64 = 20;
/// Room for header fields growing to 64 bits on long recordings.
const SLACK: u64 = 256;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct TrackCount {
    samples: u64,
    runs: u64,
    syncs: u64,
    chunks: u64,
    last_duration: Option<u32>,
}

impl TrackCount {
    fn bytes(&self) -> u64 {
        self.samples * SIZE_ENTRY
            + self.runs * RUN_ENTRY
            + self.syncs * SYNC_ENTRY
            + self.chunks * CHUNK_ENTRY
    }

    fn add(&mut self, duration: u32, sync: bool) {
        self.samples += 1;
        if self.last_duration != Some(duration) {
            self.runs += 1;
            self.last_duration = Some(duration);
        }
        self.syncs += u64::from(sync);
    }
}

/// A running upper bound of the final `moov` size against the room for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MoovBudget {
    fixed: u64,
    room: u64,
    video: TrackCount,
    audio: TrackCount,
}

impl MoovBudget {
    /// A budget for `setup` in a region of `region_len` bytes (after the
    /// descriptor), which also holds the filler and the final mdat header.
    pub(crate) fn new(setup: &TrackSetup, region_len: u64) -> Result<Self, mp4_atom::Error> {
        let empty = TrackTables::default();
        let audio = setup.audio.as_ref().map(|_| &empty);
        let fixed = final_moov(setup, 0, &empty, audio)?.len() as u64 + SLACK;
        Ok(Self {
            fixed,
            room: region_len.saturating_sub(FREE_HEADER_LEN + MDAT_HEADER_LEN),
            video: TrackCount::default(),
            audio: TrackCount::default(),
        })
    }

    /// The region size to reserve for a recording of at most `seconds` at
    /// `fps`, in fragments of `fragment_seconds`, before the encoder has
    /// produced its parameter sets (so the fixed part is estimated).
    pub(crate) fn region_for(seconds: f64, fps: u32, fragment_seconds: f64, audio: bool) -> u64 {
        // Cameras run a little fast and fragments can be short: be generous.
        let seconds = seconds.max(1.0) * 1.25 + 2.0;
        let frames = (seconds * f64::from(fps.max(1))).ceil() as u64;
        let packets = if audio {
            (seconds * 50.0).ceil() as u64
        } else {
            0
        };
        let chunks = (seconds / fragment_seconds.max(0.1)).ceil() as u64 * 2 + 8;
        let tables = frames * (SIZE_ENTRY + RUN_ENTRY + SYNC_ENTRY)
            + packets * (SIZE_ENTRY + RUN_ENTRY)
            + chunks * 2 * CHUNK_ENTRY;
        let estimate = 4096 + SLACK + tables + FREE_HEADER_LEN + MDAT_HEADER_LEN;
        estimate.div_ceil(4096) * 4096
    }

    pub(crate) fn add_video(&mut self, duration: u32, sync: bool) {
        self.video.add(duration, sync);
    }

    pub(crate) fn add_audio(&mut self, duration: u32) {
        self.audio.add(duration, false);
    }

    /// A fragment was cut: one more chunk for each track it holds.
    pub(crate) fn add_fragment(&mut self, video: bool, audio: bool) {
        self.video.chunks += u64::from(video);
        self.audio.chunks += u64::from(audio);
    }

    /// Upper bound of the final `moov` now.
    pub(crate) fn bound(&self) -> u64 {
        self.fixed + self.video.bytes() + self.audio.bytes()
    }

    /// Whether `video_frames` more frames, `audio_packets` more packets and
    /// `fragments` more fragments would still fit.
    pub(crate) fn fits_more(&self, video_frames: u64, audio_packets: u64, fragments: u64) -> bool {
        let more = video_frames * (SIZE_ENTRY + RUN_ENTRY + SYNC_ENTRY)
            + audio_packets * (SIZE_ENTRY + RUN_ENTRY)
            + fragments * 2 * CHUNK_ENTRY;
        self.bound() + more <= self.room
    }
}

#[cfg(test)]
mod tests {
    use super::super::moov::tests::setup;
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the sample pattern, the real moov never exceeds the bound.
        #[test]
        fn bound_is_never_below_the_real_size(
            frames in proptest::collection::vec((1u32..200_000, 1u32..6000, any::<bool>()), 1..400),
            packets in 0usize..700,
            per_fragment in 1usize..90,
        ) {
            let setup = setup();
            let mut budget = MoovBudget::new(&setup, 1 << 30).unwrap();
            let mut video = TrackTables::default();
            let mut audio = TrackTables::default();
            for (i, &(size, duration, sync)) in frames.iter().enumerate() {
                video.push_sample(size, duration);
                budget.add_video(duration, sync);
                if sync { video.sync.push(i as u32 + 1); }
            }
            for _ in 0..packets {
                audio.push_sample(200, 960);
                budget.add_audio(960);
            }
            let fragments = frames.len().div_ceil(per_fragment);
            for f in 0..fragments {
                let n = per_fragment.min(frames.len() - f * per_fragment) as u32;
                video.chunks.push(((f as u64) << 33, n));
                audio.chunks.push(((f as u64) << 33 | 7, (packets / fragments) as u32 + f as u32 % 3));
                budget.add_fragment(true, true);
            }
            let real = final_moov(&setup, u64::MAX / 4, &video, Some(&audio)).unwrap().len() as u64;
            prop_assert!(real <= budget.bound(), "real {} > bound {}", real, budget.bound());
        }
    }

    #[test]
    fn region_for_ten_minutes_fits_ten_minutes() {
        let setup = setup();
        let region = MoovBudget::region_for(600.0, 30, 1.0, true);
        assert!(region < 1 << 20, "{region} bytes is more than needed");
        let mut budget = MoovBudget::new(&setup, region).unwrap();
        for second in 0..600u32 {
            for frame in 0..30u32 {
                // Worst case: every frame has its own duration and is a keyframe.
                budget.add_video(3000 + (second * 30 + frame) % 2, true);
            }
            for _ in 0..50 {
                budget.add_audio(960);
            }
            budget.add_fragment(true, true);
            assert!(budget.fits_more(30, 50, 1), "full after {second} s");
        }
    }
}

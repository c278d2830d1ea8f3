//! Capture time to recording time: pauses, the maximum length, and keeping
//! sound and picture aligned.
//!
//! The recording's own timeline starts at the first kept video frame
//! (`origin`) and has no gaps: paused capture time is removed from both
//! tracks identically. Video decides: a pause starts at the first frame
//! captured after the request (`P`) and ends at the first frame captured
//! after the resume request (`R`), so `R - P` is removed and the frame
//! before the pause is followed directly by the frame at `R`.
//!
//! Audio follows the same decisions by capture time, sample by sample. A
//! sample's fate is known only once video has passed it (a pause can start
//! at any frame), so audio waits in a small buffer until a frame with a
//! later timestamp has been seen; the decisions are kept as *gates*
//! (capture instant, keep or drop, recording time at that instant). At each
//! gate the number of samples emitted so far is compared with the recording
//! time and corrected (silence added, or surplus samples skipped), so
//! rounding never accumulates and audio that starts late, stops early or
//! has holes still lines up with the picture.
//!
//! Invariants: gates are in capture order; emitted audio never runs more
//! than one sample away from `recording time x 48 kHz` at any gate; the
//! audio buffer is bounded ([`MAX_PENDING`]) even if video stalls.

use std::collections::VecDeque;
use std::time::Duration;

use debrief_capture::clock::grid_pts;

const RATE: u64 = 48_000;
/// Audio held while waiting for video: 2 s. Beyond that (a stalled
/// camera) the oldest audio is decided with what is known.
pub(crate) const MAX_PENDING: usize = 2 * RATE as usize;
/// Larger jumps in audio timestamps are not filled with silence.
const MAX_GAP_FILL: u64 = 2 * RATE;

/// What happens to a video frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameFate {
    /// Record it at this recording time.
    Keep { out: Duration },
    /// Captured while paused (or before the first kept frame): drop.
    Paused,
    /// Not after the previous frame in capture time: drop.
    Late,
    /// It would run past the maximum length: the recording is complete.
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Gate {
    at: Duration,
    keep: bool,
    /// Recording time at `at`.
    out: Duration,
}

#[derive(Debug)]
pub(crate) struct Timeline {
    frame_duration: Duration,
    max_length: Duration,
    origin: Option<Duration>,
    removed: Duration,
    paused_at: Option<Duration>,
    last_kept: Option<(Duration, Duration)>,
    horizon: Duration,
    ended: Option<Duration>,
    /// Without an audio track no gates are kept (nothing would consume them).
    with_audio: bool,
    gates: VecDeque<Gate>,
    audio: AudioBuffer,
}

#[derive(Debug, Default)]
struct AudioBuffer {
    /// Capture time of grid sample 0 (the first sample ever received).
    base: Option<Duration>,
    /// Grid index of the next sample expected from the source.
    next: u64,
    pending: VecDeque<f32>,
    /// Grid index of `pending[0]`.
    first: u64,
    keep: bool,
    /// The keep gate whose first sample has not been lined up yet.
    resync: Option<Gate>,
    /// Samples still to skip after emitting too many.
    skip: u64,
    emitted: u64,
    /// Audio decided without video up to here (capture time).
    forced_until: Duration,
}

impl Timeline {
    pub(crate) fn new(frame_duration: Duration, max_length: Duration, with_audio: bool) -> Self {
        Self {
            frame_duration,
            max_length,
            origin: None,
            removed: Duration::ZERO,
            paused_at: None,
            last_kept: None,
            horizon: Duration::ZERO,
            ended: None,
            with_audio,
            gates: VecDeque::new(),
            audio: AudioBuffer::default(),
        }
    }

    /// Decides the fate of a video frame captured at `pts`, given whether
    /// the user wants to be paused now.
    pub(crate) fn video(&mut self, pts: Duration, want_pause: bool) -> FrameFate {
        if self.ended.is_some() {
            return FrameFate::Full;
        }
        if self.last_kept.is_some_and(|(at, _)| pts <= at) || pts < self.horizon {
            return FrameFate::Late;
        }
        self.horizon = pts;
        let Some(origin) = self.origin else {
            if want_pause {
                return FrameFate::Paused;
            }
            self.origin = Some(pts);
            self.push_gate(pts, true, Duration::ZERO);
            return self.keep(pts, Duration::ZERO);
        };
        match (self.paused_at, want_pause) {
            (Some(_), true) => FrameFate::Paused,
            (None, true) => {
                let out = pts - origin - self.removed;
                self.paused_at = Some(pts);
                self.push_gate(pts, false, out);
                FrameFate::Paused
            }
            (Some(paused_at), false) => {
                self.removed += pts - paused_at;
                self.paused_at = None;
                let out = pts - origin - self.removed;
                self.push_gate(pts, true, out);
                self.keep(pts, out)
            }
            (None, false) => self.keep(pts, pts - origin - self.removed),
        }
    }

    fn keep(&mut self, pts: Duration, out: Duration) -> FrameFate {
        if out + self.frame_duration > self.max_length + Duration::from_micros(1) {
            self.end();
            return FrameFate::Full;
        }
        self.last_kept = Some((pts, out));
        FrameFate::Keep { out }
    }

    fn push_gate(&mut self, at: Duration, keep: bool, out: Duration) {
        if !self.with_audio {
            return;
        }
        let at = at.max(self.audio.forced_until);
        self.gates.push_back(Gate { at, keep, out });
    }

    /// Ends the recording after the last kept frame; returns its length.
    /// Audio up to the end can still be fed and is then released by
    /// [`Timeline::release_all`].
    pub(crate) fn end(&mut self) -> Option<Duration> {
        if self.ended.is_some() {
            return Some(self.recorded());
        }
        let (at, out) = self.last_kept?;
        let end_at = at + self.frame_duration;
        let out_end = out + self.frame_duration;
        if self.paused_at.is_none() {
            self.push_gate(end_at, false, out_end);
        }
        self.ended = Some(end_at);
        self.horizon = self.horizon.max(end_at);
        Some(out_end)
    }

    /// Recording time covered so far (end of the last kept frame).
    pub(crate) fn recorded(&self) -> Duration {
        self.last_kept
            .map_or(Duration::ZERO, |(_, out)| out + self.frame_duration)
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused_at.is_some()
    }

    pub(crate) fn has_started(&self) -> bool {
        self.origin.is_some()
    }

    /// Audio samples emitted so far (the audio track's length).
    #[cfg(test)]
    pub(crate) fn audio_emitted(&self) -> u64 {
        self.audio.emitted
    }

    /// Bytes held for audio waiting on video, and for gates.
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.audio.pending.capacity() * size_of::<f32>() + self.gates.capacity() * size_of::<Gate>()
    }

    /// Takes a chunk of audio captured at `pts` and appends to `out` every
    /// sample (or inserted silence) that can be decided now.
    pub(crate) fn audio(&mut self, pts: Duration, samples: &[f32], out: &mut Vec<f32>) {
        let a = &mut self.audio;
        let base = *a.base.get_or_insert(pts);
        let at = grid_index(pts.saturating_sub(base));
        let mut samples = samples;
        if at > a.next {
            let gap = at - a.next;
            if gap <= MAX_GAP_FILL {
                a.pending.extend(std::iter::repeat_n(0.0, gap as usize));
            } else {
                tracing::warn!(
                    gap_samples = gap,
                    "audio timestamps jumped; not filling the gap"
                );
            }
        } else if at < a.next {
            let overlap = (a.next - at).min(samples.len() as u64) as usize;
            samples = &samples[overlap..];
        }
        a.next = a.next.max(at) + samples.len() as u64;
        a.pending.extend(samples.iter().copied());
        // Video may be stalled: never hold more than MAX_PENDING.
        if a.pending.len() > MAX_PENDING {
            let excess = (a.pending.len() - MAX_PENDING) as u64;
            let forced = grid_pts(a.first + excess, RATE) + base;
            a.forced_until = a.forced_until.max(forced);
            self.release_until(forced, out);
        }
        self.release_until(self.horizon, out);
    }

    /// With the microphone gone: releases what is still pending and pads the
    /// audio with silence up to recording time `out`.
    pub(crate) fn pad_audio_to(&mut self, out: Duration, sink: &mut Vec<f32>) {
        self.release_until(self.horizon, sink);
        let expected = samples_at(out);
        if expected > self.audio.emitted {
            sink.extend(std::iter::repeat_n(
                0.0,
                (expected - self.audio.emitted) as usize,
            ));
            self.audio.emitted = expected;
        }
    }

    /// Releases all audio up to the end of the recording, then pads or trims
    /// the total to exactly the recorded length. Call after [`Timeline::end`].
    pub(crate) fn release_all(&mut self, out: &mut Vec<f32>) {
        let Some(end) = self.ended else { return };
        self.release_until(end, out);
        let expected = samples_at(self.recorded());
        if expected > self.audio.emitted {
            out.extend(std::iter::repeat_n(
                0.0,
                (expected - self.audio.emitted) as usize,
            ));
            self.audio.emitted = expected;
        }
        self.audio.pending.clear();
    }

    /// Emits (or drops) pending samples captured before `until`.
    fn release_until(&mut self, until: Duration, out: &mut Vec<f32>) {
        let Some(base) = self.audio.base else {
            return;
        };
        let limit = grid_index_ceil(until.saturating_sub(base)).min(self.audio.next);
        loop {
            let a = &mut self.audio;
            let gate_index = self
                .gates
                .front()
                .map(|g| grid_index_ceil(g.at.saturating_sub(base)));
            if gate_index.is_some_and(|i| i <= a.first && i <= limit)
                && let Some(gate) = self.gates.pop_front()
            {
                a.keep = gate.keep;
                a.resync = gate.keep.then_some(gate);
                continue;
            }
            let end = gate_index.map_or(limit, |g| g.min(limit));
            if end <= a.first {
                break;
            }
            let n = (end - a.first) as usize;
            if a.keep
                && let Some(gate) = a.resync.take()
            {
                // The first sample after a keep gate: line it up with the
                // recording time of its own capture instant.
                let at = base + grid_pts(a.first, RATE);
                let expected = samples_at(gate.out + at.saturating_sub(gate.at));
                if expected > a.emitted {
                    out.extend(std::iter::repeat_n(0.0, (expected - a.emitted) as usize));
                    a.emitted = expected;
                    a.skip = 0;
                } else {
                    a.skip = a.emitted - expected;
                }
            }
            let take = n.min(a.pending.len());
            for sample in a.pending.drain(..take) {
                if !a.keep {
                    continue;
                }
                if a.skip > 0 {
                    a.skip -= 1;
                } else {
                    out.push(sample);
                    a.emitted += 1;
                }
            }
            a.first += n as u64;
        }
    }
}

fn samples_at(time: Duration) -> u64 {
    u64::try_from((time.as_nanos() * u128::from(RATE) + 500_000_000) / 1_000_000_000)
        .unwrap_or(u64::MAX)
}

/// Nearest grid index of a time.
fn grid_index(time: Duration) -> u64 {
    samples_at(time)
}

/// First grid index at or after a time.
fn grid_index_ceil(time: Duration) -> u64 {
    debrief_capture::clock::grid_index_at_or_after(time, RATE)
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;

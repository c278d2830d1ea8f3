//! Video feeds for the benchmark.
//!
//! Clean synthetic frames compress far below 2.5 Mbit/s, which would flatter
//! any encoder; a camera's picture has sensor noise. So frames get a fixed
//! amount of pseudo-random luma noise (±6 levels), different in every frame.
//! [`Replay`] loops prepared (noisy) frames as fast as they are read, so the
//! throughput measures encoding and muxing and ffmpeg can be fed the very
//! same pictures; [`Noisy`] adds the noise to a running synthetic camera (for
//! long runs, without holding frames in memory).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, bounded};
use debrief_capture::VideoFrame;
use debrief_capture::clock::grid_pts;
use debrief_media::record::VideoFeed;

/// Adds deterministic noise to the luma plane of `frame`.
pub fn add_noise(frame: &mut VideoFrame, seed: u64) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let (y, _, _) = frame.planes_mut();
    for chunk in y.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        for (i, pixel) in chunk.iter_mut().enumerate() {
            let noise = ((state >> (i * 8)) & 0xFF) as i32 % 13 - 6;
            *pixel = (i32::from(*pixel) + noise).clamp(16, 235) as u8;
        }
    }
}

#[derive(Debug)]
struct Forwarder {
    frames: Receiver<VideoFrame>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Forwarder {
    fn start(mut next: impl FnMut(u64) -> Option<VideoFrame> + Send + 'static) -> Self {
        let (tx, rx) = bounded(8);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for n in 0u64.. {
                if flag.load(Ordering::Acquire) {
                    return;
                }
                let Some(frame) = next(n) else { return };
                if tx.send(frame).is_err() {
                    return;
                }
            }
        });
        Self {
            frames: rx,
            stop,
            thread: Some(thread),
        }
    }

    fn finish(&mut self) -> Result<(), String> {
        self.stop.store(true, Ordering::Release);
        // Unblock a send waiting on a full channel.
        drop(std::mem::replace(&mut self.frames, bounded(0).1));
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .map_err(|_| "the feed thread panicked".to_string()),
            None => Ok(()),
        }
    }
}

/// Loops prepared frames at 30 fps timestamps, as fast as they are read.
#[derive(Debug)]
pub struct Replay {
    inner: Forwarder,
    size: (u32, u32),
}

impl Replay {
    pub fn start(pictures: Arc<Vec<VideoFrame>>) -> Self {
        let size = (pictures[0].width(), pictures[0].height());
        let inner = Forwarder::start(move |n| {
            let mut frame = pictures[(n % pictures.len() as u64) as usize].clone();
            frame.pts = grid_pts(n, 30);
            frame.index = n;
            Some(frame)
        });
        Self { inner, size }
    }
}

/// A running camera feed with noise added to every frame.
#[derive(Debug)]
pub struct Noisy {
    inner: Forwarder,
    source: Option<Box<dyn VideoFeed>>,
    size: (u32, u32),
    fps: u32,
}

impl Noisy {
    pub fn wrap(source: Box<dyn VideoFeed>) -> Self {
        let frames = source.frames().clone();
        let (size, fps) = (source.size(), source.fps());
        let inner = Forwarder::start(move |_| {
            let mut frame = frames.recv().ok()?;
            let seed = frame.index;
            add_noise(&mut frame, seed);
            Some(frame)
        });
        Self {
            inner,
            source: Some(source),
            size,
            fps,
        }
    }
}

macro_rules! feed_impl {
    ($type:ty, $fps:expr, $stop:expr, $finish:expr) => {
        impl VideoFeed for $type {
            fn frames(&self) -> &Receiver<VideoFrame> {
                &self.inner.frames
            }

            fn size(&self) -> (u32, u32) {
                self.size
            }

            fn fps(&self) -> u32 {
                $fps(self)
            }

            fn frames_dropped(&self) -> u64 {
                0
            }

            fn request_stop(&self) {
                $stop(self)
            }

            fn finish(mut self: Box<Self>) -> Result<(), String> {
                $finish(&mut *self)
            }
        }
    };
}

feed_impl!(
    Replay,
    |_: &Replay| 30,
    |s: &Replay| s.inner.stop.store(true, Ordering::Release),
    |s: &mut Replay| s.inner.finish()
);

feed_impl!(
    Noisy,
    |s: &Noisy| s.fps,
    |s: &Noisy| {
        if let Some(source) = &s.source {
            source.request_stop();
        }
    },
    |s: &mut Noisy| {
        // The source first: its channel closes, and the forwarder ends.
        let source = s.source.take().map_or(Ok(()), |source| source.finish());
        s.inner.finish()?;
        source
    }
);

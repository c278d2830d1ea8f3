//! Throughput of the capture stages, on one machine, in release:
//! `cargo bench -p debrief-capture --bench capture` (add `-- --quick` for a
//! smoke run).
//!
//! - synthetic 720p30 frames through the public API (virtual clock, so as
//!   fast as the consumer reads), with and without sync flashes;
//! - synthetic audio chunks;
//! - camera pixel conversion to I420 for the formats webcams deliver.
//!
//! It measures and prints; it asserts nothing (thresholds belong to whoever
//! reads the numbers, not to a noisy test).

use std::hint::black_box;
use std::time::{Duration, Instant};

use debrief_capture::{
    AudioConfig, AudioSource, CaptureClock, PixelConverter, PixelFormat, SyncMarkers,
    SyntheticAudio, SyntheticVideo, VideoConfig, VideoSource,
};

fn report(what: &str, items: u64, elapsed: Duration, item_duration: Duration) {
    let per_item = elapsed / items as u32;
    let real_time = item_duration.as_secs_f64() / per_item.as_secs_f64();
    println!(
        "{what:<44} {:>8.3} ms/item  {:>8.1}x real time",
        per_item.as_secs_f64() * 1e3,
        real_time
    );
}

fn synthetic_video(markers: Option<SyncMarkers>, label: &str) {
    let config = VideoConfig {
        width: 1280,
        height: 720,
        fps: 30,
        channel_capacity: 4,
    };
    let capture = SyntheticVideo::new(markers)
        .start(&config, &CaptureClock::virtual_time())
        .unwrap();
    for _ in 0..30 {
        black_box(capture.frames().recv().unwrap());
    }
    let n = 600u64;
    let started = Instant::now();
    for _ in 0..n {
        black_box(capture.frames().recv().unwrap());
    }
    report(label, n, started.elapsed(), Duration::from_secs(1) / 30);
    capture.stop().unwrap();
}

fn synthetic_audio() {
    let capture = SyntheticAudio::new(Default::default(), Some(SyncMarkers::default()))
        .start(&AudioConfig::default(), &CaptureClock::virtual_time())
        .unwrap();
    let n = 3_000u64;
    let started = Instant::now();
    for _ in 0..n {
        black_box(capture.chunks().recv().unwrap());
    }
    report(
        "synthetic audio, 20 ms chunk (tone + beeps)",
        n,
        started.elapsed(),
        Duration::from_millis(20),
    );
    capture.stop().unwrap();
}

fn conversion(format: PixelFormat, src: &[u8]) {
    let mut converter = PixelConverter::new(format, 1280, 720).unwrap();
    let n = 200u64;
    let started = Instant::now();
    for _ in 0..n {
        black_box(converter.convert(black_box(src)).unwrap());
    }
    report(
        &format!("camera {format} 1280x720 -> I420"),
        n,
        started.elapsed(),
        Duration::from_secs(1) / 30,
    );
}

fn main() {
    // `-- --quick` (CI's smoke run) and `cargo test --benches` (which does
    // not pass `--bench`) only check that this builds and runs.
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick") || !args.iter().any(|a| a == "--bench");
    synthetic_video(None, "synthetic video 1280x720 frame");
    if quick {
        return;
    }
    let every_frame_flashes = SyncMarkers {
        period: Duration::from_millis(100),
        length: Duration::from_millis(99),
    };
    synthetic_video(
        Some(every_frame_flashes),
        "synthetic video 1280x720 flash frame",
    );
    synthetic_audio();

    // Camera-like input: the synthetic picture (smooth areas and edges, as
    // a scene has; noise would make JPEG decoding look far slower than it is
    // for real webcam output) re-encoded in each format.
    let frame = SyntheticVideo::default()
        .start(&VideoConfig::default(), &CaptureClock::virtual_time())
        .unwrap()
        .frames()
        .recv()
        .unwrap();
    let (w, h) = (frame.width(), frame.height());
    let (y, u, v) = frame.planes();
    let planar = yuv::YuvPlanarImage {
        y_plane: y,
        y_stride: w,
        u_plane: u,
        u_stride: w / 2,
        v_plane: v,
        v_stride: w / 2,
        width: w,
        height: h,
    };
    let range = yuv::YuvRange::Limited;
    let matrix = yuv::YuvStandardMatrix::Bt601;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    yuv::yuv420_to_rgb(&planar, &mut rgb, w * 3, range, matrix).unwrap();
    let mut yuyv = vec![0u8; (w * h * 2) as usize];
    let mut packed = yuv::YuvPackedImageMut {
        yuy: yuv::BufferStoreMut::Borrowed(&mut yuyv),
        yuy_stride: w * 2,
        width: w,
        height: h,
    };
    yuv::yuv420_to_yuyv422(&mut packed, &planar).unwrap();
    let mut nv12 = yuv::YuvBiPlanarImageMut::<u8>::alloc(w, h, yuv::YuvChromaSubsampling::Yuv420);
    let mode = yuv::YuvConversionMode::Balanced;
    yuv::rgb_to_yuv_nv12(&mut nv12, &rgb, w * 3, range, matrix, mode).unwrap();
    let mut nv12_bytes = nv12.y_plane.borrow().to_vec();
    nv12_bytes.extend_from_slice(nv12.uv_plane.borrow());
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode(&rgb, w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    let nv12 = nv12_bytes;
    conversion(PixelFormat::Yuyv, &yuyv);
    conversion(PixelFormat::Nv12, &nv12);
    conversion(PixelFormat::Rgb, &rgb);
    conversion(PixelFormat::Mjpeg, &jpeg);
}

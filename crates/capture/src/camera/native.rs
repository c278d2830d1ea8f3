//! Cameras through nokhwa's native backends (V4L2, AVFoundation, Media
//! Foundation).
//!
//! The nokhwa camera lives and dies on the capture thread (its handle is not
//! `Send` on every platform). nokhwa reports failures as strings around OS
//! errors; [`open_error`] turns them into errors that say what to do. Frame
//! timestamps: when the backend stamps a frame (V4L2 does, at capture), the
//! frame's age is subtracted from the clock's `now`, so the `pts` is the
//! capture instant rather than the moment we got it; `pts` are kept strictly
//! increasing whatever the backend says.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Sender, TrySendError};
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
    Resolution,
};
use nokhwa::{Camera as NokhwaCamera, NokhwaError};

use super::{Camera, CameraInfo, CameraMode, pick_mode};
use crate::clock::CaptureClock;
use crate::convert::{PixelConverter, PixelFormat};
use crate::error::{CaptureError, OsCause, classify_os_detail};
use crate::frame::VideoFrame;
use crate::source::{VideoCapture, VideoConfig, VideoCounters, VideoFormat, VideoSource};
use crate::worker::{Opening, StopSignal, Worker};

/// Every frame format nokhwa knows; we convert them all.
const ALL_FORMATS: &[FrameFormat] = &[
    FrameFormat::MJPEG,
    FrameFormat::YUYV,
    FrameFormat::NV12,
    FrameFormat::GRAY,
    FrameFormat::RAWRGB,
    FrameFormat::RAWBGR,
];
/// Consecutive failed reads after which the camera counts as gone.
const MAX_READ_FAILURES: u32 = 10;
/// A backend timestamp older than this is not trusted.
const MAX_FRAME_AGE: Duration = Duration::from_millis(500);

fn pixel_format(format: FrameFormat) -> PixelFormat {
    match format {
        FrameFormat::MJPEG => PixelFormat::Mjpeg,
        FrameFormat::YUYV => PixelFormat::Yuyv,
        FrameFormat::NV12 => PixelFormat::Nv12,
        FrameFormat::GRAY => PixelFormat::Gray,
        FrameFormat::RAWRGB => PixelFormat::Rgb,
        FrameFormat::RAWBGR => PixelFormat::Bgr,
    }
}

fn frame_format(format: PixelFormat) -> FrameFormat {
    match format {
        PixelFormat::Mjpeg => FrameFormat::MJPEG,
        PixelFormat::Yuyv => FrameFormat::YUYV,
        PixelFormat::Nv12 => FrameFormat::NV12,
        PixelFormat::Gray => FrameFormat::GRAY,
        PixelFormat::Rgb => FrameFormat::RAWRGB,
        PixelFormat::Bgr => FrameFormat::RAWBGR,
    }
}

fn mode_of(format: &CameraFormat) -> CameraMode {
    CameraMode {
        width: format.width(),
        height: format.height(),
        fps: format.frame_rate(),
        pixel_format: pixel_format(format.format()),
    }
}

/// On macOS the user must grant camera access once; elsewhere this is a no-op.
fn ensure_permission(label: &str) -> Result<(), CaptureError> {
    if nokhwa::nokhwa_check() {
        return Ok(());
    }
    let (tx, rx) = crossbeam_channel::bounded(1);
    nokhwa::nokhwa_initialize(move |granted| {
        let _ = tx.try_send(granted);
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(true) => Ok(()),
        _ => Err(CaptureError::CameraPermissionDenied {
            camera: label.to_string(),
            detail: "camera access was not granted".into(),
        }),
    }
}

pub(super) fn list() -> Result<Vec<CameraInfo>, CaptureError> {
    let found = nokhwa::query(ApiBackend::Auto).map_err(|e| CaptureError::Device {
        device: "camera list".into(),
        detail: e.to_string(),
    })?;
    let mut cameras = Vec::new();
    for info in found {
        let Ok(index) = info.index().as_index() else {
            continue;
        };
        let (formats, error) = match read_modes(index) {
            Ok(modes) => (modes, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        cameras.push(CameraInfo {
            index,
            name: info.human_name(),
            description: info.description().to_string(),
            formats,
            error,
        });
    }
    Ok(cameras)
}

fn read_modes(index: u32) -> Result<Vec<CameraMode>, CaptureError> {
    let label = format!("camera {index}");
    let mut camera = open_any(index, &label)?;
    let formats = camera
        .compatible_camera_formats()
        .map_err(|e| open_error(&label, &e))?;
    Ok(formats.iter().map(mode_of).collect())
}

fn open_any(index: u32, label: &str) -> Result<NokhwaCamera, CaptureError> {
    ensure_permission(label)?;
    let any = RequestedFormat::with_formats(RequestedFormatType::None, ALL_FORMATS);
    NokhwaCamera::new(CameraIndex::Index(index), any).map_err(|e| open_error(label, &e))
}

/// Map a nokhwa error met while opening or configuring a camera.
pub(crate) fn open_error(label: &str, err: &NokhwaError) -> CaptureError {
    let detail = err.to_string();
    match classify_os_detail(&detail) {
        OsCause::NotFound => CaptureError::NoCamera {
            detail: format!("{label}: {detail}"),
        },
        OsCause::Busy => CaptureError::CameraBusy {
            camera: label.to_string(),
            detail,
        },
        OsCause::PermissionDenied => CaptureError::CameraPermissionDenied {
            camera: label.to_string(),
            detail,
        },
        // nokhwa's words when no offered format matches the request.
        OsCause::Other if detail.contains("Fufill") || detail.contains("Fulfill") => {
            CaptureError::UnsupportedCameraFormat {
                camera: label.to_string(),
                offered: "nothing Debrief can convert".into(),
            }
        }
        OsCause::Other => CaptureError::Device {
            device: label.to_string(),
            detail,
        },
    }
}

pub(super) fn start(
    camera: Camera,
    config: VideoConfig,
    clock: CaptureClock,
) -> Result<VideoCapture, CaptureError> {
    let counters = Arc::new(VideoCounters::default());
    let thread_counters = counters.clone();
    let (worker, format) = Worker::spawn_opening(
        camera.name(),
        config.channel_capacity,
        move |stop, tx, opening| {
            run(
                camera.index,
                &config,
                &clock,
                &thread_counters,
                &stop,
                &tx,
                opening,
            )
        },
    )?;
    Ok(VideoCapture::new(worker, format, counters))
}

fn open(
    index: u32,
    config: &VideoConfig,
) -> Result<(NokhwaCamera, CameraMode, String), CaptureError> {
    let mut camera = open_any(index, &format!("camera {index}"))?;
    let label = format!("camera {index} ({})", camera.info().human_name());
    let formats = camera
        .compatible_camera_formats()
        .map_err(|e| open_error(&label, &e))?;
    let modes: Vec<CameraMode> = formats.iter().map(mode_of).collect();
    let mode = pick_mode(&modes, config.width, config.height, config.fps).ok_or_else(|| {
        CaptureError::UnsupportedCameraFormat {
            camera: label.clone(),
            offered: if modes.is_empty() {
                "no modes".into()
            } else {
                modes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        }
    })?;
    let exact = CameraFormat::new(
        Resolution::new(mode.width, mode.height),
        frame_format(mode.pixel_format),
        mode.fps,
    );
    camera
        .set_camera_requset(RequestedFormat::with_formats(
            RequestedFormatType::Exact(exact),
            ALL_FORMATS,
        ))
        .map_err(|e| open_error(&label, &e))?;
    camera.open_stream().map_err(|e| open_error(&label, &e))?;
    Ok((camera, mode, label))
}

fn run(
    index: u32,
    config: &VideoConfig,
    clock: &CaptureClock,
    counters: &VideoCounters,
    stop: &StopSignal,
    tx: &Sender<VideoFrame>,
    opening: Opening<VideoFormat>,
) -> Result<(), CaptureError> {
    let (mut camera, mode, label) = match open(index, config) {
        Ok(opened) => opened,
        Err(e) => return opening.report(Err(e)),
    };
    opening.report(Ok(VideoFormat {
        width: mode.width,
        height: mode.height,
        fps: mode.fps,
        device_format: mode.pixel_format.to_string(),
    }))?;
    let result = capture_loop(&mut camera, mode, &label, clock, counters, stop, tx);
    let _ = camera.stop_stream();
    result
}

fn capture_loop(
    camera: &mut NokhwaCamera,
    mode: CameraMode,
    label: &str,
    clock: &CaptureClock,
    counters: &VideoCounters,
    stop: &StopSignal,
    tx: &Sender<VideoFrame>,
) -> Result<(), CaptureError> {
    let lost = |detail: String| CaptureError::DeviceLost {
        device: label.to_string(),
        detail,
    };
    let mut converter =
        PixelConverter::new(mode.pixel_format, mode.width, mode.height).map_err(|e| {
            CaptureError::UnsupportedCameraFormat {
                camera: label.to_string(),
                offered: e.to_string(),
            }
        })?;
    let mut size = (mode.width, mode.height);
    let frame_interval = Duration::from_secs(1) / mode.fps.max(1);
    let mut failures = 0u32;
    let mut index = 0u64;
    let mut last_pts: Option<Duration> = None;
    while !stop.is_set() {
        let buffer = match camera.frame() {
            Ok(buffer) => {
                failures = 0;
                buffer
            }
            Err(e) => {
                let detail = e.to_string();
                failures += 1;
                if classify_os_detail(&detail) == OsCause::NotFound || failures >= MAX_READ_FAILURES
                {
                    return Err(lost(detail));
                }
                tracing::warn!(camera = label, "frame read failed: {detail}");
                if stop.wait(frame_interval) {
                    break;
                }
                continue;
            }
        };
        let mut pts = clock
            .now()
            .saturating_sub(frame_age(buffer.capture_timestamp()));
        if let Some(last) = last_pts {
            pts = pts.max(last + Duration::from_millis(1));
        }
        last_pts = Some(pts);
        let delivered = (buffer.resolution().width(), buffer.resolution().height());
        if delivered != size {
            // The driver changed size under us; follow it if I420 can.
            if let Ok(c) = PixelConverter::new(mode.pixel_format, delivered.0, delivered.1) {
                converter = c;
                size = delivered;
            }
        }
        let frame_index = index;
        index += 1;
        let frame = converter
            .convert(buffer.buffer())
            .map_err(|e| e.to_string())
            .and_then(|data| {
                VideoFrame::from_i420(size.0, size.1, data, pts, frame_index)
                    .map_err(|e| e.to_string())
            });
        let frame = match frame {
            Ok(frame) => frame,
            Err(detail) => {
                // One corrupt frame (it happens with MJPEG) is not the end.
                counters.dropped.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(camera = label, "skipped a frame: {detail}");
                continue;
            }
        };
        match tx.try_send(frame) {
            Ok(()) => counters.delivered.fetch_add(1, Ordering::Relaxed),
            Err(TrySendError::Full(_)) => counters.dropped.fetch_add(1, Ordering::Relaxed),
            Err(TrySendError::Disconnected(_)) => break,
        };
    }
    Ok(())
}

/// How long ago the backend says the frame was captured (zero if unknown
/// or implausible).
fn frame_age(captured: Option<Duration>) -> Duration {
    let Some(captured) = captured else {
        return Duration::ZERO;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    now.checked_sub(captured)
        .filter(|age| *age <= MAX_FRAME_AGE)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CaptureErrorKind as K;

    #[test]
    fn nokhwa_errors_map_to_what_the_user_can_do() {
        let cases = [
            (
                NokhwaError::OpenDeviceError(
                    "0".into(),
                    "V4L2 Error: No such file or directory (os error 2)".into(),
                ),
                K::NoCamera,
            ),
            (
                NokhwaError::OpenStreamError("Device or resource busy (os error 16)".into()),
                K::CameraBusy,
            ),
            (
                NokhwaError::OpenDeviceError(
                    "0".into(),
                    "V4L2 Error: Permission denied (os error 13)".into(),
                ),
                K::CameraPermissionDenied,
            ),
            (
                NokhwaError::GetPropertyError {
                    property: "CameraFormat".into(),
                    error: "Failed to Fufill".into(),
                },
                K::UnsupportedCameraFormat,
            ),
            (
                NokhwaError::ReadFrameError("Input/output error (os error 5)".into()),
                K::Device,
            ),
        ];
        for (err, kind) in cases {
            let mapped = open_error("camera 0 (Webcam)", &err);
            assert_eq!(mapped.kind(), kind, "{err}");
            assert!(mapped.to_string().contains("os error") || kind == K::UnsupportedCameraFormat);
        }
        let busy = open_error(
            "camera 0 (Webcam)",
            &NokhwaError::OpenStreamError("Device or resource busy (os error 16)".into()),
        );
        assert!(
            busy.to_string()
                .starts_with("camera 0 (Webcam) is in use by another app")
        );
    }

    #[test]
    fn formats_map_both_ways() {
        for f in ALL_FORMATS {
            assert_eq!(frame_format(pixel_format(*f)), *f);
        }
        let mode = mode_of(&CameraFormat::new_from(1280, 720, FrameFormat::MJPEG, 30));
        assert_eq!(mode.to_string(), "MJPEG 1280x720@30");
    }

    #[test]
    fn implausible_backend_timestamps_are_ignored() {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(frame_age(None), Duration::ZERO);
        assert_eq!(
            frame_age(Some(now + Duration::from_secs(5))),
            Duration::ZERO
        );
        assert_eq!(
            frame_age(Some(now - Duration::from_secs(5))),
            Duration::ZERO
        );
        let age = frame_age(Some(now - Duration::from_millis(40)));
        assert!(age >= Duration::from_millis(40) && age < Duration::from_millis(400));
    }
}

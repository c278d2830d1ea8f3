//! Cameras through nokhwa, as far as this machine allows. Written to hold
//! on every machine: the "no camera" checks use an index nothing is at, and
//! the test that needs a real camera is ignored unless asked for.

use std::time::Duration;

use debrief_capture::{
    Camera, CaptureClock, CaptureErrorKind, VideoConfig, VideoSource, list_cameras,
};

/// The lowest index no listed camera has.
fn free_index() -> u32 {
    let cameras = list_cameras().expect("the camera backend answers");
    (0..)
        .find(|i| cameras.iter().all(|c| c.index != *i))
        .unwrap()
}

#[test]
fn opening_an_index_with_no_camera_says_to_connect_one_or_use_synthetic() {
    let index = free_index();
    let err = Camera::new(index)
        .start(&VideoConfig::default(), &CaptureClock::real())
        .unwrap_err();
    assert_eq!(err.kind(), CaptureErrorKind::NoCamera, "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("no camera was found; connect one or use --source synthetic ("),
        "{text}"
    );
    assert!(
        text.contains(&format!("camera {index}")),
        "names the camera: {text}"
    );
}

#[test]
fn listed_cameras_have_distinct_indexes_and_serialise() {
    let cameras = list_cameras().unwrap();
    let mut indexes: Vec<u32> = cameras.iter().map(|c| c.index).collect();
    indexes.sort_unstable();
    indexes.dedup();
    assert_eq!(indexes.len(), cameras.len());
    let json = serde_json::to_value(&cameras).unwrap();
    assert!(json.is_array());
    assert_eq!(json.as_array().unwrap().len(), cameras.len());
}

#[test]
fn a_camera_refuses_the_virtual_clock() {
    let err = Camera::new(0)
        .start(&VideoConfig::default(), &CaptureClock::virtual_time())
        .unwrap_err();
    assert_eq!(err.kind(), CaptureErrorKind::InvalidConfig);
}

#[test]
#[ignore = "needs a real camera"]
fn a_real_camera_delivers_timestamped_i420_frames() {
    let cameras = list_cameras().unwrap();
    let camera = cameras.first().expect("a camera is connected");
    let clock = CaptureClock::real();
    let capture = Camera::new(camera.index)
        .start(&VideoConfig::default(), &clock)
        .unwrap();
    let format = capture.format().clone();
    let mut last = None;
    for _ in 0..30 {
        let frame = capture
            .frames()
            .recv_timeout(Duration::from_secs(5))
            .expect("frames arrive");
        assert_eq!(
            (frame.width(), frame.height()),
            (format.width, format.height)
        );
        assert!(frame.pts <= clock.now());
        if let Some(previous) = last {
            assert!(frame.pts > previous, "pts strictly increase");
        }
        last = Some(frame.pts);
        let luma = frame.mean_luma();
        assert!((1.0..=255.0).contains(&luma));
    }
    let stats = capture.stop().unwrap();
    assert!(stats.frames_delivered >= 30);
}

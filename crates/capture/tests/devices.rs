//! The device listing on whatever this machine has. It must never fail as
//! a whole, and must serialise for the UI and `--json`.

use debrief_capture::list_devices;

#[test]
fn the_listing_is_complete_and_serialisable() {
    let devices = list_devices();
    assert!(devices.camera_error.is_none(), "{:?}", devices.camera_error);
    let json = serde_json::to_value(&devices).unwrap();
    println!("{json:#}");
    for key in ["cameras", "microphones", "camera_error", "microphone_error"] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
    assert_eq!(
        json["cameras"].as_array().unwrap().len(),
        devices.cameras.len()
    );
    for mic in &devices.microphones {
        assert_ne!(mic.id, "null", "ALSA's null sink is not a microphone");
        assert!(!mic.name.is_empty());
    }
    let defaults = devices.microphones.iter().filter(|m| m.is_default).count();
    assert!(defaults <= 1, "at most one default microphone");
}

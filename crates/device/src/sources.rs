//! The camera and microphone choices a recording screen offers: the
//! attached devices, the synthetic stand-ins (always offered, so Debrief can
//! be tried on a machine with no camera), and a sentence when a kind of
//! device is missing or cannot be asked. Each choice's `id` is what
//! [`crate::RecordOptions`] takes as `source` or `mic`.

use debrief_capture::{CaptureErrorKind, DeviceList, ListingError, list_devices};

use crate::record::SYNTHETIC_MIC;

/// Label of the synthetic picture, as users see it.
pub const TEST_PATTERN_LABEL: &str = "Test pattern (no camera)";
/// Label of the synthetic sound.
pub const TEST_TONE_LABEL: &str = "Test tone (no microphone)";

/// One thing to pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceChoice {
    /// `camera:N`, `synthetic`, `default`, a microphone id, or `none`.
    pub id: String,
    pub label: String,
    /// A second line: the device's backend name, or why it may not work.
    pub detail: Option<String>,
}

/// Everything a recording screen can offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureChoices {
    /// Real cameras first, then the test pattern.
    pub cameras: Vec<SourceChoice>,
    /// The system default and each microphone, then the test tone and "no
    /// sound".
    pub microphones: Vec<SourceChoice>,
    /// The preselected ids: the first camera (else the test pattern) and the
    /// default microphone (else the test tone for the test pattern, or no
    /// sound).
    pub default_camera: String,
    pub default_microphone: String,
    /// Set when no camera can be used, saying why.
    pub camera_note: Option<String>,
    /// Set when no microphone can be used, saying why.
    pub microphone_note: Option<String>,
}

/// Ask the system for its cameras and microphones. Never fails: what
/// cannot be listed is explained in the notes.
pub fn capture_choices() -> CaptureChoices {
    choices_from(list_devices())
}

fn choices_from(list: DeviceList) -> CaptureChoices {
    let mut cameras: Vec<SourceChoice> = list
        .cameras
        .iter()
        .map(|c| SourceChoice {
            id: format!("camera:{}", c.index),
            label: c.name.clone(),
            detail: c.error.clone().or_else(|| Some(c.description.clone())),
        })
        .collect();
    let camera_note = cameras.is_empty().then(|| match &list.camera_error {
        Some(e) => format!(
            "Cameras could not be listed ({}). You can still record the test pattern.",
            e.message
        ),
        None => "No camera found. Connect one, or record the test pattern.".to_string(),
    });
    cameras.push(SourceChoice {
        id: "synthetic".into(),
        label: TEST_PATTERN_LABEL.into(),
        detail: None,
    });

    let mut microphones = Vec::new();
    if !list.microphones.is_empty() {
        let default_name = list
            .microphones
            .iter()
            .find(|m| m.is_default)
            .map(|m| m.name.clone());
        microphones.push(SourceChoice {
            id: "default".into(),
            label: "System default microphone".into(),
            detail: default_name,
        });
        microphones.extend(list.microphones.iter().map(|m| SourceChoice {
            id: m.id.clone(),
            label: m.name.clone(),
            detail: (m.name != m.id).then(|| m.id.clone()),
        }));
    }
    let microphone_note = microphones
        .is_empty()
        .then(|| microphone_note(list.microphone_error.as_ref()));
    microphones.push(SourceChoice {
        id: SYNTHETIC_MIC.into(),
        label: TEST_TONE_LABEL.into(),
        detail: None,
    });
    microphones.push(SourceChoice {
        id: "none".into(),
        label: "No sound (video only)".into(),
        detail: None,
    });

    let default_camera = cameras[0].id.clone();
    let default_microphone = if list.microphones.is_empty() {
        if default_camera == "synthetic" {
            SYNTHETIC_MIC
        } else {
            "none"
        }
    } else {
        "default"
    }
    .to_string();
    CaptureChoices {
        cameras,
        microphones,
        default_camera,
        default_microphone,
        camera_note,
        microphone_note,
    }
}

fn microphone_note(error: Option<&ListingError>) -> String {
    match error {
        Some(e) if e.kind == CaptureErrorKind::AudioHostUnavailable => {
            "The sound system is not available. Record with the test tone or without sound.".into()
        }
        Some(e) => format!(
            "Microphones could not be listed ({}). Record with the test tone or without sound.",
            e.message
        ),
        None => "No microphone found. Connect one, or use the test tone or no sound.".into(),
    }
}

#[cfg(test)]
mod tests {
    use debrief_capture::{CameraInfo, MicrophoneInfo};

    use super::*;

    fn empty() -> DeviceList {
        DeviceList {
            cameras: vec![],
            microphones: vec![],
            camera_error: None,
            microphone_error: None,
        }
    }

    fn ids(choices: &[SourceChoice]) -> Vec<&str> {
        choices.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn with_no_devices_the_stand_ins_are_offered_and_the_absence_explained() {
        let c = choices_from(empty());
        assert_eq!(ids(&c.cameras), ["synthetic"]);
        assert_eq!(c.cameras[0].label, "Test pattern (no camera)");
        assert_eq!(ids(&c.microphones), ["synthetic", "none"]);
        assert_eq!(c.default_camera, "synthetic");
        assert_eq!(c.default_microphone, "synthetic");
        assert!(c.camera_note.unwrap().starts_with("No camera found"));
        assert!(
            c.microphone_note
                .unwrap()
                .starts_with("No microphone found")
        );
    }

    #[test]
    fn real_devices_come_first_and_are_preselected() {
        let list = DeviceList {
            cameras: vec![CameraInfo {
                index: 2,
                name: "USB Camera".into(),
                description: "Video4Linux Device @ /dev/video2".into(),
                formats: vec![],
                error: None,
            }],
            microphones: vec![
                MicrophoneInfo {
                    id: "hw:1,0".into(),
                    name: "USB Mic".into(),
                    is_default: true,
                    sample_rate: Some(48_000),
                    channels: Some(1),
                    sample_format: None,
                },
                MicrophoneInfo {
                    id: "pulse".into(),
                    name: "pulse".into(),
                    is_default: false,
                    sample_rate: None,
                    channels: None,
                    sample_format: None,
                },
            ],
            camera_error: None,
            microphone_error: None,
        };
        let c = choices_from(list);
        assert_eq!(ids(&c.cameras), ["camera:2", "synthetic"]);
        assert_eq!(
            ids(&c.microphones),
            ["default", "hw:1,0", "pulse", "synthetic", "none"]
        );
        assert_eq!(c.microphones[0].detail.as_deref(), Some("USB Mic"));
        assert_eq!(c.microphones[2].detail, None, "a name equal to its id");
        assert_eq!(
            (c.default_camera.as_str(), c.default_microphone.as_str()),
            ("camera:2", "default")
        );
        assert_eq!((c.camera_note, c.microphone_note), (None, None));
    }

    #[test]
    fn listing_failures_are_explained_per_kind() {
        let mut list = empty();
        list.camera_error = Some(ListingError {
            kind: CaptureErrorKind::Device,
            message: "camera list failed; try again".into(),
        });
        list.microphone_error = Some(ListingError {
            kind: CaptureErrorKind::AudioHostUnavailable,
            message: "the audio system is not available".into(),
        });
        let c = choices_from(list);
        assert!(c.camera_note.unwrap().contains("camera list failed"));
        assert!(
            c.microphone_note
                .unwrap()
                .starts_with("The sound system is not available")
        );
    }
}

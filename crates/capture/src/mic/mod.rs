//! Microphones through cpal (ALSA on Linux, CoreAudio, WASAPI, AAudio).
//!
//! [`Microphone`] names a device (the default one, or one chosen by name as
//! in `--mic NAME`); starting it opens the device on a thread that owns the
//! cpal stream for its whole life. Whatever the device delivers (any rate,
//! sample format or channel count) is converted to mono f32 at 48 kHz in
//! `stream`. cpal errors are mapped here to errors that name the device
//! and say what to do next.
//!
//! ALSA's "null" PCM is left out of listings and never opened by name
//! matching: it is a sink that records only zeros, not a microphone.

mod assemble;
mod quiet;
mod stream;

use std::fmt;
use std::str::FromStr;

use cpal::traits::{DeviceTrait, HostTrait};
use serde::{Deserialize, Serialize};

use crate::clock::CaptureClock;
use crate::error::CaptureError;
use crate::source::{AudioCapture, AudioConfig, AudioSource};

/// Which microphone to use.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MicChoice {
    /// The system's default input.
    #[default]
    Default,
    /// A device by id or name (exact, or a unique case-insensitive part of
    /// its name).
    Named(String),
}

impl FromStr for MicChoice {
    type Err = std::convert::Infallible;

    /// `default` picks the default input; anything else is a name. (`none`,
    /// "no microphone", is the caller's business: it starts no source.)
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(if s.eq_ignore_ascii_case("default") {
            Self::Default
        } else {
            Self::Named(s.to_string())
        })
    }
}

/// A microphone source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Microphone {
    pub choice: MicChoice,
    /// Ask the device for this rate instead of its default (rarely needed:
    /// for devices whose default misbehaves, and for tests).
    pub device_sample_rate: Option<u32>,
    /// Ask the device for this many channels instead of its default.
    pub device_channels: Option<u16>,
}

impl Microphone {
    pub fn new(choice: MicChoice) -> Self {
        Self {
            choice,
            ..Self::default()
        }
    }

    /// Request a specific device format (it is converted to mono 48 kHz
    /// all the same).
    pub fn with_device_format(mut self, sample_rate: Option<u32>, channels: Option<u16>) -> Self {
        self.device_sample_rate = sample_rate;
        self.device_channels = channels;
        self
    }
}

impl AudioSource for Microphone {
    fn name(&self) -> String {
        match &self.choice {
            MicChoice::Default => "default microphone".into(),
            MicChoice::Named(name) => format!("microphone '{name}'"),
        }
    }

    fn start(
        &self,
        config: &AudioConfig,
        clock: &CaptureClock,
    ) -> Result<AudioCapture, CaptureError> {
        config.validate()?;
        if clock.is_virtual() {
            return Err(CaptureError::InvalidConfig(
                "a microphone runs in real time; start it with CaptureClock::real()".into(),
            ));
        }
        stream::start(self.clone(), *config, clock.clone())
    }
}

/// A microphone as listed for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MicrophoneInfo {
    /// What to pass to `--mic` (the host's device id, e.g. an ALSA PCM name).
    pub id: String,
    /// Human-readable name.
    pub name: String,
    pub is_default: bool,
    /// The device's default format, when it can be queried without opening
    /// a stream.
    pub sample_rate: Option<u32>,
    pub channels: Option<u16>,
    pub sample_format: Option<String>,
}

/// Input devices of the default audio host. An empty list, not an error,
/// when there are none; [`CaptureError::AudioHostUnavailable`] when the
/// audio system itself cannot be asked.
pub fn list_microphones() -> Result<Vec<MicrophoneInfo>, CaptureError> {
    quiet::quiet_alsa(list_microphones_loud)
}

fn list_microphones_loud() -> Result<Vec<MicrophoneInfo>, CaptureError> {
    let host = cpal::default_host();
    let devices = host
        .input_devices()
        .map_err(|e| CaptureError::AudioHostUnavailable {
            detail: format!("{:?}: {e}", host.id()),
        })?;
    let default_id = host
        .default_input_device()
        .and_then(|d| d.id().ok())
        .map(|id| id.id().to_string());
    let mut list = Vec::new();
    for device in devices {
        let Some(id) = usable_id(&device) else {
            continue;
        };
        let config = device.default_input_config().ok();
        list.push(MicrophoneInfo {
            is_default: default_id.as_deref() == Some(id.as_str()),
            name: device_name(&device).unwrap_or_else(|| id.clone()),
            id,
            sample_rate: config.map(|c| c.sample_rate()),
            channels: config.map(|c| c.channels()),
            sample_format: config.map(|c| format!("{:?}", c.sample_format())),
        });
    }
    Ok(list)
}

/// The device's id, unless it is not a real input (ALSA's "null").
fn usable_id(device: &cpal::Device) -> Option<String> {
    let id = device.id().ok()?.id().to_string();
    (id != "null").then_some(id)
}

fn device_name(device: &cpal::Device) -> Option<String> {
    device.description().ok().map(|d| d.name().to_string())
}

/// Find the device for a choice. Returns the device and the name to use in
/// messages.
pub(crate) fn find_device(choice: &MicChoice) -> Result<(cpal::Device, String), CaptureError> {
    quiet::quiet_alsa(|| find_device_loud(choice))
}

fn find_device_loud(choice: &MicChoice) -> Result<(cpal::Device, String), CaptureError> {
    let host = cpal::default_host();
    match choice {
        MicChoice::Default => {
            let device = host
                .default_input_device()
                .ok_or_else(|| CaptureError::NoMicrophone {
                    detail: format!("{:?} reports no default input", host.id()),
                })?;
            let label = match device_name(&device) {
                Some(name) => format!("default microphone ({name})"),
                None => "default microphone".into(),
            };
            Ok((device, label))
        }
        MicChoice::Named(wanted) => {
            let devices: Vec<cpal::Device> = host
                .input_devices()
                .map_err(|e| CaptureError::AudioHostUnavailable {
                    detail: format!("{:?}: {e}", host.id()),
                })?
                .filter(|d| usable_id(d).is_some())
                .collect();
            let names: Vec<(String, String)> = devices
                .iter()
                .map(|d| {
                    let id = usable_id(d).unwrap_or_default();
                    let name = device_name(d).unwrap_or_else(|| id.clone());
                    (id, name)
                })
                .collect();
            match pick_by_name(&names, wanted) {
                Some(i) => {
                    let label = format!("microphone '{}'", names[i].1);
                    Ok((devices[i].clone(), label))
                }
                None => {
                    // ALSA also opens PCM names it does not list ("hw:1,0").
                    let id = cpal::DeviceId::new(host.id(), wanted);
                    if let Some(device) = host.device_by_id(&id) {
                        return Ok((device, format!("microphone '{wanted}'")));
                    }
                    Err(CaptureError::MicrophoneNotFound {
                        name: wanted.clone(),
                        available: available_list(&names),
                    })
                }
            }
        }
    }
}

fn available_list(names: &[(String, String)]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names
            .iter()
            .map(|(id, name)| format!("{id} ({name})"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Index of the device matching `wanted`: an exact id, an exact name
/// (ignoring case), or the only name containing it (ignoring case).
fn pick_by_name(devices: &[(String, String)], wanted: &str) -> Option<usize> {
    if let Some(i) = devices.iter().position(|(id, _)| id == wanted) {
        return Some(i);
    }
    if let Some(i) = devices
        .iter()
        .position(|(_, name)| name.eq_ignore_ascii_case(wanted))
    {
        return Some(i);
    }
    let needle = wanted.to_lowercase();
    let mut matches = devices
        .iter()
        .enumerate()
        .filter(|(_, (_, name))| name.to_lowercase().contains(&needle));
    let first = matches.next()?;
    matches.next().is_none().then_some(first.0)
}

/// Map a cpal error met while opening a microphone.
pub(crate) fn open_error(microphone: &str, is_default: bool, err: &cpal::Error) -> CaptureError {
    use cpal::ErrorKind as K;
    let detail = format!("{microphone}: {err}");
    match err.kind() {
        // The default input missing, or unable to record at all.
        K::DeviceNotAvailable | K::UnsupportedOperation if is_default => {
            CaptureError::NoMicrophone { detail }
        }
        K::DeviceNotAvailable => CaptureError::DeviceLost {
            device: microphone.to_string(),
            detail: err.to_string(),
        },
        K::DeviceBusy => CaptureError::MicrophoneBusy {
            microphone: microphone.to_string(),
            detail: err.to_string(),
        },
        K::PermissionDenied => CaptureError::MicrophonePermissionDenied {
            microphone: microphone.to_string(),
            detail: err.to_string(),
        },
        K::HostUnavailable => CaptureError::AudioHostUnavailable { detail },
        K::UnsupportedConfig | K::UnsupportedOperation | K::InvalidInput => {
            CaptureError::UnsupportedMicrophoneFormat {
                microphone: microphone.to_string(),
                detail: err.to_string(),
            }
        }
        _ => CaptureError::Device {
            device: microphone.to_string(),
            detail: err.to_string(),
        },
    }
}

impl fmt::Display for MicChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::Named(name) => f.write_str(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn devices() -> Vec<(String, String)> {
        [
            ("hw:CARD=USB,DEV=0", "USB Audio Device"),
            ("default", "Default ALSA Output"),
            ("hw:CARD=PCH,DEV=0", "HDA Intel PCH, ALC257 Analog"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .to_vec()
    }

    #[test]
    fn names_match_by_id_name_or_unique_part() {
        let d = devices();
        assert_eq!(pick_by_name(&d, "hw:CARD=PCH,DEV=0"), Some(2));
        assert_eq!(pick_by_name(&d, "usb audio device"), Some(0));
        assert_eq!(pick_by_name(&d, "alc257"), Some(2));
        assert_eq!(pick_by_name(&d, "a"), None, "ambiguous");
        assert_eq!(pick_by_name(&d, "webcam"), None);
    }

    #[test]
    fn choices_parse() {
        assert_eq!("default".parse::<MicChoice>().unwrap(), MicChoice::Default);
        assert_eq!(
            "USB".parse::<MicChoice>().unwrap(),
            MicChoice::Named("USB".into())
        );
        assert_eq!(MicChoice::Named("x".into()).to_string(), "x");
    }

    #[test]
    fn cpal_errors_map_to_actionable_kinds() {
        use crate::error::CaptureErrorKind as K;
        let cases = [
            (cpal::ErrorKind::DeviceNotAvailable, true, K::NoMicrophone),
            (cpal::ErrorKind::DeviceNotAvailable, false, K::DeviceLost),
            (cpal::ErrorKind::UnsupportedOperation, true, K::NoMicrophone),
            (
                cpal::ErrorKind::UnsupportedOperation,
                false,
                K::UnsupportedMicrophoneFormat,
            ),
            (cpal::ErrorKind::DeviceBusy, true, K::MicrophoneBusy),
            (
                cpal::ErrorKind::PermissionDenied,
                true,
                K::MicrophonePermissionDenied,
            ),
            (
                cpal::ErrorKind::HostUnavailable,
                true,
                K::AudioHostUnavailable,
            ),
            (
                cpal::ErrorKind::UnsupportedConfig,
                true,
                K::UnsupportedMicrophoneFormat,
            ),
            (cpal::ErrorKind::BackendError, true, K::Device),
        ];
        for (kind, is_default, expected) in cases {
            let err = open_error("default microphone", is_default, &cpal::Error::new(kind));
            assert_eq!(err.kind(), expected, "{kind:?}");
        }
        let err = open_error(
            "microphone 'x'",
            false,
            &cpal::Error::with_message(cpal::ErrorKind::DeviceBusy, "snd_pcm_open: EBUSY"),
        );
        assert!(
            err.to_string()
                .contains("microphone 'x' is in use by another app")
        );
        assert!(err.to_string().ends_with("(snd_pcm_open: EBUSY)"));
    }

    #[test]
    fn the_available_list_says_none_when_empty() {
        assert_eq!(available_list(&[]), "none");
        assert!(available_list(&devices()).contains("hw:CARD=USB,DEV=0 (USB Audio Device)"));
    }
}

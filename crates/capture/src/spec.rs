//! The source names users type (`--source camera:1`, `--source
//! synthetic:fast`, `--mic none`), parsed in one place so the CLI and the app
//! agree, and the clock each one needs: `synthetic:fast` is the only source
//! on a virtual clock; everything else runs in real time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::camera::Camera;
use crate::clock::CaptureClock;
use crate::error::CaptureError;
use crate::mic::MicChoice;
use crate::source::VideoSource;
use crate::synthetic::{SyncMarkers, SyntheticVideo};

/// A video source as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoSourceSpec {
    /// `camera` (index 0) or `camera:N`.
    Camera(u32),
    /// `synthetic`: the test pattern, paced like a camera.
    Synthetic,
    /// `synthetic:fast`: the test pattern on a virtual clock, as fast as
    /// the consumer goes.
    SyntheticFast,
}

impl VideoSourceSpec {
    pub fn is_synthetic(&self) -> bool {
        !matches!(self, Self::Camera(_))
    }

    /// A new clock of the kind this source needs. Start every source of one
    /// recording with clones of the same clock.
    pub fn new_clock(&self) -> CaptureClock {
        match self {
            Self::SyntheticFast => CaptureClock::virtual_time(),
            Self::Camera(_) | Self::Synthetic => CaptureClock::real(),
        }
    }

    /// The source itself; `markers` apply to the synthetic pattern only.
    pub fn video_source(&self, markers: Option<SyncMarkers>) -> Box<dyn VideoSource> {
        match self {
            Self::Camera(index) => Box::new(Camera::new(*index)),
            Self::Synthetic | Self::SyntheticFast => Box::new(SyntheticVideo::new(markers)),
        }
    }
}

impl FromStr for VideoSourceSpec {
    type Err = CaptureError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            CaptureError::InvalidConfig(format!(
                "unknown video source '{s}'; use camera, camera:N, synthetic or synthetic:fast"
            ))
        };
        match s {
            "camera" => Ok(Self::Camera(0)),
            "synthetic" => Ok(Self::Synthetic),
            "synthetic:fast" => Ok(Self::SyntheticFast),
            _ => {
                let index = s.strip_prefix("camera:").ok_or_else(bad)?;
                index.parse().map(Self::Camera).map_err(|_| bad())
            }
        }
    }
}

impl fmt::Display for VideoSourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Camera(index) => write!(f, "camera:{index}"),
            Self::Synthetic => f.write_str("synthetic"),
            Self::SyntheticFast => f.write_str("synthetic:fast"),
        }
    }
}

/// A microphone as named on the command line: `none`, `default`, or a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MicSpec {
    /// Record video only.
    None,
    Device(MicChoice),
}

impl FromStr for MicSpec {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(if s.eq_ignore_ascii_case("none") {
            Self::None
        } else {
            Self::Device(s.parse()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_sources_parse_and_print_back() {
        for text in ["camera:0", "camera:3", "synthetic", "synthetic:fast"] {
            let spec: VideoSourceSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
        assert_eq!(
            "camera".parse::<VideoSourceSpec>().unwrap(),
            VideoSourceSpec::Camera(0)
        );
        let err = "webcam".parse::<VideoSourceSpec>().unwrap_err();
        assert!(err.to_string().contains("synthetic:fast"), "{err}");
        assert!("camera:x".parse::<VideoSourceSpec>().is_err());
    }

    #[test]
    fn only_synthetic_fast_runs_on_a_virtual_clock() {
        assert!(VideoSourceSpec::SyntheticFast.new_clock().is_virtual());
        assert!(!VideoSourceSpec::Synthetic.new_clock().is_virtual());
        assert!(!VideoSourceSpec::Camera(0).new_clock().is_virtual());
        assert!(VideoSourceSpec::Synthetic.is_synthetic());
        assert_eq!(
            VideoSourceSpec::Camera(2).video_source(None).name(),
            "camera 2"
        );
        assert_eq!(
            VideoSourceSpec::SyntheticFast.video_source(None).name(),
            "synthetic camera"
        );
    }

    #[test]
    fn microphones_parse() {
        assert_eq!("none".parse::<MicSpec>().unwrap(), MicSpec::None);
        assert_eq!(
            "default".parse::<MicSpec>().unwrap(),
            MicSpec::Device(MicChoice::Default)
        );
        assert_eq!(
            "USB Mic".parse::<MicSpec>().unwrap(),
            MicSpec::Device(MicChoice::Named("USB Mic".into()))
        );
    }
}

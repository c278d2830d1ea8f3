//! Device configuration: defaults, then `config.toml` in the data
//! directory, then `DEBRIEF_*` environment variables. Every field has a
//! serde default, so config files written by older versions keep loading.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::DeviceError;

pub const CONFIG_FILE: &str = "config.toml";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Name shown as the author of clips made on this device before it
    /// joins a team. Default: the OS user name.
    pub author: Option<String>,
    /// Sync media over metered (cellular) networks too. Default: no.
    pub allow_cellular: bool,
    /// Most bytes of downloaded media to keep on this device. Default 2 GiB.
    pub storage_budget_bytes: Option<u64>,
    /// Seconds a server request may go without progress before it is retried.
    pub network_timeout_secs: Option<u64>,
    /// How recordings are made unless a recording asks otherwise.
    pub recording: RecordingDefaults,
}

/// The `[recording]` table: picture size, frame rate and maximum length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordingDefaults {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// A recording stops (and is saved) at this length. Default 10 minutes.
    pub max_length_secs: u32,
}

impl Default for RecordingDefaults {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 720,
            fps: 30,
            max_length_secs: 600,
        }
    }
}

pub const DEFAULT_STORAGE_BUDGET: u64 = 2 << 30;

impl Config {
    pub fn storage_budget(&self) -> u64 {
        self.storage_budget_bytes.unwrap_or(DEFAULT_STORAGE_BUDGET)
    }
}

impl Config {
    /// Load the config of a data directory, applying environment overrides.
    pub fn load(data_dir: &Path) -> Result<Self, DeviceError> {
        let mut config = Self::load_file(data_dir)?;
        config.apply_env(|k| std::env::var(k).ok());
        Ok(config)
    }

    /// What `config.toml` itself says (defaults for what it leaves out),
    /// without environment overrides: the base a settings change edits, so
    /// a value that only came from the environment is never written down.
    pub fn load_file(data_dir: &Path) -> Result<Self, DeviceError> {
        let path = data_dir.join(CONFIG_FILE);
        let config = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| DeviceError::Config {
                path: path.clone(),
                message: e.message().to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => {
                return Err(DeviceError::Config {
                    path,
                    message: e.to_string(),
                });
            }
        };
        Ok(config)
    }

    /// Write `config.toml` so that a crash leaves the old file or the new
    /// one, never half of either (a temporary file renamed over it).
    pub fn save(&self, data_dir: &Path) -> Result<(), DeviceError> {
        let path = data_dir.join(CONFIG_FILE);
        let fail = |message: String| DeviceError::Config {
            path: path.clone(),
            message,
        };
        let text = toml::to_string(self).map_err(|e| fail(e.to_string()))?;
        let tmp = data_dir.join(format!("{CONFIG_FILE}.tmp"));
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            fail(format!("cannot write it: {e}"))
        })
    }

    fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        if let Some(a) = get("DEBRIEF_AUTHOR").filter(|a| !a.trim().is_empty()) {
            self.author = Some(a.trim().to_string());
        }
        if let Some(v) = get("DEBRIEF_ALLOW_CELLULAR") {
            self.allow_cellular = matches!(v.trim(), "1" | "true" | "yes");
        }
        if let Some(v) = get("DEBRIEF_STORAGE_BUDGET").and_then(|v| parse_bytes(&v)) {
            self.storage_budget_bytes = Some(v);
        }
        if let Some(v) = get("DEBRIEF_NETWORK_TIMEOUT_SECS").and_then(|v| v.trim().parse().ok()) {
            self.network_timeout_secs = Some(v);
        }
    }
}

/// "2GiB", "500 MB", "1048576" -> bytes.
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * mult) as u64)
}

/// The data directory to use: an explicit one, else `DEBRIEF_DATA_DIR`
/// (clap reads that for the CLI), else the platform's app-data directory.
pub fn default_data_dir() -> Result<PathBuf, DeviceError> {
    directories::ProjectDirs::from("app", "Debrief", "debrief")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            DeviceError::InvalidInput(
                "cannot find a home directory for the library; pass --data-dir DIR".into(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env_override_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Config::load(dir.path()).unwrap().author,
            std::env::var("DEBRIEF_AUTHOR").ok()
        );
        std::fs::write(dir.path().join(CONFIG_FILE), "author = \"Sam Seller\"\n").unwrap();
        let mut c: Config =
            toml::from_str(&std::fs::read_to_string(dir.path().join(CONFIG_FILE)).unwrap())
                .unwrap();
        assert_eq!(c.author.as_deref(), Some("Sam Seller"));
        c.apply_env(|k| (k == "DEBRIEF_AUTHOR").then(|| "  Env Name ".to_string()));
        assert_eq!(c.author.as_deref(), Some("Env Name"));
    }

    #[test]
    fn recording_defaults_are_720p30_for_ten_minutes_and_can_be_changed() {
        assert_eq!(
            Config::default().recording,
            RecordingDefaults {
                width: 1280,
                height: 720,
                fps: 30,
                max_length_secs: 600
            }
        );
        let c: Config = toml::from_str("[recording]\nmax_length_secs = 120\n").unwrap();
        assert_eq!(c.recording.max_length_secs, 120);
        assert_eq!(c.recording.width, 1280);
        let err = toml::from_str::<Config>("[recording]\nfsp = 25\n").unwrap_err();
        assert!(err.message().contains("fsp"), "{err}");
    }

    #[test]
    fn saved_settings_load_again_and_keep_the_other_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "author = \"Sam Seller\"\nnetwork_timeout_secs = 7\n",
        )
        .unwrap();
        let mut c = Config::load_file(dir.path()).unwrap();
        c.allow_cellular = true;
        c.storage_budget_bytes = Some(512 << 20);
        c.save(dir.path()).unwrap();
        let again = Config::load_file(dir.path()).unwrap();
        assert_eq!(again, c);
        assert_eq!(again.author.as_deref(), Some("Sam Seller"));
        assert_eq!(again.network_timeout_secs, Some(7));
        assert!(!dir.path().join("config.toml.tmp").exists());
    }

    #[test]
    fn a_config_that_cannot_be_written_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-folder");
        let err = Config::default().save(&missing).unwrap_err().to_string();
        assert!(
            err.contains("no-such-folder") && err.contains("cannot write"),
            "{err}"
        );
    }

    #[test]
    fn byte_sizes_parse() {
        assert_eq!(parse_bytes("2GiB"), Some(2 << 30));
        assert_eq!(parse_bytes("500 MB"), Some(500_000_000));
        assert_eq!(parse_bytes("1024"), Some(1024));
        assert_eq!(parse_bytes("lots"), None);
    }

    #[test]
    fn unknown_keys_and_bad_toml_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "autor = \"typo\"\n").unwrap();
        let err = Config::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("autor") && err.contains("config.toml"),
            "{err}"
        );
    }
}

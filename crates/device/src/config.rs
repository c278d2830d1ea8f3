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
}

impl Config {
    /// Load the config of a data directory, applying environment overrides.
    pub fn load(data_dir: &Path) -> Result<Self, DeviceError> {
        let path = data_dir.join(CONFIG_FILE);
        let mut config = match std::fs::read_to_string(&path) {
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
        config.apply_env(|k| std::env::var(k).ok());
        Ok(config)
    }

    fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        if let Some(a) = get("DEBRIEF_AUTHOR").filter(|a| !a.trim().is_empty()) {
            self.author = Some(a.trim().to_string());
        }
    }
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

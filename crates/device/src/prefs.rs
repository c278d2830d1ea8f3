//! The preferences a user changes from the app (Wi-Fi only, storage
//! budget), written to `config.toml` so the CLI and the next launch see
//! them too. A change edits what the file says, never values that came
//! from `DEBRIEF_*` variables, and the device then reloads its effective
//! configuration (file plus environment). Lowering the budget frees space
//! at once instead of at the next sync.

use crate::Device;
use crate::config::Config;
use crate::error::{DeviceError, Result};

/// The smallest storage budget a user may set: room for a few clips.
pub const MIN_STORAGE_BUDGET: u64 = 100 << 20;

/// A settings change; `None` leaves a preference as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreferenceChange {
    pub allow_cellular: Option<bool>,
    pub storage_budget_bytes: Option<u64>,
}

impl Device {
    /// Save a settings change and apply it. Returns how many clips' media
    /// were removed to fit a lowered budget.
    pub fn set_preferences(&mut self, change: &PreferenceChange) -> Result<u32> {
        if let Some(b) = change.storage_budget_bytes
            && b < MIN_STORAGE_BUDGET
        {
            return Err(DeviceError::InvalidInput(format!(
                "the storage budget must be at least {} MB, so a few clips fit",
                MIN_STORAGE_BUDGET >> 20
            )));
        }
        let mut file = Config::load_file(self.data_dir())?;
        if let Some(v) = change.allow_cellular {
            file.allow_cellular = v;
        }
        if let Some(b) = change.storage_budget_bytes {
            file.storage_budget_bytes = Some(b);
        }
        file.save(self.data_dir())?;
        self.config = Config::load(self.data_dir())?;
        let evicted = self.library.evict_to_budget(self.config.storage_budget())?;
        Ok(evicted.len() as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_persist_to_config_toml_and_apply_now() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "author = \"Sam\"\n").unwrap();
        let mut d = Device::open(dir.path()).unwrap();
        let change = PreferenceChange {
            allow_cellular: Some(true),
            storage_budget_bytes: Some(512 << 20),
        };
        assert_eq!(d.set_preferences(&change).unwrap(), 0);
        if std::env::var_os("DEBRIEF_ALLOW_CELLULAR").is_none() {
            assert!(d.config().allow_cellular);
        }
        let file = Config::load_file(dir.path()).unwrap();
        assert!(file.allow_cellular);
        assert_eq!(file.storage_budget_bytes, Some(512 << 20));
        assert_eq!(file.author.as_deref(), Some("Sam"), "other keys are kept");
        // Only what the change names moves.
        d.set_preferences(&PreferenceChange {
            allow_cellular: Some(false),
            storage_budget_bytes: None,
        })
        .unwrap();
        let file = Config::load_file(dir.path()).unwrap();
        assert!(!file.allow_cellular);
        assert_eq!(file.storage_budget_bytes, Some(512 << 20));
        // A fresh open (the CLI, the next launch) sees the same.
        if std::env::var_os("DEBRIEF_STORAGE_BUDGET").is_none() {
            let again = Device::open(dir.path()).unwrap();
            assert_eq!(again.config().storage_budget(), 512 << 20);
        }
    }

    #[test]
    fn a_tiny_budget_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = Device::open(dir.path()).unwrap();
        let err = d
            .set_preferences(&PreferenceChange {
                allow_cellular: Some(true),
                storage_budget_bytes: Some(1 << 20),
            })
            .unwrap_err();
        assert_eq!(err.kind(), "invalid_input");
        assert!(err.to_string().contains("at least 100 MB"), "{err}");
        assert!(!dir.path().join("config.toml").exists());
    }
}

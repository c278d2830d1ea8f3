//! The team's devices as the server lists them, asked outside the
//! device's lock (like [`crate::ClipFetch`]): a slow or unreachable server
//! never holds up listing or recording.

use std::path::PathBuf;

use debrief_library::Library;
use debrief_protocol::api::DevicesResponse;
use debrief_sync::{SyncEngine, SyncOptions};

use crate::Device;
use crate::error::Result;

/// A question to the team server, prepared under the device's lock and
/// asked without it.
#[derive(Debug, Clone)]
pub struct DeviceRoster {
    data_dir: PathBuf,
    opts: SyncOptions,
}

impl Device {
    pub fn device_roster(&self) -> DeviceRoster {
        DeviceRoster {
            data_dir: self.data_dir().to_path_buf(),
            opts: self.sync_options(None),
        }
    }
}

impl DeviceRoster {
    /// The devices the server shows this one: the whole team's to an
    /// admin, the member's own otherwise. Fails with the sync error kinds
    /// (not joined, unreachable, revoked, ...).
    pub async fn fetch(&self) -> Result<DevicesResponse> {
        let lib = Library::open(&self.data_dir)?;
        let engine = SyncEngine::new(&self.data_dir, self.opts.clone());
        let client = engine.client(&lib).await?;
        Ok(client.devices().await?)
    }
}

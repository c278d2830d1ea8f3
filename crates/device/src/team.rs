//! Team operations of the facade: join, leave, sync, status, pin and
//! open. They delegate to `debrief-sync`; this layer applies the user's
//! configuration (cellular allowed, storage budget, timeouts) and the
//! command-line overrides.

use std::path::PathBuf;
use std::time::Duration;

use debrief_library::{Account, Clip};
use debrief_sync::{NetworkKind, SyncEngine, SyncOptions, SyncReport, SyncStatus, Timeouts};

use crate::error::{DeviceError, Result};
use crate::{Device, parse_id};

impl Device {
    /// Sync options from this device's configuration (the app's sync loop
    /// starts with these; `network` overrides the detected kind).
    pub fn sync_options(&self, network: Option<NetworkKind>) -> SyncOptions {
        let mut opts = SyncOptions {
            network,
            allow_cellular: self.config.allow_cellular,
            storage_budget_bytes: self.config.storage_budget(),
            ..SyncOptions::default()
        };
        if let Some(secs) = self.config.network_timeout_secs {
            opts.timeouts = Timeouts {
                connect: Duration::from_secs(secs),
                read: Duration::from_secs(secs),
            };
        }
        opts
    }

    /// Join a team with an invite code.
    pub async fn join(
        &mut self,
        server_url: &str,
        code: &str,
        display_name: Option<&str>,
        device_name: Option<&str>,
    ) -> Result<Account> {
        let device_name = device_name.map(str::to_string).unwrap_or_else(host_name);
        let account = debrief_sync::join(
            self.data_dir(),
            server_url,
            code,
            display_name,
            &device_name,
            self.sync_options(None).timeouts,
        )
        .await?;
        self.reopen()?;
        Ok(account)
    }

    /// Leave the team (refused while changes wait, unless `force`).
    pub async fn leave(&mut self, force: bool) -> Result<Account> {
        let account = debrief_sync::leave(self.data_dir(), force).await?;
        self.reopen()?;
        Ok(account)
    }

    /// One full sync round.
    pub async fn sync_once(&mut self, network: Option<NetworkKind>) -> Result<SyncReport> {
        let engine = SyncEngine::new(self.data_dir(), self.sync_options(network));
        let report = engine.run_once().await;
        self.reopen()?;
        Ok(report?)
    }

    /// The team this device belongs to, if it joined one.
    pub fn account(&self) -> Result<Option<Account>> {
        Ok(self.library.account()?)
    }

    /// What waits, what moves, what failed.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        Ok(debrief_sync::read_status(&self.library)?)
    }

    pub fn pin(&mut self, id: &str, pinned: bool) -> Result<Clip> {
        Ok(self.library.set_pinned(parse_id(id)?, pinned)?)
    }

    /// The local path of a clip's media, downloading it first if it is only
    /// on the server (when the network policy allows media).
    pub async fn open_clip(&mut self, id: &str, network: Option<NetworkKind>) -> Result<PathBuf> {
        let clip = self.library.clip(parse_id(id)?)?;
        if let Some(p) = &clip.media_path {
            self.library.mark_watched(clip.id)?;
            return Ok(p.clone());
        }
        let opts = self.sync_options(network);
        let (kind, _) = debrief_sync::network::detect(opts.network).await;
        if kind == NetworkKind::Offline {
            return Err(DeviceError::InvalidInput(format!(
                "\"{}\" is not on this device and the device is offline; pin it (`debrief pin {}`) to get it at the next sync",
                clip.title, clip.id
            )));
        }
        if kind == NetworkKind::Metered && !opts.allow_cellular {
            return Err(DeviceError::InvalidInput(format!(
                "\"{}\" is not on this device and media downloads wait for an unmetered network; allow cellular (DEBRIEF_ALLOW_CELLULAR=1) or pin it (`debrief pin {}`) for the next Wi-Fi sync",
                clip.title, clip.id
            )));
        }
        let engine = SyncEngine::new(self.data_dir(), opts);
        let client = engine.client(&self.library).await?;
        engine
            .download_one(
                &mut self.library,
                &client,
                clip.id,
                &clip.sha256,
                clip.bytes,
            )
            .await?;
        self.library.mark_watched(clip.id)?;
        let clip = self.library.clip(clip.id)?;
        clip.media_path.ok_or_else(|| {
            DeviceError::InvalidInput(format!("clip {} was deleted while it downloaded", clip.id))
        })
    }

    /// Re-read library state written by the sync engine's own connection.
    fn reopen(&mut self) -> Result<()> {
        let dir = self.data_dir().to_path_buf();
        *self = Device::open(&dir)?;
        Ok(())
    }
}

/// This machine's name, for the device list on the server.
pub fn host_name() -> String {
    for source in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
        if let Ok(s) = std::fs::read_to_string(source) {
            let s = s.trim();
            if !s.is_empty() {
                return s.to_string();
            }
        }
    }
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this device".to_string())
}

/// Run an async facade call from synchronous code (the CLI).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
        .block_on(f)
}

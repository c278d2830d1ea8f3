//! Fetching one clip's media for the app's player, with progress, outside
//! the device's lock: the app keeps listing and searching while a video
//! downloads. The fetch opens its own library connection (SQLite in WAL
//! mode lets it write while the device's connection reads), applies the
//! same network policy as `open_clip`, and reports bytes as they arrive.
//!
//! A refusal says why in words a person acts on (offline; Wi-Fi only on a
//! metered network) and carries a kind the app branches on.

use std::path::PathBuf;
use std::time::Duration;

use debrief_library::{Clip, Library};
use debrief_sync::{NetworkKind, SyncEngine, SyncOptions};

use crate::error::{DeviceError, Result};
use crate::{Device, parse_id};

/// Why media cannot move right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaBlock {
    Offline,
    /// Metered network, and the user keeps media to Wi-Fi.
    WifiOnly,
}

impl MediaBlock {
    /// The policy for a network kind: `None` when media may move.
    pub fn for_network(kind: NetworkKind, allow_cellular: bool) -> Option<Self> {
        match kind {
            NetworkKind::Offline => Some(Self::Offline),
            NetworkKind::Metered if !allow_cellular => Some(Self::WifiOnly),
            _ => None,
        }
    }
}

/// A download of one clip's media, prepared under the device's lock and
/// run without it.
#[derive(Debug, Clone)]
pub struct ClipFetch {
    data_dir: PathBuf,
    opts: SyncOptions,
}

impl Device {
    /// Prepare a fetch with this device's settings (`network` overrides
    /// the detected kind).
    pub fn clip_fetch(&self, network: Option<NetworkKind>) -> ClipFetch {
        ClipFetch {
            data_dir: self.data_dir().to_path_buf(),
            opts: self.sync_options(network),
        }
    }
}

impl ClipFetch {
    /// Make the clip's media local: nothing to do when it is here already,
    /// else download it (resuming a `.part` left by an earlier attempt),
    /// calling `on_progress(bytes_done, bytes_total)` every `tick`.
    /// Returns the clip as it is afterwards.
    pub async fn run(
        &self,
        id: &str,
        tick: Duration,
        mut on_progress: impl FnMut(u64, u64),
    ) -> Result<Clip> {
        let mut lib = Library::open(&self.data_dir)?;
        let clip = lib.clip(parse_id(id)?)?;
        if clip.media_path.is_some() {
            lib.mark_watched(clip.id)?;
            return Ok(clip);
        }
        if clip.sha256.is_empty() || clip.bytes == 0 {
            return Err(DeviceError::InvalidInput(format!(
                "\"{}\" has no video to download yet; its author's device has not uploaded it",
                clip.title
            )));
        }
        let (kind, _) = debrief_sync::network::detect(self.opts.network).await;
        if let Some(block) = MediaBlock::for_network(kind, self.opts.allow_cellular) {
            return Err(DeviceError::MediaBlocked {
                title: clip.title,
                block,
            });
        }
        let engine = SyncEngine::new(&self.data_dir, self.opts.clone());
        let client = engine.client(&lib).await?;
        {
            // The download borrows the library; this block ends the borrow.
            let download =
                engine.download_one(&mut lib, &client, clip.id, &clip.sha256, clip.bytes);
            tokio::pin!(download);
            let mut ticker = tokio::time::interval(tick);
            let result = loop {
                tokio::select! {
                    r = &mut download => break r,
                    _ = ticker.tick() => {
                        if let Some(t) = engine.live_transfer() {
                            on_progress(t.bytes_done, t.bytes_total);
                        }
                    }
                }
            };
            result?;
        }
        on_progress(clip.bytes, clip.bytes);
        lib.mark_watched(clip.id)?;
        Ok(lib.clip(clip.id)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_blocks_offline_always_and_metered_unless_allowed() {
        use MediaBlock::*;
        assert_eq!(
            MediaBlock::for_network(NetworkKind::Offline, true),
            Some(Offline)
        );
        assert_eq!(
            MediaBlock::for_network(NetworkKind::Metered, false),
            Some(WifiOnly)
        );
        assert_eq!(MediaBlock::for_network(NetworkKind::Metered, true), None);
        assert_eq!(MediaBlock::for_network(NetworkKind::Unmetered, false), None);
    }

    /// A clip only on the server, on a metered network with Wi-Fi only on:
    /// refused with a reason, before any request (this device never joined).
    #[test]
    fn a_remote_clip_on_a_metered_network_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let device = Device::open(dir.path()).unwrap();
        let mut lib = Library::open(dir.path()).unwrap();
        lib.add_synthetic_clips(1, 7).unwrap();
        let clip = lib
            .list(&debrief_library::ClipQuery::page(10, 0))
            .unwrap()
            .remove(0);
        let fetch = device.clip_fetch(Some(NetworkKind::Metered));
        let fetch = ClipFetch {
            opts: SyncOptions {
                allow_cellular: false,
                ..fetch.opts
            },
            ..fetch
        };
        let err =
            crate::block_on(fetch.run(&clip.id.to_string(), Duration::from_millis(50), |_, _| {}))
                .unwrap_err();
        assert_eq!(err.kind(), "wifi_only");
        let msg = err.to_string();
        assert!(
            msg.contains(&clip.title) && msg.contains("Wi-Fi only"),
            "{msg}"
        );

        let offline = device.clip_fetch(Some(NetworkKind::Offline));
        let err = crate::block_on(offline.run(
            &clip.id.to_string(),
            Duration::from_millis(50),
            |_, _| {},
        ))
        .unwrap_err();
        assert_eq!(err.kind(), "offline");
    }
}

//! The team, sync and settings shapes that cross IPC. Like `dto`, each
//! mirrors a core type with exhaustive matches, so a state the core adds
//! fails to compile here instead of reaching the UI unannounced.

use debrief_device::{Account, NetworkKind, RoundOutcome, SyncStatus};
use debrief_library::Direction;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::{ErrorKind, IpcError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum NetworkView {
    /// Wi-Fi or wired: media moves.
    Unmetered,
    /// Cellular or a hotspot: media moves only if Wi-Fi only is off.
    Metered,
    Offline,
}

impl From<NetworkKind> for NetworkView {
    fn from(k: NetworkKind) -> Self {
        match k {
            NetworkKind::Unmetered => Self::Unmetered,
            NetworkKind::Metered => Self::Metered,
            NetworkKind::Offline => Self::Offline,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum TransferDirection {
    Upload,
    Download,
}

/// One file moving (or interrupted) between this device and the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct TransferView {
    pub direction: TransferDirection,
    pub clip_id: String,
    /// A clip's thumbnail rather than its video.
    pub thumbnail: bool,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Moving right now in this app (else: waiting to resume).
    pub live: bool,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// Retrying cannot help; the message says what to do.
    pub permanent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct FailedClipView {
    pub clip_id: String,
    pub title: String,
    pub error: String,
}

/// What waits, what moves, what failed, and when sync last worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct SyncStatusView {
    pub joined: bool,
    pub server_url: Option<String>,
    pub team_name: Option<String>,
    /// Changes made here that the team server does not have yet.
    pub pending_ops: u64,
    /// Files (videos and thumbnails) waiting to be uploaded.
    pub pending_uploads: u64,
    pub pending_upload_bytes: u64,
    /// Pinned and playbook clips whose video is not here yet.
    pub pending_downloads: u64,
    /// The live transfer first, then interrupted ones.
    pub transfers: Vec<TransferView>,
    pub failed: Vec<FailedClipView>,
    /// RFC 3339, UTC.
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    /// A round is running now.
    pub running: bool,
    pub network: Option<NetworkView>,
    /// Videos wait for Wi-Fi (metered network, Wi-Fi only on).
    pub media_paused_metered: bool,
    /// Why the last round could not run at all (server unreachable, ...).
    pub round_error: Option<IpcError>,
    /// Notifications not read yet.
    pub unread_notifications: u64,
}

impl SyncStatusView {
    pub fn new(s: SyncStatus, round_error: Option<IpcError>) -> Self {
        let mut transfers = Vec::new();
        if let Some(l) = &s.live {
            transfers.push(TransferView {
                direction: direction(l.direction),
                clip_id: l.clip_id.to_string(),
                thumbnail: l.thumbnail,
                bytes_done: l.bytes_done,
                bytes_total: l.bytes_total,
                live: true,
                attempts: 0,
                last_error: None,
                permanent: false,
            });
        }
        for t in s.transfers {
            let is_live = s.live.as_ref().is_some_and(|l| {
                l.direction == t.direction && l.clip_id == t.clip_id && l.thumbnail == t.thumbnail
            });
            if is_live {
                if let Some(first) = transfers.first_mut() {
                    first.attempts = t.attempts;
                }
                continue;
            }
            transfers.push(TransferView {
                direction: direction(t.direction),
                clip_id: t.clip_id.to_string(),
                thumbnail: t.thumbnail,
                bytes_done: t.bytes_done,
                bytes_total: t.bytes_total,
                live: false,
                attempts: t.attempts,
                last_error: t.last_error,
                permanent: t.permanent,
            });
        }
        Self {
            joined: s.joined,
            server_url: s.server_url,
            team_name: s.team_name,
            pending_ops: s.pending_ops,
            pending_uploads: s.pending_uploads,
            pending_upload_bytes: s.pending_upload_bytes,
            pending_downloads: s.pending_downloads,
            transfers,
            failed: s
                .failed
                .into_iter()
                .map(|f| FailedClipView {
                    clip_id: f.clip_id.to_string(),
                    title: f.title,
                    error: f.error,
                })
                .collect(),
            last_success: s.last_success,
            last_error: s.last_error,
            running: s.running,
            network: s.network.map(Into::into),
            media_paused_metered: s.media_paused_metered,
            round_error: if s.joined { round_error } else { None },
            unread_notifications: s.unread_notifications,
        }
    }
}

fn direction(d: Direction) -> TransferDirection {
    match d {
        Direction::Up => TransferDirection::Upload,
        Direction::Down => TransferDirection::Download,
    }
}

/// What one sync round did (or why it could not run).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Type)]
pub struct RoundView {
    pub ok: bool,
    /// The round changed what the library shows (views should reload).
    pub changed: bool,
    pub pushed_changes: u64,
    pub uploaded_files: u32,
    pub pulled_changes: u64,
    pub downloaded_files: u32,
    /// Items that failed in a round that otherwise ran.
    pub failures: u32,
    /// Set when the round could not run at all.
    pub error: Option<IpcError>,
}

impl RoundView {
    pub fn from_outcome(o: &RoundOutcome) -> Self {
        match o {
            RoundOutcome::Done(r) => Self {
                ok: r.failures.is_empty(),
                changed: r.pushed_ops > 0
                    || r.uploaded_files > 0
                    || r.skipped_uploads > 0
                    || r.pulled_changes > 0
                    || r.thumbnails > 0
                    || r.downloaded_files > 0
                    || r.evicted > 0
                    || !r.failures.is_empty(),
                pushed_changes: r.pushed_ops,
                uploaded_files: r.uploaded_files,
                pulled_changes: r.pulled_changes,
                downloaded_files: r.downloaded_files,
                failures: r.failures.len() as u32,
                error: None,
            },
            RoundOutcome::Failed { kind, message, .. } => Self {
                ok: false,
                changed: false,
                error: Some(IpcError {
                    kind: ErrorKind::from_device_kind(kind),
                    message: crate::error::sentence(message),
                }),
                ..Self::default()
            },
        }
    }
}

/// The team this device belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct AccountView {
    pub server_url: String,
    pub team_name: String,
    pub display_name: String,
    /// member, manager or admin.
    pub role: String,
    pub device_name: String,
}

impl From<Account> for AccountView {
    fn from(a: Account) -> Self {
        Self {
            server_url: a.server_url,
            team_name: a.team_name,
            display_name: a.display_name,
            role: a.role,
            device_name: a.device_name,
        }
    }
}

/// A device of the team, as far as this device knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct DeviceView {
    pub id: String,
    pub name: String,
    pub this_device: bool,
    /// Whose device it is (`null` when the server was not asked).
    pub owner: Option<String>,
    /// RFC 3339; last activity the server recorded (every few minutes).
    pub last_seen_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct TeamView {
    /// `null` until this device joins a team.
    pub account: Option<AccountView>,
    /// The devices the server shows this one (an admin: the whole team's;
    /// everyone else: their own); just this device before joining or when
    /// the server cannot be asked (`devices_note` then says why).
    pub devices: Vec<DeviceView>,
    pub devices_note: Option<String>,
    /// The name this device would join with (the host name).
    pub default_device_name: String,
}

#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct JoinTeamRequest {
    /// e.g. `https://debrief.example.com` or `http://127.0.0.1:8640`.
    pub server_url: String,
    pub invite_code: String,
    /// The name teammates see on your clips; default: your OS user name.
    pub display_name: Option<String>,
    /// Default: this computer's host name.
    pub device_name: Option<String>,
}

/// The preferences in Settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct SettingsView {
    /// Videos move only on unmetered networks (Wi-Fi, wired).
    pub wifi_only: bool,
    /// Downloaded videos kept on this device, at most.
    pub storage_budget_bytes: u64,
    pub min_storage_budget_bytes: u64,
    /// The network now, as this device sees it.
    pub network: NetworkView,
}

/// A change to Settings; `null` leaves a preference as it is.
#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct SettingsChange {
    pub wifi_only: Option<bool>,
    pub storage_budget_bytes: Option<u64>,
}

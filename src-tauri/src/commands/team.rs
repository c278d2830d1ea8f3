//! Team, sync, playbook and settings commands. Like the library commands,
//! each parses its input, makes one call into `debrief-device` (or asks the
//! background `SyncService`) and maps the result. Joining, leaving and
//! settings changes also start, stop or restart the background sync.
//!
//! Errors from the server are re-worded for a person holding a phone
//! (`team_error`): the core's messages name CLI commands, the app's name
//! what to tap.

use std::sync::Arc;
use std::time::Duration;

use debrief_device::{DeviceError, MIN_STORAGE_BUDGET, NetworkKind, PreferenceChange, SyncError};
use tauri::State;
use tauri_specta::Event;

use crate::dto::ClipView;
use crate::error::{ErrorKind, IpcError, sentence};
use crate::events::{DownloadProgress, LibraryChange};
use crate::events::{SyncRoundFinished, SyncStatusChanged};
use crate::state::AppState;
use crate::sync_service::{SyncEvent, SyncService};
use crate::team_dto::{
    DeviceView, JoinTeamRequest, RoundView, SettingsChange, SettingsView, SyncStatusView, TeamView,
};

/// The environment variable that overrides the detected network kind
/// (`metered`, `unmetered`, `offline`), for tests and for trying Wi-Fi only
/// on a desktop.
pub const NETWORK_ENV: &str = "DEBRIEF_NETWORK";

/// The network kind override from the environment, if any.
pub fn network_override() -> Option<NetworkKind> {
    std::env::var(NETWORK_ENV).ok()?.trim().parse().ok()
}

/// The background loop's options: the device's, with fewer tries per item
/// inside a round. The loop retries whole rounds with its own backoff, and
/// a person looking at the sync panel should learn within seconds, not
/// half a minute, that the server cannot be reached.
fn loop_options(d: &debrief_device::Device) -> debrief_device::SyncOptions {
    let mut opts = d.sync_options(network_override());
    opts.retry.attempts = opts.retry.attempts.min(3);
    opts
}

/// Make the app's sync service (not started), sending its events to the UI.
pub fn sync_service<R: tauri::Runtime>(
    handle: &tauri::AppHandle<R>,
    data_dir: std::path::PathBuf,
) -> Arc<SyncService> {
    let handle = handle.clone();
    let emit = move |e: SyncEvent| {
        let sent = match e {
            SyncEvent::Status(status) => SyncStatusChanged { status }.emit(&handle),
            SyncEvent::Round(round) => SyncRoundFinished { round }.emit(&handle),
            SyncEvent::Download(progress) => progress.emit(&handle),
        };
        if let Err(e) = sent {
            // The next status read catches a view up.
            tracing::debug!(error = %e, "could not send a sync event to the UI");
        }
    };
    Arc::new(SyncService::new(
        data_dir,
        debrief_device::LoopTiming::default(),
        Box::new(emit),
    ))
}

/// Start background sync at launch when this device belongs to a team.
pub async fn start_if_joined(state: &AppState, sync: &SyncService) {
    let joined = state
        .run(|d| Ok(d.account()?.map(|_| loop_options(d))))
        .await;
    match joined {
        Ok(Some(opts)) => sync.start(opts),
        Ok(None) => {}
        // The library did not open: every command reports that already.
        Err(e) => tracing::debug!(message = %e.message, "background sync not started"),
    }
}

/// The team this device belongs to, and its devices.
#[tauri::command]
#[specta::specta]
pub async fn get_team(state: State<'_, AppState>) -> Result<TeamView, IpcError> {
    let (account, device_id, roster) = state
        .run(|d| Ok((d.account()?, d.library().device_id(), d.device_roster())))
        .await?;
    let default_device_name = debrief_device::host_name();
    let this_device = DeviceView {
        id: device_id.to_string(),
        name: account
            .as_ref()
            .map(|a| a.device_name.clone())
            .unwrap_or_else(|| default_device_name.clone()),
        this_device: true,
        owner: None,
        last_seen_at: None,
    };
    let (devices, devices_note) = match &account {
        None => (vec![this_device], None),
        Some(a) => team_devices(&roster, &a.server_url, this_device).await,
    };
    Ok(TeamView {
        account: account.map(Into::into),
        devices,
        devices_note,
        default_device_name,
    })
}

/// How long Settings waits for the device list before showing this device
/// alone (the screen must not hang on a slow network).
const DEVICES_WAIT: Duration = Duration::from_secs(4);

/// The server's device list, this device first; on failure this device
/// alone with a note saying why.
async fn team_devices(
    roster: &debrief_device::DeviceRoster,
    server_url: &str,
    this_device: DeviceView,
) -> (Vec<DeviceView>, Option<String>) {
    // The fetch holds its own library connection (not `Sync`) across
    // awaits: it runs on a blocking thread with a runtime of its own.
    let roster = roster.clone();
    let fetched = tauri::async_runtime::spawn_blocking(move || {
        tauri::async_runtime::block_on(tokio::time::timeout(DEVICES_WAIT, roster.fetch()))
    })
    .await
    .unwrap_or_else(|e| {
        Ok(Err(DeviceError::InvalidInput(format!(
            "the device list task failed: {e}"
        ))))
    });
    let failed = |why: String| (vec![this_device.clone()], Some(why));
    match fetched {
        Err(_) => failed(format!(
            "Showing this device only: {server_url} did not answer within {} s.",
            DEVICES_WAIT.as_secs()
        )),
        Ok(Err(DeviceError::Sync(e))) => failed(format!(
            "Showing this device only: {}",
            team_error(&e, server_url).message
        )),
        Ok(Err(e)) => failed(format!("Showing this device only: {e}")),
        Ok(Ok(list)) => {
            let mut devices: Vec<DeviceView> = list
                .devices
                .into_iter()
                .map(|d| DeviceView {
                    this_device: d.device_id == list.you,
                    id: d.device_id.to_string(),
                    name: d.device_name,
                    owner: Some(d.display_name),
                    last_seen_at: d
                        .last_seen_at
                        .format(&time::format_description::well_known::Rfc3339)
                        .ok(),
                })
                .collect();
            devices.sort_by_key(|d| !d.this_device);
            (devices, None)
        }
    }
}

/// Join a team with the server's address and an invite code; background
/// sync starts right away.
#[tauri::command]
#[specta::specta]
pub async fn join_team(
    state: State<'_, AppState>,
    sync: State<'_, Arc<SyncService>>,
    request: JoinTeamRequest,
) -> Result<TeamView, IpcError> {
    let url = request.server_url.trim().to_string();
    let code = request.invite_code.trim().to_string();
    if url.is_empty() {
        return Err(invalid(
            "Enter the team server's address, e.g. https://debrief.example.com",
        ));
    }
    if code.is_empty() {
        return Err(invalid("Enter the invite code your team admin sent you"));
    }
    let name = request.display_name.filter(|n| !n.trim().is_empty());
    let device = request.device_name.filter(|n| !n.trim().is_empty());
    let opts = state
        .run(move |d| {
            let joined = tauri::async_runtime::block_on(d.join(
                &url,
                &code,
                name.as_deref(),
                device.as_deref(),
            ));
            Ok(match joined {
                Ok(_) => Ok(loop_options(d)),
                Err(DeviceError::Sync(e)) => Err(team_error(&e, &url)),
                Err(e) => Err(IpcError::from(e)),
            })
        })
        .await??;
    sync.forget_last_round();
    sync.start(opts);
    get_team(state).await
}

/// Leave the team. Refused (kind `unsynced_changes`) while changes wait to
/// sync, unless `force`: then they stay on this device only.
#[tauri::command]
#[specta::specta]
pub async fn leave_team(
    state: State<'_, AppState>,
    sync: State<'_, Arc<SyncService>>,
    force: bool,
) -> Result<TeamView, IpcError> {
    state
        .run(move |d| {
            Ok(match tauri::async_runtime::block_on(d.leave(force)) {
                Ok(_) => Ok(()),
                Err(DeviceError::Sync(SyncError::Server { kind, .. }))
                    if kind == "unsynced_changes" =>
                {
                    let s = d.sync_status()?;
                    Err(unsynced(s.pending_ops, s.pending_uploads))
                }
                Err(DeviceError::Sync(e)) => Err(team_error(&e, "")),
                Err(e) => Err(IpcError::from(e)),
            })
        })
        .await??;
    sync.stop();
    sync.forget_last_round();
    get_team(state).await
}

/// Sync now and wait for the round (after the one under way, if any).
/// Also what "Retry" does: a round asked for by the user resets the
/// background backoff and retries every failed item.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(sync: State<'_, Arc<SyncService>>) -> Result<RoundView, IpcError> {
    sync.sync_now().await
}

/// What waits, what moves (with progress), what failed, the last success.
#[tauri::command]
#[specta::specta]
pub async fn sync_status(
    state: State<'_, AppState>,
    sync: State<'_, Arc<SyncService>>,
) -> Result<SyncStatusView, IpcError> {
    let status = state.run(|d| d.sync_status()).await?;
    Ok(sync.with_live(status))
}

/// Keep a clip's video on this device (it downloads at the next sync that
/// may move media, which is asked for now), or stop keeping it.
#[tauri::command]
#[specta::specta]
pub async fn pin_clip(
    state: State<'_, AppState>,
    sync: State<'_, Arc<SyncService>>,
    id: String,
    pinned: bool,
) -> Result<ClipView, IpcError> {
    let clip = state.run(move |d| d.pin(&id, pinned)).await?;
    state.notify(LibraryChange::Updated, &clip.id.to_string());
    if pinned {
        sync.kick();
    }
    state.view(clip)
}

/// Download a clip's video now (policy permitting), reporting progress as
/// `DownloadProgress` events; refused with kind `offline` or `wifi_only`
/// and a sentence saying why.
#[tauri::command]
#[specta::specta]
pub async fn download_clip(
    state: State<'_, AppState>,
    sync: State<'_, Arc<SyncService>>,
    id: String,
) -> Result<ClipView, IpcError> {
    let fetch = state.run(|d| Ok(d.clip_fetch(network_override()))).await?;
    let events = Arc::clone(&sync);
    // The fetch holds its own library connection (not `Sync`) across
    // awaits, so it runs on a blocking thread rather than in this future.
    let clip = tauri::async_runtime::spawn_blocking(move || {
        let clip_id = id.clone();
        tauri::async_runtime::block_on(fetch.run(
            &id,
            Duration::from_millis(200),
            |bytes_done, bytes_total| {
                events.emit(SyncEvent::Download(DownloadProgress {
                    clip_id: clip_id.clone(),
                    bytes_done,
                    bytes_total,
                }))
            },
        ))
    })
    .await
    .map_err(|e| IpcError::internal(format!("a download task failed: {e}")))?
    .map_err(|e| match &e {
        DeviceError::Sync(source) => team_error(source, ""),
        _ => IpcError::from(e),
    })?;
    state.notify(LibraryChange::Updated, &clip.id.to_string());
    state.view(clip)
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> Result<SettingsView, IpcError> {
    let config = state.run(|d| Ok(d.config().clone())).await?;
    let (network, _) = debrief_device::detect_network(network_override()).await;
    Ok(SettingsView {
        wifi_only: !config.allow_cellular,
        storage_budget_bytes: config.storage_budget(),
        min_storage_budget_bytes: MIN_STORAGE_BUDGET,
        network: network.into(),
    })
}

/// Save Wi-Fi only and/or the storage budget to `config.toml`; background
/// sync restarts with them.
#[tauri::command]
#[specta::specta]
pub async fn set_settings(
    state: State<'_, AppState>,
    sync: State<'_, Arc<SyncService>>,
    change: SettingsChange,
) -> Result<SettingsView, IpcError> {
    let change = PreferenceChange {
        allow_cellular: change.wifi_only.map(|w| !w),
        storage_budget_bytes: change.storage_budget_bytes,
    };
    let (opts, joined, evicted) = state
        .run(move |d| {
            let evicted = d.set_preferences(&change)?;
            Ok((loop_options(d), d.account()?.is_some(), evicted))
        })
        .await?;
    if joined {
        sync.start(opts);
    }
    if evicted > 0 {
        state.notify(LibraryChange::Updated, "");
    }
    get_settings(state).await
}

/// Why leaving waits: what has not reached the team, counted.
fn unsynced(changes: u64, files: u64) -> IpcError {
    let mut parts = Vec::new();
    if changes > 0 {
        parts.push(plural(changes, "change", "changes"));
    }
    if files > 0 {
        parts.push(plural(files, "file", "files"));
    }
    if parts.is_empty() {
        parts.push("Some changes".to_string());
    }
    IpcError {
        kind: ErrorKind::UnsyncedChanges,
        message: format!(
            "{} {} not reached the team yet. Sync first, or leave anyway: they then stay on this device only.",
            parts.join(" and "),
            if changes + files == 1 { "has" } else { "have" }
        ),
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn invalid(message: &str) -> IpcError {
    IpcError {
        kind: ErrorKind::InvalidInput,
        message: message.to_string(),
    }
}

/// A sync error as the team screens say it.
fn team_error(e: &SyncError, url: &str) -> IpcError {
    let (kind, message) = match e {
        SyncError::Server {
            status: 404 | 410,
            message,
            ..
        } => (ErrorKind::InvalidInvite, sentence(message)),
        SyncError::Server {
            status: 429,
            message,
            ..
        } => (ErrorKind::RateLimited, sentence(message)),
        SyncError::Server { kind, .. } if kind == "already_joined" => (
            ErrorKind::AlreadyJoined,
            "This device already belongs to a team. Leave it first (below) to join another.".into(),
        ),
        SyncError::Server {
            status: 400,
            message,
            ..
        } => (ErrorKind::InvalidInput, sentence(message)),
        SyncError::Unreachable { detail, .. } => (
            ErrorKind::Unreachable,
            format!(
                "Cannot reach a Debrief server at {}: {detail}. Check the address, that the server is running, and that this device is online.",
                if url.is_empty() {
                    "the team's address"
                } else {
                    url
                }
            ),
        ),
        SyncError::BadResponse(_) if !url.is_empty() => (
            ErrorKind::Unreachable,
            format!("{url} answered, but it is not a Debrief server. Check the address."),
        ),
        other => (
            ErrorKind::from_device_kind(other.kind()),
            sentence(&other.to_string()),
        ),
    };
    IpcError { kind, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status: u16, kind: &str, message: &str) -> SyncError {
        SyncError::Server {
            status,
            kind: kind.into(),
            message: message.into(),
            op_id: None,
        }
    }

    #[test]
    fn join_errors_say_what_to_do_in_the_app() {
        let e = team_error(
            &server(
                404,
                "not_found",
                "invite code not found: check it was typed completely",
            ),
            "http://x",
        );
        assert_eq!(e.kind, ErrorKind::InvalidInvite);
        assert_eq!(
            e.message,
            "Invite code not found: check it was typed completely."
        );

        let e = team_error(
            &SyncError::Unreachable {
                url: "http://127.0.0.1:9/".into(),
                detail: "the connection was refused or the network is down".into(),
            },
            "http://127.0.0.1:9",
        );
        assert_eq!(e.kind, ErrorKind::Unreachable);
        assert!(
            e.message
                .starts_with("Cannot reach a Debrief server at http://127.0.0.1:9:"),
            "{}",
            e.message
        );

        let e = unsynced(2, 1);
        assert_eq!(e.kind, ErrorKind::UnsyncedChanges);
        assert!(
            e.message
                .starts_with("2 changes and 1 file have not reached the team yet."),
            "{}",
            e.message
        );
        assert!(unsynced(1, 0).message.starts_with("1 change has not"));
    }
}

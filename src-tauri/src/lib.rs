//! The Debrief app: a Tauri 2 window over the `debrief-device` facade.
//!
//! This crate stays thin. It opens the device's library, starts the
//! loopback media server (WebKitGTK plays video only over HTTP, see
//! `debrief-mediaserver`), exposes the facade as typed commands and
//! events, and loads the web UI from `ui/dist`. Everything a user does is
//! implemented in the core crates, where it is tested without a window.
//!
//! Mobile: `run` is the mobile entry point; `main.rs` only calls it.

pub mod bindings;
mod command_names;
pub mod commands;
pub mod dto;
pub mod error;
pub mod events;
mod preview;
pub mod state;
pub mod sync_service;
pub mod team_dto;

use std::path::PathBuf;

use tauri::Manager;
use tauri_specta::Event;

pub use command_names::COMMAND_NAMES;

/// The environment variable that picks the library folder (tests and
/// benchmarks use it); without it, the platform's app-data folder.
pub const DATA_DIR_ENV: &str = "DEBRIEF_DATA_DIR";

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    init_logging();
    let specta = bindings::builder::<tauri::Wry>();
    tauri::Builder::default()
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            specta.mount_events(app);
            let data_dir = data_dir(app.handle())?;
            tracing::debug!(data_dir = %data_dir.display(), "opening the library");
            let handle = app.handle().clone();
            let sync = commands::team::sync_service(app.handle(), data_dir.clone());
            let local_changes = sync.clone();
            let notifier: state::Notifier = Box::new(move |change: events::LibraryChanged| {
                if let Err(e) = change.emit(&handle) {
                    // The change itself is saved; a view that missed the
                    // event catches up at its next load.
                    tracing::warn!(error = %e, "could not notify the UI of a library change");
                }
                local_changes.notify_local_change();
            });
            let coaching_handle = app.handle().clone();
            let coaching_changes = sync.clone();
            let coaching: state::CoachingNotifier =
                Box::new(move |change: events::CoachingChanged| {
                    if let Err(e) = change.emit(&coaching_handle) {
                        tracing::warn!(error = %e, "could not notify the UI of a coaching change");
                    }
                    // Marking notifications read changes nothing to push.
                    if change.subject != events::CoachingSubject::Notifications {
                        coaching_changes.notify_local_change();
                    }
                });
            let started = std::time::Instant::now();
            let state = tauri::async_runtime::block_on(state::AppState::open(&data_dir, notifier))
                .with_coaching_notifier(coaching);
            tracing::debug!(
                ms = started.elapsed().as_millis() as u64,
                "library opened and media server started"
            );
            tauri::async_runtime::block_on(commands::team::start_if_joined(&state, &sync));
            app.manage(state);
            app.manage(sync);
            Ok(())
        })
        .run(context())
        .expect("Debrief could not start its window");
}

/// The app's compiled-in configuration, assets and capabilities. Generic so
/// tests can run the real capabilities on Tauri's mock runtime.
pub fn context<R: tauri::Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

fn data_dir<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> tauri::Result<PathBuf> {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => app.path().app_data_dir(),
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DEBRIEF_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,mp4_atom=error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

//! The record screen's commands. The recording lives in the app state's
//! `RecordingSlot` (debrief-device), outside the library's lock: pause,
//! resume, status and the live preview never wait for the library, and the
//! library never waits for them. Starting and stopping take the library for
//! a moment each (to reserve the clip and to store it).
//!
//! Stopping stores the clip at once, with a default title ("Debrief 27 Nov
//! 10:42"), before the UI asks for a title and tags: closing that form, or
//! the app, never loses the recording.

use debrief_device::{RecordOptions, capture_choices};
use tauri::State;

use crate::dto::record::{
    CaptureDevicesView, RecordedClipView, RecordingStatusView, RecoveredRecordingView,
    StartRecordingRequest,
};
use crate::error::{ErrorKind, IpcError};
use crate::events::{CoachingSubject, LibraryChange};
use crate::state::AppState;

/// Cameras and microphones to pick from, with the synthetic test pattern
/// and tone always offered, and a sentence when there are none.
#[tauri::command]
#[specta::specta]
pub async fn list_capture_devices() -> Result<CaptureDevicesView, IpcError> {
    // Listing asks ALSA and V4L2, which can take a moment: off the workers.
    let choices = tauri::async_runtime::spawn_blocking(capture_choices)
        .await
        .map_err(|e| IpcError::internal(format!("listing devices failed: {e}")))?;
    Ok(choices.into())
}

/// Start recording (one at a time: a second start is refused with
/// `recording_in_progress`).
#[tauri::command]
#[specta::specta]
pub async fn start_recording(
    state: State<'_, AppState>,
    request: StartRecordingRequest,
) -> Result<RecordingStatusView, IpcError> {
    let slot = state.recording()?.clone();
    let opts = RecordOptions {
        source: request.source.trim().to_string(),
        mic: request.mic.map(|m| m.trim().to_string()),
        challenge_id: request
            .challenge_id
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty()),
        ..RecordOptions::default()
    };
    let live = state
        .run(move |d| slot.start(d, &opts))
        .await
        .map_err(in_app_words)?;
    Ok(RecordingStatusView::new(live, state.media()?))
}

#[tauri::command]
#[specta::specta]
pub async fn pause_recording(state: State<'_, AppState>) -> Result<RecordingStatusView, IpcError> {
    let live = state.recording()?.pause()?;
    Ok(RecordingStatusView::new(live, state.media()?))
}

#[tauri::command]
#[specta::specta]
pub async fn resume_recording(state: State<'_, AppState>) -> Result<RecordingStatusView, IpcError> {
    let live = state.recording()?.resume()?;
    Ok(RecordingStatusView::new(live, state.media()?))
}

/// The recording in progress, or `null` when nothing is recording.
#[tauri::command]
#[specta::specta]
pub async fn recording_status(
    state: State<'_, AppState>,
) -> Result<Option<RecordingStatusView>, IpcError> {
    let media = state.media()?;
    Ok(state
        .recording()?
        .status()
        .map(|live| RecordingStatusView::new(live, media)))
}

/// Stop, finalise and store the recording as a clip (default title; the
/// UI then lets the user name and tag it with `edit_clip`/`tag_clip`).
#[tauri::command]
#[specta::specta]
pub async fn stop_recording(state: State<'_, AppState>) -> Result<RecordedClipView, IpcError> {
    let recording = state.recording()?.take()?;
    let recorded = state.run(move |d| d.finish_recording(recording)).await?;
    state.notify(LibraryChange::Added, &recorded.clip.id.to_string());
    if let Some(challenge) = &recorded.clip.challenge_id {
        state.notify_coaching(CoachingSubject::Challenge, challenge);
    }
    Ok(RecordedClipView {
        clip: state.view(recorded.clip)?,
        message: recorded.message,
        warnings: recorded.warnings,
    })
}

/// Stop and throw the recording away (retake): nothing is stored.
#[tauri::command]
#[specta::specta]
pub async fn discard_recording(state: State<'_, AppState>) -> Result<(), IpcError> {
    let recording = state.recording()?.take()?;
    state.run(move |d| d.discard_recording(recording)).await
}

/// Recordings a crash or kill interrupted, recovered when this launch
/// opened the library (still in the library: deleted ones are left out).
#[tauri::command]
#[specta::specta]
pub async fn recovered_recordings(
    state: State<'_, AppState>,
) -> Result<Vec<RecoveredRecordingView>, IpcError> {
    let found = state
        .run(|d| {
            Ok(d.recovered()
                .iter()
                .filter_map(|r| {
                    let clip = d.library().clip(r.clip.id).ok()?;
                    Some((clip, r.message.clone()))
                })
                .collect::<Vec<_>>())
        })
        .await?;
    found
        .into_iter()
        .map(|(clip, message)| {
            Ok(RecoveredRecordingView {
                clip: state.view(clip)?,
                message,
            })
        })
        .collect()
}

/// Capture errors are written for the CLI and name its flags; in the app
/// the same choices are the camera and microphone pickers.
fn in_app_words(mut e: IpcError) -> IpcError {
    const WORDS: &[(&str, &str)] = &[
        (
            "use --source synthetic",
            "choose “Test pattern (no camera)”",
        ),
        (
            "choose another with --mic NAME",
            "choose another microphone",
        ),
        ("choose one with --mic NAME", "choose one from the list"),
        (
            "record video only with --mic none",
            "choose “No sound (video only)”",
        ),
        ("--mic none", "“No sound (video only)”"),
    ];
    if e.kind != ErrorKind::Internal {
        for (cli, app) in WORDS {
            e.message = e.message.replace(cli, app);
        }
        // A challenge to answer that is gone or unknown.
        super::coaching::replace_cli_words(&mut e.message);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_errors_speak_of_the_pickers_not_of_flags() {
        let e = in_app_words(IpcError {
            kind: ErrorKind::NoCamera,
            message: "no camera was found; connect one or use --source synthetic (no /dev/video0)"
                .into(),
        });
        assert_eq!(
            e.message,
            "no camera was found; connect one or choose “Test pattern (no camera)” (no /dev/video0)"
        );
        let e = in_app_words(IpcError {
            kind: ErrorKind::MicrophoneBusy,
            message: "USB Mic is in use by another app; close it and try again, choose another with --mic NAME, or record video only with --mic none (busy)".into(),
        });
        assert!(!e.message.contains("--"), "{}", e.message);
        assert!(
            e.message.contains("choose “No sound (video only)”"),
            "{}",
            e.message
        );
    }
}

//! Cleaning up expired uploads: a partial upload nobody continued within
//! `upload_expiry_secs` loses its staged bytes and its record; a finished
//! one (kept so a client that lost the last response can see it is done)
//! loses its record. An upload being written right now is skipped.

use std::time::Duration;

use crate::AppState;
use crate::clock::now_ms;
use crate::error::AppError;

/// Delete partial uploads whose expiry passed (and forget finished ones),
/// every `cleanup_interval_secs`, until the task is aborted.
pub async fn clean_expired_loop(state: AppState) {
    let every = Duration::from_secs(state.settings.cleanup_interval_secs.max(1));
    loop {
        tokio::time::sleep(every).await;
        match clean_expired(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "cleaned up expired uploads"),
            Err(e) => tracing::warn!(error = %e, "cleaning expired uploads failed"),
        }
    }
}

/// One cleaning pass; returns how many uploads were removed.
pub async fn clean_expired(state: &AppState) -> Result<usize, AppError> {
    let mut removed = 0;
    loop {
        let batch = state.meta.expired_uploads(now_ms(), 100).await?;
        let before = removed;
        for rec in batch {
            // A request writing right now keeps its upload alive.
            let Ok(_claim) = state.uploads.claim(&rec.id) else {
                continue;
            };
            if rec.completed_ms.is_none() {
                state.blobs.delete_staged(&rec.id).await?;
            }
            state.uploads.forget(&rec.id);
            match state.meta.delete_upload(rec.team_id, &rec.id).await {
                Ok(()) | Err(crate::store::StoreError::NotFound(_)) => removed += 1,
                Err(e) => return Err(e.into()),
            }
        }
        if removed == before {
            // Nothing left, or only uploads busy right now: next pass.
            return Ok(removed);
        }
    }
}

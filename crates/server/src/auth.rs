//! Device-token authentication: `Authorization: Bearer TOKEN`.
//!
//! The token is hashed (SHA-256) and looked up by hash; the server never
//! holds tokens at rest. A revoked device gets a 401 that says so, so the
//! device knows to wipe the team's data rather than retry. Activity is
//! recorded at most every few minutes per device, so polling stays a read.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::AppState;
use crate::clock::now_ms;
use crate::error::AppError;
use crate::ids::secret_hash;
use crate::store::{Caller, StoreError};

/// How stale `last_seen` may get before a request refreshes it.
const TOUCH_EVERY_MS: i64 = 5 * 60 * 1000;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Auth(pub Caller);

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            AppError::unauthorized(
                "missing Authorization header: send 'Authorization: Bearer <device token>' \
                 (a device gets its token from POST /v1/join)",
            )
        })?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                AppError::unauthorized("the Authorization header must be 'Bearer <device token>'")
            })?;
        let caller = match state.meta.authenticate(&secret_hash(token)).await {
            Ok(c) => c,
            Err(StoreError::NotFound(_)) => {
                return Err(AppError::unauthorized(
                    "unknown device token: this device is not a member of any team here; \
                     join with an invite code",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let now = now_ms();
        if now - caller.last_seen_ms > TOUCH_EVERY_MS {
            let meta = state.meta.clone();
            let device = caller.device_id;
            tokio::spawn(async move {
                if let Err(e) = meta.touch_device(device, now).await {
                    tracing::warn!(%device, error = %e, "could not record device activity");
                }
            });
        }
        Ok(Auth(caller))
    }
}

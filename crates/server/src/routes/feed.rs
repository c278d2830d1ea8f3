//! `POST /v1/ops` (push a batch of ops) and `GET /v1/changes` (pull the
//! team's change feed).

use axum::Json;
use axum::extract::{Query, State};
use debrief_protocol::api::{
    ChangesResponse, DevicesResponse, MembersResponse, OpsRequest, OpsResponse, Role,
    SERVER_PROTOCOL_VERSIONS, TeamDevice,
};
use serde::Deserialize;

use super::ApiJson;
use crate::AppState;
use crate::auth::Auth;
use crate::clock::{ms_to_time, now_ms};
use crate::error::AppError;

pub const MAX_OPS_PER_BATCH: usize = 1000;
pub const DEFAULT_CHANGES_LIMIT: u32 = 200;
pub const MAX_CHANGES_LIMIT: u32 = 1000;

#[utoipa::path(post, path = "/v1/ops", tag = "sync",
    request_body = crate::openapi::wire::OpsRequest,
    security(("device_token" = [])),
    responses(
        (status = 200, description = "Every op applied or recognised as a duplicate", body = crate::openapi::wire::OpsResponse),
        (status = 400, description = "Malformed JSON, unknown field or invalid op (nothing applied)", body = crate::openapi::wire::ErrorResponse),
        (status = 401, description = "Missing, unknown or revoked device token", body = crate::openapi::wire::ErrorResponse),
        (status = 403, description = "Not allowed for the caller's role: editing someone else's clip or comment, or a manager-only op (challenges, playbook) by a member; the message names the role needed (nothing applied)", body = crate::openapi::wire::ErrorResponse),
        (status = 404, description = "A clip, challenge or comment this device cannot see (nothing applied)", body = crate::openapi::wire::ErrorResponse),
        (status = 409, description = "A second clip_created for an existing clip (nothing applied)", body = crate::openapi::wire::ErrorResponse)))]
pub async fn post_ops(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiJson(req): ApiJson<OpsRequest>,
) -> Result<Json<OpsResponse>, AppError> {
    if req.ops.len() > MAX_OPS_PER_BATCH {
        return Err(AppError::bad_request(format!(
            "ops has {} entries; send at most {MAX_OPS_PER_BATCH} per batch",
            req.ops.len()
        )));
    }
    let results = state.meta.apply_ops(&caller, req.ops, now_ms()).await?;
    Ok(Json(OpsResponse { results }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    /// Cursor from the previous answer's `next_cursor`; absent or 0 starts
    /// from the beginning.
    pub after: Option<u64>,
    /// At most this many changes (1..=1000, default 200).
    pub limit: Option<u32>,
    /// The protocol version the device speaks (default 1: clips only; 2
    /// adds challenge, comment and playbook entities).
    pub protocol: Option<u32>,
}

#[utoipa::path(get, path = "/v1/changes", tag = "sync",
    params(ChangesQuery),
    security(("device_token" = [])),
    responses(
        (status = 200, description = "Changes after the cursor, in the team's order", body = crate::openapi::wire::ChangesResponse),
        (status = 400, description = "Bad cursor or limit", body = crate::openapi::wire::ErrorResponse),
        (status = 401, description = "Missing, unknown or revoked device token", body = crate::openapi::wire::ErrorResponse)))]
pub async fn changes(
    State(state): State<AppState>,
    Auth(caller): Auth,
    query: Result<Query<ChangesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ChangesResponse>, AppError> {
    let Query(q) = query?;
    let limit = q.limit.unwrap_or(DEFAULT_CHANGES_LIMIT);
    if limit == 0 || limit > MAX_CHANGES_LIMIT {
        return Err(AppError::bad_request(format!(
            "limit must be between 1 and {MAX_CHANGES_LIMIT}, got {limit}"
        )));
    }
    let protocol = q.protocol.unwrap_or(1);
    if !SERVER_PROTOCOL_VERSIONS.contains(&protocol) {
        return Err(AppError::bad_request(format!(
            "protocol {protocol} is not spoken here; this server speaks {SERVER_PROTOCOL_VERSIONS:?} (see /v1/info)"
        )));
    }
    let page = state
        .meta
        .changes(&caller, q.after.unwrap_or(0), limit, protocol)
        .await?;
    Ok(Json(page))
}

#[utoipa::path(get, path = "/v1/members", tag = "accounts",
    security(("device_token" = [])),
    responses(
        (status = 200, description = "The caller's team: members with a device that is not revoked", body = crate::openapi::wire::MembersResponse),
        (status = 401, description = "Missing, unknown or revoked device token", body = crate::openapi::wire::ErrorResponse)))]
pub async fn members(
    State(state): State<AppState>,
    Auth(caller): Auth,
) -> Result<Json<MembersResponse>, AppError> {
    let members = state.meta.members(caller.team_id).await?;
    Ok(Json(MembersResponse {
        members,
        you: caller.member_id,
    }))
}

#[utoipa::path(get, path = "/v1/devices", tag = "accounts",
    security(("device_token" = [])),
    responses(
        (status = 200, description = "Devices that are not revoked: the whole team's for an admin, the caller's own otherwise", body = crate::openapi::wire::DevicesResponse),
        (status = 401, description = "Missing, unknown or revoked device token", body = crate::openapi::wire::ErrorResponse)))]
pub async fn devices(
    State(state): State<AppState>,
    Auth(caller): Auth,
) -> Result<Json<DevicesResponse>, AppError> {
    let all = state.meta.list_devices(Some(caller.team_id)).await?;
    let devices = all
        .into_iter()
        // list_devices is per team already; checked again so a store bug
        // can never show another team's devices.
        .filter(|d| d.team_id == caller.team_id && d.revoked_ms.is_none())
        .filter(|d| caller.role == Role::Admin || d.member_id == caller.member_id)
        .map(|d| TeamDevice {
            device_id: d.device_id,
            device_name: d.device_name,
            member_id: d.member_id,
            display_name: d.display_name,
            joined_at: ms_to_time(d.created_ms),
            last_seen_at: ms_to_time(d.last_seen_ms),
        })
        .collect();
    Ok(Json(DevicesResponse {
        devices,
        you: caller.device_id,
    }))
}

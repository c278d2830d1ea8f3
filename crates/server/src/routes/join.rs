//! `POST /v1/join`: a device redeems an invite code for a device token.
//!
//! Rate-limited per client address, since the code is the only secret
//! standing between the internet and a team. A refused join creates
//! nothing (the store's redeem is one transaction).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, StatusCode};
use debrief_protocol::api::{JoinRequest, JoinResponse, MemberId};

use super::ApiJson;
use crate::AppState;
use crate::clock::now_ms;
use crate::error::AppError;
use crate::ids::{DeviceToken, normalise_invite_code, secret_hash};
use crate::store::NewMembership;

const MAX_NAME_CHARS: usize = 80;

fn clean_name(field: &str, raw: &str) -> Result<String, AppError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(AppError::bad_request(format!(
            "{field} is empty; send a name people will recognise"
        )));
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(AppError::bad_request(format!(
            "{field} is {chars} characters long; at most {MAX_NAME_CHARS} are allowed"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::bad_request(format!(
            "{field} contains a control character"
        )));
    }
    Ok(name)
}

#[utoipa::path(post, path = "/v1/join", tag = "accounts",
    request_body = crate::openapi::wire::JoinRequest,
    responses(
        (status = 200, description = "Joined; the token is shown only now", body = crate::openapi::wire::JoinResponse),
        (status = 400, description = "Malformed body or names", body = crate::openapi::wire::ErrorResponse),
        (status = 404, description = "Unknown invite code", body = crate::openapi::wire::ErrorResponse),
        (status = 409, description = "The device id has joined already", body = crate::openapi::wire::ErrorResponse),
        (status = 410, description = "Invite expired or used up", body = crate::openapi::wire::ErrorResponse),
        (status = 429, description = "Too many attempts from this address; see Retry-After", body = crate::openapi::wire::ErrorResponse)))]
pub async fn join(
    State(state): State<AppState>,
    ext: Extensions,
    ApiJson(req): ApiJson<JoinRequest>,
) -> Result<Json<JoinResponse>, AppError> {
    let ip = ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if let Err(wait) = state.join_limiter.check(ip, Instant::now()) {
        let mut e = AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many join attempts from this address; try again in {wait} s"),
        );
        e.retry_after_secs = Some(wait);
        return Err(e);
    }
    let code = normalise_invite_code(&req.code);
    if code.is_empty() {
        return Err(AppError::bad_request(
            "code is empty; paste the invite code your admin sent",
        ));
    }
    let display_name = clean_name("display_name", &req.display_name)?;
    let device_name = clean_name("device_name", &req.device_name)?;
    let token = DeviceToken::new();
    let membership = NewMembership {
        code_hash: secret_hash(&code),
        now_ms: now_ms(),
        member_id: MemberId::new(),
        display_name: display_name.clone(),
        device_id: req.device_id.unwrap_or_default(),
        device_name,
        token_hash: token.hash(),
    };
    let (member_id, device_id) = (membership.member_id, membership.device_id);
    let joined = state.meta.redeem_invite(membership).await?;
    tracing::info!(team = %joined.team.id, %member_id, %device_id, role = %joined.role, "device joined");
    Ok(Json(JoinResponse {
        token: token.expose().to_string(),
        team_id: joined.team.id,
        team_name: joined.team.name,
        member_id,
        device_id,
        role: joined.role,
        display_name,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(clean_name("x", "  Ana   Lima ").unwrap(), "Ana Lima");
        assert!(
            clean_name("display_name", "   ")
                .unwrap_err()
                .message
                .starts_with("display_name is empty")
        );
        assert!(clean_name("x", &"a".repeat(81)).is_err());
    }
}

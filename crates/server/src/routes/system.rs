//! Liveness, readiness, metrics, server info and the OpenAPI document.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use debrief_protocol::api::{InfoResponse, SERVER_PROTOCOL_VERSIONS};

use crate::AppState;
use crate::error::AppError;

/// 200 while the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, description = "The process is serving")))]
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// 200 when the metadata database and the media store both answer.
#[utoipa::path(get, path = "/readyz", tag = "ops", responses(
    (status = 200, description = "Database and media store answer"),
    (status = 503, description = "One of them does not", body = crate::openapi::wire::ErrorResponse)))]
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    let (db, media) = tokio::join!(state.meta.check(), state.blobs.check());
    for (what, result) in [("database", db), ("media store", media)] {
        if let Err(e) = result {
            tracing::warn!(error = %e, "{what} is not ready");
            return Err(AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                format!("the {what} does not answer; the server log has details"),
            ));
        }
    }
    Ok("ready\n")
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

/// Server version and the protocol versions it speaks.
#[utoipa::path(get, path = "/v1/info", tag = "ops", responses((status = 200, body = crate::openapi::wire::InfoResponse)))]
pub async fn info(State(state): State<AppState>) -> Json<InfoResponse> {
    Json(InfoResponse {
        server: "debrief-server".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        protocol_versions: SERVER_PROTOCOL_VERSIONS.to_vec(),
        max_upload_bytes: state.settings.max_upload_bytes,
    })
}

/// This API, described as OpenAPI 3.1.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "ops", responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document_json(),
    )
}

pub async fn not_found() -> AppError {
    AppError::not_found("no such endpoint; the API is described at /v1/openapi.json")
}

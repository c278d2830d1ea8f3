//! One error type for every HTTP answer: `{"error": {"kind", "message"}}`.
//!
//! Client mistakes get a 4xx whose message says precisely what was wrong
//! and what to do; backend failures are logged in full and answered with a
//! generic 500 (or a 503 with Retry-After when the database or object store
//! did not answer even after retries), so no path, SQL or OS detail leaks
//! to clients.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use debrief_protocol::OpId;
use debrief_protocol::api::{ErrorBody, ErrorResponse};

use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    pub op_id: Option<OpId>,
    pub retry_after_secs: Option<u64>,
    /// For 416: the size to report in `Content-Range: bytes */SIZE`.
    pub unsatisfied_size: Option<u64>,
}

impl AppError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            message: message.into(),
            op_id: None,
            retry_after_secs: None,
            unsatisfied_size: None,
        }
    }

    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", m)
    }
    pub fn unauthorized(m: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", m)
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", m)
    }
    pub fn conflict(m: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", m)
    }
    pub fn too_large(m: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", m)
    }
    pub fn unsupported_media_type(m: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            m,
        )
    }
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal server error; the server log has the details",
        )
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.kind,
            self.message
        )
    }
}

impl std::error::Error for AppError {}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => AppError::not_found(m),
            StoreError::Conflict(m) => AppError::conflict(m),
            StoreError::Forbidden(m) => AppError::new(StatusCode::FORBIDDEN, "forbidden", m),
            StoreError::Gone(m) => AppError::new(StatusCode::GONE, "gone", m),
            StoreError::Invalid(m) => AppError::bad_request(m),
            StoreError::Busy(m) => {
                let mut e = AppError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", m);
                e.retry_after_secs = Some(5);
                e
            }
            StoreError::Revoked(_) => AppError::new(
                StatusCode::UNAUTHORIZED,
                "device_revoked",
                "this device was revoked by a team admin: remove the team's data from it; \
                 if that was a mistake, join again with a new invite code",
            ),
            StoreError::OpRefused {
                index,
                op_id,
                source,
            } => {
                let inner = AppError::from(*source);
                let mut out = AppError::new(
                    inner.status,
                    inner.kind,
                    format!(
                        "op {index} ({op_id}) refused, nothing in the batch was applied: {}",
                        inner.message
                    ),
                );
                out.op_id = Some(op_id);
                out
            }
            StoreError::Backend(m) => AppError::internal(m),
            StoreError::Unavailable(m) => {
                tracing::error!(error = %m, "storage backend unavailable after retries");
                let mut e = AppError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the server's database or media store is not answering right now; \
                     retry in a few seconds (the server log has the details)",
                );
                e.retry_after_secs = Some(5);
                e
            }
        }
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => AppError::unsupported_media_type(
                "send the body as JSON with Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(b) => {
                if b.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::too_large(format!("request body is too large: {}", b.body_text()))
                } else {
                    AppError::bad_request(format!(
                        "could not read the request body: {}",
                        b.body_text()
                    ))
                }
            }
            // serde_path_to_error's text names the field path and the reason,
            // e.g. "ops[0].body: unknown field `colour`, expected ...".
            other => {
                let text = other.body_text();
                let detail = text
                    .split_once(": ")
                    .map(|(_, rest)| rest.to_string())
                    .unwrap_or(text);
                AppError::bad_request(format!("invalid JSON body: {detail}"))
            }
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        let detail = text
            .split_once(": ")
            .map(|(_, d)| d.to_string())
            .unwrap_or(text);
        AppError::bad_request(format!("invalid query string: {detail}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorResponse {
            error: ErrorBody {
                kind: self.kind.to_string(),
                message: self.message,
                op_id: self.op_id,
            },
        };
        let mut resp = (self.status, Json(body)).into_response();
        let headers = resp.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(size) = self.unsatisfied_size
            && let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}"))
        {
            headers.insert(header::CONTENT_RANGE, v);
        }
        resp
    }
}

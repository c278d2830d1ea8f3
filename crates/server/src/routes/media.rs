//! `HEAD`/`GET /v1/media/{sha256}`: content the caller's team uploaded.
//!
//! The SHA-256 is a perfect strong ETag (the bytes can never change under
//! it), so conditional and ranged requests are exact. Bodies stream from the
//! blob store; one single range per request (`bytes=a-b`, `a-`, `-n`); a
//! multi-range or malformed Range is ignored and the whole file is sent, as
//! RFC 9110 allows.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use debrief_protocol::is_sha256_hex;

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::store::{Caller, MediaRecord};

fn check_hash(sha256: &str) -> Result<(), AppError> {
    if is_sha256_hex(sha256) {
        Ok(())
    } else {
        let shown: String = sha256.chars().take(80).collect();
        Err(AppError::bad_request(format!(
            "'{shown}' is not a SHA-256 digest: use 64 lowercase hex characters"
        )))
    }
}

async fn lookup(state: &AppState, caller: &Caller, sha256: &str) -> Result<MediaRecord, AppError> {
    check_hash(sha256)?;
    state
        .meta
        .media(caller.team_id, sha256)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!("no media {sha256} in this team; upload it first"))
        })
}

fn common_headers(headers: &mut HeaderMap, media: &MediaRecord) {
    let etag = format!("\"{}\"", media.sha256);
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex is a valid header"),
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    let ct = HeaderValue::from_str(&media.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, ct);
}

#[utoipa::path(head, path = "/v1/media/{sha256}", tag = "media",
    params(("sha256" = String, Path, description = "SHA-256 of the content, 64 lowercase hex")),
    security(("device_token" = [])),
    responses(
        (status = 200, description = "The team has this content; skip the upload"),
        (status = 400, description = "Not a SHA-256 digest"),
        (status = 404, description = "The team does not have it")))]
pub async fn head_media(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(sha256): Path<String>,
) -> Result<Response, AppError> {
    let media = lookup(&state, &caller, &sha256).await?;
    let mut resp = StatusCode::OK.into_response();
    common_headers(resp.headers_mut(), &media);
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(media.bytes));
    Ok(resp)
}

/// The byte range a request asks for, if it asks for exactly one.
enum Wanted {
    All,
    Range(u64, u64),
    Unsatisfiable,
}

fn parse_range(value: &str, size: u64) -> Wanted {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Wanted::All;
    };
    if spec.contains(',') {
        return Wanted::All;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Wanted::All;
    };
    let (a, b) = (a.trim(), b.trim());
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(start), Ok(end)) if start <= end => {
            if start >= size {
                Wanted::Unsatisfiable
            } else {
                Wanted::Range(start, end.min(size - 1))
            }
        }
        (Ok(start), Err(_)) if b.is_empty() => {
            if start >= size {
                Wanted::Unsatisfiable
            } else {
                Wanted::Range(start, size - 1)
            }
        }
        (Err(_), Ok(suffix)) if a.is_empty() => {
            if suffix == 0 || size == 0 {
                Wanted::Unsatisfiable
            } else {
                Wanted::Range(size - suffix.min(size), size - 1)
            }
        }
        _ => Wanted::All,
    }
}

#[utoipa::path(get, path = "/v1/media/{sha256}", tag = "media",
    params(("sha256" = String, Path, description = "SHA-256 of the content, 64 lowercase hex")),
    security(("device_token" = [])),
    responses(
        (status = 200, description = "The whole content", content_type = "application/octet-stream"),
        (status = 206, description = "The requested range, with Content-Range"),
        (status = 304, description = "If-None-Match matched"),
        (status = 400, description = "Not a SHA-256 digest", body = crate::openapi::wire::ErrorResponse),
        (status = 404, description = "The team does not have it", body = crate::openapi::wire::ErrorResponse),
        (status = 416, description = "Range outside the content; Content-Range: bytes */SIZE", body = crate::openapi::wire::ErrorResponse)))]
pub async fn get_media(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(sha256): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let media = lookup(&state, &caller, &sha256).await?;
    let etag = format!("\"{}\"", media.sha256);
    let header_str = |h| headers.get(h).and_then(|v: &HeaderValue| v.to_str().ok());
    if let Some(inm) = header_str(header::IF_NONE_MATCH)
        && inm.split(',').any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag
        })
    {
        let mut resp = StatusCode::NOT_MODIFIED.into_response();
        common_headers(resp.headers_mut(), &media);
        resp.headers_mut().remove(header::CONTENT_TYPE);
        return Ok(resp);
    }
    // If-Range: honour the Range only if the validator is our (strong) ETag.
    let range_allowed = header_str(header::IF_RANGE).is_none_or(|v| v.trim() == etag);
    let wanted = match (range_allowed, header_str(header::RANGE)) {
        (true, Some(r)) => parse_range(r, media.bytes),
        _ => Wanted::All,
    };
    let size = media.bytes;
    let (status, start, len) = match wanted {
        Wanted::All => (StatusCode::OK, 0, size),
        Wanted::Range(a, b) => (StatusCode::PARTIAL_CONTENT, a, b - a + 1),
        Wanted::Unsatisfiable => {
            let mut e = AppError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                format!("the requested range is outside the content, which is {size} bytes"),
            );
            e.unsatisfied_size = Some(size);
            return Err(e);
        }
    };
    let stream = state.blobs.read(&media.sha256, start, len).await?;
    let mut resp = Response::new(Body::from_stream(stream));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    common_headers(h, &media);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if status == StatusCode::PARTIAL_CONTENT {
        let range = format!("bytes {start}-{}/{size}", start + len - 1);
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&range).expect("digits are valid"),
        );
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(v: &str, size: u64) -> Option<(u64, u64)> {
        match parse_range(v, size) {
            Wanted::Range(a, b) => Some((a, b)),
            Wanted::All => None,
            Wanted::Unsatisfiable => Some((u64::MAX, u64::MAX)),
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(r("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(r("bytes=90-", 100), Some((90, 99)));
        assert_eq!(r("bytes=-10", 100), Some((90, 99)));
        assert_eq!(r("bytes=-1000", 100), Some((0, 99)));
        assert_eq!(r("bytes=50-1000", 100), Some((50, 99)));
        assert_eq!(r("bytes=100-", 100), Some((u64::MAX, u64::MAX)));
        assert_eq!(r("bytes=0-1,5-6", 100), None);
        assert_eq!(r("items=0-1", 100), None);
        assert_eq!(r("bytes=9-1", 100), None);
    }
}

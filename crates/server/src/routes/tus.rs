//! tus 1.0 under `/v1/uploads`: core (HEAD, PATCH, OPTIONS) and the
//! creation, creation-with-upload, checksum, termination and expiration
//! extensions. The byte-level work is in [`crate::uploads`]; this module
//! speaks the headers.
//!
//! Upload-Metadata keys: `sha256` (required, the whole file's SHA-256 as 64
//! lowercase hex), `content_type` (optional, e.g. `video/mp4`) and `clip_id`
//! (optional; media is content-addressed and independent of clips). Other
//! keys (tus clients like to add `filename`) are kept and echoed, not used.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{options, post};

use crate::AppState;
use crate::auth::Auth;
use crate::clock::now_ms;
use crate::error::AppError;
use crate::ids::UploadId;
use crate::store::{StoreError, UploadRecord};
use crate::uploads::{append_chunk, finish};

use super::tus_headers::{
    check_patch_content_type, checksum, h, header_str, number_header, parse_metadata,
    parse_upload_id, progress_headers,
};

const TUS_VERSION: &str = "1.0.0";
const EXTENSIONS: &str = "creation,creation-with-upload,checksum,termination,expiration";

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/v1/uploads", post(create).options(discover))
        .route(
            "/v1/uploads/{id}",
            options(discover).head(head).patch(patch).delete(terminate),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), tus_headers))
}

/// Every tus response carries Tus-Resumable; every request but OPTIONS
/// must name a version we speak.
async fn tus_headers(req: Request, next: Next) -> Response {
    if req.method() != Method::OPTIONS {
        let version = req
            .headers()
            .get("tus-resumable")
            .and_then(|v| v.to_str().ok());
        if version != Some(TUS_VERSION) {
            let mut resp = AppError::new(
                StatusCode::PRECONDITION_FAILED,
                "tus_version",
                format!(
                    "send 'Tus-Resumable: {TUS_VERSION}' (got {}); this server speaks tus {TUS_VERSION}",
                    version.map(|v| format!("'{v}'")).unwrap_or_else(|| "none".into())
                ),
            )
            .into_response();
            resp.headers_mut()
                .insert(h("tus-version"), HeaderValue::from_static(TUS_VERSION));
            resp.headers_mut()
                .insert(h("tus-resumable"), HeaderValue::from_static(TUS_VERSION));
            return resp;
        }
    }
    let mut resp = next.run(req).await;
    resp.headers_mut()
        .insert(h("tus-resumable"), HeaderValue::from_static(TUS_VERSION));
    resp
}

#[utoipa::path(options, path = "/v1/uploads", tag = "uploads",
    responses((status = 204, description = "tus discovery: Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm")))]
pub async fn discover(State(state): State<AppState>) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let hs = resp.headers_mut();
    hs.insert(h("tus-version"), HeaderValue::from_static(TUS_VERSION));
    hs.insert(h("tus-extension"), HeaderValue::from_static(EXTENSIONS));
    hs.insert(
        h("tus-max-size"),
        HeaderValue::from(state.settings.max_upload_bytes),
    );
    hs.insert(
        h("tus-checksum-algorithm"),
        HeaderValue::from_static("sha1,sha256"),
    );
    resp
}

/// The team's live upload, or 404/410.
async fn live_upload(
    state: &AppState,
    team: debrief_protocol::api::TeamId,
    id: &UploadId,
) -> Result<UploadRecord, AppError> {
    let rec = state.meta.upload(team, id).await?;
    if rec.completed_ms.is_none() && rec.expires_ms <= now_ms() {
        return Err(AppError::new(
            StatusCode::GONE,
            "upload_expired",
            format!("upload {id} expired; create a new upload"),
        ));
    }
    Ok(rec)
}

#[utoipa::path(post, path = "/v1/uploads", tag = "uploads",
    security(("device_token" = [])),
    params(
        ("Upload-Length" = u64, Header, description = "Size of the whole file in bytes"),
        ("Upload-Metadata" = String, Header, description = "tus metadata: sha256 (required), content_type, clip_id; values base64"),
        ("Tus-Resumable" = String, Header, description = "1.0.0")),
    responses(
        (status = 201, description = "Created; Location names the upload. With a body (creation-with-upload), Upload-Offset says how much was kept"),
        (status = 400, description = "Missing/invalid Upload-Length or Upload-Metadata", body = crate::openapi::wire::ErrorResponse),
        (status = 401, description = "Missing, unknown or revoked device token", body = crate::openapi::wire::ErrorResponse),
        (status = 412, description = "Unsupported Tus-Resumable", body = crate::openapi::wire::ErrorResponse),
        (status = 413, description = "Larger than Tus-Max-Size", body = crate::openapi::wire::ErrorResponse),
        (status = 503, description = "This content is being deleted as unused right now; retry after Retry-After seconds", body = crate::openapi::wire::ErrorResponse)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(caller): Auth,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    if headers.contains_key("upload-defer-length") {
        return Err(AppError::bad_request(
            "Upload-Defer-Length is not supported: send Upload-Length",
        ));
    }
    let length = number_header(&headers, "upload-length")?.ok_or_else(|| {
        AppError::bad_request("Upload-Length is required: the file's size in bytes")
    })?;
    let max = state.settings.max_upload_bytes;
    if length > max {
        return Err(AppError::too_large(format!(
            "the file is {length} bytes; this server accepts uploads of at most {max} bytes"
        )));
    }
    let raw_meta = header_str(&headers, "upload-metadata")
        .unwrap_or("")
        .to_string();
    let declared = parse_metadata(&raw_meta)?;
    let with_upload = headers.contains_key(header::CONTENT_TYPE);
    let chunk_checksum = if with_upload {
        check_patch_content_type(&headers)?;
        checksum(&headers)?
    } else {
        None
    };
    let now = now_ms();
    let rec = UploadRecord {
        id: UploadId::new(),
        team_id: caller.team_id,
        device_id: caller.device_id,
        length,
        offset: 0,
        sha256: declared.sha256,
        content_type: declared.content_type,
        clip_id: declared.clip_id,
        metadata: raw_meta,
        created_ms: now,
        expires_ms: now + state.settings.upload_expiry().as_millis() as i64,
        completed_ms: None,
        parts: Vec::new(),
    };
    state.meta.create_upload(rec.clone()).await?;
    state.uploads.started(&rec.id);
    let claim = state.uploads.claim(&rec.id)?;
    let result = if length == 0 {
        let empty: crate::store::ByteStream = Box::pin(futures_util::stream::empty());
        state.blobs.write_staged(&rec.id, 0, empty).await?;
        finish(&state, &rec).await.map(|()| rec.clone())
    } else if with_upload {
        append_chunk(&state, rec.clone(), chunk_checksum, body).await
    } else {
        Ok(rec.clone())
    };
    drop(claim);
    let after = match result {
        Ok(after) => after,
        Err(e) => {
            // Nothing of a refused creation-with-upload may stay behind.
            if let Err(cleanup) = remove_upload(&state, &rec).await {
                tracing::warn!(upload = %rec.id, error = %cleanup, "could not remove a refused upload");
            }
            return Err(e);
        }
    };
    tracing::info!(upload = %rec.id, length, sha256 = %rec.sha256, "upload created");
    let mut resp = StatusCode::CREATED.into_response();
    let location = format!("/v1/uploads/{}", rec.id);
    resp.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&location).expect("hex id"),
    );
    progress_headers(&mut resp, &after);
    Ok(resp)
}

async fn remove_upload(state: &AppState, rec: &UploadRecord) -> Result<(), AppError> {
    state.uploads.forget(&rec.id);
    state.blobs.delete_staged(&rec.id).await?;
    match state.meta.delete_upload(rec.team_id, &rec.id).await {
        Ok(()) | Err(StoreError::NotFound(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(head, path = "/v1/uploads/{id}", tag = "uploads",
    security(("device_token" = [])),
    params(("id" = String, Path, description = "Upload id from Location")),
    responses(
        (status = 200, description = "Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires"),
        (status = 404, description = "No such upload in this team"),
        (status = 410, description = "The upload expired")))]
pub async fn head(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_upload_id(&id)?;
    live_upload(&state, caller.team_id, &id).await?;
    state
        .uploads
        .settle(&id, std::time::Duration::from_secs(5))
        .await;
    let rec = live_upload(&state, caller.team_id, &id).await?;
    let mut resp = StatusCode::OK.into_response();
    progress_headers(&mut resp, &rec);
    let hs = resp.headers_mut();
    hs.insert(h("upload-length"), HeaderValue::from(rec.length));
    hs.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !rec.metadata.is_empty()
        && let Ok(v) = HeaderValue::from_str(&rec.metadata)
    {
        hs.insert(h("upload-metadata"), v);
    }
    Ok(resp)
}

#[utoipa::path(patch, path = "/v1/uploads/{id}", tag = "uploads",
    security(("device_token" = [])),
    params(
        ("id" = String, Path, description = "Upload id from Location"),
        ("Upload-Offset" = u64, Header, description = "Must equal the upload's current offset"),
        ("Upload-Checksum" = Option<String>, Header, description = "'sha1 <base64>' or 'sha256 <base64>' of this chunk")),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses(
        (status = 204, description = "Chunk committed; Upload-Offset is the new offset"),
        (status = 400, description = "Bad headers", body = crate::openapi::wire::ErrorResponse),
        (status = 404, description = "No such upload in this team", body = crate::openapi::wire::ErrorResponse),
        (status = 409, description = "Upload-Offset does not match", body = crate::openapi::wire::ErrorResponse),
        (status = 410, description = "The upload expired", body = crate::openapi::wire::ErrorResponse),
        (status = 413, description = "Body goes past Upload-Length", body = crate::openapi::wire::ErrorResponse),
        (status = 415, description = "Content-Type is not application/offset+octet-stream", body = crate::openapi::wire::ErrorResponse),
        (status = 422, description = "Whole-file SHA-256 differs from the declared one: nothing stored", body = crate::openapi::wire::ErrorResponse),
        (status = 423, description = "Another request is writing this upload; retry", body = crate::openapi::wire::ErrorResponse),
        (status = 460, description = "Chunk checksum mismatch: chunk discarded, offset unchanged", body = crate::openapi::wire::ErrorResponse)))]
pub async fn patch(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let id = parse_upload_id(&id)?;
    check_patch_content_type(&headers)?;
    let offset = number_header(&headers, "upload-offset")?
        .ok_or_else(|| AppError::bad_request("Upload-Offset is required on PATCH"))?;
    let chunk_checksum = checksum(&headers)?;
    let _claim = state.uploads.claim(&id)?;
    let rec = live_upload(&state, caller.team_id, &id).await?;
    if offset != rec.offset {
        return Err(AppError::conflict(format!(
            "Upload-Offset is {offset} but upload {id} is at offset {}: HEAD the upload and resume from its offset",
            rec.offset
        )));
    }
    if rec.completed_ms.is_some() {
        let mut resp = StatusCode::NO_CONTENT.into_response();
        progress_headers(&mut resp, &rec);
        return Ok(resp);
    }
    let remaining = rec.length - rec.offset;
    if let Some(len) = number_header(&headers, "content-length")?
        && len > remaining
    {
        return Err(AppError::too_large(format!(
            "the chunk is {len} bytes but only {remaining} remain before Upload-Length ({})",
            rec.length
        )));
    }
    let after = append_chunk(&state, rec, chunk_checksum, body).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    progress_headers(&mut resp, &after);
    Ok(resp)
}

#[utoipa::path(delete, path = "/v1/uploads/{id}", tag = "uploads",
    security(("device_token" = [])),
    params(("id" = String, Path, description = "Upload id from Location")),
    responses(
        (status = 204, description = "Terminated; staged bytes are gone"),
        (status = 404, description = "No such upload in this team", body = crate::openapi::wire::ErrorResponse),
        (status = 423, description = "Another request is writing this upload", body = crate::openapi::wire::ErrorResponse)))]
pub async fn terminate(
    State(state): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_upload_id(&id)?;
    let _claim = state.uploads.claim(&id)?;
    let rec = state.meta.upload(caller.team_id, &id).await?;
    remove_upload(&state, &rec).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

//! Parsing and writing the tus headers: Upload-Metadata (with the keys this
//! server uses), Upload-Offset/Length, Upload-Checksum and the Content-Type
//! of chunks. Everything a client sends is validated here before it can
//! reach a store or a path.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;
use debrief_protocol::{ClipId, is_sha256_hex};

use crate::clock::http_date;
use crate::error::AppError;
use crate::ids::UploadId;
use crate::store::UploadRecord;
use crate::uploads::ChunkChecksum;

const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";
const MAX_METADATA_BYTES: usize = 4096;

pub(super) fn h(name: &'static str) -> HeaderName {
    HeaderName::from_static(name)
}

pub(super) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(super) fn parse_upload_id(raw: &str) -> Result<UploadId, AppError> {
    raw.parse::<UploadId>()
        .map_err(|e| AppError::bad_request(e.to_string()))
}

pub(super) fn number_header(headers: &HeaderMap, name: &str) -> Result<Option<u64>, AppError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| AppError::bad_request(format!("{name} must be a non-negative integer"))),
    }
}

/// What the Upload-Metadata header declares.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Declared {
    pub sha256: String,
    pub content_type: String,
    pub clip_id: Option<ClipId>,
}

pub(super) fn valid_content_type(ct: &str) -> bool {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    ct.len() <= 127
        && ct
            .split_once('/')
            .is_some_and(|(t, s)| token(t) && token(s))
}

pub(super) fn parse_metadata(raw: &str) -> Result<Declared, AppError> {
    if raw.len() > MAX_METADATA_BYTES {
        return Err(AppError::bad_request(format!(
            "Upload-Metadata is {} bytes; at most {MAX_METADATA_BYTES} are allowed",
            raw.len()
        )));
    }
    let (mut sha256, mut content_type, mut clip_id) = (None, None, None);
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = match pair.split_once(' ') {
            Some((k, v)) => {
                let bytes = data_encoding::BASE64
                    .decode(v.trim().as_bytes())
                    .map_err(|_| {
                        AppError::bad_request(format!(
                            "Upload-Metadata value of '{k}' is not base64"
                        ))
                    })?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    AppError::bad_request(format!(
                        "Upload-Metadata value of '{k}' is not UTF-8 text"
                    ))
                })?;
                (k, text)
            }
            None => (pair, String::new()),
        };
        match key {
            "sha256" => sha256 = Some(value),
            "content_type" => content_type = Some(value),
            "clip_id" => clip_id = Some(value),
            _ => {}
        }
    }
    let sha256 = sha256.ok_or_else(|| {
        AppError::bad_request("Upload-Metadata must include sha256 (the file's SHA-256 as 64 lowercase hex, base64-encoded as tus requires)")
    })?;
    if !is_sha256_hex(&sha256) {
        let shown: String = sha256.chars().take(80).collect();
        return Err(AppError::bad_request(format!(
            "Upload-Metadata sha256 '{shown}' is not a SHA-256 digest: use 64 lowercase hex characters"
        )));
    }
    let content_type = content_type.unwrap_or_else(|| "application/octet-stream".into());
    if !valid_content_type(&content_type) {
        return Err(AppError::bad_request(format!(
            "Upload-Metadata content_type '{content_type}' is not a media type such as video/mp4"
        )));
    }
    let clip_id = clip_id
        .map(|c| c.parse::<ClipId>())
        .transpose()
        .map_err(|e| AppError::bad_request(format!("Upload-Metadata clip_id: {e}")))?;
    Ok(Declared {
        sha256,
        content_type,
        clip_id,
    })
}

pub(super) fn check_patch_content_type(headers: &HeaderMap) -> Result<(), AppError> {
    match header_str(headers, "content-type") {
        Some(ct) if ct.trim().eq_ignore_ascii_case(OFFSET_OCTET_STREAM) => Ok(()),
        other => Err(AppError::unsupported_media_type(format!(
            "upload chunks must be sent with Content-Type: {OFFSET_OCTET_STREAM} (got {})",
            other
                .map(|c| format!("'{c}'"))
                .unwrap_or_else(|| "none".into())
        ))),
    }
}

pub(super) fn checksum(headers: &HeaderMap) -> Result<Option<ChunkChecksum>, AppError> {
    header_str(headers, "upload-checksum")
        .map(ChunkChecksum::parse)
        .transpose()
}

pub(super) fn progress_headers(resp: &mut Response, rec: &UploadRecord) {
    let hs = resp.headers_mut();
    hs.insert(h("upload-offset"), HeaderValue::from(rec.offset));
    if let Ok(v) = HeaderValue::from_str(&http_date(rec.expires_ms)) {
        hs.insert(h("upload-expires"), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        data_encoding::BASE64.encode(s.as_bytes())
    }

    #[test]
    fn metadata_is_parsed_and_validated() {
        let sha = "ab".repeat(32);
        let raw = format!(
            "filename {},sha256 {},content_type {},flag",
            b64("a.mp4"),
            b64(&sha),
            b64("video/mp4")
        );
        let d = parse_metadata(&raw).unwrap();
        assert_eq!(d.sha256, sha);
        assert_eq!(d.content_type, "video/mp4");
        assert_eq!(d.clip_id, None);
        let err = parse_metadata(&format!("content_type {}", b64("video/mp4"))).unwrap_err();
        assert!(err.message.contains("must include sha256"), "{err}");
        let err = parse_metadata(&format!("sha256 {}", b64("../../etc/passwd"))).unwrap_err();
        assert!(err.message.contains("not a SHA-256 digest"), "{err}");
        let err = parse_metadata(&format!(
            "sha256 {},content_type {}",
            b64(&sha),
            b64("video/mp4\r\nX: y")
        ))
        .unwrap_err();
        assert!(err.message.contains("not a media type"), "{err}");
        let err =
            parse_metadata(&format!("sha256 {},clip_id {}", b64(&sha), b64("../x"))).unwrap_err();
        assert!(err.message.contains("clip_id"), "{err}");
        assert!(
            parse_metadata("sha256 !!!")
                .unwrap_err()
                .message
                .contains("not base64")
        );
    }
}

//! Request handling: one handler that checks host, method and token, maps
//! the raw path to a clip file or the live preview (or 404), and streams the
//! file with Range support.
//!
//! The path is matched on the raw, undecoded URI, so percent-encoded dots
//! or slashes are simply not a clip id. Files are streamed in 64 KiB
//! chunks: memory per request is bounded whatever the file size.

use std::io::SeekFrom;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use debrief_protocol::ClipId;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::range::{self, RangeOutcome};
use crate::{Shared, preview};

const CHUNK: usize = 64 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(serve).with_state(shared)
}

/// Which of the two servable folders a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Media,
    Thumbnail,
}

impl Kind {
    fn content_type(self) -> &'static str {
        match self {
            Kind::Media => "video/mp4",
            Kind::Thumbnail => "image/jpeg",
        }
    }

    fn cache_control(self) -> &'static str {
        match self {
            // Media files are large and read with Range from a local disk:
            // a second copy in the webview's cache buys nothing.
            Kind::Media => "no-store",
            // A clip's thumbnail never changes under the same id, and the
            // token changes every launch, so a short private cache is safe
            // and keeps scrolling a long library smooth.
            Kind::Thumbnail => "private, max-age=3600",
        }
    }
}

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    File(Kind, ClipId),
    PreviewStream,
    PreviewFrame,
}

/// `/<token>/media/<uuid>.mp4`, `/<token>/thumbs/<uuid>.jpg`,
/// `/<token>/preview/live.mjpeg` or `/<token>/preview/frame.jpg`, else `None`.
fn route(shared: &Shared, path: &str) -> Option<Target> {
    let mut parts = path.strip_prefix('/')?.split('/');
    let (token, folder, file) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !shared.token.matches(token) {
        return None;
    }
    let (kind, ext) = match (folder, file) {
        ("media", _) => (Kind::Media, ".mp4"),
        ("thumbs", _) => (Kind::Thumbnail, ".jpg"),
        ("preview", "live.mjpeg") => return Some(Target::PreviewStream),
        ("preview", "frame.jpg") => return Some(Target::PreviewFrame),
        _ => return None,
    };
    let id: ClipId = file.strip_suffix(ext)?.parse().ok()?;
    Some(Target::File(kind, id))
}

fn file_path(shared: &Shared, kind: Kind, id: ClipId) -> PathBuf {
    match kind {
        Kind::Media => shared.dirs.media.join(format!("{id}.mp4")),
        Kind::Thumbnail => shared.dirs.thumbs.join(format!("{id}.jpg")),
    }
}

/// Only our own origin on loopback: a page that rebinds some name to
/// 127.0.0.1 sends its own name in `Host` and is turned away.
fn host_allowed(shared: &Shared, req: &Request) -> bool {
    let Some(host) = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
    else {
        return false;
    };
    let port = shared.port.to_string();
    match host.rsplit_once(':') {
        Some((name, p)) => p == port && (name == "127.0.0.1" || name == "localhost"),
        None => false,
    }
}

async fn serve(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    if !host_allowed(&shared, &req) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let head_only = req.method() == Method::HEAD;
    let (kind, id) = match route(&shared, req.uri().path()) {
        None => return StatusCode::NOT_FOUND.into_response(),
        Some(Target::PreviewStream) => {
            return preview::stream(shared.preview.as_ref(), head_only);
        }
        Some(Target::PreviewFrame) => {
            return preview::frame(shared.preview.as_ref(), head_only).await;
        }
        Some(Target::File(kind, id)) => (kind, id),
    };
    let path = file_path(&shared, kind, id);
    let range_header = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    match send_file(&path, kind, range_header, head_only).await {
        Ok(resp) => resp,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, path = %path.display(), "media server cannot read a file");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn send_file(
    path: &std::path::Path,
    kind: Kind,
    range_header: Option<&str>,
    head_only: bool,
) -> std::io::Result<Response> {
    // `symlink_metadata` does not follow links: a link planted in media/
    // must not make some other file reachable.
    let meta = tokio::fs::symlink_metadata(path).await?;
    if !meta.file_type().is_file() {
        return Err(std::io::ErrorKind::NotFound.into());
    }
    let len = meta.len();
    let outcome = range::resolve(range_header, len);
    let mut builder = Response::builder()
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CONTENT_TYPE, kind.content_type())
        .header(header::CACHE_CONTROL, kind.cache_control())
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    let (status, start) = match outcome {
        RangeOutcome::Full => (StatusCode::OK, 0),
        RangeOutcome::Partial { start, end } => {
            builder = builder.header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}"));
            (StatusCode::PARTIAL_CONTENT, start)
        }
        RangeOutcome::Unsatisfiable => {
            return Ok(builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{len}"))
                .header(header::CONTENT_LENGTH, HeaderValue::from(0u64))
                .body(Body::empty())
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()));
        }
    };
    let body_len = outcome.body_len(len);
    let body = if head_only {
        Body::empty()
    } else {
        let mut file = tokio::fs::File::open(path).await?;
        if start > 0 {
            file.seek(SeekFrom::Start(start)).await?;
        }
        Body::from_stream(ReaderStream::with_capacity(file.take(body_len), CHUNK))
    };
    Ok(builder
        .status(status)
        .header(header::CONTENT_LENGTH, HeaderValue::from(body_len))
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ServeDirs, Token};

    fn shared() -> Shared {
        Shared {
            dirs: ServeDirs::of_library(std::path::Path::new("/lib")),
            token: Token("abc123".into()),
            port: 4000,
            preview: None,
        }
    }

    const ID: &str = "0190f1c2-7a4b-7c3d-9e8f-0123456789ab";

    #[test]
    fn routes_only_token_folder_and_canonical_id() {
        let s = shared();
        let id: ClipId = ID.parse().unwrap();
        assert_eq!(
            route(&s, &format!("/abc123/media/{ID}.mp4")),
            Some(Target::File(Kind::Media, id))
        );
        assert_eq!(
            route(&s, &format!("/abc123/thumbs/{ID}.jpg")),
            Some(Target::File(Kind::Thumbnail, id))
        );
        assert_eq!(
            route(&s, "/abc123/preview/live.mjpeg"),
            Some(Target::PreviewStream)
        );
        assert_eq!(
            route(&s, "/abc123/preview/frame.jpg"),
            Some(Target::PreviewFrame)
        );
        for bad in [
            format!("/wrong/media/{ID}.mp4"),
            format!("/abc12/media/{ID}.mp4"),
            format!("/abc123/media/{ID}.jpg"),
            format!("/abc123/thumbs/{ID}.mp4"),
            format!("/abc123/incoming/{ID}.mp4"),
            format!("/abc123/media/{ID}.mp4/"),
            format!("/abc123/media/{ID}.mp4.part"),
            format!("/abc123//media/{ID}.mp4"),
            format!("/abc123/media/{}.mp4", ID.to_uppercase().replace('-', "")),
            "/abc123/media/../library.sqlite3".to_string(),
            "/abc123/media/..%2Flibrary.sqlite3".to_string(),
            "/abc123/media/%2e%2e%2fconfig.toml".to_string(),
            "/abc123/../../etc/passwd".to_string(),
            "/wrong/preview/live.mjpeg".to_string(),
            "/preview/live.mjpeg".to_string(),
            "/abc123/preview/live.mjpeg/".to_string(),
            "/abc123/preview/other.jpg".to_string(),
            format!("/abc123/preview/{ID}.jpg"),
            "/abc123/preview/../media".to_string(),
            "/abc123".to_string(),
            "/".to_string(),
            String::new(),
        ] {
            assert_eq!(route(&s, &bad), None, "{bad}");
        }
    }

    #[test]
    fn files_map_into_their_folders_only() {
        let s = shared();
        let id: ClipId = ID.parse().unwrap();
        assert_eq!(
            file_path(&s, Kind::Media, id),
            PathBuf::from(format!("/lib/media/{ID}.mp4"))
        );
        assert_eq!(
            file_path(&s, Kind::Thumbnail, id),
            PathBuf::from(format!("/lib/thumbs/{ID}.jpg"))
        );
    }
}

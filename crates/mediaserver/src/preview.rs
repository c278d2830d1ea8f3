//! The live preview of a recording, served two ways:
//!
//! - `preview/live.mjpeg`: an MJPEG stream (`multipart/x-mixed-replace`),
//!   which WebKit, Chromium and Firefox all show in a plain `<img>` and
//!   which needs no script, no CSP `connect-src` and no polling from the
//!   page. Each new picture is written once, as soon as it is seen (the
//!   source is checked every [`POLL`]); when the client reads slower than
//!   pictures come, the ones in between are skipped, never queued, so a slow
//!   webview sees the newest picture, late by at most one. The stream ends
//!   when the recording does.
//! - `preview/frame.jpg`: the newest picture, once (tests, and a fallback).
//!
//! Encoding is the source's business ([`LivePreview::jpeg`], run on the
//! blocking pool); this module only asks cheaply whether there is anything
//! new ([`LivePreview::state`]).

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// What the preview can show now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewState {
    /// Nothing is being recorded: streams end, `frame.jpg` is 404.
    Off,
    /// Recording, no picture yet.
    Waiting,
    /// A picture, numbered: a new number means a new picture.
    Frame(u64),
}

/// One preview picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewFrame {
    pub seq: u64,
    pub jpeg: Bytes,
}

/// Where the preview comes from (the app's recording slot).
pub trait LivePreview: Send + Sync + 'static {
    /// Cheap (no encoding): called every few milliseconds per stream.
    fn state(&self) -> PreviewState;
    /// The newest picture as JPEG; may block to encode it.
    fn jpeg(&self) -> Option<PreviewFrame>;
}

/// How often a stream looks for a new picture: well under a frame at 30 fps,
/// so a picture waits at most this long before it is sent.
const POLL: Duration = Duration::from_millis(5);

const BOUNDARY: &str = "debrief-preview";

async fn newest(preview: &Arc<dyn LivePreview>) -> Option<PreviewFrame> {
    let source = preview.clone();
    match tokio::task::spawn_blocking(move || source.jpeg()).await {
        Ok(frame) => frame,
        Err(e) => {
            tracing::error!(error = %e, "the live preview encoder failed");
            None
        }
    }
}

pub(crate) async fn frame(preview: Option<&Arc<dyn LivePreview>>, head_only: bool) -> Response {
    let Some(preview) = preview else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(frame) = newest(preview).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let len = frame.jpeg.len();
    let body = if head_only {
        Body::empty()
    } else {
        Body::from(frame.jpeg)
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "image/jpeg")
        .header(header::CONTENT_LENGTH, HeaderValue::from(len))
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

pub(crate) fn stream(preview: Option<&Arc<dyn LivePreview>>, head_only: bool) -> Response {
    let Some(preview) = preview else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if preview.state() == PreviewState::Off {
        return StatusCode::NOT_FOUND.into_response();
    }
    let body = if head_only {
        Body::empty()
    } else {
        Body::from_stream(parts(preview.clone()))
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/x-mixed-replace; boundary={BOUNDARY}"),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

struct Stream {
    preview: Arc<dyn LivePreview>,
    last: Option<u64>,
    started: bool,
}

/// The body: one chunk per picture. Each part is closed by the next
/// boundary right away, so a client shows it without waiting for the
/// following picture.
fn parts(
    preview: Arc<dyn LivePreview>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let start = Stream {
        preview,
        last: None,
        started: false,
    };
    futures_util::stream::unfold(start, |mut s| async move {
        loop {
            match s.preview.state() {
                PreviewState::Off => return None,
                PreviewState::Frame(seq) if s.last != Some(seq) => {
                    if let Some(frame) = newest(&s.preview).await
                        && s.last != Some(frame.seq)
                    {
                        s.last = Some(frame.seq);
                        let chunk = part(&frame.jpeg, !s.started);
                        s.started = true;
                        return Some((Ok(chunk), s));
                    }
                }
                PreviewState::Frame(_) | PreviewState::Waiting => {}
            }
            tokio::time::sleep(POLL).await;
        }
    })
}

fn part(jpeg: &[u8], first: bool) -> Bytes {
    let mut out = Vec::with_capacity(jpeg.len() + 128);
    if first {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "Content-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
            jpeg.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(jpeg);
    out.extend_from_slice(format!("\r\n--{BOUNDARY}\r\n").as_bytes());
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_framed_by_boundaries() {
        let first = part(b"JPEG", true);
        assert_eq!(
            &first[..],
            b"--debrief-preview\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\n\r\nJPEG\r\n--debrief-preview\r\n"
        );
        let next = part(b"XY", false);
        assert!(next.starts_with(b"Content-Type: image/jpeg\r\nContent-Length: 2\r\n\r\nXY\r\n"));
    }
}

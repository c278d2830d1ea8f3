//! The app's loopback media server.
//!
//! WebKitGTK cannot play video from Tauri's custom URI schemes or the
//! asset protocol (GStreamer has no handler for them; upstream tauri
//! #3725), but plays and seeks MP4 served over plain HTTP with Range
//! support. So the app runs this small server on `127.0.0.1`, on a random
//! port, for the life of the process, and hands the webview URLs such as
//! `http://127.0.0.1:PORT/TOKEN/media/<clip-id>.mp4`.
//!
//! Invariants:
//! - Only loopback: the listener binds 127.0.0.1, and requests must name
//!   that host (or `localhost`) and port, which also defeats DNS rebinding.
//! - A per-launch secret (128 random bits) is the first path segment of
//!   every URL; without it every path is a plain 404, so other local users
//!   and web pages cannot probe which clips exist.
//! - Only `media/<uuid>.mp4` and `thumbs/<uuid>.jpg` below the two
//!   configured folders are reachable: the file name is parsed as a clip id
//!   (the canonical 36-character UUID), never used as a path, and symlinks
//!   are refused, so no request reaches anything else on disk.
//! - Besides files, only the live preview of a recording in progress:
//!   `preview/live.mjpeg` (an MJPEG stream, `multipart/x-mixed-replace`,
//!   which WebKitGTK shows in a plain `<img>`) and `preview/frame.jpg` (the
//!   newest picture), from the [`LivePreview`] the shell gives, behind the
//!   same token and host checks.
//!
//! Nothing here knows about Tauri; the shell starts a [`MediaServer`] in
//! its setup and asks it for URLs.

mod preview;
mod range;
mod routes;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use debrief_protocol::ClipId;
use tokio::sync::oneshot;

pub use preview::{LivePreview, PreviewFrame, PreviewState};
pub use range::{RangeOutcome, resolve as resolve_range};

/// Where the files are. The names inside follow the library's layout
/// (DESIGN.md "Data on the device"): `<clip-id>.mp4` and `<clip-id>.jpg`.
#[derive(Debug, Clone)]
pub struct ServeDirs {
    pub media: PathBuf,
    pub thumbs: PathBuf,
}

impl ServeDirs {
    /// The `media/` and `thumbs/` folders of a library's data directory.
    pub fn of_library(data_dir: &std::path::Path) -> Self {
        Self {
            media: data_dir.join("media"),
            thumbs: data_dir.join("thumbs"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MediaServerError {
    #[error("cannot start the media server on 127.0.0.1: {0}")]
    Bind(#[source] std::io::Error),
    #[error("cannot make a secret for the media server: {0}")]
    Secret(String),
}

/// The per-launch secret in every URL. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Token(String);

impl Token {
    fn random() -> Result<Self, MediaServerError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| MediaServerError::Secret(e.to_string()))?;
        Ok(Self(hex::encode(bytes)))
    }

    /// Compare in time independent of where the first difference is, so the
    /// secret cannot be guessed byte by byte from response times.
    pub(crate) fn matches(&self, candidate: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), candidate.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<secret>)")
    }
}

/// What a request handler needs; shared by every connection.
pub(crate) struct Shared {
    pub(crate) dirs: ServeDirs,
    pub(crate) token: Token,
    pub(crate) port: u16,
    pub(crate) preview: Option<Arc<dyn LivePreview>>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("dirs", &self.dirs)
            .field("port", &self.port)
            .field("preview", &self.preview.is_some())
            .finish_non_exhaustive()
    }
}

/// A running media server. Dropping it stops the server.
#[derive(Debug)]
pub struct MediaServer {
    addr: SocketAddr,
    token: Token,
    shutdown: Option<oneshot::Sender<()>>,
}

impl MediaServer {
    /// Bind 127.0.0.1 on a free port and start serving on the current Tokio
    /// runtime (files only: the preview paths answer 404).
    pub async fn start(dirs: ServeDirs) -> Result<Self, MediaServerError> {
        Self::serve(dirs, None).await
    }

    /// Like [`MediaServer::start`], also serving `preview`.
    pub async fn start_with_preview(
        dirs: ServeDirs,
        preview: Arc<dyn LivePreview>,
    ) -> Result<Self, MediaServerError> {
        Self::serve(dirs, Some(preview)).await
    }

    async fn serve(
        dirs: ServeDirs,
        preview: Option<Arc<dyn LivePreview>>,
    ) -> Result<Self, MediaServerError> {
        let token = Token::random()?;
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(MediaServerError::Bind)?;
        let addr = listener.local_addr().map_err(MediaServerError::Bind)?;
        let shared = Arc::new(Shared {
            dirs,
            token: token.clone(),
            port: addr.port(),
            preview,
        });
        let (tx, rx) = oneshot::channel::<()>();
        let app = routes::router(shared);
        tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "media server stopped");
            }
        });
        tracing::debug!(port = addr.port(), "media server listening on 127.0.0.1");
        Ok(Self {
            addr,
            token,
            shutdown: Some(tx),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/TOKEN`: every URL this server answers starts so.
    pub fn base_url(&self) -> String {
        format!("http://{}/{}", self.addr, self.token.0)
    }

    /// The URL of a clip's media file (whether or not it exists yet).
    pub fn media_url(&self, id: ClipId) -> String {
        format!("{}/media/{id}.mp4", self.base_url())
    }

    /// The URL of a clip's thumbnail (whether or not it exists yet).
    pub fn thumbnail_url(&self, id: ClipId) -> String {
        format!("{}/thumbs/{id}.jpg", self.base_url())
    }

    /// The live preview as an MJPEG stream, for an `<img>`: it sends each
    /// new picture as it comes and ends when the recording does.
    pub fn preview_stream_url(&self) -> String {
        format!("{}/preview/live.mjpeg", self.base_url())
    }

    /// The newest live preview picture as one JPEG (404 when none).
    pub fn preview_frame_url(&self) -> String {
        format!("{}/preview/frame.jpg", self.base_url())
    }
}

impl Drop for MediaServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_hidden_from_debug() {
        let a = Token::random().unwrap();
        let b = Token::random().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.0.len(), 32);
        assert!(a.0.bytes().all(|c| c.is_ascii_hexdigit()));
        assert!(!format!("{a:?}").contains(&a.0));
    }

    #[test]
    fn token_match_is_exact() {
        let t = Token("00ff".into());
        assert!(t.matches("00ff"));
        assert!(!t.matches("00fe"));
        assert!(!t.matches("00ff0"));
        assert!(!t.matches(""));
        assert!(!t.matches("00FF"));
    }
}

//! The Debrief team server: the meeting point where a team's devices push
//! ops and media and pull each other's changes.
//!
//! A library with [`router`] (so tests drive it in-process) and a thin
//! `debrief-server` binary. Storage sits behind [`store::MetadataStore`] and
//! [`store::BlobStore`]; the embedded default is SQLite plus a local folder
//! ([`open_embedded`]), and PostgreSQL plus an S3-compatible bucket let
//! several instances share one team ([`Settings::open_stores`] picks what
//! the settings name). Every request after `/v1/join` is
//! authenticated by a device token and scoped to that device's team: no id,
//! path or parameter reaches another team's data, and another team's ids
//! answer exactly like ids that do not exist.

pub mod auth;
pub mod cleanup;
pub mod clock;
pub mod coaching;
pub mod config;
pub mod error;
pub mod gc;
pub mod ids;
pub mod merge;
pub mod metrics;
pub mod migrate;
pub mod openapi;
pub mod ratelimit;
pub mod routes;
pub mod store;
pub mod tls;
pub mod uploads;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::Settings;
pub use error::AppError;
pub use routes::router;

use crate::store::fs::FsBlobStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{BlobStore, MetadataStore, StoreResult};

/// Shared by every request handler.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
pub struct Shared {
    pub meta: Arc<dyn MetadataStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub settings: Settings,
    pub metrics: metrics::Metrics,
    pub join_limiter: ratelimit::RateLimiter,
    pub uploads: uploads::UploadTable,
    /// Cancelled when the server begins shutting down: uploads stop reading
    /// their bodies and commit what they have.
    pub shutdown: CancellationToken,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(
        meta: Arc<dyn MetadataStore>,
        blobs: Arc<dyn BlobStore>,
        settings: Settings,
    ) -> Self {
        Self(Arc::new(Shared {
            meta,
            blobs,
            metrics: metrics::Metrics::default(),
            join_limiter: ratelimit::RateLimiter::new(settings.join_per_minute),
            uploads: uploads::UploadTable::default(),
            shutdown: CancellationToken::new(),
            settings,
        }))
    }
}

/// The embedded stores under `data_dir`: `server.sqlite3` and `media/`.
pub fn open_embedded(data_dir: &Path) -> StoreResult<(SqliteStore, FsBlobStore)> {
    let meta = SqliteStore::open(&data_dir.join("server.sqlite3"))?;
    let blobs = FsBlobStore::open(&data_dir.join("media"))?;
    Ok((meta, blobs))
}

/// Serve plain HTTP until `shutdown` resolves, then stop accepting, give
/// in-flight requests `shutdown_grace_secs` to finish (uploads commit what
/// they have received at once), and return. Also runs the stale-upload
/// cleaner and the media garbage collector ([`gc`]). Plain HTTP is for running behind a TLS-terminating proxy (or on
/// loopback); see [`serve_tls`].
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_on(listener, state, shutdown).await
}

/// [`serve`], with TLS terminated here by rustls (see [`tls::TlsFiles`]).
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_on(tls::TlsListener::new(listener, tls)?, state, shutdown).await
}

async fn serve_on<L>(
    listener: L,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    use axum::serve::ListenerExt;
    let token = state.shutdown.clone();
    let cleaner = tokio::spawn(cleanup::clean_expired_loop(state.clone()));
    let collector = tokio::spawn(gc::collect_media_loop(state.clone()));
    let grace = Duration::from_secs(state.settings.shutdown_grace_secs);
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    // axum hands the peer address to `ConnectInfo<SocketAddr>` for any
    // listener wrapped by `tap_io`, so both listeners go through it.
    let listener = listener.tap_io(|_: &mut L::Io| {});
    let signal_token = token.clone();
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: no new connections; finishing in-flight requests");
            signal_token.cancel();
        })
        .into_future();
    tokio::pin!(server);
    let result = tokio::select! {
        r = &mut server => r,
        () = token.cancelled() => match tokio::time::timeout(grace, &mut server).await {
            Ok(r) => r,
            Err(_) => {
                tracing::warn!(grace_secs = grace.as_secs(), "requests still running after the grace period; stopping anyway");
                Ok(())
            }
        },
    };
    cleaner.abort();
    collector.abort();
    result
}

//! The HTTP surface: routes, the request-wide layers (request id, tracing,
//! metrics, CORS) and the strict JSON extractor.

pub(crate) mod feed;
pub(crate) mod join;
pub(crate) mod media;
pub(crate) mod system;
pub(crate) mod tus;
mod tus_headers;

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::AppState;
use crate::error::AppError;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Largest JSON body (an op batch of 1,000 ops fits with room to spare).
pub const MAX_JSON_BYTES: usize = 8 * 1024 * 1024;

/// Every route of the server, with its layers.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/v1/info", get(system::info))
        .route("/v1/openapi.json", get(system::openapi))
        .route("/v1/join", post(join::join))
        .route("/v1/ops", post(feed::post_ops))
        .route("/v1/changes", get(feed::changes))
        .route("/v1/members", get(feed::members))
        .route("/v1/devices", get(feed::devices))
        .route(
            "/v1/media/{sha256}",
            get(media::get_media).head(media::head_media),
        )
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .merge(tus::routes(&state));
    let mut app = Router::new()
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(system::metrics))
        .merge(api)
        .fallback(system::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state.clone());
    if let Some(cors) = cors(&state.settings.cors_origins) {
        app = app.layer(cors);
    }
    app.layer(
        TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
    )
    .layer(PropagateRequestIdLayer::new(REQUEST_ID))
    .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// CORS stays off unless origins are configured.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(list))
            .allow_methods([
                Method::GET,
                Method::HEAD,
                Method::POST,
                Method::PATCH,
                Method::DELETE,
                Method::OPTIONS,
            ])
            .allow_headers(tower_http::cors::Any)
            .expose_headers(
                [
                    "location",
                    "upload-offset",
                    "upload-length",
                    "upload-expires",
                    "upload-metadata",
                    "tus-resumable",
                    "tus-version",
                    "tus-extension",
                    "tus-max-size",
                    "content-range",
                    "etag",
                    "x-request-id",
                ]
                .map(HeaderName::from_static),
            ),
    )
}

/// Request counts and latency per route pattern.
async fn track(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let resp = next.run(req).await;
    state
        .metrics
        .observe_request(&method, &route, resp.status().as_u16(), start.elapsed());
    resp
}

/// `Json` whose rejections are [`AppError`]s naming the offending field.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| ApiJson(v))
            .map_err(AppError::from)
    }
}

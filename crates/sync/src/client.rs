//! The team server's HTTP API as typed calls. Every request is bounded by
//! timeouts (a stalled connection fails instead of hanging), carries the
//! device token only to https or loopback addresses, and turns the server's
//! `{error: {kind, message}}` answers into [`SyncError`]s.

use std::fmt;
use std::time::Duration;

use debrief_protocol::Op;
use debrief_protocol::api::{
    ChangesResponse, DevicesResponse, ErrorResponse, InfoResponse, JoinRequest, JoinResponse,
    MembersResponse, OpsRequest, OpsResponse, PROTOCOL_VERSION,
};
use reqwest::{Response, StatusCode};
use url::Url;

use crate::error::{Result, SyncError};

/// Timeouts for server requests. Stalls are common on phones; each read
/// must make progress within `read`.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(30),
        }
    }
}

/// A device token: never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(pub String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

#[derive(Debug, Clone)]
pub struct Client {
    base: Url,
    token: Option<Token>,
    timeouts: Timeouts,
    pub(crate) http: reqwest::Client,
    /// For upload bodies: no read timeout. reqwest's read timeout runs from
    /// sending a request until its response head, so it caps how long a
    /// whole PATCH may take; on a slow link every large PATCH would "time
    /// out" while its bytes still flow. Uploads enforce `timeouts.read` as
    /// "no progress for that long" instead (see `tus`).
    pub(crate) upload_http: reqwest::Client,
}

/// Parse and check a server address. Plain http is allowed only to this
/// computer, because the device token would travel in the clear.
pub fn parse_server_url(raw: &str) -> Result<Url> {
    let bad = |reason: &str| SyncError::BadUrl {
        url: raw.to_string(),
        reason: reason.to_string(),
    };
    let mut url = Url::parse(raw.trim())
        .map_err(|e| bad(&format!("{e}; write it like https://debrief.example.com")))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                None => false,
            };
            if !loopback {
                return Err(SyncError::InsecureUrl {
                    host: url.host_str().unwrap_or("").to_string(),
                });
            }
        }
        other => return Err(bad(&format!("the scheme must be https (got '{other}')"))),
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(bad("it has no host"));
    }
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

impl Client {
    pub fn new(server_url: &str, token: Option<Token>, timeouts: Timeouts) -> Result<Self> {
        let base = parse_server_url(server_url)?;
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(timeouts.connect)
                .user_agent(concat!("debrief/", env!("CARGO_PKG_VERSION")))
        };
        let bad = |e: reqwest::Error| SyncError::BadUrl {
            url: server_url.to_string(),
            reason: e.to_string(),
        };
        let http = builder().read_timeout(timeouts.read).build().map_err(bad)?;
        let upload = builder();
        // Data that stops being acknowledged ends the connection after the
        // timeout, even while the watchdog allows an upload's tail to drain.
        #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
        let upload = upload.tcp_user_timeout(timeouts.read);
        let upload_http = upload.build().map_err(bad)?;
        Ok(Self {
            base,
            token,
            timeouts,
            http,
            upload_http,
        })
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub(crate) fn url(&self, path: &str) -> Url {
        self.base
            .join(path.trim_start_matches('/'))
            .expect("relative API paths join")
    }

    pub(crate) fn authed(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => rb.bearer_auth(&t.0),
            None => rb,
        }
    }

    pub(crate) fn unreachable(&self, e: reqwest::Error) -> SyncError {
        let detail = if e.is_timeout() {
            "the connection timed out".to_string()
        } else if e.is_connect() {
            "the connection was refused or the network is down".to_string()
        } else {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(inner) = src {
                s = format!("{s}: {inner}");
                src = inner.source();
            }
            s
        };
        SyncError::Unreachable {
            url: self.base.to_string(),
            detail,
        }
    }

    pub async fn info(&self) -> Result<InfoResponse> {
        let resp = self
            .http
            .get(self.url("v1/info"))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        json(check(resp).await?).await
    }

    /// Join with an invite code. No token is sent (there is none yet).
    pub async fn join(&self, req: &JoinRequest) -> Result<JoinResponse> {
        let resp = self
            .http
            .post(self.url("v1/join"))
            .json(req)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        json(check(resp).await?).await
    }

    pub async fn post_ops(&self, ops: &[Op]) -> Result<OpsResponse> {
        let body = OpsRequest { ops: ops.to_vec() };
        let resp = self
            .authed(self.http.post(self.url("v1/ops")).json(&body))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        json(check(resp).await?).await
    }

    pub async fn changes(&self, after: u64, limit: u32) -> Result<ChangesResponse> {
        let mut url = self.url("v1/changes");
        url.query_pairs_mut()
            .append_pair("after", &after.to_string())
            .append_pair("limit", &limit.to_string())
            .append_pair("protocol", &PROTOCOL_VERSION.to_string());
        let resp = self
            .authed(self.http.get(url))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        json(check(resp).await?).await
    }

    /// The team's members (protocol 2).
    pub async fn members(&self) -> Result<MembersResponse> {
        let resp = self
            .authed(self.http.get(self.url("v1/members")))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        json(check(resp).await?).await
    }

    /// The team's devices the caller may see (an admin: all; else its own).
    pub async fn devices(&self) -> Result<DevicesResponse> {
        let resp = self
            .authed(self.http.get(self.url("v1/devices")))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        json(check(resp).await?).await
    }

    /// Whether the team's server already has this content.
    pub async fn has_media(&self, sha256: &str) -> Result<bool> {
        let resp = self
            .authed(self.http.head(self.url(&format!("v1/media/{sha256}"))))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        match resp.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => check(resp).await.map(|_| false),
        }
    }
}

/// Turn an error answer into a [`SyncError`].
pub(crate) async fn check(resp: Response) -> Result<Response> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let text = resp.text().await.unwrap_or_default();
    let (kind, message, op_id) = match serde_json::from_str::<ErrorResponse>(&text) {
        Ok(e) => (e.error.kind, e.error.message, e.error.op_id),
        Err(_) => (
            "http".to_string(),
            if text.trim().is_empty() {
                status.canonical_reason().unwrap_or("error").to_string()
            } else {
                text.trim().chars().take(300).collect()
            },
            None,
        ),
    };
    if status == StatusCode::UNAUTHORIZED {
        return Err(if kind == "device_revoked" {
            SyncError::Revoked
        } else {
            SyncError::Unauthorized { message }
        });
    }
    Err(SyncError::Server {
        status: status.as_u16(),
        kind,
        message,
        op_id,
    })
}

async fn json<T: serde::de::DeserializeOwned>(resp: Response) -> Result<T> {
    let bytes = resp.bytes().await.map_err(|e| SyncError::Unreachable {
        url: String::new(),
        detail: e.to_string(),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| SyncError::BadResponse(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_computer() {
        assert!(parse_server_url("https://debrief.example.com").is_ok());
        assert_eq!(
            parse_server_url("http://127.0.0.1:8080").unwrap().as_str(),
            "http://127.0.0.1:8080/"
        );
        assert!(
            parse_server_url("http://localhost:1/base")
                .unwrap()
                .as_str()
                .ends_with("/base/")
        );
        assert!(parse_server_url("http://[::1]:9/").is_ok());
        let err = parse_server_url("http://debrief.example.com").unwrap_err();
        assert!(matches!(err, SyncError::InsecureUrl { .. }), "{err}");
        assert!(err.to_string().contains("https://"));
        assert!(matches!(
            parse_server_url("ftp://x").unwrap_err(),
            SyncError::BadUrl { .. }
        ));
        assert!(matches!(
            parse_server_url("not a url").unwrap_err(),
            SyncError::BadUrl { .. }
        ));
    }

    #[test]
    fn tokens_never_print() {
        assert_eq!(format!("{:?}", Token("secret".into())), "Token(<redacted>)");
    }
}

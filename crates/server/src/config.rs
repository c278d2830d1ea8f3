//! Server settings: built-in defaults, then an optional TOML file, then
//! `DEBRIEF_SERVER_*` environment variables and command-line flags (clap
//! merges those two; a flag beats its variable).
//!
//! Every field has a default (`#[serde(default)]`), so an older config file
//! keeps loading; unknown keys are refused so a typo is not silently ignored.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::tls::{TlsError, TlsFiles};

pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 2 * 1024 * 1024 * 1024;
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8640";
pub const DEFAULT_MEDIA_GC_GRACE_SECS: u64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// What a running server needs to know, after every source was merged.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub listen: SocketAddr,
    pub max_upload_bytes: u64,
    /// How long a partial upload lives after its last chunk.
    pub upload_expiry_secs: u64,
    /// How often stale partial uploads are cleaned up.
    pub cleanup_interval_secs: u64,
    /// `POST /v1/join` attempts allowed per client address per minute.
    pub join_per_minute: u32,
    /// After SIGTERM/Ctrl-C, how long in-flight requests may take to finish.
    pub shutdown_grace_secs: u64,
    /// Origins allowed by CORS; empty (the default) means CORS is off.
    pub cors_origins: Vec<String>,
    pub log_format: LogFormat,
    /// PEM certificate chain to serve HTTPS with (needs `tls_key`). Unset:
    /// plain HTTP, for running behind a TLS-terminating reverse proxy.
    /// A relative path in the TOML file is relative to that file's folder.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert` (PKCS#8, PKCS#1 RSA or SEC1 EC).
    pub tls_key: Option<PathBuf>,
    /// Media no live clip has referenced for this long, and uploaded at
    /// least this long ago, is deleted (default 7 days).
    pub media_gc_grace_secs: u64,
    /// How often the server looks for such media; 0 turns the background
    /// pass off (run `debrief-server gc` from cron instead).
    pub media_gc_interval_secs: u64,
    /// Metadata in PostgreSQL (`postgres://USER:PASSWORD@HOST:PORT/DB`,
    /// with `?sslmode=require` and friends as needed) so several instances
    /// can share it, or `sqlite:///PATH`. Unset: `DATA_DIR/server.sqlite3`.
    pub database_url: Option<DatabaseUrl>,
    /// Media in an S3-compatible bucket (`s3://BUCKET[/PREFIX]`; endpoint,
    /// region and credentials from the standard `AWS_*` variables), or
    /// `file:///PATH`. Unset: `DATA_DIR/media`.
    pub media_url: Option<String>,
    /// Connections each instance keeps to PostgreSQL at most.
    pub database_pool_size: u32,
}

/// A database URL; its password never appears in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", crate::store::open::redact(&self.0))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.parse().expect("valid default address"),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            upload_expiry_secs: 24 * 3600,
            cleanup_interval_secs: 300,
            join_per_minute: 10,
            shutdown_grace_secs: 10,
            cors_origins: Vec::new(),
            log_format: LogFormat::Text,
            tls_cert: None,
            tls_key: None,
            media_gc_grace_secs: DEFAULT_MEDIA_GC_GRACE_SECS,
            media_gc_interval_secs: 3600,
            database_url: None,
            media_url: None,
            database_pool_size: crate::store::postgres::DEFAULT_POOL_SIZE,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
}

impl Settings {
    /// Defaults overlaid with the TOML file at `path`. Relative file paths
    /// in it are taken relative to the file's folder, so the file means the
    /// same whatever directory the server is started from.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut settings: Self = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        for file in [&mut settings.tls_cert, &mut settings.tls_key]
            .into_iter()
            .flatten()
        {
            if file.is_relative() {
                *file = base.join(&*file);
            }
        }
        Ok(settings)
    }

    /// Defaults, overlaid with `explicit` if given, else with
    /// `DATA_DIR/server.toml` if that exists.
    pub fn load(explicit: Option<&Path>, data_dir: &Path) -> Result<Self, ConfigError> {
        match explicit {
            Some(p) => Self::from_file(p),
            None => {
                let implicit = data_dir.join("server.toml");
                if implicit.exists() {
                    Self::from_file(&implicit)
                } else {
                    Ok(Self::default())
                }
            }
        }
    }

    pub fn upload_expiry(&self) -> Duration {
        Duration::from_secs(self.upload_expiry_secs)
    }

    /// The metadata and media stores these settings name (the data dir's
    /// SQLite file and media folder by default), opened and checked.
    pub async fn open_stores(
        &self,
        data_dir: &Path,
    ) -> Result<crate::store::open::Stores, crate::store::open::OpenError> {
        crate::store::open::open_stores(
            self.database_url.as_ref().map(|u| u.0.as_str()),
            self.media_url.as_deref(),
            self.database_pool_size,
            data_dir,
        )
        .await
    }

    /// The certificate and key to serve HTTPS with; None for plain HTTP.
    pub fn tls_files(&self) -> Result<Option<TlsFiles>, TlsError> {
        TlsFiles::from_parts(self.tls_cert.clone(), self.tls_key.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_overrides_defaults_and_refuses_typos() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\nmax_upload_bytes = 1000\n",
        )
        .unwrap();
        let s = Settings::load(None, dir.path()).unwrap();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.max_upload_bytes, 1000);
        assert_eq!(s.join_per_minute, 10);
        std::fs::write(&path, "max_upload_byte = 1\n").unwrap();
        let err = Settings::load(None, dir.path()).unwrap_err().to_string();
        assert!(err.contains("max_upload_byte"), "{err}");
        std::fs::write(
            &path,
            "tls_cert = \"certs/chain.pem\"\ntls_key = \"/etc/key.pem\"\nmedia_gc_grace_secs = 60\n",
        )
        .unwrap();
        let s = Settings::load(None, dir.path()).unwrap();
        let tls = s.tls_files().unwrap().unwrap();
        assert_eq!(tls.cert, dir.path().join("certs/chain.pem"));
        assert_eq!(tls.key, Path::new("/etc/key.pem"));
        assert_eq!(s.media_gc_grace_secs, 60);
        std::fs::write(&path, "tls_key = \"key.pem\"\n").unwrap();
        let err = Settings::load(None, dir.path())
            .unwrap()
            .tls_files()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("but --tls-cert (DEBRIEF_SERVER_TLS_CERT, tls_cert) is not"),
            "{err}"
        );
        std::fs::write(
            &path,
            "database_url = \"postgres://app:hunter2@db/debrief\"\nmedia_url = \"s3://media/prod\"\n",
        )
        .unwrap();
        let s = Settings::load(None, dir.path()).unwrap();
        assert_eq!(s.media_url.as_deref(), Some("s3://media/prod"));
        let shown = format!("{s:?}");
        assert!(shown.contains("postgres://app:***@db/debrief"), "{shown}");
        assert!(
            !shown.contains("hunter2"),
            "secrets stay out of Debug: {shown}"
        );
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(
            Settings::load(None, empty.path()).unwrap(),
            Settings::default()
        );
    }
}

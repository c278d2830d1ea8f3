//! TLS termination with rustls, for servers that face devices directly
//! (without a reverse proxy in front).
//!
//! The certificate chain and private key are read once at startup from PEM
//! files and checked against each other, so a wrong file stops the server
//! before it listens, with a message that names the file and says how to fix
//! it, instead of failing every handshake later. Accepted keys: PKCS#8
//! (`BEGIN PRIVATE KEY`), PKCS#1 RSA (`BEGIN RSA PRIVATE KEY`) and SEC1 EC
//! (`BEGIN EC PRIVATE KEY`); the first certificate in the chain file must be
//! the server's own, followed by any intermediates.
//!
//! The crypto provider is named explicitly (aws-lc-rs) rather than taken
//! from a process-wide default, so which provider other crates enable can
//! never make the server panic at startup.

mod listener;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::{self, SectionKind};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub use listener::TlsListener;

/// What the server presents to clients: a certificate chain and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(
        "TLS {what} file {path} does not exist: check the path given to {flag} (or {env}); \
         relative paths in server.toml are relative to that file's folder"
    )]
    Missing {
        what: &'static str,
        flag: &'static str,
        env: &'static str,
        path: PathBuf,
    },
    #[error(
        "cannot read TLS {what} file {path}: {source}; make it readable by the user that runs \
         debrief-server"
    )]
    Unreadable {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("TLS {what} file {path} is not PEM: {detail}; {hint}")]
    NotPem {
        what: &'static str,
        path: PathBuf,
        detail: String,
        hint: &'static str,
    },
    #[error("TLS {what} file {path} {detail}")]
    WrongContent {
        what: &'static str,
        path: PathBuf,
        detail: String,
    },
    #[error(
        "the private key in {key} does not belong to the certificate in {cert}: pass the key the \
         certificate was issued for (and put the server's own certificate first in {cert})"
    )]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error(
        "the private key in {path} cannot be used ({detail}): debrief-server accepts RSA, ECDSA \
         (P-256, P-384) and Ed25519 keys"
    )]
    BadKey { path: PathBuf, detail: String },
    #[error(
        "the certificate in {path} cannot be used ({detail}): pass a PEM X.509 certificate chain"
    )]
    BadCertificate { path: PathBuf, detail: String },
    #[error(
        "{given} is set but {missing} is not: TLS needs both the certificate chain and its key"
    )]
    Incomplete {
        given: &'static str,
        missing: &'static str,
    },
}

const CERT: &str = "certificate";
const KEY: &str = "private key";
const CERT_SOURCES: &str = "--tls-cert (DEBRIEF_SERVER_TLS_CERT, tls_cert)";
const KEY_SOURCES: &str = "--tls-key (DEBRIEF_SERVER_TLS_KEY, tls_key)";
const CERT_HINT: &str = "pass a PEM certificate chain ('-----BEGIN CERTIFICATE-----'); convert a \
     DER file with `openssl x509 -inform der -in cert.der -out cert.pem`";
const KEY_HINT: &str = "pass a PEM private key ('-----BEGIN PRIVATE KEY-----'); convert a DER \
     file with `openssl pkey -inform der -in key.der -out key.pem`";

impl TlsFiles {
    /// Both files, neither (plain HTTP), or an error naming the missing one.
    pub fn from_parts(
        cert: Option<PathBuf>,
        key: Option<PathBuf>,
    ) -> Result<Option<Self>, TlsError> {
        match (cert, key) {
            (Some(cert), Some(key)) => Ok(Some(Self { cert, key })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(TlsError::Incomplete {
                given: CERT_SOURCES,
                missing: KEY_SOURCES,
            }),
            (None, Some(_)) => Err(TlsError::Incomplete {
                given: KEY_SOURCES,
                missing: CERT_SOURCES,
            }),
        }
    }

    /// Read and check both files and build the rustls server config.
    pub fn load(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let chain = read_chain(&self.cert)?;
        let key = read_key(&self.key)?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::BadCertificate {
                path: self.cert.clone(),
                detail: e.to_string(),
            })?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| self.classify(e))?;
        // The router speaks HTTP/1.1 (axum is built without HTTP/2 here).
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    fn classify(&self, e: rustls::Error) -> TlsError {
        match e {
            rustls::Error::InconsistentKeys(_) => TlsError::KeyMismatch {
                cert: self.cert.clone(),
                key: self.key.clone(),
            },
            rustls::Error::InvalidCertificate(why) => TlsError::BadCertificate {
                path: self.cert.clone(),
                detail: format!("{why:?}"),
            },
            other => TlsError::BadKey {
                path: self.key.clone(),
                detail: other.to_string(),
            },
        }
    }
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            let (flag, env) = if what == CERT {
                ("--tls-cert", "DEBRIEF_SERVER_TLS_CERT")
            } else {
                ("--tls-key", "DEBRIEF_SERVER_TLS_KEY")
            };
            TlsError::Missing {
                what,
                flag,
                env,
                path: path.to_path_buf(),
            }
        } else {
            TlsError::Unreadable {
                what,
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// Every PEM section rustls knows, in file order.
fn sections(
    bytes: &[u8],
    path: &Path,
    what: &'static str,
) -> Result<Vec<(SectionKind, Vec<u8>)>, TlsError> {
    let hint = if what == CERT { CERT_HINT } else { KEY_HINT };
    let not_pem = |detail: String| TlsError::NotPem {
        what,
        path: path.to_path_buf(),
        detail,
        hint,
    };
    let mut reader = bytes;
    let mut out = Vec::new();
    loop {
        match pem::from_buf(&mut reader) {
            Ok(Some(section)) => out.push(section),
            Ok(None) => break,
            Err(e) => return Err(not_pem(describe(&e))),
        }
    }
    if out.is_empty() && !contains(bytes, b"-----BEGIN ") {
        return Err(not_pem("it has no '-----BEGIN ...-----' block".into()));
    }
    Ok(out)
}

fn describe(e: &pem::Error) -> String {
    match e {
        pem::Error::MissingSectionEnd { end_marker } => format!(
            "a block is cut short (no '{}' line)",
            String::from_utf8_lossy(end_marker)
        ),
        pem::Error::IllegalSectionStart { line } => format!(
            "a '-----BEGIN' line is malformed ('{}')",
            String::from_utf8_lossy(line)
        ),
        pem::Error::Base64Decode(why) => format!("a block's base64 is damaged ({why})"),
        other => other.to_string(),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn is_key(kind: SectionKind) -> bool {
    matches!(
        kind,
        SectionKind::PrivateKey | SectionKind::RsaPrivateKey | SectionKind::EcPrivateKey
    )
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read(path, CERT)?;
    let found = sections(&bytes, path, CERT)?;
    let chain: Vec<CertificateDer<'static>> = found
        .iter()
        .filter(|(kind, _)| *kind == SectionKind::Certificate)
        .map(|(_, der)| CertificateDer::from(der.clone()))
        .collect();
    if chain.is_empty() {
        let detail = if found.iter().any(|(kind, _)| is_key(*kind)) {
            "holds a private key, not a certificate: did you swap --tls-cert and --tls-key?"
        } else {
            "holds no certificate ('-----BEGIN CERTIFICATE-----'): pass the server's PEM \
             certificate chain"
        };
        return Err(TlsError::WrongContent {
            what: CERT,
            path: path.to_path_buf(),
            detail: detail.into(),
        });
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read(path, KEY)?;
    let found = sections(&bytes, path, KEY)?;
    let wrong = |detail: String| TlsError::WrongContent {
        what: KEY,
        path: path.to_path_buf(),
        detail,
    };
    let mut keys: Vec<PrivateKeyDer<'static>> = found
        .into_iter()
        .filter_map(|(kind, der)| match kind {
            SectionKind::PrivateKey => Some(PrivateKeyDer::Pkcs8(der.into())),
            SectionKind::RsaPrivateKey => Some(PrivateKeyDer::Pkcs1(der.into())),
            SectionKind::EcPrivateKey => Some(PrivateKeyDer::Sec1(der.into())),
            _ => None,
        })
        .collect();
    match keys.len() {
        1 => Ok(keys.remove(0)),
        0 if contains(&bytes, b"-----BEGIN ENCRYPTED PRIVATE KEY-----") => Err(wrong(
            "holds an encrypted private key: write a decrypted copy readable only by the server \
             (`openssl pkey -in encrypted.pem -out key.pem`) and pass that"
                .into(),
        )),
        0 if contains(&bytes, b"-----BEGIN CERTIFICATE-----") => Err(wrong(
            "holds a certificate, not a private key: did you swap --tls-cert and --tls-key?".into(),
        )),
        0 => Err(wrong(
            "holds no private key ('-----BEGIN PRIVATE KEY-----', 'RSA PRIVATE KEY' or \
             'EC PRIVATE KEY'): pass the key the certificate was issued for"
                .into(),
        )),
        n => Err(wrong(format!(
            "holds {n} private keys: keep only the one the certificate was issued for"
        ))),
    }
}

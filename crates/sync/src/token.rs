//! Where the device token lives: the OS keyring (Secret Service on Linux)
//! where one answers, otherwise a file readable only by the user (0600) in
//! the data directory. The token never goes into the database, logs or
//! `--json` output.

use std::path::{Path, PathBuf};

use crate::client::Token;
use crate::error::{Result, SyncError};

const SERVICE: &str = "app.debrief";
const TOKEN_FILE: &str = "device-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenLocation {
    Keyring,
    File,
}

#[derive(Debug, Clone)]
pub struct TokenStore {
    data_dir: PathBuf,
    /// Keyring account name: one token per data directory.
    user: String,
}

impl TokenStore {
    pub fn new(data_dir: &Path, device_id: &str) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            user: format!("device-{device_id}"),
        }
    }

    fn file(&self) -> PathBuf {
        self.data_dir.join(TOKEN_FILE)
    }

    fn keyring_allowed() -> bool {
        std::env::var("DEBRIEF_TOKEN_STORE")
            .map(|v| v != "file")
            .unwrap_or(true)
    }

    /// Store the token, preferring the keyring.
    pub async fn save(&self, token: &Token) -> Result<TokenLocation> {
        if Self::keyring_allowed() {
            let (user, secret) = (self.user.clone(), token.0.clone());
            let stored = tokio::task::spawn_blocking(move || {
                keyring::Entry::new(SERVICE, &user).and_then(|e| e.set_password(&secret))
            })
            .await;
            match stored {
                Ok(Ok(())) => {
                    let _ = std::fs::remove_file(self.file());
                    return Ok(TokenLocation::Keyring);
                }
                Ok(Err(e)) => {
                    tracing::info!(error = %e, "no usable keyring; storing the device token in a 0600 file")
                }
                Err(e) => {
                    tracing::info!(error = %e, "keyring task failed; storing the device token in a 0600 file")
                }
            }
        }
        write_private(&self.file(), token.0.as_bytes())
            .map_err(|e| SyncError::TokenStore(format!("{}: {e}", self.file().display())))?;
        Ok(TokenLocation::File)
    }

    pub async fn load(&self) -> Result<Option<(Token, TokenLocation)>> {
        match std::fs::read_to_string(self.file()) {
            Ok(t) if !t.trim().is_empty() => {
                return Ok(Some((Token(t.trim().to_string()), TokenLocation::File)));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(SyncError::TokenStore(format!(
                    "{}: {e}",
                    self.file().display()
                )));
            }
        }
        if !Self::keyring_allowed() {
            return Ok(None);
        }
        let user = self.user.clone();
        let got = tokio::task::spawn_blocking(move || {
            keyring::Entry::new(SERVICE, &user).and_then(|e| e.get_password())
        })
        .await;
        match got {
            Ok(Ok(t)) => Ok(Some((Token(t), TokenLocation::Keyring))),
            _ => Ok(None),
        }
    }

    pub async fn delete(&self) {
        let _ = std::fs::remove_file(self.file());
        if Self::keyring_allowed() {
            let user = self.user.clone();
            let _ = tokio::task::spawn_blocking(move || {
                keyring::Entry::new(SERVICE, &user).and_then(|e| e.delete_credential())
            })
            .await;
        }
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_store_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore {
            data_dir: dir.path().to_path_buf(),
            user: "t".into(),
        };
        write_private(&store.file(), b"tok").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.file())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600);
        }
        let (t, loc) = store.load().await.unwrap().unwrap();
        assert_eq!((t.0.as_str(), loc), ("tok", TokenLocation::File));
        store.delete().await;
        assert!(!store.file().exists());
    }
}

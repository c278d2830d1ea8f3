//! Server-made secrets and ids: upload ids, device tokens, invite codes.
//!
//! Every one is random from the OS generator. Upload ids appear in URLs and
//! (for the folder blob store) in file names, so they are validated to their
//! exact shape before anything looks them up. Tokens and invite codes are
//! secrets: only their SHA-256 is stored, and their `Debug` is redacted.

use std::fmt;
use std::str::FromStr;

use data_encoding::{Encoding, HEXLOWER};
use sha2::{Digest, Sha256};

/// Crockford's base32 alphabet: no I, L, O or U, so codes read aloud or
/// typed from a screenshot survive.
const CROCKFORD: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random generator failed");
    buf
}

fn crockford() -> Encoding {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str(CROCKFORD);
    spec.encoding().expect("valid base32 specification")
}

/// A tus upload id: 128 random bits as 32 lowercase hex characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UploadId(String);

impl UploadId {
    pub fn new() -> Self {
        Self(HEXLOWER.encode(&random_bytes::<16>()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for UploadId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for UploadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for UploadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UploadId({})", self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not an upload id (expected 32 lowercase hex characters from an upload's Location)"
)]
pub struct BadUploadId(pub String);

impl FromStr for UploadId {
    type Err = BadUploadId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(s.to_string()))
        } else {
            let shown: String = s.chars().take(80).collect();
            Err(BadUploadId(shown))
        }
    }
}

/// SHA-256 of a secret, lowercase hex: what the database keeps.
pub fn secret_hash(secret: &str) -> String {
    HEXLOWER.encode(&Sha256::digest(secret.as_bytes()))
}

/// A device token: `dbt_` and 256 random bits in base32 (lowercase).
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceToken(String);

impl DeviceToken {
    pub fn new() -> Self {
        let body = crockford()
            .encode(&random_bytes::<32>())
            .to_ascii_lowercase();
        Self(format!("dbt_{body}"))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        secret_hash(&self.0)
    }
}

impl Default for DeviceToken {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for DeviceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceToken(<redacted>)")
    }
}

/// An invite code: 100 random bits as 20 Crockford base32 characters in
/// four groups, e.g. `7K2QD-MX9PA-B4RTZ-0HVWC`.
#[derive(Clone, PartialEq, Eq)]
pub struct InviteCode(String);

impl InviteCode {
    pub fn new() -> Self {
        // 13 bytes = 104 bits -> 21 symbols; keep 20 (100 bits).
        let all = crockford().encode(&random_bytes::<13>());
        let chars: Vec<char> = all.chars().take(20).collect();
        let groups: Vec<String> = chars.chunks(5).map(|c| c.iter().collect()).collect();
        Self(groups.join("-"))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash stored for this code (of its normalised form).
    pub fn hash(&self) -> String {
        secret_hash(&normalise_invite_code(&self.0))
    }
}

impl Default for InviteCode {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for InviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InviteCode(<redacted>)")
    }
}

/// What people type is forgiven: case, spaces and dashes are ignored, and
/// the letters Crockford base32 leaves out are read as the digits they
/// look like (O -> 0, I and L -> 1).
pub fn normalise_invite_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_ids_are_strict() {
        let id = UploadId::new();
        assert_eq!(id.as_str().parse::<UploadId>().unwrap(), id);
        for bad in [
            "",
            "../../etc/passwd",
            &"A".repeat(32),
            &"a".repeat(33),
            "%2e%2e%2f",
        ] {
            assert!(bad.parse::<UploadId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = DeviceToken::new();
        let b = DeviceToken::new();
        assert_ne!(a, b);
        // 256 bits in base32 = 52 symbols after the prefix.
        assert_eq!(a.expose().len(), 4 + 52);
        assert_eq!(a.hash().len(), 64);
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn invite_codes_are_grouped_and_forgiving() {
        let code = InviteCode::new();
        let s = code.expose();
        assert_eq!(s.len(), 23);
        assert_eq!(s.split('-').count(), 4);
        assert!(s.chars().all(|c| c == '-' || CROCKFORD.contains(c)));
        let typed = s.to_lowercase().replace('-', " ");
        assert_eq!(secret_hash(&normalise_invite_code(&typed)), code.hash());
        assert_eq!(normalise_invite_code("ol-i"), "011");
    }
}

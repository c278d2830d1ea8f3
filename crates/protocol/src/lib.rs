//! Wire types shared by the Debrief device side and the team server.
//!
//! Everything that crosses the network, or that both sides must agree on
//! (ids, the hybrid logical clock, tag normalisation, ops), lives here so the
//! two sides cannot drift apart. This crate has no I/O.

pub mod api;
pub mod clip;
pub mod coaching;
pub mod hlc;
pub mod ids;
pub mod op;
pub mod tag;

pub use clip::{ClipKind, Visibility};
pub use hlc::{Hlc, HlcClock, HlcParseError};
pub use ids::{ChallengeId, ClipId, CommentId, DeviceId, IdParseError, OpId};
pub use op::{Op, OpBody, Target};
pub use tag::{Tag, TagError};

/// Lowercase hex SHA-256 digest, validated: exactly 64 characters of `[0-9a-f]`.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_validation() {
        assert!(is_sha256_hex(&"a".repeat(64)));
        assert!(!is_sha256_hex(&"A".repeat(64)));
        assert!(!is_sha256_hex(&"a".repeat(63)));
        assert!(!is_sha256_hex(&format!("../{}", "a".repeat(61))));
    }
}

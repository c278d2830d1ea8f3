//! Id newtypes. Every entity id is a UUIDv7 made where the entity is born
//! (usually on the device), so nothing needs the server to exist. The
//! newtypes keep a clip id from being passed where an op id belongs, and
//! parsing is strict: an id from a client never reaches a path unchecked.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{input}' is not a valid {what} id (expected a UUID such as 0190f1c2-7a4b-7c3d-9e8f-0123456789ab)"
)]
pub struct IdParseError {
    pub what: &'static str,
    pub input: String,
}

macro_rules! id_type {
    ($name:ident, $what:literal) => {
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (v7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Always the hyphenated lowercase form: ids appear in file
                // names and URLs, so one spelling per id.
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                // Only the canonical hyphenated form (36 chars): no braces,
                // urn: prefixes or simple form, so an id has one spelling.
                if t.len() != 36 {
                    return Err(IdParseError {
                        what: $what,
                        input: s.to_string(),
                    });
                }
                Uuid::parse_str(t).map(Self).map_err(|_| IdParseError {
                    what: $what,
                    input: s.to_string(),
                })
            }
        }
    };
}

id_type!(ClipId, "clip");
id_type!(OpId, "op");
id_type!(DeviceId, "device");
id_type!(ChallengeId, "challenge");
id_type!(CommentId, "comment");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_junk() {
        let id = ClipId::new();
        let s = id.to_string();
        assert_eq!(s.len(), 36);
        assert_eq!(s.parse::<ClipId>().unwrap(), id);
        assert_eq!(id.0.get_version_num(), 7);
        for bad in [
            "",
            "../../etc/passwd",
            "0190f1c27a4b7c3d9e8f0123456789ab",
            "{0190f1c2-7a4b-7c3d-9e8f-0123456789ab}",
            "0190f1c2-7a4b-7c3d-9e8f-0123456789zz",
        ] {
            let err = bad.parse::<ClipId>().unwrap_err();
            assert!(err.to_string().contains("not a valid clip id"), "{err}");
        }
    }

    #[test]
    fn v7_ids_sort_by_creation() {
        let a = OpId::new();
        let b = OpId::new();
        assert!(a < b);
    }
}

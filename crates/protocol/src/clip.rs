//! Clip enums that travel on the wire.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How a clip was made. Being in the playbook is not a kind: a playbook
/// entry is its own entity, so any clip can be promoted and demoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClipKind {
    #[default]
    Debrief,
    Playbook,
    ChallengeAnswer,
}

/// Who sees a clip: the whole team, or only the author's own devices (it is
/// still backed up to the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Team,
    Private,
}

macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            pub fn as_str(&self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(format!(
                        "unknown {} '{}' (expected one of: {})",
                        stringify!($ty), other, [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

text_enum!(ClipKind { Debrief => "debrief", Playbook => "playbook", ChallengeAnswer => "challenge_answer" });
text_enum!(Visibility { Team => "team", Private => "private" });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_match_serde() {
        for k in ClipKind::ALL {
            let json = serde_json::to_string(k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(k.as_str().parse::<ClipKind>().unwrap(), *k);
        }
        assert!(
            "vlog"
                .parse::<Visibility>()
                .unwrap_err()
                .contains("team, private")
        );
    }
}

//! Tag normalisation, shared by device and server so both sides agree on
//! what "the same tag" is.
//!
//! A tag is free text typed by a rep. We keep what they typed for display
//! (trimmed, inner whitespace collapsed, NFC) and match on a key that is
//! case-folded and compatibility-normalised, so "Pricing", "pricing" and
//! " PRICING " are one tag while the chip shows the case the user chose.

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

pub const MAX_TAG_CHARS: usize = 48;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("tag is empty: type at least one letter or digit")]
    Empty,
    #[error("tag '{shown}…' is {chars} characters long; tags are at most {max} characters", max = MAX_TAG_CHARS)]
    TooLong { shown: String, chars: usize },
    #[error("tag '{0}' contains a control character; use letters, digits, spaces and punctuation")]
    ControlCharacter(String),
    #[error("tag '{0}' contains a comma; add several tags separately (e.g. --tag a --tag b)")]
    Comma(String),
}

/// A normalised tag: `display` is what the user sees, `key` what matching uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tag {
    display: String,
    key: String,
}

impl Tag {
    /// Normalise user input into a tag, or say precisely why it is refused.
    pub fn parse(input: &str) -> Result<Self, TagError> {
        let nfc: String = input.nfc().collect();
        let collapsed = nfc.split_whitespace().collect::<Vec<_>>().join(" ");
        // A leading '#' is how people write tags elsewhere; it is not part of the tag.
        let display = collapsed
            .strip_prefix('#')
            .map(str::trim_start)
            .unwrap_or(&collapsed)
            .to_string();
        if display.is_empty() {
            return Err(TagError::Empty);
        }
        if display.chars().any(char::is_control) {
            return Err(TagError::ControlCharacter(
                display.escape_default().to_string(),
            ));
        }
        if display.contains(',') {
            return Err(TagError::Comma(display));
        }
        let chars = display.chars().count();
        if chars > MAX_TAG_CHARS {
            let shown: String = display.chars().take(20).collect();
            return Err(TagError::TooLong { shown, chars });
        }
        let key = tag_key(&display);
        Ok(Self { display, key })
    }

    pub fn display(&self) -> &str {
        &self.display
    }

    /// The matching key: two tags are the same tag iff their keys are equal.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

/// Case-folded NFKC form used for matching.
fn tag_key(display: &str) -> String {
    display.nfkc().flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_whitespace_and_keeps_case_for_display() {
        let t = Tag::parse("  Pricing \t  Objection\n").unwrap();
        assert_eq!(t.display(), "Pricing Objection");
        assert_eq!(t.key(), "pricing objection");
        assert_eq!(Tag::parse("PRICING objection").unwrap().key(), t.key());
        assert_eq!(Tag::parse("#compliance").unwrap().display(), "compliance");
    }

    #[test]
    fn composed_and_decomposed_forms_match() {
        let composed = Tag::parse("Caf\u{e9}").unwrap();
        let decomposed = Tag::parse("Cafe\u{301}").unwrap();
        assert_eq!(composed.key(), decomposed.key());
        assert_eq!(composed.display(), decomposed.display());
    }

    #[test]
    fn rejects_bad_tags_with_reasons() {
        assert_eq!(Tag::parse("   ").unwrap_err(), TagError::Empty);
        assert_eq!(Tag::parse("#").unwrap_err(), TagError::Empty);
        assert!(matches!(
            Tag::parse(&"x".repeat(49)).unwrap_err(),
            TagError::TooLong { chars: 49, .. }
        ));
        assert!(Tag::parse(&"x".repeat(48)).is_ok());
        // 48 multi-byte characters are fine: the limit is characters, not bytes.
        assert!(Tag::parse(&"é".repeat(48)).is_ok());
        assert!(matches!(
            Tag::parse("a\u{0}b").unwrap_err(),
            TagError::ControlCharacter(_)
        ));
        assert!(matches!(Tag::parse("a,b").unwrap_err(), TagError::Comma(_)));
        let msg = Tag::parse(&"y".repeat(60)).unwrap_err().to_string();
        assert!(
            msg.contains("60 characters") && msg.contains("at most 48"),
            "{msg}"
        );
    }

    proptest! {
        #[test]
        fn parse_is_idempotent(s in "\\PC{0,60}") {
            if let Ok(t) = Tag::parse(&s) {
                let again = Tag::parse(t.display()).unwrap();
                prop_assert_eq!(&again, &t);
                prop_assert!(t.display().chars().count() <= MAX_TAG_CHARS);
                prop_assert_eq!(t.display().trim(), t.display());
                prop_assert!(!t.display().contains("  "));
            }
        }
    }
}

//! Listing and full-text search, newest first, paged.
//!
//! Text search uses FTS5 over title, notes, tags and author with the
//! unicode61 tokenizer (diacritics removed). Each term the user types is
//! matched as a prefix and terms are ANDed. Because the FTS rowid is the
//! clip's newest-first sort key, the query walks matches in descending
//! rowid order and stops after one page.

use rusqlite::types::Value;

use crate::Library;
use crate::clips::CLIP_COLUMNS;
use crate::error::Result;
use crate::model::{Clip, ClipQuery};

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 1000;

/// Turn user text into an FTS5 query: each whitespace-separated term becomes
/// a quoted prefix phrase, so no character the user types can be read as
/// FTS syntax. Terms without a letter or digit are dropped. `None` when
/// nothing searchable remains.
pub fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split_whitespace()
        .filter(|t| t.chars().any(char::is_alphanumeric))
        .map(|t| format!("\"{}\"*", t.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(" "))
    }
}

impl Library {
    /// One page of clips matching `q`, newest first.
    pub fn list(&self, q: &ClipQuery) -> Result<Vec<Clip>> {
        let limit = match q.limit {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        };
        let mut params: Vec<Value> = Vec::new();
        let mut filters = Vec::new();
        for tag in &q.tags {
            params.push(Value::Text(tag.key().to_string()));
            filters.push(format!(
                "EXISTS (SELECT 1 FROM clip_tags t WHERE t.clip_seq = c.seq AND t.key = ?{})",
                params.len()
            ));
        }
        let fts = q.text.as_deref().and_then(fts_query);
        let sql = match fts {
            Some(fts) => {
                params.push(Value::Text(fts));
                let m = params.len();
                let mut where_ = vec![format!("clip_fts MATCH ?{m}")];
                where_.extend(filters);
                // CROSS JOIN keeps the FTS table as the outer loop, which
                // delivers rowids (= sort keys) newest first.
                format!(
                    "SELECT {CLIP_COLUMNS} FROM clip_fts f CROSS JOIN clips c ON c.seq = f.rowid WHERE {} ORDER BY f.rowid DESC LIMIT {limit} OFFSET {}",
                    where_.join(" AND "),
                    q.offset
                )
            }
            None => {
                let where_ = if filters.is_empty() {
                    String::new()
                } else {
                    format!("WHERE {}", filters.join(" AND "))
                };
                format!(
                    "SELECT {CLIP_COLUMNS} FROM clips c {where_} ORDER BY c.seq DESC LIMIT {limit} OFFSET {}",
                    q.offset
                )
            }
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| self.row_to_clip(r))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_query_quotes_every_term_as_a_prefix() {
        assert_eq!(
            fts_query("compl pricing").unwrap(),
            "\"compl\"* \"pricing\"*"
        );
        assert_eq!(fts_query("say \"hi\"").unwrap(), "\"say\"* \"\"\"hi\"\"\"*");
        assert_eq!(
            fts_query("NEAR( OR AND -x").unwrap(),
            "\"NEAR(\"* \"OR\"* \"AND\"* \"-x\"*"
        );
        assert_eq!(fts_query("  -- ** "), None);
    }
}

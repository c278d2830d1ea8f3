//! Tags as an add-wins observed-remove set.
//!
//! Each add is a row keyed by the op id that added it; removing a tag
//! deletes the adds this device has seen and names them in the op, so a
//! concurrent add on another device (which this device has not seen)
//! survives the merge. The display form of a tag is that of its most
//! recent add.

use debrief_protocol::{ClipId, OpBody, OpId, Tag};
use rusqlite::params;

use crate::Library;
use crate::clips::{refresh_fts, seq_of, touch};
use crate::error::{LibraryError, Result};
use crate::model::{Clip, TagCount};
use crate::writer::Writer;

/// Add `tag` to a clip unless it is already there with the same display
/// form (a different case re-adds it, which changes the display).
pub(crate) fn add_tag(w: &mut Writer<'_>, seq: i64, clip_id: ClipId, tag: &Tag) -> Result<bool> {
    let current: Option<String> = {
        let mut stmt = w.tx.prepare_cached(
            "SELECT display, max(hlc) FROM clip_tags WHERE clip_seq = ?1 AND key = ?2 GROUP BY key",
        )?;
        let mut rows = stmt.query(params![seq, tag.key()])?;
        match rows.next()? {
            Some(r) => Some(r.get(0)?),
            None => None,
        }
    };
    if current.as_deref() == Some(tag.display()) {
        return Ok(false);
    }
    let op = w.emit(OpBody::TagAdded {
        clip_id,
        tag: tag.display().to_string(),
    })?;
    w.tx.execute(
        "INSERT INTO clip_tags (clip_seq, key, display, add_id, hlc) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            seq,
            tag.key(),
            tag.display(),
            op.op_id.to_string(),
            op.hlc.to_string()
        ],
    )?;
    Ok(true)
}

fn remove_tag(w: &mut Writer<'_>, seq: i64, clip_id: ClipId, tag: &Tag) -> Result<bool> {
    let (adds, display): (Vec<String>, Option<String>) = {
        let mut stmt = w.tx.prepare_cached(
            "SELECT add_id, display FROM clip_tags WHERE clip_seq = ?1 AND key = ?2 ORDER BY hlc",
        )?;
        let rows: Vec<(String, String)> = stmt
            .query_map(params![seq, tag.key()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let display = rows.last().map(|r| r.1.clone());
        (rows.into_iter().map(|r| r.0).collect(), display)
    };
    if adds.is_empty() {
        return Ok(false);
    }
    let removes = adds
        .iter()
        .map(|a| a.parse::<OpId>())
        .collect::<Result<Vec<_>, _>>()?;
    w.emit(OpBody::TagRemoved {
        clip_id,
        tag: display.unwrap_or_else(|| tag.display().to_string()),
        removes,
    })?;
    w.tx.execute(
        "DELETE FROM clip_tags WHERE clip_seq = ?1 AND key = ?2",
        params![seq, tag.key()],
    )?;
    Ok(true)
}

impl Library {
    /// Add and remove tags on a clip in one change. Removing a tag the clip
    /// does not have is an error naming the tags it does have.
    pub fn tag(&mut self, id: ClipId, add: &[Tag], remove: &[Tag]) -> Result<Clip> {
        let before = self.clip(id)?;
        for t in remove {
            if !before
                .tags
                .iter()
                .any(|d| Tag::parse(d).map(|x| x.key() == t.key()).unwrap_or(false))
                && !add.iter().any(|a| a.key() == t.key())
            {
                let has = if before.tags.is_empty() {
                    "it has no tags".to_string()
                } else {
                    format!("its tags: {}", before.tags.join(", "))
                };
                return Err(LibraryError::InvalidInput(format!(
                    "clip {id} has no tag '{}' ({has})",
                    t.display()
                )));
            }
        }
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        let seq = seq_of(&w, id)?;
        let mut changed = false;
        for t in add {
            changed |= add_tag(&mut w, seq, id, t)?;
        }
        for t in remove {
            changed |= remove_tag(&mut w, seq, id, t)?;
        }
        if changed {
            touch(&w, seq)?;
            refresh_fts(&w, seq)?;
            w.commit()?;
        } else {
            drop(w);
        }
        self.clip(id)
    }

    /// Every tag in the library with the number of clips carrying it, most
    /// used first (ties by name). The display form is the latest add's.
    pub fn tag_counts(&self) -> Result<Vec<TagCount>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT (SELECT display FROM clip_tags d WHERE d.key = t.key ORDER BY d.hlc DESC LIMIT 1), count(DISTINCT clip_seq) AS n \
             FROM clip_tags t GROUP BY key ORDER BY n DESC, key",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(TagCount {
                name: r.get(0)?,
                count: r.get::<_, i64>(1)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

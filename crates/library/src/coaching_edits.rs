//! Later changes to the coaching loop: a manager edits or deletes a
//! challenge and reorders a playbook section; a rep looks for a clip of
//! theirs to offer as an answer. Like every change, each is a row write
//! plus its ops in one transaction.
//!
//! Invariants:
//! - An edit emits only the fields that differ from what this device
//!   shows, and nothing at all when none differs (the server refuses an
//!   empty `challenge_edited`).
//! - A due date or a length limit can be changed but not removed: the
//!   protocol's `challenge_edited` has no way to say "none" (`None` means
//!   "unchanged"), which is why [`ChallengeEdit`] cannot express it either.
//! - A reorder numbers the section 1, 2, 3... in the order given and emits
//!   a `playbook_promoted` only for clips whose position changes.

use debrief_protocol::coaching::{self, ManagerAction};
use debrief_protocol::{ChallengeId, ClipId, OpBody};
use rusqlite::params;
use time::OffsetDateTime;

use crate::Library;
use crate::clips::{CLIP_COLUMNS, fmt_time, seq_of};
use crate::coaching::{Challenge, invalid};
use crate::error::Result;
use crate::model::Clip;
use crate::remote::recompute_sync_state;
use crate::writer::Writer;

/// What a manager changes in a challenge; `None` keeps a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChallengeEdit {
    pub title: Option<String>,
    pub prompt: Option<String>,
    pub due_at: Option<OffsetDateTime>,
    pub max_answer_ms: Option<u64>,
}

impl Library {
    /// Change a challenge's title, prompt, due date or answer length limit
    /// (managers and admins). Returns the challenge as it is now.
    pub fn edit_challenge(&mut self, id: ChallengeId, edit: &ChallengeEdit) -> Result<Challenge> {
        self.check_manager(ManagerAction::EditChallenge)?;
        let current = self.challenge(id)?;
        if current.deleted {
            return Err(invalid(format!(
                "challenge \"{}\" was deleted; it cannot be edited",
                current.title
            )));
        }
        let title = edit.title.as_deref().map(str::trim);
        if let Some(t) = title {
            coaching::check_text("title", t, coaching::MAX_CHALLENGE_TITLE_CHARS, true)
                .map_err(invalid)?;
        }
        if let Some(p) = &edit.prompt {
            coaching::check_text("prompt", p, coaching::MAX_PROMPT_CHARS, true).map_err(invalid)?;
        }
        if let Some(ms) = edit.max_answer_ms {
            coaching::check_answer_limit(ms).map_err(invalid)?;
        }
        let title = title.filter(|t| *t != current.title).map(str::to_string);
        let prompt = edit.prompt.clone().filter(|p| *p != current.prompt);
        let due_at = edit.due_at.filter(|d| Some(*d) != current.due_at);
        let max_answer_ms = edit
            .max_answer_ms
            .filter(|m| Some(*m) != current.max_answer_ms);
        if title.is_none() && prompt.is_none() && due_at.is_none() && max_answer_ms.is_none() {
            return Ok(current);
        }
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        w.emit(OpBody::ChallengeEdited {
            challenge_id: id,
            title: title.clone(),
            prompt: prompt.clone(),
            due_at,
            max_answer_ms,
        })?;
        w.tx.execute(
            "UPDATE challenges SET title = coalesce(?2, title), prompt = coalesce(?3, prompt), \
             due_at = coalesce(?4, due_at), max_answer_ms = coalesce(?5, max_answer_ms) WHERE id = ?1",
            params![
                id.to_string(),
                title,
                prompt,
                due_at.map(fmt_time),
                max_answer_ms.map(|v| v as i64)
            ],
        )?;
        w.commit()?;
        self.challenge(id)
    }

    /// Delete a challenge for the whole team (managers and admins). Its
    /// answers stay in the library as clips. Returns it as it was.
    pub fn delete_challenge(&mut self, id: ChallengeId) -> Result<Challenge> {
        self.check_manager(ManagerAction::DeleteChallenge)?;
        let current = self.challenge(id)?;
        if current.deleted {
            return Err(invalid(format!(
                "challenge \"{}\" was already deleted",
                current.title
            )));
        }
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        w.emit(OpBody::ChallengeDeleted { challenge_id: id })?;
        w.tx.execute(
            "UPDATE challenges SET deleted = 1 WHERE id = ?1",
            [id.to_string()],
        )?;
        w.commit()?;
        Ok(current)
    }

    /// Put the clips of one playbook section in this order (managers and
    /// admins). `clip_ids` must be exactly the section's clips.
    pub fn reorder_playbook(&mut self, section: Option<&str>, clip_ids: &[ClipId]) -> Result<()> {
        self.check_manager(ManagerAction::EditPlaybook)?;
        let section = section.map(str::trim).filter(|s| !s.is_empty());
        let entries: Vec<_> = self
            .playbook()?
            .into_iter()
            .filter(|e| e.section.as_deref() == section)
            .collect();
        let name = section
            .map(|s| format!("section \"{s}\""))
            .unwrap_or_else(|| "the playbook's clips without a section".into());
        let mut given: Vec<ClipId> = clip_ids.to_vec();
        given.sort();
        given.dedup();
        let mut have: Vec<ClipId> = entries.iter().map(|e| e.clip.id).collect();
        have.sort();
        if given.len() != clip_ids.len() || given != have {
            return Err(invalid(format!(
                "a new order must list each clip of {name} exactly once ({} clips); reload the playbook and try again",
                entries.len()
            )));
        }
        let moves: Vec<(ClipId, i64)> = clip_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i as i64 + 1))
            .filter(|(id, pos)| {
                entries
                    .iter()
                    .any(|e| e.clip.id == *id && e.position != Some(*pos))
            })
            .collect();
        if moves.is_empty() {
            return Ok(());
        }
        let by = self.author.clone();
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        for (clip_id, position) in moves {
            let op = w.emit(OpBody::PlaybookPromoted {
                clip_id,
                section: section.map(str::to_string),
                position: Some(position),
            })?;
            w.tx.execute(
                "UPDATE playbook SET position = ?2, by_name = ?3, hlc = ?4 WHERE clip_id = ?1",
                params![clip_id.to_string(), position, by, op.hlc.to_string()],
            )?;
            let seq = seq_of(&w, clip_id)?;
            recompute_sync_state(&w, seq)?;
        }
        w.commit()?;
        Ok(())
    }

    /// My clips that answer no challenge yet, newest first: what "answer
    /// with a clip" offers.
    pub fn answer_candidates(&self, limit: u32) -> Result<Vec<Clip>> {
        let me = self.member_id()?;
        let sql = format!(
            "SELECT {CLIP_COLUMNS} FROM clips c WHERE c.challenge_id IS NULL \
             AND (c.author_id IS NULL OR c.author_id = ?1) AND c.media_state != 'recording' \
             ORDER BY c.seq DESC LIMIT {}",
            limit.clamp(1, 1000)
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([me], |r| self.row_to_clip(r))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The playbook's named sections, in the playbook's order.
    pub fn playbook_sections(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT section FROM playbook WHERE in_playbook = 1 AND section IS NOT NULL \
             ORDER BY section COLLATE NOCASE",
        )?;
        Ok(stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }
}

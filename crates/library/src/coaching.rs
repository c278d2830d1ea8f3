//! The coaching loop on the device: challenges, answers (a clip linked to
//! a challenge) and the playbook. Each change is a row write plus its op
//! in the outbox, in one transaction, like every other change.
//!
//! Roles: only managers and admins create or edit challenges and edit the
//! playbook. The device refuses early when it knows the user's role (after
//! joining); the server refuses again in any case, and a refused op is
//! dropped and announced (see `refuse_op`). Before joining a team the role
//! is unknown, so the change is kept and the server decides.

use debrief_protocol::api::Role;
use debrief_protocol::coaching::{self, ManagerAction};
use debrief_protocol::{ChallengeId, ClipId, OpBody, Visibility};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Library;
use crate::clips::{fmt_time, seq_of};
use crate::error::{LibraryError, Result};
use crate::model::Clip;
use crate::remote::recompute_sync_state;
use crate::writer::Writer;

/// A challenge as this device knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Challenge {
    pub id: ChallengeId,
    pub title: String,
    pub prompt: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    pub max_answer_ms: Option<u64>,
    pub author: String,
    pub author_id: Option<String>,
    pub deleted: bool,
    /// Clips of mine that answer it.
    pub my_answers: Vec<ClipId>,
    pub answered: bool,
    /// Answers this device knows of (from everyone it can see).
    pub answer_count: u64,
    /// Not on the server yet (its op waits in the outbox).
    pub pending: bool,
}

/// One answer to a challenge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub clip_id: ClipId,
    pub title: String,
    pub author: String,
    pub author_id: Option<String>,
    pub duration_ms: u64,
}

/// A challenge with its answers; for managers also who has and has not
/// answered (from the member list the server last gave).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChallengeDetail {
    #[serde(flatten)]
    pub challenge: Challenge,
    pub answers: Vec<Answer>,
    /// Display names of members who answered (managers only).
    pub answered_by: Option<Vec<String>>,
    /// Display names of members who have not answered yet (managers only).
    pub not_answered: Option<Vec<String>>,
}

/// What a new challenge asks.
#[derive(Debug, Clone, Default)]
pub struct NewChallenge {
    pub title: String,
    pub prompt: String,
    pub due_at: Option<OffsetDateTime>,
    pub max_answer_ms: Option<u64>,
}

/// A clip in the playbook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaybookEntry {
    pub section: Option<String>,
    pub position: Option<i64>,
    /// Who put it there.
    pub by: String,
    pub clip: Clip,
}

/// A team member as the server listed them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub member_id: String,
    pub display_name: String,
    pub role: String,
}

pub(crate) fn invalid(msg: String) -> LibraryError {
    LibraryError::InvalidInput(msg)
}

fn parse_opt_time(s: Option<String>) -> rusqlite::Result<Option<OffsetDateTime>> {
    s.map(|s| {
        OffsetDateTime::parse(&s, &Rfc3339).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
    })
    .transpose()
}

pub(crate) fn parse_id<T: std::str::FromStr>(s: String) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    s.parse::<T>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

const CHALLENGE_COLUMNS: &str = "h.id, h.title, h.prompt, h.due_at, h.max_answer_ms, h.author, h.author_id, h.deleted, \
     (SELECT count(*) FROM outbox o WHERE o.clip_id = h.id), \
     (SELECT count(*) FROM clips c WHERE c.challenge_id = h.id)";

impl Library {
    /// The user's role in the team, `None` before joining.
    pub fn role(&self) -> Result<Option<Role>> {
        Ok(self.account()?.and_then(|a| a.role.parse().ok()))
    }

    /// This user's member id, `None` before joining.
    pub fn member_id(&self) -> Result<Option<String>> {
        Ok(self.account()?.map(|a| a.member_id))
    }

    /// Refuse at once what the server would refuse for the user's role.
    pub fn check_manager(&self, action: ManagerAction) -> Result<()> {
        match self.role()? {
            Some(role) => match action.refusal(role) {
                Some(msg) => Err(LibraryError::Forbidden(msg)),
                None => Ok(()),
            },
            None => Ok(()),
        }
    }

    fn row_to_challenge(&self, r: &Row<'_>) -> rusqlite::Result<Challenge> {
        Ok(Challenge {
            id: parse_id(r.get(0)?)?,
            title: r.get(1)?,
            prompt: r.get(2)?,
            due_at: parse_opt_time(r.get(3)?)?,
            max_answer_ms: r.get::<_, Option<i64>>(4)?.map(|v| v as u64),
            author: r.get(5)?,
            author_id: r.get(6)?,
            deleted: r.get::<_, i64>(7)? != 0,
            pending: r.get::<_, i64>(8)? > 0,
            answer_count: r.get::<_, i64>(9)? as u64,
            my_answers: Vec::new(),
            answered: false,
        })
    }

    fn fill_my_answers(&self, c: &mut Challenge) -> Result<()> {
        let me = self.member_id()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM clips WHERE challenge_id = ?1 AND (author_id IS NULL OR author_id = ?2) ORDER BY seq DESC",
        )?;
        c.my_answers = stmt
            .query_map(params![c.id.to_string(), me], |r| parse_id(r.get(0)?))?
            .collect::<rusqlite::Result<_>>()?;
        c.answered = !c.my_answers.is_empty();
        Ok(())
    }

    /// Live challenges, newest first, each with my answer state.
    pub fn challenges(&self) -> Result<Vec<Challenge>> {
        let sql = format!(
            "SELECT {CHALLENGE_COLUMNS} FROM challenges h WHERE h.deleted = 0 ORDER BY h.created_hlc DESC"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut out: Vec<Challenge> = stmt
            .query_map([], |r| self.row_to_challenge(r))?
            .collect::<rusqlite::Result<_>>()?;
        for c in &mut out {
            self.fill_my_answers(c)?;
        }
        Ok(out)
    }

    pub fn challenge(&self, id: ChallengeId) -> Result<Challenge> {
        let sql = format!("SELECT {CHALLENGE_COLUMNS} FROM challenges h WHERE h.id = ?1");
        let mut c = self
            .conn
            .query_row(&sql, [id.to_string()], |r| self.row_to_challenge(r))
            .optional()?
            .ok_or_else(|| challenge_not_found(id))?;
        self.fill_my_answers(&mut c)?;
        Ok(c)
    }

    /// A challenge with its answers, and for managers who has answered and who has not.
    pub fn challenge_detail(&self, id: ChallengeId) -> Result<ChallengeDetail> {
        let challenge = self.challenge(id)?;
        let answers: Vec<Answer> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, title, author, author_id, duration_ms FROM clips WHERE challenge_id = ?1 ORDER BY seq",
            )?;
            stmt.query_map([id.to_string()], |r| {
                Ok(Answer {
                    clip_id: parse_id(r.get(0)?)?,
                    title: r.get(1)?,
                    author: r.get(2)?,
                    author_id: r.get(3)?,
                    duration_ms: r.get::<_, i64>(4)? as u64,
                })
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        let manager = self.role()?.is_some_and(|r| r.moderates());
        let (answered_by, not_answered) = if manager {
            let members = self.members()?;
            let mut yes = Vec::new();
            let mut no = Vec::new();
            for m in members {
                if challenge.author_id.as_deref() == Some(m.member_id.as_str()) {
                    continue;
                }
                if answers
                    .iter()
                    .any(|a| a.author_id.as_deref() == Some(m.member_id.as_str()))
                {
                    yes.push(m.display_name);
                } else {
                    no.push(m.display_name);
                }
            }
            (Some(yes), Some(no))
        } else {
            (None, None)
        };
        Ok(ChallengeDetail {
            challenge,
            answers,
            answered_by,
            not_answered,
        })
    }

    /// Post a challenge (managers and admins).
    pub fn create_challenge(&mut self, new: &NewChallenge) -> Result<Challenge> {
        self.check_manager(ManagerAction::CreateChallenge)?;
        let title = new.title.trim().to_string();
        coaching::check_text("title", &title, coaching::MAX_CHALLENGE_TITLE_CHARS, true)
            .map_err(invalid)?;
        coaching::check_text("prompt", &new.prompt, coaching::MAX_PROMPT_CHARS, true)
            .map_err(invalid)?;
        if let Some(ms) = new.max_answer_ms {
            coaching::check_answer_limit(ms).map_err(invalid)?;
        }
        let id = ChallengeId::new();
        let (author, author_id) = (self.author.clone(), self.member_id()?);
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        let op = w.emit(OpBody::ChallengeCreated {
            challenge_id: id,
            title: title.clone(),
            prompt: new.prompt.clone(),
            due_at: new.due_at,
            max_answer_ms: new.max_answer_ms,
        })?;
        w.tx.execute(
            "INSERT INTO challenges (id, title, prompt, due_at, max_answer_ms, author, author_id, created_hlc) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id.to_string(),
                title,
                new.prompt,
                new.due_at.map(fmt_time),
                new.max_answer_ms.map(|v| v as i64),
                author,
                author_id,
                op.hlc.to_string()
            ],
        )?;
        w.commit()?;
        self.challenge(id)
    }

    /// Offer one of my clips as an answer to a challenge.
    pub fn answer(&mut self, challenge_id: ChallengeId, clip_id: ClipId) -> Result<Clip> {
        let challenge = self.challenge(challenge_id)?;
        if challenge.deleted {
            return Err(invalid(format!(
                "challenge \"{}\" was deleted; it takes no more answers",
                challenge.title
            )));
        }
        let clip = self.clip(clip_id)?;
        let me = self.member_id()?;
        if clip
            .author_id
            .as_deref()
            .is_some_and(|a| Some(a) != me.as_deref())
        {
            return Err(LibraryError::NotPermitted(format!(
                "\"{}\" is {}'s clip; only its author can offer it as an answer",
                clip.title, clip.author
            )));
        }
        if clip.visibility == Visibility::Private {
            return Err(invalid(format!(
                "\"{}\" is private, so the challenge's author could not watch it; share it first (`debrief share {}`)",
                clip.title, clip.id
            )));
        }
        if let Some(max) = challenge.max_answer_ms
            && clip.duration_ms > max
        {
            return Err(invalid(format!(
                "\"{}\" is {} long; challenge \"{}\" takes answers of at most {}",
                clip.title,
                mmss(clip.duration_ms),
                challenge.title,
                mmss(max)
            )));
        }
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        w.emit(OpBody::AnswerLinked {
            clip_id,
            challenge_id,
        })?;
        let seq = seq_of(&w, clip_id)?;
        w.tx.execute(
            "UPDATE clips SET challenge_id = ?1, updated_at = ?2 WHERE seq = ?3",
            params![challenge_id.to_string(), fmt_time(w.now), seq],
        )?;
        recompute_sync_state(&w, seq)?;
        w.commit()?;
        self.clip(clip_id)
    }

    /// Put a clip into the playbook, or move it (managers and admins).
    pub fn promote(
        &mut self,
        clip_id: ClipId,
        section: Option<&str>,
        position: Option<i64>,
    ) -> Result<PlaybookEntry> {
        self.check_manager(ManagerAction::EditPlaybook)?;
        let section = section.map(str::trim).filter(|s| !s.is_empty());
        if let Some(s) = section {
            coaching::check_section(s).map_err(invalid)?;
        }
        let clip = self.clip(clip_id)?;
        if clip.visibility == Visibility::Private {
            return Err(invalid(format!(
                "\"{}\" is private; share it with the team before adding it to the playbook",
                clip.title
            )));
        }
        let by = self.author.clone();
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        let op = w.emit(OpBody::PlaybookPromoted {
            clip_id,
            section: section.map(str::to_string),
            position,
        })?;
        w.tx.execute(
            "INSERT INTO playbook (clip_id, in_playbook, section, position, by_name, hlc) VALUES (?1, 1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (clip_id) DO UPDATE SET in_playbook = 1, section = excluded.section, position = excluded.position, \
             by_name = excluded.by_name, hlc = excluded.hlc",
            params![clip_id.to_string(), section, position, by, op.hlc.to_string()],
        )?;
        let seq = seq_of(&w, clip_id)?;
        recompute_sync_state(&w, seq)?;
        w.commit()?;
        self.playbook_entry(clip_id)?
            .ok_or_else(|| LibraryError::ClipNotFound(clip_id.to_string()))
    }

    /// Take a clip out of the playbook (managers and admins).
    pub fn demote(&mut self, clip_id: ClipId) -> Result<Clip> {
        self.check_manager(ManagerAction::EditPlaybook)?;
        let clip = self.clip(clip_id)?;
        if self.playbook_entry(clip_id)?.is_none() {
            return Err(invalid(format!(
                "\"{}\" is not in the playbook; `debrief playbook list` shows what is",
                clip.title
            )));
        }
        let by = self.author.clone();
        let mut w = Writer::begin(&mut self.conn, self.device_id)?;
        let op = w.emit(OpBody::PlaybookDemoted { clip_id })?;
        w.tx.execute(
            "UPDATE playbook SET in_playbook = 0, section = NULL, position = NULL, by_name = ?2, hlc = ?3 WHERE clip_id = ?1",
            params![clip_id.to_string(), by, op.hlc.to_string()],
        )?;
        let seq = seq_of(&w, clip_id)?;
        recompute_sync_state(&w, seq)?;
        w.commit()?;
        self.clip(clip_id)
    }

    /// The clip's playbook entry, if it is in the playbook.
    pub fn playbook_entry(&self, clip_id: ClipId) -> Result<Option<PlaybookEntry>> {
        let row: Option<(Option<String>, Option<i64>, String)> = self
            .conn
            .query_row(
                "SELECT section, position, by_name FROM playbook WHERE clip_id = ?1 AND in_playbook = 1",
                [clip_id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((section, position, by)) = row else {
            return Ok(None);
        };
        Ok(Some(PlaybookEntry {
            section,
            position,
            by,
            clip: self.clip(clip_id)?,
        }))
    }

    /// The playbook: by section (unnamed last), then position, then newest.
    pub fn playbook(&self) -> Result<Vec<PlaybookEntry>> {
        let ids: Vec<ClipId> = {
            let mut stmt = self.conn.prepare(
                "SELECT p.clip_id FROM playbook p JOIN clips c ON c.id = p.clip_id WHERE p.in_playbook = 1 \
                 ORDER BY p.section IS NULL, p.section COLLATE NOCASE, p.position IS NULL, p.position, c.seq DESC",
            )?;
            stmt.query_map([], |r| parse_id(r.get(0)?))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(self.playbook_entry(id)?);
        }
        Ok(out)
    }

    /// Replace the cached member list (sync does this each round).
    pub fn set_members(&mut self, members: &[Member]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM members", [])?;
        for m in members {
            tx.execute(
                "INSERT INTO members (member_id, display_name, role) VALUES (?1, ?2, ?3)",
                params![m.member_id, m.display_name, m.role],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn members(&self) -> Result<Vec<Member>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT member_id, display_name, role FROM members ORDER BY display_name, member_id",
        )?;
        Ok(stmt
            .query_map([], |r| {
                Ok(Member {
                    member_id: r.get(0)?,
                    display_name: r.get(1)?,
                    role: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }
}

pub(crate) fn challenge_not_found(id: ChallengeId) -> LibraryError {
    LibraryError::NotFound(format!(
        "no challenge with id {id} on this device; `debrief challenge list` shows the ids (sync first if it is new)"
    ))
}

/// `m:ss` for messages.
pub(crate) fn mmss(ms: u64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

//! The coaching loop through the facade: challenges and answers, the
//! playbook, comments and notifications. Thin: each call parses what a
//! user typed (ids, "0:42", "2m", "2026-05-01") and makes one library call,
//! so the CLI and the app offer exactly the same rules and messages.

use debrief_library::{
    Challenge, ChallengeDetail, ChallengeEdit, Clip, Comment, NewChallenge, Notification,
    PlaybookEntry, UnreadCounts,
};
use debrief_protocol::{ChallengeId, CommentId};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{DeviceError, Result};
use crate::{Device, parse_id};

/// What a new challenge asks, as a user types it.
#[derive(Debug, Clone, Default)]
pub struct ChallengeInput {
    pub title: String,
    pub prompt: String,
    /// `YYYY-MM-DD` (the end of that day, UTC) or an RFC 3339 time.
    pub due: Option<String>,
    /// `90s`, `2m`, `1m30s`, `2:00` or milliseconds (`120000ms`).
    pub max_length: Option<String>,
}

/// A change to a challenge, as a user types it: `None` keeps a field as
/// it is; an empty due date or length asks to remove it, which the
/// protocol cannot express (see [`Device::edit_challenge`]).
#[derive(Debug, Clone, Default)]
pub struct ChallengeEditInput {
    pub title: Option<String>,
    pub prompt: Option<String>,
    pub due: Option<String>,
    pub max_length: Option<String>,
}

/// A clip's coaching context, for `show` and the player.
#[derive(Debug, Clone, Serialize)]
pub struct ClipCoaching {
    pub comments: Vec<Comment>,
    /// The challenge the clip answers, when this device knows it.
    pub challenge: Option<Challenge>,
    pub playbook: Option<PlaybookPlace>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlaybookPlace {
    pub section: Option<String>,
    pub position: Option<i64>,
    pub by: String,
}

fn bad(msg: String) -> DeviceError {
    DeviceError::InvalidInput(msg)
}

fn cannot_remove(what: &str) -> DeviceError {
    bad(format!(
        "a challenge's {what} can be changed but not removed once it is set; set another one instead"
    ))
}

pub fn parse_challenge_id(s: &str) -> Result<ChallengeId> {
    s.parse()
        .map_err(|e| DeviceError::Library(debrief_library::LibraryError::BadId(e)))
}

pub fn parse_comment_id(s: &str) -> Result<CommentId> {
    s.parse()
        .map_err(|e| DeviceError::Library(debrief_library::LibraryError::BadId(e)))
}

/// A moment in a clip: `42`, `0:42`, `1:02:03` or `42.5` (seconds).
pub fn parse_timestamp(s: &str) -> Result<u64> {
    let err = || {
        bad(format!(
            "'{s}' is not a moment of a clip; write it like 0:42 (minutes:seconds) or 42 (seconds)"
        ))
    };
    let t = s.trim();
    let parts: Vec<&str> = t.split(':').collect();
    if parts.is_empty() || parts.len() > 3 {
        return Err(err());
    }
    let secs: f64 = parts
        .last()
        .and_then(|p| p.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(err)?;
    if parts.len() > 1 && secs >= 60.0 {
        return Err(err());
    }
    let mut whole = 0u64;
    for p in &parts[..parts.len() - 1] {
        let v: u64 = p.parse().map_err(|_| err())?;
        whole = whole * 60 + v;
    }
    Ok(whole * 60_000 + (secs * 1000.0).round() as u64)
}

/// A length: `90s`, `2m`, `1m30s`, `120000ms` or `2:00`.
pub fn parse_length(s: &str) -> Result<u64> {
    let t = s.trim().to_ascii_lowercase();
    let err = || {
        bad(format!(
            "'{s}' is not a length; write it like 2m, 90s, 1m30s or 2:00"
        ))
    };
    if t.contains(':') {
        return parse_timestamp(&t);
    }
    if let Some(ms) = t.strip_suffix("ms") {
        return ms.parse().map_err(|_| err());
    }
    let mut total = 0u64;
    let mut num = String::new();
    let mut any = false;
    for ch in t.chars() {
        match ch {
            '0'..='9' => num.push(ch),
            'h' | 'm' | 's' => {
                let v: u64 = num.parse().map_err(|_| err())?;
                num.clear();
                any = true;
                total += v * match ch {
                    'h' => 3_600_000,
                    'm' => 60_000,
                    _ => 1_000,
                };
            }
            _ => return Err(err()),
        }
    }
    if !num.is_empty() {
        // A bare number is seconds.
        if any {
            return Err(err());
        }
        return Ok(num.parse::<u64>().map_err(|_| err())? * 1000);
    }
    if !any {
        return Err(err());
    }
    Ok(total)
}

/// A due date: `YYYY-MM-DD` means the end of that day (UTC); an RFC 3339
/// time is taken as is.
pub fn parse_due(s: &str) -> Result<OffsetDateTime> {
    let t = s.trim();
    if let Ok(at) = OffsetDateTime::parse(t, &Rfc3339) {
        return Ok(at);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(t, &fmt)
        .map(|d| d.with_hms(23, 59, 59).expect("valid time").assume_utc())
        .map_err(|_| {
            bad(format!(
                "'{s}' is not a date; write it like 2026-05-01 (or a full RFC 3339 time)"
            ))
        })
}

impl Device {
    /// Live challenges, newest first, with my answer state.
    pub fn challenges(&self) -> Result<Vec<Challenge>> {
        Ok(self.library.challenges()?)
    }

    /// One challenge with its answers (and, for managers, who has not answered).
    pub fn challenge(&self, id: &str) -> Result<ChallengeDetail> {
        Ok(self.library.challenge_detail(parse_challenge_id(id)?)?)
    }

    /// Post a challenge (managers and admins).
    pub fn create_challenge(&mut self, input: &ChallengeInput) -> Result<Challenge> {
        let new = NewChallenge {
            title: input.title.clone(),
            prompt: input.prompt.clone(),
            due_at: input.due.as_deref().map(parse_due).transpose()?,
            max_answer_ms: input.max_length.as_deref().map(parse_length).transpose()?,
        };
        Ok(self.library.create_challenge(&new)?)
    }

    /// Change a challenge (managers and admins). A due date or a length
    /// limit cannot be removed once set (the protocol has no "none" for
    /// them): asking to is refused with a sentence saying so, unless the
    /// challenge has none anyway.
    pub fn edit_challenge(&mut self, id: &str, input: &ChallengeEditInput) -> Result<Challenge> {
        let id = parse_challenge_id(id)?;
        let blank = |v: &Option<String>| v.as_deref().is_some_and(|s| s.trim().is_empty());
        if blank(&input.due) || blank(&input.max_length) {
            let current = self.library.challenge(id)?;
            if blank(&input.due) && current.due_at.is_some() {
                return Err(cannot_remove("due date"));
            }
            if blank(&input.max_length) && current.max_answer_ms.is_some() {
                return Err(cannot_remove("maximum answer length"));
            }
        }
        let filled = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let edit = ChallengeEdit {
            title: input.title.clone(),
            prompt: input.prompt.clone(),
            due_at: filled(&input.due).as_deref().map(parse_due).transpose()?,
            max_answer_ms: filled(&input.max_length)
                .as_deref()
                .map(parse_length)
                .transpose()?,
        };
        Ok(self.library.edit_challenge(id, &edit)?)
    }

    /// Delete a challenge for the team (managers and admins); its answers
    /// stay as clips. Returns the challenge as it was.
    pub fn delete_challenge(&mut self, id: &str) -> Result<Challenge> {
        Ok(self.library.delete_challenge(parse_challenge_id(id)?)?)
    }

    /// My clips that answer no challenge yet, newest first.
    pub fn answer_candidates(&self, limit: u32) -> Result<Vec<Clip>> {
        Ok(self.library.answer_candidates(limit)?)
    }

    /// Offer an existing clip of mine as an answer.
    pub fn answer(&mut self, challenge_id: &str, clip_id: &str) -> Result<Clip> {
        Ok(self
            .library
            .answer(parse_challenge_id(challenge_id)?, parse_id(clip_id)?)?)
    }

    /// The challenge a recording will answer, checked before recording starts.
    pub(crate) fn answerable_challenge(&self, id: &str) -> Result<Challenge> {
        let c = self.library.challenge(parse_challenge_id(id)?)?;
        if c.deleted {
            return Err(bad(format!(
                "challenge \"{}\" was deleted; it takes no more answers",
                c.title
            )));
        }
        Ok(c)
    }

    pub fn playbook(&self) -> Result<Vec<PlaybookEntry>> {
        Ok(self.library.playbook()?)
    }

    /// Put a clip into the playbook (managers and admins).
    pub fn promote(
        &mut self,
        clip_id: &str,
        section: Option<&str>,
        position: Option<i64>,
    ) -> Result<PlaybookEntry> {
        Ok(self
            .library
            .promote(parse_id(clip_id)?, section, position)?)
    }

    /// Put one playbook section's clips in this order (managers and admins).
    pub fn reorder_playbook(&mut self, section: Option<&str>, clip_ids: &[String]) -> Result<()> {
        let ids = clip_ids
            .iter()
            .map(|id| parse_id(id))
            .collect::<Result<Vec<_>>>()?;
        Ok(self.library.reorder_playbook(section, &ids)?)
    }

    /// The playbook's named sections (for picking one when promoting).
    pub fn playbook_sections(&self) -> Result<Vec<String>> {
        Ok(self.library.playbook_sections()?)
    }

    /// Take a clip out of the playbook (managers and admins).
    pub fn demote(&mut self, clip_id: &str) -> Result<Clip> {
        Ok(self.library.demote(parse_id(clip_id)?)?)
    }

    /// Comment on a clip, optionally at a moment (milliseconds).
    pub fn comment(&mut self, clip_id: &str, text: &str, at_ms: Option<u64>) -> Result<Comment> {
        Ok(self.library.add_comment(parse_id(clip_id)?, text, at_ms)?)
    }

    pub fn edit_comment(&mut self, comment_id: &str, text: &str) -> Result<Comment> {
        Ok(self
            .library
            .edit_comment(parse_comment_id(comment_id)?, text)?)
    }

    pub fn delete_comment(&mut self, comment_id: &str) -> Result<Comment> {
        Ok(self.library.delete_comment(parse_comment_id(comment_id)?)?)
    }

    pub fn comments(&self, clip_id: &str) -> Result<Vec<Comment>> {
        Ok(self.library.comments(parse_id(clip_id)?)?)
    }

    /// Comments, challenge and playbook place of one clip.
    pub fn clip_coaching(&self, clip: &Clip) -> Result<ClipCoaching> {
        let challenge = match clip.challenge_id.as_deref().map(parse_challenge_id) {
            Some(Ok(id)) => self.library.challenge(id).ok(),
            _ => None,
        };
        let playbook = self
            .library
            .playbook_entry(clip.id)?
            .map(|e| PlaybookPlace {
                section: e.section,
                position: e.position,
                by: e.by,
            });
        Ok(ClipCoaching {
            comments: self.library.comments(clip.id)?,
            challenge,
            playbook,
        })
    }

    /// Notifications, newest first (only unread ones with `unread_only`).
    pub fn notifications(&self, unread_only: bool) -> Result<Vec<Notification>> {
        Ok(self.library.notifications(unread_only)?)
    }

    pub fn unread_counts(&self) -> Result<UnreadCounts> {
        Ok(self.library.unread_counts()?)
    }

    /// Mark notifications read (all with `None`).
    pub fn mark_notifications_read(&mut self, ids: Option<&[i64]>) -> Result<u64> {
        Ok(self.library.mark_read(ids)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_lengths_and_dates_parse_or_say_how_to_write_them() {
        assert_eq!(parse_timestamp("0:42").unwrap(), 42_000);
        assert_eq!(parse_timestamp("42").unwrap(), 42_000);
        assert_eq!(parse_timestamp("1:02:03").unwrap(), 3_723_000);
        assert_eq!(parse_timestamp("1.5").unwrap(), 1_500);
        for bad in ["", "0:61", "a:10", "1:2:3:4", "-3"] {
            let e = parse_timestamp(bad).unwrap_err().to_string();
            assert!(e.contains("0:42"), "{bad}: {e}");
        }
        assert_eq!(parse_length("2m").unwrap(), 120_000);
        assert_eq!(parse_length("90s").unwrap(), 90_000);
        assert_eq!(parse_length("1m30s").unwrap(), 90_000);
        assert_eq!(parse_length("2:00").unwrap(), 120_000);
        assert_eq!(parse_length("1500ms").unwrap(), 1_500);
        assert_eq!(parse_length("45").unwrap(), 45_000);
        assert!(parse_length("two minutes").is_err());
        assert!(parse_length("1m30").is_err());
        assert_eq!(
            parse_due("2026-05-01").unwrap(),
            time::macros::datetime!(2026-05-01 23:59:59 UTC)
        );
        assert_eq!(
            parse_due("2026-05-01T09:00:00+02:00").unwrap(),
            time::macros::datetime!(2026-05-01 07:00:00 UTC)
        );
        assert!(
            parse_due("next friday")
                .unwrap_err()
                .to_string()
                .contains("2026-05-01")
        );
    }

    fn manager_device(dir: &std::path::Path) -> Device {
        let mut d = Device::open(dir).unwrap();
        d.library
            .set_account(&debrief_library::Account {
                server_url: "http://127.0.0.1:1/".into(),
                team_id: "t".into(),
                team_name: "Sales".into(),
                member_id: "boss".into(),
                display_name: "Max".into(),
                role: "manager".into(),
                device_name: "laptop".into(),
            })
            .unwrap();
        d
    }

    #[test]
    fn an_edit_parses_what_was_typed_and_refuses_removing_a_due_date() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = manager_device(dir.path());
        let c = d
            .create_challenge(&ChallengeInput {
                title: "Pricing".into(),
                prompt: "How?".into(),
                due: Some("2026-05-01".into()),
                max_length: None,
            })
            .unwrap();
        let id = c.id.to_string();
        let e = d
            .edit_challenge(
                &id,
                &ChallengeEditInput {
                    due: Some(" ".into()),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert_eq!(e.kind(), "invalid_input");
        assert!(
            e.to_string()
                .contains("due date can be changed but not removed"),
            "{e}"
        );
        let e = d
            .edit_challenge(
                &id,
                &ChallengeEditInput {
                    due: Some("next friday".into()),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert!(e.to_string().contains("is not a date"), "{e}");
        // No length limit was set: an empty one changes nothing.
        let same = d
            .edit_challenge(
                &id,
                &ChallengeEditInput {
                    max_length: Some(String::new()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(same.max_answer_ms, None);
        let edited = d
            .edit_challenge(
                &id,
                &ChallengeEditInput {
                    title: Some("Pricing objection".into()),
                    due: Some("2026-06-01".into()),
                    max_length: Some("90s".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(edited.title, "Pricing objection");
        assert_eq!(
            edited.due_at,
            Some(time::macros::datetime!(2026-06-01 23:59:59 UTC))
        );
        assert_eq!(edited.max_answer_ms, Some(90_000));
        let e = d
            .edit_challenge(
                &id,
                &ChallengeEditInput {
                    max_length: Some("".into()),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("maximum answer length can be changed but not removed"),
            "{e}"
        );
        assert_eq!(
            d.edit_challenge("nope", &ChallengeEditInput::default())
                .unwrap_err()
                .kind(),
            "bad_id"
        );
        d.delete_challenge(&id).unwrap();
        assert!(d.challenges().unwrap().is_empty());
    }

    #[test]
    fn a_member_is_forbidden_with_the_role_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = manager_device(dir.path());
        let mut account = d.account().unwrap().unwrap();
        account.role = "member".into();
        d.library.set_account(&account).unwrap();
        let e = d
            .create_challenge(&ChallengeInput {
                title: "t".into(),
                prompt: "p".into(),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(e.kind(), "forbidden");
        assert!(
            e.to_string().contains("your role in this team is member"),
            "{e}"
        );
        assert_eq!(
            d.reorder_playbook(None, &[]).unwrap_err().kind(),
            "forbidden"
        );
    }
}

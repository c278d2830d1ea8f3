//! Applying the coaching entities of the change feed: challenges,
//! comments and playbook entries, and a clip's challenge link.
//!
//! The server sends the merged state of each entity. This device takes it
//! unless it still has ops for that entity waiting in the outbox: then its
//! own (newer) view stays until the push, after which the server's merge of
//! both comes back in a later page. Notifications are recorded here, as the
//! states arrive.

use debrief_protocol::{ChallengeId, ClipId, CommentId, Hlc};
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use crate::clips::fmt_time;
use crate::error::Result;
use crate::notifications::{Notice, notify};
use crate::remote::{ApplyReport, RemoteClip};
use crate::writer::Writer;

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteChange {
    Clip(RemoteClip),
    Challenge(RemoteChallenge),
    Comment(RemoteComment),
    Playbook(RemotePlaybook),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteChallenge {
    pub id: ChallengeId,
    pub title: String,
    pub prompt: String,
    pub due_at: Option<OffsetDateTime>,
    pub max_answer_ms: Option<u64>,
    pub author: String,
    pub author_id: String,
    pub created_hlc: Hlc,
    pub updated_hlc: Hlc,
    pub deleted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteComment {
    pub id: CommentId,
    pub clip_id: ClipId,
    pub author: String,
    pub author_id: String,
    pub text: String,
    pub text_hlc: Hlc,
    pub at_ms: Option<u64>,
    pub created_hlc: Hlc,
    pub deleted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemotePlaybook {
    pub clip_id: ClipId,
    pub in_playbook: bool,
    pub section: Option<String>,
    pub position: Option<i64>,
    pub by: String,
    pub by_id: String,
    pub hlc: Hlc,
}

fn pending(w: &Writer<'_>, id: &str, kinds: &str) -> Result<bool> {
    Ok(w.tx.query_row(
        &format!("SELECT count(*) FROM outbox WHERE clip_id = ?1 AND kind IN ({kinds})"),
        [id],
        |r| r.get::<_, i64>(0),
    )? > 0)
}

fn clip_title(w: &Writer<'_>, clip_id: &str) -> Result<Option<(String, Option<String>)>> {
    Ok(w.tx
        .query_row(
            "SELECT title, author_id FROM clips WHERE id = ?1",
            [clip_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub(crate) fn apply(
    w: &mut Writer<'_>,
    change: &RemoteChange,
    report: &mut ApplyReport,
    me: Option<&str>,
) -> Result<()> {
    match change {
        RemoteChange::Clip(_) => {}
        RemoteChange::Challenge(c) => {
            w.observe(c.updated_hlc);
            let id = c.id.to_string();
            if pending(
                w,
                &id,
                "'challenge_created', 'challenge_edited', 'challenge_deleted'",
            )? {
                report.skipped += 1;
                return Ok(());
            }
            let known: bool = w.tx.query_row(
                "SELECT count(*) FROM challenges WHERE id = ?1",
                [&id],
                |r| r.get::<_, i64>(0),
            )? > 0;
            w.tx.execute(
                "INSERT INTO challenges (id, title, prompt, due_at, max_answer_ms, author, author_id, created_hlc, deleted) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO UPDATE SET title = excluded.title, \
                 prompt = excluded.prompt, due_at = excluded.due_at, max_answer_ms = excluded.max_answer_ms, \
                 author = excluded.author, author_id = excluded.author_id, deleted = excluded.deleted",
                params![
                    id,
                    c.title,
                    c.prompt,
                    c.due_at.map(fmt_time),
                    c.max_answer_ms.map(|v| v as i64),
                    c.author,
                    c.author_id,
                    c.created_hlc.to_string(),
                    c.deleted as i64
                ],
            )?;
            if known {
                report.updated += 1;
            } else {
                report.inserted += 1;
            }
            if !known && !c.deleted && me != Some(c.author_id.as_str()) {
                notify(
                    &w.tx,
                    Notice {
                        kind: "new_challenge",
                        subject: &id,
                        clip_id: None,
                        challenge_id: Some(&id),
                        text: format!("New challenge from {}: \"{}\"", c.author, c.title),
                    },
                )?;
            }
        }
        RemoteChange::Comment(c) => {
            w.observe(c.text_hlc);
            let id = c.id.to_string();
            if pending(
                w,
                &id,
                "'comment_added', 'comment_edited', 'comment_deleted'",
            )? {
                report.skipped += 1;
                return Ok(());
            }
            let known: bool =
                w.tx.query_row("SELECT count(*) FROM comments WHERE id = ?1", [&id], |r| {
                    r.get::<_, i64>(0)
                })? > 0;
            w.tx.execute(
                "INSERT INTO comments (id, clip_id, author, author_id, text, at_ms, created_hlc, deleted) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET \
                 author = excluded.author, author_id = excluded.author_id, text = excluded.text, \
                 at_ms = excluded.at_ms, deleted = excluded.deleted",
                params![
                    id,
                    c.clip_id.to_string(),
                    c.author,
                    c.author_id,
                    c.text,
                    c.at_ms.map(|v| v as i64),
                    c.created_hlc.to_string(),
                    c.deleted as i64
                ],
            )?;
            if known {
                report.updated += 1;
            } else {
                report.inserted += 1;
            }
            let clip = clip_title(w, &c.clip_id.to_string())?;
            if let Some((title, owner)) = clip
                && !known
                && !c.deleted
                && me.is_some()
                && owner.as_deref() == me
                && me != Some(c.author_id.as_str())
            {
                let at = c
                    .at_ms
                    .map(|ms| format!(" at {}", crate::coaching::mmss(ms)))
                    .unwrap_or_default();
                notify(
                    &w.tx,
                    Notice {
                        kind: "new_comment",
                        subject: &id,
                        clip_id: Some(&c.clip_id.to_string()),
                        challenge_id: None,
                        text: format!("{} commented on \"{title}\"{at}: {}", c.author, c.text),
                    },
                )?;
            }
        }
        RemoteChange::Playbook(p) => {
            w.observe(p.hlc);
            let clip_id = p.clip_id.to_string();
            if pending(w, &clip_id, "'playbook_promoted', 'playbook_demoted'")? {
                report.skipped += 1;
                return Ok(());
            }
            let was_in: bool =
                w.tx.query_row(
                    "SELECT in_playbook FROM playbook WHERE clip_id = ?1",
                    [&clip_id],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .is_some_and(|v| v != 0);
            w.tx.execute(
                "INSERT INTO playbook (clip_id, in_playbook, section, position, by_name, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (clip_id) DO UPDATE SET in_playbook = excluded.in_playbook, section = excluded.section, \
                 position = excluded.position, by_name = excluded.by_name, hlc = excluded.hlc",
                params![
                    clip_id,
                    p.in_playbook as i64,
                    p.section,
                    p.position,
                    p.by,
                    p.hlc.to_string()
                ],
            )?;
            report.updated += 1;
            if p.in_playbook && !was_in && me != Some(p.by_id.as_str()) {
                let title = clip_title(w, &clip_id)?
                    .map(|(t, _)| t)
                    .unwrap_or_else(|| "a clip".into());
                let section = p
                    .section
                    .as_deref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default();
                notify(
                    &w.tx,
                    Notice {
                        kind: "new_playbook_clip",
                        subject: &clip_id,
                        clip_id: Some(&clip_id),
                        challenge_id: None,
                        text: format!("{} added \"{title}\" to the playbook{section}", p.by),
                    },
                )?;
            }
        }
    }
    Ok(())
}

/// A remote clip answers a challenge: record the link (unless this
/// device's own link waits to be pushed) and tell the challenge's author.
pub(crate) fn link_answer(
    w: &mut Writer<'_>,
    r: &RemoteClip,
    seq: i64,
    challenge: ChallengeId,
    me: Option<&str>,
) -> Result<()> {
    let clip_id = r.id.to_string();
    if !pending(w, &clip_id, "'answer_linked'")? {
        w.tx.execute(
            "UPDATE clips SET challenge_id = ?1 WHERE seq = ?2",
            params![challenge.to_string(), seq],
        )?;
    }
    let owner: Option<(String, Option<String>)> =
        w.tx.query_row(
            "SELECT title, author_id FROM challenges WHERE id = ?1",
            [challenge.to_string()],
            |x| Ok((x.get(0)?, x.get(1)?)),
        )
        .optional()?;
    if let Some((title, Some(owner))) = owner
        && me == Some(owner.as_str())
        && r.author_id != owner
    {
        let challenge_id = challenge.to_string();
        notify(
            &w.tx,
            Notice {
                kind: "new_answer",
                subject: &clip_id,
                clip_id: Some(&clip_id),
                challenge_id: Some(&challenge_id),
                text: format!("{} answered \"{title}\": \"{}\"", r.author, r.title),
            },
        )?;
    }
    Ok(())
}

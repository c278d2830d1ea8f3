//! The coaching commands: `challenge`, `answer`, `playbook`, `comment`,
//! `comments`, `comment-edit`, `comment-delete` and `notifications`. Each
//! makes one facade call and prints the result (ids on the last line;
//! `--json` for scripts).

use std::io::{self, Write};

use debrief_device::{ChallengeEditInput, ChallengeInput, Device, DeviceError, parse_timestamp};
use debrief_library::{Challenge, ChallengeDetail, Comment, Notification, PlaybookEntry};

use crate::args::{
    AnswerArgs, ChallengeArgs, ChallengeCommand, CommentArgs, CommentEditArgs, CommentIdArg, IdArg,
    NotificationsArgs, PlaybookArgs, PlaybookCommand,
};
use crate::output::duration;

type Out<'a> = &'a mut dyn Write;

fn json_line<T: serde::Serialize + ?Sized>(out: Out<'_>, v: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, v).map_err(io::Error::other)?;
    writeln!(out)
}

fn io_err(e: io::Error) -> DeviceError {
    DeviceError::InvalidInput(format!("cannot write output: {e}"))
}

fn challenge_line(c: &Challenge) -> String {
    let due = c
        .due_at
        .map(|d| format!("  due {}", d.date()))
        .unwrap_or_default();
    let max = c
        .max_answer_ms
        .map(|m| format!("  max {}", duration(m)))
        .unwrap_or_default();
    let state = if c.answered {
        "answered"
    } else {
        "not answered"
    };
    format!(
        "{}  {}  by {}{due}{max}  [{state}, {} answer(s)]",
        c.id, c.title, c.author, c.answer_count
    )
}

pub fn challenge(device: &mut Device, a: ChallengeArgs, json: bool) -> Result<(), DeviceError> {
    let out = &mut io::stdout().lock();
    match a.command {
        ChallengeCommand::Create(c) => {
            let created = device.create_challenge(&ChallengeInput {
                title: c.title,
                prompt: c.prompt,
                due: c.due,
                max_length: c.max_length,
            })?;
            if json {
                return json_line(out, &created).map_err(io_err);
            }
            writeln!(out, "Posted challenge \"{}\"", created.title).map_err(io_err)?;
            writeln!(out, "{}", created.id).map_err(io_err)
        }
        ChallengeCommand::Edit(e) => {
            let edited = device.edit_challenge(
                &e.id,
                &ChallengeEditInput {
                    title: e.title,
                    prompt: e.prompt,
                    due: e.due,
                    max_length: e.max_length,
                },
            )?;
            if json {
                return json_line(out, &edited).map_err(io_err);
            }
            writeln!(out, "{}", challenge_line(&edited)).map_err(io_err)?;
            writeln!(out, "{}", edited.id).map_err(io_err)
        }
        ChallengeCommand::Delete(id) => {
            let gone = device.delete_challenge(&id.id)?;
            if json {
                return json_line(out, &gone).map_err(io_err);
            }
            writeln!(
                out,
                "Deleted challenge \"{}\" (its answers stay in the library)",
                gone.title
            )
            .map_err(io_err)?;
            writeln!(out, "{}", gone.id).map_err(io_err)
        }
        ChallengeCommand::List => {
            let list = device.challenges()?;
            if json {
                return json_line(out, &list).map_err(io_err);
            }
            if list.is_empty() {
                return writeln!(out, "No challenges yet.").map_err(io_err);
            }
            for c in &list {
                writeln!(out, "{}", challenge_line(c)).map_err(io_err)?;
            }
            Ok(())
        }
        ChallengeCommand::Show(id) => {
            let detail = device.challenge(&id.id)?;
            if json {
                return json_line(out, &detail).map_err(io_err);
            }
            show_challenge(out, &detail).map_err(io_err)
        }
    }
}

fn show_challenge(out: Out<'_>, d: &ChallengeDetail) -> io::Result<()> {
    let c = &d.challenge;
    writeln!(out, "{}", c.title)?;
    writeln!(out, "  {}", c.prompt.replace('\n', "\n  "))?;
    writeln!(out, "  posted by  {}", c.author)?;
    if let Some(due) = c.due_at {
        writeln!(out, "  due        {due}")?;
    }
    if let Some(m) = c.max_answer_ms {
        writeln!(out, "  max length {}", duration(m))?;
    }
    writeln!(out, "  answers    {}", d.answers.len())?;
    for a in &d.answers {
        writeln!(
            out,
            "    {}  {} ({}, {})",
            a.clip_id,
            a.title,
            a.author,
            duration(a.duration_ms)
        )?;
    }
    if let Some(no) = &d.not_answered {
        writeln!(
            out,
            "  waiting on {}",
            if no.is_empty() {
                "nobody".to_string()
            } else {
                no.join(", ")
            }
        )?;
    }
    writeln!(out, "{}", c.id)
}

pub fn answer(device: &mut Device, a: AnswerArgs, json: bool) -> Result<(), DeviceError> {
    let clip = match &a.clip {
        Some(clip) => device.answer(&a.challenge_id, clip)?,
        None => crate::record::capture(device, a.record, Some(a.challenge_id.clone()))?.clip,
    };
    if clip.challenge_id.is_none() {
        // The recording was kept but could not be linked (a warning said why).
        return Err(DeviceError::InvalidInput(format!(
            "clip {} was recorded but is not an answer; link it with `debrief answer {} --clip {}`",
            clip.id, a.challenge_id, clip.id
        )));
    }
    let out = &mut io::stdout().lock();
    if json {
        return json_line(out, &clip).map_err(io_err);
    }
    writeln!(
        out,
        "Answered with \"{}\" ({})",
        clip.title,
        duration(clip.duration_ms)
    )
    .map_err(io_err)?;
    writeln!(out, "{}", clip.id).map_err(io_err)
}

fn entry_line(e: &PlaybookEntry) -> String {
    format!(
        "{}  [{}{}]  {} ({}, {})  {}",
        e.clip.id,
        e.section.as_deref().unwrap_or("unsorted"),
        e.position.map(|p| format!(" #{p}")).unwrap_or_default(),
        e.clip.title,
        e.clip.author,
        duration(e.clip.duration_ms),
        e.clip.media_state
    )
}

pub fn playbook(device: &mut Device, a: PlaybookArgs, json: bool) -> Result<(), DeviceError> {
    let out = &mut io::stdout().lock();
    match a.command {
        PlaybookCommand::Add(p) => {
            let entry = device.promote(&p.id, p.section.as_deref(), p.order)?;
            if json {
                return json_line(out, &entry).map_err(io_err);
            }
            writeln!(out, "Added to the playbook: {}", entry_line(&entry)).map_err(io_err)?;
            writeln!(out, "{}", entry.clip.id).map_err(io_err)
        }
        PlaybookCommand::Remove(IdArg { id }) => {
            let clip = device.demote(&id)?;
            if json {
                return json_line(out, &clip).map_err(io_err);
            }
            writeln!(out, "Removed \"{}\" from the playbook", clip.title).map_err(io_err)?;
            writeln!(out, "{}", clip.id).map_err(io_err)
        }
        PlaybookCommand::List => {
            let list = device.playbook()?;
            if json {
                return json_line(out, &list).map_err(io_err);
            }
            if list.is_empty() {
                return writeln!(out, "The playbook is empty.").map_err(io_err);
            }
            for e in &list {
                writeln!(out, "{}", entry_line(e)).map_err(io_err)?;
            }
            Ok(())
        }
    }
}

fn comment_line(c: &Comment) -> String {
    let at = c
        .at_ms
        .map(|ms| format!("at {}  ", duration(ms)))
        .unwrap_or_default();
    let pending = if c.pending { "  (not synced yet)" } else { "" };
    format!("{}  {at}{}: {}{pending}", c.id, c.author, c.text)
}

pub fn comment(device: &mut Device, a: CommentArgs, json: bool) -> Result<(), DeviceError> {
    let at = a.at.as_deref().map(parse_timestamp).transpose()?;
    let c = device.comment(&a.clip_id, &a.text, at)?;
    print_comment(c, json, "Commented")
}

pub fn comment_edit(
    device: &mut Device,
    a: CommentEditArgs,
    json: bool,
) -> Result<(), DeviceError> {
    let c = device.edit_comment(&a.id, &a.text)?;
    print_comment(c, json, "Edited")
}

pub fn comment_delete(device: &mut Device, a: CommentIdArg, json: bool) -> Result<(), DeviceError> {
    let c = device.delete_comment(&a.id)?;
    let out = &mut io::stdout().lock();
    if json {
        return json_line(out, &serde_json::json!({ "deleted": c.id })).map_err(io_err);
    }
    writeln!(out, "Deleted the comment").map_err(io_err)?;
    writeln!(out, "{}", c.id).map_err(io_err)
}

fn print_comment(c: Comment, json: bool, verb: &str) -> Result<(), DeviceError> {
    let out = &mut io::stdout().lock();
    if json {
        return json_line(out, &c).map_err(io_err);
    }
    writeln!(out, "{verb}: {}", comment_line(&c)).map_err(io_err)?;
    writeln!(out, "{}", c.id).map_err(io_err)
}

pub fn comments(device: &Device, a: IdArg, json: bool) -> Result<(), DeviceError> {
    let list = device.comments(&a.id)?;
    let out = &mut io::stdout().lock();
    if json {
        return json_line(out, &list).map_err(io_err);
    }
    if list.is_empty() {
        return writeln!(out, "No comments yet.").map_err(io_err);
    }
    for c in &list {
        writeln!(out, "{}", comment_line(c)).map_err(io_err)?;
    }
    Ok(())
}

pub fn notifications(
    device: &mut Device,
    a: NotificationsArgs,
    json: bool,
) -> Result<(), DeviceError> {
    let list: Vec<Notification> = device.notifications(a.unread)?;
    let unread = device.unread_counts()?;
    if a.mark_read {
        device.mark_notifications_read(None)?;
    }
    let out = &mut io::stdout().lock();
    if json {
        return json_line(
            out,
            &serde_json::json!({ "unread": unread, "notifications": list }),
        )
        .map_err(io_err);
    }
    writeln!(out, "{} unread", unread.total).map_err(io_err)?;
    for n in &list {
        let mark = if n.read { " " } else { "*" };
        writeln!(out, "{mark} {}  {}", n.created_at, n.text).map_err(io_err)?;
    }
    Ok(())
}

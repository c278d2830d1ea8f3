//! The coaching commands: challenges and answers, the playbook by section,
//! comments, notifications. Like the others, each makes one call into
//! `debrief-device` (plus the look-ups that turn its records into views)
//! and maps the result; the rules (roles, limits, who may edit what) live
//! in the core, which refuses with `forbidden`, `not_permitted`,
//! `not_found`, `bad_id` or `invalid_input` and a sentence.
//!
//! Each change is announced with `CoachingChanged` (and, when it touches a
//! clip, `LibraryChanged`), which also wakes the background sync.

use debrief_device::{ChallengeEditInput, ChallengeInput, Device, DeviceError};
use debrief_library::Clip;
use tauri::State;

use crate::dto::ClipView;
use crate::dto::coaching::{
    AnswerView, ChallengeChange, ChallengeDetailView, ChallengeListView, ChallengeRefView,
    ChallengeRequest, ChallengeView, ClipCoachingView, CommentView, NotificationsView,
    PlaybookEntryView, PlaybookPlaceView, PlaybookSectionView, PlaybookView, UnreadCountsView,
    Viewer,
};
use crate::error::{IpcError, sentence};
use crate::events::{CoachingSubject, LibraryChange};
use crate::state::AppState;

/// How many clips "answer with a clip" and "kept offline" list at most.
const LIST_LIMIT: u32 = 500;

fn viewer(d: &Device) -> Result<Viewer, DeviceError> {
    let lib = d.library();
    Ok(Viewer {
        member_id: lib.member_id()?,
        manager: lib.role()?.is_some_and(|r| r.moderates()),
        joined: lib.account()?.is_some(),
    })
}

/// The core's messages point at CLI commands; in the app the same advice
/// is what to tap.
pub(crate) fn replace_cli_words(message: &mut String) {
    const WORDS: &[(&str, &str)] = &[
        (
            "; `debrief challenge list` shows the ids (sync first if it is new)",
            "; it may have been deleted, or it is new and this device has not synced since",
        ),
        (
            "; `debrief comments CLIP_ID` shows the ids",
            "; it may have been deleted meanwhile",
        ),
        ("; `debrief list` shows the ids", ""),
        ("; `debrief playbook list` shows what is", ""),
    ];
    for (cli, app) in WORDS {
        *message = message.replace(cli, app);
    }
    // "share it first (`debrief share ID`)": the app's button says it.
    if let Some(start) = message.find(" (`debrief share ") {
        let end = message[start..]
            .find(')')
            .map_or(message.len(), |i| start + i + 1);
        message.replace_range(start..end, " with “Share with team” on its screen");
    }
}

/// A core error in the app's words, as a sentence (like the team screens').
pub(crate) fn in_app(e: DeviceError) -> IpcError {
    let mut err = IpcError::from(e);
    replace_cli_words(&mut err.message);
    err.message = sentence(&err.message);
    err
}

async fn run<T, F>(state: &AppState, op: F) -> Result<T, IpcError>
where
    T: Send + 'static,
    F: FnOnce(&mut Device) -> Result<T, DeviceError> + Send + 'static,
{
    state
        .run(move |d| Ok(op(d).map_err(in_app)))
        .await
        .and_then(|r| r)
}

/// The live challenges, newest first, with this user's answer state.
#[tauri::command]
#[specta::specta]
pub async fn list_challenges(state: State<'_, AppState>) -> Result<ChallengeListView, IpcError> {
    let (list, who) = run(&state, |d| Ok((d.challenges()?, viewer(d)?))).await?;
    Ok(ChallengeListView {
        challenges: list
            .into_iter()
            .map(|c| ChallengeView::new(c, &who))
            .collect(),
        can_manage: who.manager,
        joined: who.joined,
    })
}

/// One challenge with its answers; for managers also who has and has not
/// answered.
#[tauri::command]
#[specta::specta]
pub async fn get_challenge(
    state: State<'_, AppState>,
    id: String,
) -> Result<ChallengeDetailView, IpcError> {
    let (detail, clips, who) = run(&state, move |d| {
        let detail = d.challenge(&id)?;
        let clips: Vec<Clip> = detail
            .answers
            .iter()
            .filter_map(|a| d.library().clip(a.clip_id).ok())
            .collect();
        Ok((detail, clips, viewer(d)?))
    })
    .await?;
    let answers = clips
        .into_iter()
        .map(|c| {
            Ok(AnswerView {
                mine: who.is_me(c.author_id.as_deref()),
                clip: state.view(c)?,
            })
        })
        .collect::<Result<_, IpcError>>()?;
    Ok(ChallengeDetailView {
        challenge: ChallengeView::new(detail.challenge, &who),
        answers,
        answered_by: detail.answered_by,
        not_answered: detail.not_answered,
        can_manage: who.manager,
    })
}

fn blank_to_none(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// Post a challenge (managers and admins).
#[tauri::command]
#[specta::specta]
pub async fn create_challenge(
    state: State<'_, AppState>,
    request: ChallengeRequest,
) -> Result<ChallengeView, IpcError> {
    let input = ChallengeInput {
        title: request.title,
        prompt: request.prompt,
        due: blank_to_none(request.due),
        max_length: blank_to_none(request.max_length),
    };
    let (c, who) = run(&state, move |d| {
        Ok((d.create_challenge(&input)?, viewer(d)?))
    })
    .await?;
    state.notify_coaching(CoachingSubject::Challenge, &c.id.to_string());
    Ok(ChallengeView::new(c, &who))
}

/// Change a challenge (managers and admins); `null` fields stay as they are.
#[tauri::command]
#[specta::specta]
pub async fn edit_challenge(
    state: State<'_, AppState>,
    id: String,
    change: ChallengeChange,
) -> Result<ChallengeView, IpcError> {
    let input = ChallengeEditInput {
        title: change.title,
        prompt: change.prompt,
        due: change.due,
        max_length: change.max_length,
    };
    let (c, who) = run(&state, move |d| {
        Ok((d.edit_challenge(&id, &input)?, viewer(d)?))
    })
    .await?;
    state.notify_coaching(CoachingSubject::Challenge, &c.id.to_string());
    Ok(ChallengeView::new(c, &who))
}

/// Delete a challenge for the team (managers and admins); answers stay as clips.
#[tauri::command]
#[specta::specta]
pub async fn delete_challenge(state: State<'_, AppState>, id: String) -> Result<(), IpcError> {
    let c = run(&state, move |d| d.delete_challenge(&id)).await?;
    state.notify_coaching(CoachingSubject::Challenge, &c.id.to_string());
    Ok(())
}

/// My clips that answer no challenge yet, newest first.
#[tauri::command]
#[specta::specta]
pub async fn answer_candidates(state: State<'_, AppState>) -> Result<Vec<ClipView>, IpcError> {
    let clips = run(&state, |d| d.answer_candidates(LIST_LIMIT)).await?;
    clips.into_iter().map(|c| state.view(c)).collect()
}

/// Offer one of my clips as an answer to a challenge.
#[tauri::command]
#[specta::specta]
pub async fn answer_challenge(
    state: State<'_, AppState>,
    challenge_id: String,
    clip_id: String,
) -> Result<ClipView, IpcError> {
    let target = challenge_id.clone();
    let clip = run(&state, move |d| d.answer(&target, &clip_id)).await?;
    state.notify(LibraryChange::Updated, &clip.id.to_string());
    state.notify_coaching(CoachingSubject::Challenge, &challenge_id);
    state.view(clip)
}

fn playbook_view(
    state: &AppState,
    entries: Vec<debrief_library::PlaybookEntry>,
    pinned: Vec<Clip>,
    who: &Viewer,
) -> Result<PlaybookView, IpcError> {
    let mut sections: Vec<PlaybookSectionView> = Vec::new();
    let mut in_book = std::collections::HashSet::new();
    for e in entries {
        in_book.insert(e.clip.id);
        let entry = PlaybookEntryView {
            position: e.position,
            by: e.by,
            clip: state.view(e.clip)?,
        };
        // The core lists the playbook by section, so a section's entries are adjacent.
        match sections.last_mut() {
            Some(s) if s.name == e.section => s.entries.push(entry),
            _ => sections.push(PlaybookSectionView {
                name: e.section,
                entries: vec![entry],
            }),
        }
    }
    let kept_offline = pinned
        .into_iter()
        .filter(|c| !in_book.contains(&c.id))
        .map(|c| state.view(c))
        .collect::<Result<_, _>>()?;
    Ok(PlaybookView {
        sections,
        kept_offline,
        can_manage: who.manager,
    })
}

/// The team playbook by section (then position), and the clips pinned on
/// this device that are not in it.
#[tauri::command]
#[specta::specta]
pub async fn get_playbook(state: State<'_, AppState>) -> Result<PlaybookView, IpcError> {
    let (entries, pinned, who) = run(&state, |d| {
        Ok((d.playbook()?, d.kept_offline(LIST_LIMIT)?, viewer(d)?))
    })
    .await?;
    playbook_view(&state, entries, pinned, &who)
}

/// Put one section's clips in this order (managers and admins).
#[tauri::command]
#[specta::specta]
pub async fn reorder_playbook(
    state: State<'_, AppState>,
    section: Option<String>,
    clip_ids: Vec<String>,
) -> Result<PlaybookView, IpcError> {
    let (entries, pinned, who) = run(&state, move |d| {
        d.reorder_playbook(section.as_deref(), &clip_ids)?;
        Ok((d.playbook()?, d.kept_offline(LIST_LIMIT)?, viewer(d)?))
    })
    .await?;
    state.notify_coaching(CoachingSubject::Playbook, "");
    playbook_view(&state, entries, pinned, &who)
}

fn coaching_of(d: &Device, clip_id: &str) -> Result<ClipCoachingView, DeviceError> {
    let clip = d.show(clip_id)?;
    let who = viewer(d)?;
    let c = d.clip_coaching(&clip)?;
    Ok(ClipCoachingView {
        clip_id: clip.id.to_string(),
        comments: c
            .comments
            .into_iter()
            .map(|k| CommentView::new(k, &who))
            .collect(),
        challenge: c.challenge.map(|h| ChallengeRefView {
            id: h.id.to_string(),
            title: h.title,
            deleted: h.deleted,
        }),
        playbook: c.playbook.map(|p| PlaybookPlaceView {
            section: p.section,
            position: p.position,
            by: p.by,
        }),
        can_manage: who.manager,
        sections: d.playbook_sections()?,
    })
}

/// A clip's comments, the challenge it answers and its playbook place.
#[tauri::command]
#[specta::specta]
pub async fn get_clip_coaching(
    state: State<'_, AppState>,
    clip_id: String,
) -> Result<ClipCoachingView, IpcError> {
    run(&state, move |d| coaching_of(d, &clip_id)).await
}

/// Put a clip into the playbook, or move it to another section or place
/// (managers and admins). An empty section means none.
#[tauri::command]
#[specta::specta]
pub async fn promote_clip(
    state: State<'_, AppState>,
    clip_id: String,
    section: Option<String>,
    position: Option<i64>,
) -> Result<ClipCoachingView, IpcError> {
    let view = run(&state, move |d| {
        d.promote(&clip_id, section.as_deref(), position)?;
        coaching_of(d, &clip_id)
    })
    .await?;
    state.notify(LibraryChange::Updated, &view.clip_id);
    state.notify_coaching(CoachingSubject::Playbook, &view.clip_id);
    Ok(view)
}

/// Take a clip out of the playbook (managers and admins).
#[tauri::command]
#[specta::specta]
pub async fn demote_clip(
    state: State<'_, AppState>,
    clip_id: String,
) -> Result<ClipCoachingView, IpcError> {
    let view = run(&state, move |d| {
        d.demote(&clip_id)?;
        coaching_of(d, &clip_id)
    })
    .await?;
    state.notify(LibraryChange::Updated, &view.clip_id);
    state.notify_coaching(CoachingSubject::Playbook, &view.clip_id);
    Ok(view)
}

/// Comment on a clip, optionally at a moment of it (milliseconds).
#[tauri::command]
#[specta::specta]
pub async fn add_comment(
    state: State<'_, AppState>,
    clip_id: String,
    text: String,
    at_ms: Option<u64>,
) -> Result<CommentView, IpcError> {
    let (c, who) = run(&state, move |d| {
        Ok((d.comment(&clip_id, &text, at_ms)?, viewer(d)?))
    })
    .await?;
    state.notify_coaching(CoachingSubject::Comment, &c.clip_id.to_string());
    Ok(CommentView::new(c, &who))
}

/// Change the text of one of my comments.
#[tauri::command]
#[specta::specta]
pub async fn edit_comment(
    state: State<'_, AppState>,
    id: String,
    text: String,
) -> Result<CommentView, IpcError> {
    let (c, who) = run(&state, move |d| {
        Ok((d.edit_comment(&id, &text)?, viewer(d)?))
    })
    .await?;
    state.notify_coaching(CoachingSubject::Comment, &c.clip_id.to_string());
    Ok(CommentView::new(c, &who))
}

/// Delete one of my comments.
#[tauri::command]
#[specta::specta]
pub async fn delete_comment(state: State<'_, AppState>, id: String) -> Result<(), IpcError> {
    let c = run(&state, move |d| d.delete_comment(&id)).await?;
    state.notify_coaching(CoachingSubject::Comment, &c.clip_id.to_string());
    Ok(())
}

/// Notifications, newest first, with the unread counts.
#[tauri::command]
#[specta::specta]
pub async fn list_notifications(state: State<'_, AppState>) -> Result<NotificationsView, IpcError> {
    let (list, unread) = run(&state, |d| {
        Ok((d.notifications(false)?, d.unread_counts()?))
    })
    .await?;
    Ok(NotificationsView {
        unread: unread.into(),
        notifications: list.into_iter().map(Into::into).collect(),
    })
}

/// Mark these notifications read (all of them with `null`); returns the
/// unread counts left.
#[tauri::command]
#[specta::specta]
pub async fn mark_notifications_read(
    state: State<'_, AppState>,
    ids: Option<Vec<i64>>,
) -> Result<UnreadCountsView, IpcError> {
    let unread = run(&state, move |d| {
        d.mark_notifications_read(ids.as_deref())?;
        d.unread_counts()
    })
    .await?;
    state.notify_coaching(CoachingSubject::Notifications, "");
    Ok(unread.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use debrief_library::LibraryError;

    #[test]
    fn core_messages_speak_of_the_app_not_of_cli_commands() {
        let e = in_app(DeviceError::Library(LibraryError::NotFound(
            "no challenge with id 0190 on this device; `debrief challenge list` shows the ids (sync first if it is new)".into(),
        )));
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(
            e.message,
            "No challenge with id 0190 on this device; it may have been deleted, or it is new and this device has not synced since."
        );
        let e = in_app(DeviceError::Library(LibraryError::InvalidInput(
            "\"Demo\" is private, so the challenge's author could not watch it; share it first (`debrief share 0190-ab`)".into(),
        )));
        assert_eq!(
            e.message,
            "\"Demo\" is private, so the challenge's author could not watch it; share it first with “Share with team” on its screen."
        );
        let e = in_app(DeviceError::Library(LibraryError::Forbidden(
            "only managers and admins can create challenges; your role in this team is member (ask a team admin for the manager role)".into(),
        )));
        assert_eq!(e.kind, ErrorKind::Forbidden);
        assert!(e.message.starts_with(
            "Only managers and admins can create challenges; your role in this team is member"
        ));
        assert!(!e.message.contains('`'));
    }
}

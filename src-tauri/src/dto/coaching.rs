//! The coaching shapes that cross IPC: challenges and answers, the
//! playbook by section, a clip's comments and playbook place, and
//! notifications. Each says, where it matters, what this user may do
//! (`can_manage`, `mine`), so the UI hides controls a role cannot use; the
//! core (and the server) refuse them anyway.

use debrief_library::{Challenge, Comment, Notification, UnreadCounts};
use serde::{Deserialize, Serialize};
use specta::Type;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::ClipView;

/// Who is looking: decides `mine` and `can_manage`.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    /// This user's member id; `None` before joining a team.
    pub member_id: Option<String>,
    /// A manager or admin of the team.
    pub manager: bool,
    pub joined: bool,
}

impl Viewer {
    /// Made by this user: by this member, or on this device before it
    /// joined a team (no member id yet), as the core decides authorship.
    pub fn is_me(&self, author_id: Option<&str>) -> bool {
        author_id.is_none() || author_id == self.member_id.as_deref()
    }
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// A challenge a manager posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ChallengeView {
    pub id: String,
    pub title: String,
    pub prompt: String,
    /// RFC 3339, UTC; `null` when there is no due date.
    pub due_at: Option<String>,
    /// The longest answer wanted; `null` for no limit.
    pub max_answer_ms: Option<u64>,
    pub author: String,
    /// Posted by this user.
    pub mine: bool,
    pub deleted: bool,
    /// This user has answered it.
    pub answered: bool,
    /// The clips with which this user answered it.
    pub my_answers: Vec<String>,
    /// Answers this device knows of, from everyone it can see.
    pub answer_count: u64,
    /// Not on the team server yet.
    pub pending: bool,
}

impl ChallengeView {
    pub fn new(c: Challenge, viewer: &Viewer) -> Self {
        Self {
            mine: viewer.is_me(c.author_id.as_deref()),
            id: c.id.to_string(),
            title: c.title,
            prompt: c.prompt,
            due_at: c.due_at.map(rfc3339),
            max_answer_ms: c.max_answer_ms,
            author: c.author,
            deleted: c.deleted,
            answered: c.answered,
            my_answers: c.my_answers.iter().map(ToString::to_string).collect(),
            answer_count: c.answer_count,
            pending: c.pending,
        }
    }
}

/// The live challenges, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ChallengeListView {
    pub challenges: Vec<ChallengeView>,
    /// This user may post, edit and delete challenges (a manager or admin).
    pub can_manage: bool,
    /// This device belongs to a team (challenges come from one).
    pub joined: bool,
}

/// One answer to a challenge.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct AnswerView {
    pub clip: ClipView,
    /// Made by this user.
    pub mine: bool,
}

/// A challenge with its answers.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ChallengeDetailView {
    pub challenge: ChallengeView,
    pub answers: Vec<AnswerView>,
    /// Display names of the members who answered; `null` unless this user
    /// manages the team.
    pub answered_by: Option<Vec<String>>,
    /// Display names of the members who have not answered yet; `null`
    /// unless this user manages the team.
    pub not_answered: Option<Vec<String>>,
    pub can_manage: bool,
}

/// A new challenge, as typed.
#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct ChallengeRequest {
    pub title: String,
    pub prompt: String,
    /// `YYYY-MM-DD` (the end of that day, UTC) or an RFC 3339 time; empty
    /// or `null` for none.
    pub due: Option<String>,
    /// `2m`, `90s`, `1m30s` or `2:00`; empty or `null` for no limit.
    pub max_length: Option<String>,
}

/// A change to a challenge; `null` keeps a field as it is. An empty due
/// date or length asks to remove it, which is refused once one is set.
#[derive(Debug, Clone, Default, Deserialize, Type)]
pub struct ChallengeChange {
    pub title: Option<String>,
    pub prompt: Option<String>,
    pub due: Option<String>,
    pub max_length: Option<String>,
}

/// A clip in the playbook.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct PlaybookEntryView {
    /// Lower comes first; `null` after the numbered ones.
    pub position: Option<i64>,
    /// Who put it there.
    pub by: String,
    pub clip: ClipView,
}

/// One section of the playbook, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct PlaybookSectionView {
    /// `null`: the clips promoted without a section (listed last).
    pub name: Option<String>,
    pub entries: Vec<PlaybookEntryView>,
}

/// The team playbook by section, then the clips this user keeps offline.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct PlaybookView {
    pub sections: Vec<PlaybookSectionView>,
    /// Pinned on this device and not in the playbook.
    pub kept_offline: Vec<ClipView>,
    /// This user may reorder, promote and demote (a manager or admin).
    pub can_manage: bool,
}

/// Where a clip sits in the playbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct PlaybookPlaceView {
    pub section: Option<String>,
    pub position: Option<i64>,
    pub by: String,
}

/// A comment on a clip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct CommentView {
    pub id: String,
    pub clip_id: String,
    pub author: String,
    pub text: String,
    /// The moment of the clip it is about, in milliseconds.
    pub at_ms: Option<u64>,
    /// When it was written, RFC 3339 (UTC).
    pub created_at: String,
    /// Written by this user: they may edit or delete it.
    pub mine: bool,
    /// Not on the team server yet.
    pub pending: bool,
}

impl CommentView {
    pub fn new(c: Comment, viewer: &Viewer) -> Self {
        Self {
            mine: viewer.is_me(c.author_id.as_deref()),
            id: c.id.to_string(),
            clip_id: c.clip_id.to_string(),
            author: c.author,
            text: c.text,
            at_ms: c.at_ms,
            created_at: rfc3339(c.created_at),
            pending: c.pending,
        }
    }
}

/// The challenge a clip answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ChallengeRefView {
    pub id: String,
    pub title: String,
    pub deleted: bool,
}

/// A clip's coaching: its comments, the challenge it answers, its place
/// in the playbook, and what this user may change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ClipCoachingView {
    pub clip_id: String,
    /// Timestamped ones by moment, then the rest, oldest first.
    pub comments: Vec<CommentView>,
    pub challenge: Option<ChallengeRefView>,
    /// `null` when the clip is not in the playbook.
    pub playbook: Option<PlaybookPlaceView>,
    /// This user may promote and demote (a manager or admin).
    pub can_manage: bool,
    /// The playbook's named sections, to pick one from.
    pub sections: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    NewChallenge,
    /// Someone answered a challenge this user posted.
    NewAnswer,
    /// Someone commented on this user's clip.
    NewComment,
    NewPlaybookClip,
    /// The team server refused one of this device's changes.
    Refused,
}

impl NotificationKind {
    fn parse(kind: &str) -> Self {
        match kind {
            "new_challenge" => Self::NewChallenge,
            "new_answer" => Self::NewAnswer,
            "new_comment" => Self::NewComment,
            "new_playbook_clip" => Self::NewPlaybookClip,
            _ => Self::Refused,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct NotificationView {
    pub id: i64,
    pub kind: NotificationKind,
    pub text: String,
    pub clip_id: Option<String>,
    pub challenge_id: Option<String>,
    /// When this device learnt of it, RFC 3339 (UTC).
    pub created_at: String,
    pub read: bool,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id,
            kind: NotificationKind::parse(&n.kind),
            text: n.text,
            clip_id: n.clip_id,
            challenge_id: n.challenge_id,
            created_at: n.created_at,
            read: n.read,
        }
    }
}

/// Unread notifications, in total and by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Type)]
pub struct UnreadCountsView {
    pub total: u64,
    pub new_challenge: u64,
    pub new_answer: u64,
    pub new_comment: u64,
    pub new_playbook_clip: u64,
    pub refused: u64,
}

impl From<UnreadCounts> for UnreadCountsView {
    fn from(u: UnreadCounts) -> Self {
        Self {
            total: u.total,
            new_challenge: u.new_challenge,
            new_answer: u.new_answer,
            new_comment: u.new_comment,
            new_playbook_clip: u.new_playbook_clip,
            refused: u.refused,
        }
    }
}

/// Notifications, newest first, with the unread counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct NotificationsView {
    pub unread: UnreadCountsView,
    pub notifications: Vec<NotificationView>,
}

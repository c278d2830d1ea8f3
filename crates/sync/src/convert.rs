//! Wire state -> library records.

use debrief_library::{
    RemoteChallenge, RemoteChange, RemoteClip, RemoteComment, RemotePlaybook, RemoteTagAdd,
};
use debrief_protocol::api::{ClipState, Entity};

pub fn remote_change(e: Entity) -> RemoteChange {
    match e {
        Entity::Clip(s) => RemoteChange::Clip(remote_clip(s)),
        Entity::Challenge(c) => RemoteChange::Challenge(RemoteChallenge {
            id: c.challenge_id,
            title: c.title,
            prompt: c.prompt,
            due_at: c.due_at,
            max_answer_ms: c.max_answer_ms,
            author: c.author.display_name,
            author_id: c.author.member_id.to_string(),
            created_hlc: c.created_hlc,
            updated_hlc: c.updated_hlc,
            deleted: c.deleted,
        }),
        Entity::Comment(c) => RemoteChange::Comment(RemoteComment {
            id: c.comment_id,
            clip_id: c.clip_id,
            author: c.author.display_name,
            author_id: c.author.member_id.to_string(),
            text: c.text,
            text_hlc: c.text_hlc,
            at_ms: c.at_ms,
            created_hlc: c.created_hlc,
            deleted: c.deleted,
        }),
        Entity::Playbook(p) => RemoteChange::Playbook(RemotePlaybook {
            clip_id: p.clip_id,
            in_playbook: p.in_playbook,
            section: p.section,
            position: p.position,
            by: p.by.display_name,
            by_id: p.by.member_id.to_string(),
            hlc: p.hlc,
        }),
    }
}

pub fn remote_clip(s: ClipState) -> RemoteClip {
    RemoteClip {
        id: s.clip_id,
        title: s.title,
        title_hlc: s.title_hlc,
        notes: s.notes,
        notes_hlc: s.notes_hlc,
        kind: s.kind,
        visibility: s.visibility,
        author: s.author.display_name,
        author_id: s.author.member_id.to_string(),
        recorded_at: s.recorded_at,
        duration_ms: s.duration_ms,
        width: s.width,
        height: s.height,
        bytes: s.bytes,
        sha256: s.sha256,
        thumbnail_sha256: s.thumbnail_sha256,
        tag_adds: s
            .tag_adds
            .into_iter()
            .map(|a| RemoteTagAdd {
                add_id: a.add_id,
                display: a.tag,
                hlc: a.hlc,
            })
            .collect(),
        deleted: s.deleted,
        challenge_id: s.challenge_id,
    }
}

//! Wire state -> library records.

use debrief_library::{RemoteClip, RemoteTagAdd};
use debrief_protocol::api::ClipState;

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
    }
}

//! Shared helpers for the library's integration tests.
#![allow(dead_code)]

use std::path::Path;

use debrief_library::{Clip, Library, MediaState, NewClip, OpenOptions};
use debrief_protocol::Tag;
use time::OffsetDateTime;

pub fn open(dir: &Path) -> Library {
    Library::open_with(
        dir,
        OpenOptions {
            author: Some("Riley Rep".into()),
        },
    )
    .expect("open library")
}

pub fn tags(names: &[&str]) -> Vec<Tag> {
    names.iter().map(|n| Tag::parse(n).unwrap()).collect()
}

/// Add a clip whose "media" is `content` (the library does not look inside).
pub fn add(
    lib: &mut Library,
    title: &str,
    recorded_at: OffsetDateTime,
    tag_names: &[&str],
    content: &[u8],
) -> Clip {
    let staging = lib.stage().unwrap();
    std::fs::write(staging.media_part(), content).unwrap();
    std::fs::write(staging.thumb_part(), b"\xff\xd8fake-jpeg").unwrap();
    let sha = debrief_library::files::hash_file(&staging.media_part()).unwrap();
    let mut new = NewClip::debrief(title, recorded_at);
    new.bytes = content.len() as u64;
    new.sha256 = sha.clone();
    new.thumbnail_sha256 = Some(sha);
    new.duration_ms = 1234;
    new.width = 1280;
    new.height = 720;
    new.media_state = MediaState::Ready;
    new.tags = tags(tag_names);
    lib.add_clip(staging, new).expect("add clip")
}

pub fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_760_000_000 + secs).unwrap()
}

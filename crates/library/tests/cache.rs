mod helpers;

use debrief_library::{Account, ClipQuery, Library, MediaState, RemoteClip};
use debrief_protocol::{ClipId, ClipKind, DeviceId, Hlc, Visibility};
use helpers::*;

fn remote_clip(bytes: &[u8], recorded: i64) -> RemoteClip {
    let node = DeviceId::new();
    let h = Hlc {
        wall_ms: 1,
        counter: 0,
        node,
    };
    RemoteClip {
        id: ClipId::new(),
        title: "remote".into(),
        title_hlc: h,
        notes: String::new(),
        notes_hlc: h,
        kind: ClipKind::Debrief,
        visibility: Visibility::Team,
        author: "Sam".into(),
        author_id: "m2".into(),
        recorded_at: at(recorded),
        duration_ms: 1,
        width: 2,
        height: 2,
        bytes: bytes.len() as u64,
        sha256: debrief_library::files::hash_bytes(bytes),
        thumbnail_sha256: Some("c".repeat(64)),
        tag_adds: vec![],
        deleted: false,
        challenge_id: None,
    }
}

/// Simulate a verified download of `bytes` for a remote clip.
fn download(lib: &mut Library, clip: &RemoteClip, bytes: &[u8]) {
    let part = lib.download_part_path(&clip.sha256).unwrap();
    std::fs::write(&part, bytes).unwrap();
    lib.finish_media_download(clip.id, &part).unwrap();
}

#[test]
fn pinned_clips_are_wanted_and_downloads_land_as_cached() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let r = remote_clip(b"remote media", 0);
    lib.apply_remote(std::slice::from_ref(&r), 1).unwrap();
    assert_eq!(lib.wanted_thumbnails().unwrap().len(), 1);
    assert!(lib.wanted_media().unwrap().is_empty(), "not pinned yet");
    assert!(lib.set_pinned(r.id, true).unwrap().pinned);
    let want = lib.wanted_media().unwrap();
    assert_eq!((want[0].clip_id, want[0].bytes), (r.id, 12));
    download(&mut lib, &r, b"remote media");
    let c = lib.clip(r.id).unwrap();
    assert_eq!(c.media_state, MediaState::Cached);
    assert_eq!(
        std::fs::read(c.media_path.unwrap()).unwrap(),
        b"remote media"
    );
    assert!(lib.wanted_media().unwrap().is_empty());
    lib.store_thumbnail(r.id, b"\xff\xd8jpeg").unwrap();
    assert!(lib.clip(r.id).unwrap().thumbnail_path.unwrap().exists());
    assert!(lib.wanted_thumbnails().unwrap().is_empty());
    assert!(lib.download_part_path("../../etc/passwd").is_err());
}

#[test]
fn eviction_takes_least_recently_watched_and_spares_pinned_and_unsynced() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    lib.set_account(&Account {
        server_url: "http://127.0.0.1:1".into(),
        team_id: "t".into(),
        team_name: "T".into(),
        member_id: "m1".into(),
        display_name: "Me".into(),
        role: "member".into(),
        device_name: "d".into(),
    })
    .unwrap();
    let own_unsynced = add(&mut lib, "mine, not uploaded", at(0), &[], &[1u8; 100]);
    let (old, newer, pinned) = (
        remote_clip(&[2u8; 100], 1),
        remote_clip(&[3u8; 100], 2),
        remote_clip(&[4u8; 100], 3),
    );
    lib.apply_remote(&[old.clone(), newer.clone(), pinned.clone()], 1)
        .unwrap();
    for (c, b) in [(&old, 2u8), (&newer, 3u8), (&pinned, 4u8)] {
        download(&mut lib, c, &[b; 100]);
    }
    lib.set_pinned(pinned.id, true).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    lib.mark_watched(old.id).unwrap(); // watched last: evicted last
    assert_eq!(lib.storage().unwrap().media_bytes, 400);
    let evicted = lib.evict_to_budget(250).unwrap();
    assert_eq!(evicted, vec![newer.id, old.id]);
    assert_eq!(lib.storage().unwrap().media_bytes, 200);
    assert_eq!(lib.clip(newer.id).unwrap().media_state, MediaState::Remote);
    assert!(
        lib.clip(own_unsynced.id)
            .unwrap()
            .media_path
            .unwrap()
            .exists()
    );
    assert!(lib.clip(pinned.id).unwrap().media_path.unwrap().exists());
    // Nothing else can go: the budget is not met, but nothing is lost.
    assert!(lib.evict_to_budget(0).unwrap().is_empty());
    assert_eq!(files_in(&dir.path().join("media")), 2);
}

#[test]
fn playbook_clips_are_wanted_kept_and_listed_before_pinned_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    lib.set_account(&Account {
        server_url: "http://127.0.0.1:1".into(),
        team_id: "t".into(),
        team_name: "T".into(),
        member_id: "m1".into(),
        display_name: "Me".into(),
        role: "member".into(),
        device_name: "d".into(),
    })
    .unwrap();
    let mut play = remote_clip(&[5u8; 100], 1);
    play.kind = ClipKind::Playbook;
    let (pinned, other) = (remote_clip(&[6u8; 100], 2), remote_clip(&[7u8; 100], 3));
    lib.apply_remote(&[play.clone(), pinned.clone(), other.clone()], 1)
        .unwrap();
    lib.set_pinned(pinned.id, true).unwrap();
    let wanted: Vec<_> = lib
        .wanted_media()
        .unwrap()
        .into_iter()
        .map(|n| n.clip_id)
        .collect();
    assert!(wanted.contains(&play.id) && wanted.contains(&pinned.id));
    assert!(!wanted.contains(&other.id), "neither playbook nor pinned");
    let listed: Vec<_> = lib
        .kept_offline(50)
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(
        listed,
        vec![play.id, pinned.id],
        "playbook first, then pinned"
    );
    for (c, b) in [(&play, 5u8), (&other, 7u8)] {
        download(&mut lib, c, &[b; 100]);
    }
    assert_eq!(lib.evict_to_budget(0).unwrap(), vec![other.id]);
    assert!(lib.clip(play.id).unwrap().media_path.unwrap().exists());
}

#[test]
fn wipe_removes_the_teams_data_and_keeps_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let device = lib.device_id();
    add(&mut lib, "a", at(0), &["x"], b"m");
    let r = remote_clip(b"r", 1);
    lib.apply_remote(std::slice::from_ref(&r), 4).unwrap();
    download(&mut lib, &r, b"r");
    lib.wipe().unwrap();
    assert_eq!(lib.count().unwrap(), 0);
    assert!(lib.list(&ClipQuery::page(10, 0)).unwrap().is_empty());
    assert!(lib.tag_counts().unwrap().is_empty());
    assert_eq!(lib.outbox_len().unwrap(), 0);
    assert_eq!(lib.cursor().unwrap(), 0);
    assert_eq!(
        files_in(&dir.path().join("media")) + files_in(&dir.path().join("thumbs")),
        0
    );
    drop(lib);
    assert_eq!(Library::open(dir.path()).unwrap().device_id(), device);
}

fn files_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

mod helpers;

use debrief_library::{Account, Library, MediaState, RemoteClip, RemoteTagAdd, SyncState};
use debrief_protocol::{ClipId, ClipKind, DeviceId, Hlc, OpBody, OpId, Visibility};
use helpers::*;

fn account() -> Account {
    Account {
        server_url: "http://127.0.0.1:1".into(),
        team_id: "team".into(),
        team_name: "Team".into(),
        member_id: "member-1".into(),
        display_name: "Riley R.".into(),
        role: "member".into(),
        device_name: "phone".into(),
    }
}

fn hlc(wall: u64, node: DeviceId) -> Hlc {
    Hlc {
        wall_ms: wall,
        counter: 0,
        node,
    }
}

fn remote(id: ClipId, title: &str, title_hlc: Hlc, adds: Vec<RemoteTagAdd>) -> RemoteClip {
    RemoteClip {
        id,
        title: title.into(),
        title_hlc,
        notes: String::new(),
        notes_hlc: title_hlc,
        kind: ClipKind::Debrief,
        visibility: Visibility::Team,
        author: "Sam".into(),
        author_id: "member-2".into(),
        recorded_at: at(100),
        duration_ms: 5000,
        width: 1280,
        height: 720,
        bytes: 999,
        sha256: "a".repeat(64),
        thumbnail_sha256: Some("b".repeat(64)),
        tag_adds: adds,
        deleted: false,
        challenge_id: None,
    }
}

fn add(display: &str, wall: u64, node: DeviceId) -> RemoteTagAdd {
    RemoteTagAdd {
        add_id: OpId::new(),
        display: display.into(),
        hlc: hlc(wall, node),
    }
}

#[test]
fn joining_makes_earlier_clips_the_members_and_pending() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let c = helpers::add(&mut lib, "before joining", at(0), &[], b"m");
    assert_eq!(c.sync_state, SyncState::Local);
    lib.set_account(&account()).unwrap();
    let c = lib.clip(c.id).unwrap();
    assert_eq!(c.sync_state, SyncState::Pending);
    assert_eq!(c.author, "Riley R.");
    assert_eq!(lib.account().unwrap().unwrap(), account());
    // Uploads wanted: media and thumbnail.
    let ups = lib.pending_uploads().unwrap();
    assert_eq!(ups.len(), 2);
    assert!(
        ups.iter().any(|u| !u.thumbnail
            && u.sha256 == c.sha256
            && u.path == c.media_path.clone().unwrap())
    );
    // Acknowledging the ops alone is not enough while media waits.
    let ops: Vec<_> = lib
        .outbox(100)
        .unwrap()
        .into_iter()
        .map(|e| e.op.op_id)
        .collect();
    lib.ack_ops(&ops).unwrap();
    assert_eq!(lib.clip(c.id).unwrap().sync_state, SyncState::Pending);
    lib.mark_uploaded(c.id, false).unwrap();
    lib.mark_uploaded(c.id, true).unwrap();
    assert_eq!(lib.clip(c.id).unwrap().sync_state, SyncState::Synced);
    assert!(lib.pending_uploads().unwrap().is_empty());
    assert_eq!(lib.outbox_len().unwrap(), 0);
}

#[test]
fn remote_clips_arrive_as_remote_and_the_cursor_moves_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    lib.set_account(&account()).unwrap();
    let other = DeviceId::new();
    let id = ClipId::new();
    let report = lib
        .apply_remote(
            &[remote(
                id,
                "Team clip",
                hlc(10, other),
                vec![add("Pricing", 11, other)],
            )],
            7,
        )
        .unwrap();
    assert_eq!(report.inserted, 1);
    assert_eq!(lib.cursor().unwrap(), 7);
    let c = lib.clip(id).unwrap();
    assert_eq!(
        (c.media_state, c.sync_state),
        (MediaState::Remote, SyncState::Synced)
    );
    assert_eq!(c.media_path, None);
    assert_eq!(c.tags, vec!["Pricing"]);
    assert_eq!(c.author, "Sam");
    // Searchable like any clip.
    let found = lib
        .list(&debrief_library::ClipQuery {
            text: Some("team pric".into()),
            ..debrief_library::ClipQuery::page(10, 0)
        })
        .unwrap();
    assert_eq!(found.len(), 1);
    // Our clock now orders after what we saw.
    assert!(lib.last_hlc().unwrap() > hlc(11, other));
    assert_eq!(
        lib.outbox_len().unwrap(),
        0,
        "applying remote state writes no ops"
    );
}

#[test]
fn later_title_wins_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let other = DeviceId::new();
    let id = ClipId::new();
    lib.apply_remote(&[remote(id, "v1", hlc(10, other), vec![])], 1)
        .unwrap();
    // A local edit (HLC after everything seen) beats an older remote write...
    lib.edit(id, Some("local edit"), None).unwrap();
    lib.apply_remote(&[remote(id, "stale remote", hlc(11, other), vec![])], 2)
        .unwrap();
    assert_eq!(lib.clip(id).unwrap().title, "local edit");
    // ...and a later remote write beats it.
    let future = lib.last_hlc().unwrap().wall_ms + 5;
    lib.apply_remote(&[remote(id, "newer remote", hlc(future, other), vec![])], 3)
        .unwrap();
    assert_eq!(lib.clip(id).unwrap().title, "newer remote");
}

#[test]
fn tags_merge_as_an_add_wins_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let other = DeviceId::new();
    let id = ClipId::new();
    let seen = add("objection", 10, other);
    lib.apply_remote(&[remote(id, "t", hlc(10, other), vec![seen.clone()])], 1)
        .unwrap();
    // Offline here: remove the tag we saw, add our own.
    lib.tag(id, &tags(&["mine"]), &tags(&["objection"]))
        .unwrap();
    let removes = lib
        .outbox(10)
        .unwrap()
        .into_iter()
        .find_map(|e| match e.op.body {
            OpBody::TagRemoved { removes, .. } => Some(removes),
            _ => None,
        })
        .unwrap();
    assert_eq!(removes, vec![seen.add_id]);
    // Meanwhile another device re-added "objection" (an add we never saw) and added "pricing".
    let unseen = add("Objection", 12, other);
    let state = remote(
        id,
        "t",
        hlc(10, other),
        vec![seen.clone(), unseen.clone(), add("pricing", 13, other)],
    );
    lib.apply_remote(&[state], 2).unwrap();
    // Our pending add survives, our remove only removed the add it saw,
    // and the concurrent add wins.
    assert_eq!(
        lib.clip(id).unwrap().tags,
        vec!["mine", "Objection", "pricing"]
    );
}

#[test]
fn a_remote_delete_wins_and_stays_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    lib.set_account(&account()).unwrap();
    let c = helpers::add(&mut lib, "mine", at(0), &["x"], b"media");
    let media = c.media_path.clone().unwrap();
    lib.edit(c.id, Some("edited offline"), None).unwrap();
    let other = DeviceId::new();
    let mut gone = remote(c.id, "mine", hlc(1, other), vec![]);
    gone.deleted = true;
    let report = lib.apply_remote(&[gone], 5).unwrap();
    assert_eq!(report.deleted, 1);
    assert!(matches!(
        lib.clip(c.id),
        Err(debrief_library::LibraryError::ClipNotFound(_))
    ));
    assert!(!media.exists(), "the media file went with it");
    assert_eq!(
        lib.outbox_len().unwrap(),
        0,
        "pending edits of a deleted clip are dropped"
    );
    // A stale copy of its state arriving later does not resurrect it.
    let report = lib
        .apply_remote(&[remote(c.id, "mine", hlc(2, other), vec![])], 6)
        .unwrap();
    assert_eq!(report.skipped, 1);
    assert!(lib.clip(c.id).is_err());
}

#[test]
fn a_page_and_its_cursor_commit_together_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let other = DeviceId::new();
    let good = remote(ClipId::new(), "good", hlc(1, other), vec![]);
    lib.apply_remote(std::slice::from_ref(&good), 3).unwrap();
    assert_eq!(lib.cursor().unwrap(), 3);
    // A page with one clip the schema refuses (a duration past i64) is
    // rejected whole: neither its good clip nor its cursor is kept.
    let second = remote(ClipId::new(), "second", hlc(2, other), vec![]);
    let mut bad = remote(ClipId::new(), "bad", hlc(2, other), vec![]);
    bad.duration_ms = u64::MAX;
    assert!(lib.apply_remote(&[second.clone(), bad], 9).is_err());
    assert_eq!(lib.cursor().unwrap(), 3);
    assert!(lib.clip(second.id).is_err());
    drop(lib);
    let lib = Library::open(dir.path()).unwrap();
    assert_eq!(lib.cursor().unwrap(), 3, "the cursor is durable");
    assert_eq!(lib.count().unwrap(), 1);
}

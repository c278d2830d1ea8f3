mod helpers;

use debrief_library::{ClipQuery, Library, LibraryError, MediaState, SyncState};
use debrief_protocol::OpBody;
use helpers::*;

#[test]
fn a_clip_round_trips_with_its_files_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let clip = add(
        &mut lib,
        "  How I handled compliance  ",
        at(0),
        &["Compliance", "pricing"],
        b"media bytes",
    );
    assert_eq!(clip.title, "How I handled compliance");
    assert_eq!(clip.tags, vec!["Compliance", "pricing"]);
    assert_eq!(clip.author, "Riley Rep");
    assert_eq!(clip.media_state, MediaState::Ready);
    assert_eq!(clip.sync_state, SyncState::Local);
    let media = clip.media_path.clone().unwrap();
    assert!(media.is_absolute());
    assert_eq!(std::fs::read(&media).unwrap(), b"media bytes");
    assert!(clip.thumbnail_path.as_ref().unwrap().exists());
    assert_eq!(clip.id.0.get_version_num(), 7);
    let device = lib.device_id();
    drop(lib);

    let lib = open(dir.path());
    assert_eq!(lib.device_id(), device, "device id is stable");
    assert_eq!(lib.clip(clip.id).unwrap(), clip);
    // Nothing is left in incoming/ after a successful add.
    assert_eq!(
        std::fs::read_dir(dir.path().join("incoming"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn edit_changes_only_what_differs_and_logs_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let clip = add(&mut lib, "first", at(0), &[], b"x");
    let before = lib.outbox_len().unwrap();
    let same = lib.edit(clip.id, Some("first"), None).unwrap();
    assert_eq!(same.title, "first");
    assert_eq!(
        lib.outbox_len().unwrap(),
        before,
        "an edit that changes nothing logs nothing"
    );
    let edited = lib
        .edit(clip.id, Some("second"), Some("notes here"))
        .unwrap();
    assert_eq!(
        (edited.title.as_str(), edited.notes.as_str()),
        ("second", "notes here")
    );
    assert!(edited.updated_at >= clip.updated_at);
    let last = lib.outbox(100).unwrap().pop().unwrap();
    match last.op.body {
        OpBody::ClipEdited {
            clip_id,
            title,
            notes,
        } => {
            assert_eq!(clip_id, clip.id);
            assert_eq!(title.as_deref(), Some("second"));
            assert_eq!(notes.as_deref(), Some("notes here"));
        }
        other => panic!("unexpected op {other:?}"),
    }
}

#[test]
fn bad_input_is_refused_with_a_reason_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let clip = add(&mut lib, "t", at(0), &[], b"x");
    let n = lib.outbox_len().unwrap();
    let err = lib.edit(clip.id, Some("   "), None).unwrap_err();
    assert!(err.to_string().contains("title is empty"), "{err}");
    let err = lib.edit(clip.id, Some(&"x".repeat(201)), None).unwrap_err();
    assert!(err.to_string().contains("at most 200"), "{err}");
    let err = lib.edit(clip.id, Some("a\nb"), None).unwrap_err();
    assert!(err.to_string().contains("one line"), "{err}");
    let missing = debrief_protocol::ClipId::new();
    let err = lib.edit(missing, Some("y"), None).unwrap_err();
    assert!(matches!(err, LibraryError::ClipNotFound(_)));
    assert!(err.to_string().contains(&missing.to_string()));
    let err = lib.clip_by_str("../../etc/passwd").unwrap_err();
    assert!(err.to_string().contains("not a valid clip id"), "{err}");
    assert_eq!(lib.outbox_len().unwrap(), n);
    assert_eq!(lib.clip(clip.id).unwrap().title, "t");
}

#[test]
fn delete_removes_row_files_and_logs_the_op() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let clip = add(&mut lib, "doomed", at(0), &["x"], b"bytes");
    let media = clip.media_path.clone().unwrap();
    let thumb = clip.thumbnail_path.clone().unwrap();
    lib.delete(clip.id).unwrap();
    assert!(!media.exists() && !thumb.exists());
    assert!(matches!(
        lib.clip(clip.id),
        Err(LibraryError::ClipNotFound(_))
    ));
    assert!(lib.list(&ClipQuery::page(10, 0)).unwrap().is_empty());
    assert!(
        lib.tag_counts().unwrap().is_empty(),
        "tags of a deleted clip are gone"
    );
    let last = lib.outbox(100).unwrap().pop().unwrap();
    assert!(matches!(last.op.body, OpBody::ClipDeleted { clip_id } if clip_id == clip.id));
    assert!(matches!(
        lib.delete(clip.id),
        Err(LibraryError::ClipNotFound(_))
    ));
}

#[test]
fn a_crash_between_row_delete_and_file_delete_is_finished_at_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let clip = add(&mut lib, "doomed", at(0), &[], b"bytes");
    let media = clip.media_path.clone().unwrap();
    drop(lib);
    // What a crash right after the delete transaction leaves behind: the
    // row is gone, the note of files to delete is committed, the file is not.
    let conn = rusqlite::Connection::open(dir.path().join("library.sqlite3")).unwrap();
    conn.execute("DELETE FROM clips WHERE id = ?1", [clip.id.to_string()])
        .unwrap();
    conn.execute(
        "INSERT INTO pending_file_deletes (path) VALUES (?1)",
        [format!("media/{}.mp4", clip.id)],
    )
    .unwrap();
    // A hostile row must never reach outside the library.
    let outside = dir
        .path()
        .parent()
        .unwrap()
        .join(format!("keep-{}", clip.id));
    std::fs::write(&outside, b"keep").unwrap();
    conn.execute(
        "INSERT INTO pending_file_deletes (path) VALUES (?1)",
        [format!("../keep-{}", clip.id)],
    )
    .unwrap();
    drop(conn);
    assert!(media.exists());
    let lib = open(dir.path());
    assert!(!media.exists(), "the orphaned file is removed at open");
    assert!(
        outside.exists(),
        "paths outside the library are never deleted"
    );
    std::fs::remove_file(outside).unwrap();
    drop(lib);
}

#[test]
fn staged_files_of_a_dead_writer_are_swept_but_a_live_writers_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let lib = open(dir.path());
    let live = lib.stage().unwrap();
    std::fs::write(live.media_part(), b"in progress").unwrap();
    // A dead writer: lock file present but nobody holds the lock, a part,
    // and a media file that was placed but whose row never committed.
    let dead = debrief_protocol::ClipId::new();
    let incoming = dir.path().join("incoming");
    std::fs::write(incoming.join(format!("{dead}.lock")), b"").unwrap();
    std::fs::write(incoming.join(format!("{dead}.mp4.part")), b"half").unwrap();
    let placed = dir.path().join("media").join(format!("{dead}.mp4"));
    std::fs::write(&placed, b"orphan").unwrap();
    // A part with no lock at all: left over by a finished writer.
    let stray = incoming.join(format!("{}.jpg.part", debrief_protocol::ClipId::new()));
    std::fs::write(&stray, b"x").unwrap();

    let other = Library::open(dir.path()).unwrap(); // sweeps at open
    assert!(
        live.media_part().exists(),
        "a live writer's part survives a sweep"
    );
    assert!(!incoming.join(format!("{dead}.mp4.part")).exists());
    assert!(!incoming.join(format!("{dead}.lock")).exists());
    assert!(
        !placed.exists(),
        "a placed file with no committed row is removed"
    );
    assert!(!stray.exists());
    drop(other);
    drop(live);
    assert_eq!(
        std::fs::read_dir(&incoming).unwrap().count(),
        0,
        "dropping a staging removes its files"
    );
}

#[test]
fn storage_accounting_counts_media_and_thumbnails() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    add(&mut lib, "a", at(0), &[], &[1u8; 1000]);
    add(&mut lib, "b", at(1), &[], &[2u8; 500]);
    let s = lib.storage().unwrap();
    assert_eq!(s.clips, 2);
    assert_eq!(s.media_bytes, 1500);
    let thumb_len = b"\xff\xd8fake-jpeg".len() as u64;
    assert_eq!(s.thumbnail_bytes, 2 * thumb_len);
    assert_eq!(s.total_bytes, 1500 + 2 * thumb_len);
}

#[test]
fn newer_schema_is_refused_without_damage() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    let db = dir.path().join("library.sqlite3");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();
    let err = Library::open(dir.path()).unwrap_err();
    assert!(matches!(err, LibraryError::SchemaTooNew { found: 999, .. }));
    assert!(err.to_string().contains("update Debrief"), "{err}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database file is untouched"
    );
}

#[test]
fn a_file_that_is_not_a_database_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("library.sqlite3"), b"this is a text file, not sqlite, padded out to more than one hundred bytes.............................").unwrap();
    let err = Library::open(dir.path()).unwrap_err();
    assert!(
        err.to_string().contains("not a Debrief library database"),
        "{err}"
    );
}

//! The coaching loop in the device library: challenges, answers, the
//! playbook and comments as local changes with outbox ops; remote states
//! merged from the feed with the notifications they bring; refused ops
//! undone and announced; playbook clips kept cached.

mod helpers;

use debrief_library::{
    Account, ChallengeEdit, Library, LibraryError, NewChallenge, RemoteChallenge, RemoteChange,
    RemoteClip, RemoteComment, RemotePlaybook,
};
use debrief_protocol::{ChallengeId, ClipId, ClipKind, CommentId, DeviceId, Hlc, Visibility};
use helpers::*;

fn hlc(wall_ms: u64) -> Hlc {
    Hlc {
        wall_ms,
        counter: 0,
        node: DeviceId(uuid::Uuid::nil()),
    }
}

fn join(lib: &mut Library, role: &str) {
    lib.set_account(&Account {
        server_url: "http://127.0.0.1:1/".into(),
        team_id: "t".into(),
        team_name: "Sales".into(),
        member_id: "me".into(),
        display_name: "Riley Rep".into(),
        role: role.into(),
        device_name: "phone".into(),
    })
    .unwrap();
}

fn challenge(title: &str, max_answer_ms: Option<u64>) -> NewChallenge {
    NewChallenge {
        title: title.into(),
        prompt: "Record how you handle it".into(),
        due_at: None,
        max_answer_ms,
    }
}

fn remote_challenge(id: ChallengeId, author_id: &str) -> RemoteChallenge {
    RemoteChallenge {
        id,
        title: "Pricing objection".into(),
        prompt: "How?".into(),
        due_at: None,
        max_answer_ms: Some(120_000),
        author: "Max".into(),
        author_id: author_id.into(),
        created_hlc: hlc(1),
        updated_hlc: hlc(1),
        deleted: false,
    }
}

fn remote_clip(author_id: &str, challenge_id: Option<ChallengeId>) -> RemoteClip {
    RemoteClip {
        id: ClipId::new(),
        title: "An answer".into(),
        title_hlc: hlc(2),
        notes: String::new(),
        notes_hlc: hlc(2),
        kind: ClipKind::ChallengeAnswer,
        visibility: Visibility::Team,
        author: "Sam".into(),
        author_id: author_id.into(),
        recorded_at: at(5),
        duration_ms: 60_000,
        width: 2,
        height: 2,
        bytes: 5,
        sha256: debrief_library::files::hash_bytes(b"media"),
        thumbnail_sha256: None,
        tag_adds: vec![],
        deleted: false,
        challenge_id,
    }
}

#[test]
fn members_are_refused_manager_changes_on_the_device_with_the_role_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let clip = add(&mut lib, "mine", at(0), &[], b"a");
    join(&mut lib, "member");
    let err = lib.create_challenge(&challenge("t", None)).unwrap_err();
    assert!(matches!(err, LibraryError::Forbidden(_)), "{err}");
    assert!(
        err.to_string()
            .contains("only managers and admins can create challenges")
    );
    let err = lib.promote(clip.id, Some("Objections"), None).unwrap_err();
    assert!(err.to_string().contains("playbook"), "{err}");
    assert_eq!(lib.outbox_len().unwrap(), 1, "only the clip's own op");
}

#[test]
fn a_manager_posts_offline_and_the_op_waits_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    join(&mut lib, "manager");
    for bad in [challenge(" ", None), challenge("t", Some(0))] {
        assert!(matches!(
            lib.create_challenge(&bad),
            Err(LibraryError::InvalidInput(_))
        ));
    }
    let c = lib
        .create_challenge(&challenge("Pricing", Some(120_000)))
        .unwrap();
    assert!(c.pending && !c.answered);
    assert_eq!(lib.challenges().unwrap().len(), 1);
    let ops = lib.outbox(10).unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].op.body.kind_name(), "challenge_created");
}

#[test]
fn answers_respect_the_length_limit_and_link_the_clip() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let long = add(&mut lib, "long", at(0), &[], b"x"); // 1234 ms
    join(&mut lib, "member");
    let short_limit = ChallengeId::new();
    let mut rc = remote_challenge(short_limit, "boss");
    rc.max_answer_ms = Some(1000);
    let roomy = ChallengeId::new();
    lib.apply_remote_changes(
        &[
            RemoteChange::Challenge(rc),
            RemoteChange::Challenge(remote_challenge(roomy, "boss")),
        ],
        2,
    )
    .unwrap();
    let err = lib.answer(short_limit, long.id).unwrap_err().to_string();
    assert!(
        err.contains("0:01 long") && err.contains("at most 0:01"),
        "{err}"
    );
    let clip = lib.answer(roomy, long.id).unwrap();
    assert_eq!(
        clip.challenge_id.as_deref(),
        Some(roomy.to_string().as_str())
    );
    let c = lib.challenge(roomy).unwrap();
    assert!(c.answered);
    assert_eq!(c.my_answers, [long.id]);
    assert!(matches!(
        lib.answer(ChallengeId::new(), long.id),
        Err(LibraryError::NotFound(_))
    ));
    // Someone else's clip cannot be my answer.
    let theirs = remote_clip("sam", None);
    lib.apply_remote(std::slice::from_ref(&theirs), 3).unwrap();
    assert!(matches!(
        lib.answer(roomy, theirs.id),
        Err(LibraryError::NotPermitted(_))
    ));
}

#[test]
fn the_feed_brings_entities_and_notifications_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let mine = add(&mut lib, "my debrief", at(0), &[], b"m");
    join(&mut lib, "manager");
    let my_challenge = lib.create_challenge(&challenge("Mine", None)).unwrap();
    let ack: Vec<_> = lib.outbox(10).unwrap().iter().map(|e| e.op.op_id).collect();
    lib.ack_ops(&ack).unwrap();
    let theirs = ChallengeId::new();
    let answer = remote_clip("sam", Some(my_challenge.id));
    let note = CommentId::new();
    let page = vec![
        RemoteChange::Challenge(remote_challenge(theirs, "boss")),
        RemoteChange::Clip(answer.clone()),
        RemoteChange::Comment(RemoteComment {
            id: note,
            clip_id: mine.id,
            author: "Sam".into(),
            author_id: "sam".into(),
            text: "nice pause".into(),
            text_hlc: hlc(3),
            at_ms: Some(1000),
            created_hlc: hlc(3),
            deleted: false,
        }),
        RemoteChange::Playbook(RemotePlaybook {
            clip_id: answer.id,
            in_playbook: true,
            section: Some("Objections".into()),
            position: Some(2),
            by: "Boss".into(),
            by_id: "boss".into(),
            hlc: hlc(4),
        }),
    ];
    lib.apply_remote_changes(&page, 4).unwrap();
    lib.apply_remote_changes(&page, 4).unwrap();
    let counts = lib.unread_counts().unwrap();
    assert_eq!(
        (
            counts.new_challenge,
            counts.new_answer,
            counts.new_comment,
            counts.new_playbook_clip
        ),
        (1, 1, 1, 1),
        "{counts:?}"
    );
    assert_eq!(
        counts.total, 4,
        "seeing the same states again notifies nobody"
    );
    let comments = lib.comments(mine.id).unwrap();
    assert_eq!(comments[0].text, "nice pause");
    assert_eq!(comments[0].at_ms, Some(1000));
    assert_eq!(lib.challenge(my_challenge.id).unwrap().answer_count, 1);
    let book = lib.playbook().unwrap();
    assert_eq!(book.len(), 1);
    assert_eq!(book[0].section.as_deref(), Some("Objections"));
    // Playbook clips are downloaded and never evicted.
    let want = lib.wanted_media().unwrap();
    assert_eq!(
        want.iter().map(|w| w.clip_id).collect::<Vec<_>>(),
        [answer.id]
    );
    assert_eq!(lib.mark_read(None).unwrap(), 4);
    assert_eq!(lib.unread_counts().unwrap().total, 0);
}

#[test]
fn only_the_author_edits_a_comment_and_a_refused_op_is_undone_and_announced() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let clip = add(&mut lib, "clip", at(0), &[], b"c");
    let err = lib.add_comment(clip.id, "late", Some(5_000)).unwrap_err();
    assert!(err.to_string().contains("past the end"), "{err}");
    let c = lib.add_comment(clip.id, "at the start", Some(0)).unwrap();
    assert!(c.pending);
    assert_eq!(lib.edit_comment(c.id, "edited").unwrap().text, "edited");
    join(&mut lib, "member");
    let other = CommentId::new();
    lib.apply_remote_changes(
        &[RemoteChange::Comment(RemoteComment {
            id: other,
            clip_id: clip.id,
            author: "Sam".into(),
            author_id: "sam".into(),
            text: "hi".into(),
            text_hlc: hlc(1),
            at_ms: None,
            created_hlc: hlc(1),
            deleted: false,
        })],
        1,
    )
    .unwrap();
    let err = lib.edit_comment(other, "mine").unwrap_err();
    assert!(err.to_string().contains("only Sam (its author)"), "{err}");
    assert!(matches!(
        lib.delete_comment(other),
        Err(LibraryError::NotPermitted(_))
    ));

    // A challenge the server refuses (the role changed since joining).
    join(&mut lib, "manager");
    let posted = lib.create_challenge(&challenge("Refused", None)).unwrap();
    let op = lib
        .outbox(100)
        .unwrap()
        .into_iter()
        .find(|e| e.op.body.kind_name() == "challenge_created")
        .unwrap();
    let concerned = lib
        .refuse_op(
            op.op.op_id,
            "only managers and admins can create challenges",
        )
        .unwrap();
    assert_eq!(concerned, None, "no clip is marked failed for a challenge");
    assert!(matches!(
        lib.challenge(posted.id),
        Err(LibraryError::NotFound(_))
    ));
    let n = lib.notifications(true).unwrap();
    assert_eq!(n[0].kind, "refused");
    assert!(
        n[0].text.contains("only managers and admins"),
        "{}",
        n[0].text
    );
    assert_eq!(lib.cursor().unwrap(), 0, "the feed is read again");
}

#[test]
fn a_manager_edits_and_deletes_a_challenge_with_one_op_each_members_are_forbidden() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    join(&mut lib, "manager");
    let c = lib
        .create_challenge(&challenge("Pricing", Some(120_000)))
        .unwrap();
    let ack: Vec<_> = lib.outbox(10).unwrap().iter().map(|e| e.op.op_id).collect();
    lib.ack_ops(&ack).unwrap();

    // Nothing differs: no op (the server refuses an empty edit).
    let same = ChallengeEdit {
        title: Some(" Pricing ".into()),
        prompt: Some(c.prompt.clone()),
        ..Default::default()
    };
    assert_eq!(lib.edit_challenge(c.id, &same).unwrap().title, "Pricing");
    assert_eq!(lib.outbox_len().unwrap(), 0);

    // Bad input changes nothing.
    for bad in [
        ChallengeEdit {
            title: Some("  ".into()),
            ..Default::default()
        },
        ChallengeEdit {
            max_answer_ms: Some(0),
            ..Default::default()
        },
        ChallengeEdit {
            prompt: Some("x".repeat(5_001)),
            ..Default::default()
        },
    ] {
        let err = lib.edit_challenge(c.id, &bad).unwrap_err();
        assert!(matches!(err, LibraryError::InvalidInput(_)), "{err}");
    }
    assert_eq!(lib.outbox_len().unwrap(), 0);

    let due = at(86_400);
    let edited = lib
        .edit_challenge(
            c.id,
            &ChallengeEdit {
                title: Some("Pricing objection".into()),
                prompt: Some(c.prompt.clone()),
                due_at: Some(due),
                max_answer_ms: Some(120_000),
            },
        )
        .unwrap();
    assert_eq!(edited.title, "Pricing objection");
    assert_eq!(edited.due_at, Some(due));
    assert!(edited.pending);
    let ops = lib.outbox(10).unwrap();
    assert_eq!(ops.len(), 1);
    match &ops[0].op.body {
        debrief_protocol::OpBody::ChallengeEdited {
            title,
            prompt,
            due_at,
            max_answer_ms,
            ..
        } => {
            assert_eq!(title.as_deref(), Some("Pricing objection"));
            assert_eq!(*prompt, None, "only what changed is sent");
            assert_eq!(*due_at, Some(due));
            assert_eq!(*max_answer_ms, None);
        }
        other => panic!("unexpected op {other:?}"),
    }

    let gone = lib.delete_challenge(c.id).unwrap();
    assert_eq!(gone.title, "Pricing objection");
    assert!(lib.challenges().unwrap().is_empty());
    assert!(lib.challenge(c.id).unwrap().deleted);
    assert_eq!(
        lib.outbox(10).unwrap()[1].op.body.kind_name(),
        "challenge_deleted"
    );
    assert!(matches!(
        lib.edit_challenge(c.id, &same),
        Err(LibraryError::InvalidInput(_))
    ));
    assert!(matches!(
        lib.delete_challenge(ChallengeId::new()),
        Err(LibraryError::NotFound(_))
    ));

    // A member is told the role needed, before anything is written.
    join(&mut lib, "member");
    let theirs = ChallengeId::new();
    lib.apply_remote_changes(
        &[RemoteChange::Challenge(remote_challenge(theirs, "boss"))],
        9,
    )
    .unwrap();
    let before = lib.outbox_len().unwrap();
    let err = lib.edit_challenge(theirs, &same).unwrap_err();
    assert!(matches!(err, LibraryError::Forbidden(_)), "{err}");
    assert!(err.to_string().contains("edit challenges"), "{err}");
    let err = lib.delete_challenge(theirs).unwrap_err();
    assert!(err.to_string().contains("delete challenges"), "{err}");
    assert_eq!(lib.outbox_len().unwrap(), before);
}

#[test]
fn a_refused_challenge_delete_is_undone_by_the_server_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    join(&mut lib, "manager");
    let id = ChallengeId::new();
    let page = [RemoteChange::Challenge(remote_challenge(id, "boss"))];
    lib.apply_remote_changes(&page, 1).unwrap();
    lib.delete_challenge(id).unwrap();
    assert!(lib.challenges().unwrap().is_empty());
    let op = lib.outbox(10).unwrap()[0].op.op_id;
    lib.refuse_op(op, "only managers and admins can delete challenges")
        .unwrap();
    assert_eq!(lib.cursor().unwrap(), 0, "the feed is read again");
    lib.apply_remote_changes(&page, 1).unwrap();
    let back = lib.challenges().unwrap();
    assert_eq!(back.len(), 1, "the server's state wins again");
    assert_eq!(back[0].id, id);
}

#[test]
fn a_section_is_reordered_with_ops_only_for_clips_that_move() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    join(&mut lib, "manager");
    let a = add(&mut lib, "a", at(0), &[], b"a");
    let b = add(&mut lib, "b", at(1), &[], b"b");
    let c = add(&mut lib, "c", at(2), &[], b"c");
    let other = add(&mut lib, "other", at(3), &[], b"o");
    lib.promote(a.id, Some("Objections"), Some(1)).unwrap();
    lib.promote(b.id, Some("Objections"), Some(2)).unwrap();
    lib.promote(c.id, Some("Objections"), Some(3)).unwrap();
    lib.promote(other.id, None, None).unwrap();
    assert_eq!(lib.playbook_sections().unwrap(), ["Objections"]);
    let before = lib.outbox_len().unwrap();

    // Not exactly the section's clips: refused, nothing written.
    for bad in [
        vec![a.id, b.id],
        vec![a.id, b.id, c.id, other.id],
        vec![a.id, a.id, b.id],
    ] {
        let err = lib.reorder_playbook(Some("Objections"), &bad).unwrap_err();
        assert!(err.to_string().contains("exactly once"), "{err}");
    }
    assert_eq!(lib.outbox_len().unwrap(), before);

    // c to the top: a and b move down, so all three get a new position.
    lib.reorder_playbook(Some("Objections"), &[c.id, a.id, b.id])
        .unwrap();
    let order: Vec<_> = lib
        .playbook()
        .unwrap()
        .into_iter()
        .map(|e| (e.clip.title, e.position))
        .collect();
    assert_eq!(
        order,
        [
            ("c".to_string(), Some(1)),
            ("a".to_string(), Some(2)),
            ("b".to_string(), Some(3)),
            ("other".to_string(), None)
        ]
    );
    assert_eq!(lib.outbox_len().unwrap(), before + 3);
    // Swapping the last two moves only those two.
    lib.reorder_playbook(Some("Objections"), &[c.id, b.id, a.id])
        .unwrap();
    assert_eq!(lib.outbox_len().unwrap(), before + 5);

    join(&mut lib, "member");
    assert!(matches!(
        lib.reorder_playbook(None, &[other.id]),
        Err(LibraryError::Forbidden(_))
    ));
}

#[test]
fn answer_candidates_are_my_clips_not_yet_answering() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let old = add(&mut lib, "old", at(0), &[], b"o");
    let new = add(&mut lib, "new", at(1), &[], b"n");
    join(&mut lib, "member");
    let theirs = remote_clip("sam", None);
    lib.apply_remote(std::slice::from_ref(&theirs), 2).unwrap();
    let ch = ChallengeId::new();
    lib.apply_remote_changes(&[RemoteChange::Challenge(remote_challenge(ch, "boss"))], 3)
        .unwrap();
    let ids = |lib: &Library| -> Vec<ClipId> {
        lib.answer_candidates(50)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect()
    };
    assert_eq!(ids(&lib), [new.id, old.id]);
    lib.answer(ch, old.id).unwrap();
    assert_eq!(ids(&lib), [new.id]);
}

#[test]
fn comments_say_when_they_were_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let clip = add(&mut lib, "clip", at(0), &[], b"c");
    let before = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let c = lib.add_comment(clip.id, "nice", Some(500)).unwrap();
    assert!(c.created_at >= before, "{:?}", c.created_at);
    assert!(c.created_at <= time::OffsetDateTime::now_utc());
    let json = serde_json::to_value(&c).unwrap();
    assert!(
        json["created_at"].as_str().unwrap().ends_with('Z'),
        "{json}"
    );
}

#[test]
fn in_a_team_what_is_made_here_carries_the_members_team_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let before = add(&mut lib, "before", at(0), &[], b"b");
    assert_eq!(before.author, "Riley Rep");
    lib.set_account(&Account {
        server_url: "http://127.0.0.1:1/".into(),
        team_id: "t".into(),
        team_name: "Sales".into(),
        member_id: "me".into(),
        display_name: "Riley R. (Sales East)".into(),
        role: "member".into(),
        device_name: "phone".into(),
    })
    .unwrap();
    drop(lib);
    // Another process (the sync engine) joined; this one opens the library again.
    let mut lib = open(dir.path());
    let c = lib.add_comment(before.id, "note", None).unwrap();
    assert_eq!(c.author, "Riley R. (Sales East)");
    let clip = add(&mut lib, "after", at(1), &[], b"a");
    assert_eq!(clip.author, "Riley R. (Sales East)");
}

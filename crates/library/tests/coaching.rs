//! The coaching loop in the device library: challenges, answers, the
//! playbook and comments as local changes with outbox ops; remote states
//! merged from the feed with the notifications they bring; refused ops
//! undone and announced; playbook clips kept cached.

mod helpers;

use debrief_library::{
    Account, Library, LibraryError, NewChallenge, RemoteChallenge, RemoteChange, RemoteClip,
    RemoteComment, RemotePlaybook,
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
    assert!(matches!(err, LibraryError::NotPermitted(_)), "{err}");
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

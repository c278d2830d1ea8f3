use super::*;
use debrief_protocol::DeviceId;

fn dev(n: u8) -> DeviceId {
    DeviceId(uuid::Uuid::from_bytes([n; 16]))
}

fn hlc(wall_ms: u64, node: u8) -> Hlc {
    Hlc {
        wall_ms,
        counter: 0,
        node: dev(node),
    }
}

fn op(at: Hlc, body: OpBody) -> Op {
    Op {
        op_id: OpId::new(),
        hlc: at,
        body,
    }
}

fn author() -> Actor {
    Actor {
        member_id: MemberId(uuid::Uuid::from_bytes([7; 16])),
        role: Role::Member,
    }
}

fn other(role: Role) -> Actor {
    Actor {
        member_id: MemberId::new(),
        role,
    }
}

fn new_clip() -> (ClipDoc, ClipId) {
    let clip_id = ClipId::new();
    let created = op(
        hlc(1, 1),
        OpBody::ClipCreated {
            clip_id,
            title: "First".into(),
            notes: String::new(),
            kind: ClipKind::Debrief,
            visibility: Visibility::Team,
            recorded_at: OffsetDateTime::UNIX_EPOCH,
            duration_ms: 1,
            width: 2,
            height: 3,
            bytes: 4,
            sha256: "a".repeat(64),
            thumbnail_sha256: None,
        },
    );
    (create(&created, author()).unwrap(), clip_id)
}

fn add(doc: &mut ClipDoc, clip_id: ClipId, tag: &str, at: Hlc) -> OpId {
    let o = op(
        at,
        OpBody::TagAdded {
            clip_id,
            tag: tag.into(),
        },
    );
    assert_eq!(apply(doc, &o, author()).unwrap(), OpStatus::Applied);
    o.op_id
}

fn remove(doc: &mut ClipDoc, clip_id: ClipId, tag: &str, removes: Vec<OpId>, at: Hlc) -> OpStatus {
    let o = op(
        at,
        OpBody::TagRemoved {
            clip_id,
            tag: tag.into(),
            removes,
        },
    );
    apply(doc, &o, other(Role::Member)).unwrap()
}

#[test]
fn concurrent_add_survives_a_remove_that_did_not_see_it() {
    let (mut doc, id) = new_clip();
    let seen = add(&mut doc, id, "Pricing", hlc(10, 1));
    // Device 2 removes the add it saw while device 1 adds again concurrently.
    let concurrent = add(&mut doc, id, "pricing", hlc(11, 1));
    assert_eq!(
        remove(&mut doc, id, "pricing", vec![seen], hlc(12, 2)),
        OpStatus::Applied
    );
    let state = doc.to_state("A".into());
    assert_eq!(state.tags, vec!["pricing"]);
    assert_eq!(state.tag_adds.len(), 1);
    assert_eq!(state.tag_adds[0].add_id, concurrent);
}

#[test]
fn remove_of_every_seen_add_removes_the_tag_even_if_it_arrives_first() {
    let (mut doc, id) = new_clip();
    let a = add(&mut doc, id, "Compliance", hlc(10, 1));
    assert_eq!(
        remove(&mut doc, id, "compliance", vec![a], hlc(11, 2)),
        OpStatus::Applied
    );
    assert!(doc.to_state("A".into()).tags.is_empty());
    // A remove naming an add the server has not seen yet wins over it.
    let later = OpId::new();
    remove(&mut doc, id, "x", vec![later], hlc(12, 2));
    let late_add = Op {
        op_id: later,
        hlc: hlc(9, 1),
        body: OpBody::TagAdded {
            clip_id: id,
            tag: "x".into(),
        },
    };
    assert_eq!(
        apply(&mut doc, &late_add, author()).unwrap(),
        OpStatus::Superseded
    );
    assert!(doc.to_state("A".into()).tags.is_empty());
}

#[test]
fn display_case_of_the_most_recent_add_wins() {
    let (mut doc, id) = new_clip();
    add(&mut doc, id, "pricing", hlc(20, 1));
    add(&mut doc, id, "PRICING", hlc(10, 2));
    assert_eq!(doc.to_state("A".into()).tags, vec!["pricing"]);
    add(&mut doc, id, "Pricing", hlc(30, 2));
    assert_eq!(doc.to_state("A".into()).tags, vec!["Pricing"]);
}

#[test]
fn title_is_last_writer_wins_by_hlc_with_device_tie_break() {
    let (mut doc, id) = new_clip();
    let edit = |title: &str, at: Hlc| {
        op(
            at,
            OpBody::ClipEdited {
                clip_id: id,
                title: Some(title.into()),
                notes: None,
            },
        )
    };
    assert_eq!(
        apply(&mut doc, &edit("Later", hlc(50, 1)), author()).unwrap(),
        OpStatus::Applied
    );
    assert_eq!(
        apply(&mut doc, &edit("Older", hlc(40, 9)), author()).unwrap(),
        OpStatus::Superseded
    );
    assert_eq!(doc.title, "Later");
    // Same wall time and counter: the higher device id wins, in any order.
    apply(&mut doc, &edit("Device 3", hlc(60, 3)), author()).unwrap();
    apply(&mut doc, &edit("Device 2", hlc(60, 2)), author()).unwrap();
    assert_eq!(doc.title, "Device 3");
    assert_eq!(doc.title_hlc, hlc(60, 3));
    assert_eq!(doc.notes, "");
}

#[test]
fn delete_wins_over_later_and_concurrent_edits() {
    let (mut doc, id) = new_clip();
    let del = op(hlc(10, 1), OpBody::ClipDeleted { clip_id: id });
    assert_eq!(apply(&mut doc, &del, author()).unwrap(), OpStatus::Applied);
    let edit = op(
        hlc(99, 2),
        OpBody::ClipEdited {
            clip_id: id,
            title: Some("after".into()),
            notes: None,
        },
    );
    assert_eq!(
        apply(&mut doc, &edit, author()).unwrap(),
        OpStatus::Superseded
    );
    let tag = op(
        hlc(99, 2),
        OpBody::TagAdded {
            clip_id: id,
            tag: "x".into(),
        },
    );
    assert_eq!(
        apply(&mut doc, &tag, other(Role::Member)).unwrap(),
        OpStatus::Superseded
    );
    let state = doc.to_state("A".into());
    assert!(state.deleted);
    assert_eq!(state.title, "First");
    assert!(state.tags.is_empty());
}

#[test]
fn only_author_or_manager_may_edit_share_delete_but_anyone_may_tag() {
    let (mut doc, id) = new_clip();
    let del = op(hlc(10, 1), OpBody::ClipDeleted { clip_id: id });
    let err = apply(&mut doc, &del, other(Role::Member)).unwrap_err();
    assert!(matches!(err, StoreError::Forbidden(_)), "{err}");
    assert!(err.to_string().contains("author or a manager"));
    assert!(doc.deleted_hlc.is_none());
    add(&mut doc, id, "ok", hlc(11, 2));
    let share = op(hlc(12, 1), OpBody::ClipShared { clip_id: id });
    assert!(apply(&mut doc, &share, other(Role::Manager)).is_ok());
    assert!(apply(&mut doc, &del, other(Role::Admin)).is_ok());
}

#[test]
fn bad_fields_are_refused_with_the_field_named() {
    let (mut doc, id) = new_clip();
    let long = op(
        hlc(10, 1),
        OpBody::ClipEdited {
            clip_id: id,
            title: Some("x".repeat(MAX_TITLE_CHARS + 1)),
            notes: None,
        },
    );
    let err = apply(&mut doc, &long, author()).unwrap_err().to_string();
    assert!(err.starts_with("title is 201 characters"), "{err}");
    let empty = op(
        hlc(10, 1),
        OpBody::TagAdded {
            clip_id: id,
            tag: " ".into(),
        },
    );
    let err = apply(&mut doc, &empty, author()).unwrap_err().to_string();
    assert!(err.starts_with("tag: tag is empty"), "{err}");
    let again = op(
        hlc(10, 1),
        OpBody::ClipCreated {
            clip_id: id,
            title: String::new(),
            notes: String::new(),
            kind: ClipKind::Debrief,
            visibility: Visibility::Team,
            recorded_at: OffsetDateTime::UNIX_EPOCH,
            duration_ms: 0,
            width: 0,
            height: 0,
            bytes: 0,
            sha256: "../".repeat(21),
            thumbnail_sha256: None,
        },
    );
    assert!(matches!(
        apply(&mut doc, &again, author()),
        Err(StoreError::Conflict(_))
    ));
    let err = create(&again, author()).unwrap_err().to_string();
    assert!(err.starts_with("sha256 must be a SHA-256 digest"), "{err}");
}

#[test]
fn private_clips_are_visible_to_the_author_only_and_others_after_media() {
    let (mut doc, _) = new_clip();
    assert!(doc.visible_to(author().member_id, false));
    assert!(!doc.visible_to(MemberId::new(), false));
    assert!(doc.visible_to(MemberId::new(), true));
    doc.visibility = Visibility::Private;
    assert!(!doc.visible_to(MemberId::new(), true));
}

//! The coaching loop over HTTP (protocol 2): challenges, answers, comments
//! and the playbook. Roles (only managers and admins create challenges and
//! edit the playbook; only a comment's author edits it), team scoping,
//! bad input, merges, and the feed older devices still read.

mod helpers;

use debrief_protocol::api::{Entity, Role};
use debrief_protocol::{ChallengeId, ClipId, CommentId, Op, OpBody, Visibility};
use helpers::{Device, TestServer, clip_created, error_of, media_bytes, sha256_hex};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A team clip by `dev` whose media is uploaded (120 s long).
async fn shared_clip(dev: &Device, seed: u8) -> ClipId {
    let bytes = media_bytes(1000, seed);
    assert_eq!(dev.upload(&bytes).await, StatusCode::CREATED);
    let id = ClipId::new();
    dev.push_ok(&[dev.op(
        1_000,
        clip_created(id, &sha256_hex(&bytes), Visibility::Team),
    )])
    .await;
    id
}

fn create_challenge(id: ChallengeId, max_answer_ms: Option<u64>) -> OpBody {
    OpBody::ChallengeCreated {
        challenge_id: id,
        title: "Pricing objection".into(),
        prompt: "Record how you handle \"it's too expensive\"".into(),
        due_at: Some(time::macros::datetime!(2026-06-01 23:59:59 UTC)),
        max_answer_ms,
    }
}

fn comment(comment_id: CommentId, clip_id: ClipId, text: &str, at_ms: Option<u64>) -> OpBody {
    OpBody::CommentAdded {
        comment_id,
        clip_id,
        text: text.into(),
        at_ms,
    }
}

fn promote(clip_id: ClipId, section: Option<&str>) -> OpBody {
    OpBody::PlaybookPromoted {
        clip_id,
        section: section.map(str::to_string),
        position: Some(1),
    }
}

/// Push one op that must be refused; returns (status, kind, message, op_id).
async fn refused(dev: &Device, op: Op) -> (StatusCode, String, String) {
    let (status, body) = dev.push(std::slice::from_ref(&op)).await;
    assert_ne!(status, StatusCode::OK, "{body}");
    assert_eq!(body["error"]["op_id"], json!(op.op_id), "{body}");
    (
        status,
        body["error"]["kind"].as_str().unwrap().to_string(),
        body["error"]["message"].as_str().unwrap().to_string(),
    )
}

async fn challenges(dev: &Device) -> Vec<debrief_protocol::api::ChallengeState> {
    dev.all_entities()
        .await
        .into_iter()
        .filter_map(|e| match e {
            Entity::Challenge(c) => Some(c),
            _ => None,
        })
        .collect()
}

async fn comments(dev: &Device) -> Vec<debrief_protocol::api::CommentState> {
    dev.all_entities()
        .await
        .into_iter()
        .filter_map(|e| match e {
            Entity::Comment(c) => Some(c),
            _ => None,
        })
        .collect()
}

async fn playbook(dev: &Device) -> Vec<debrief_protocol::api::PlaybookState> {
    dev.all_entities()
        .await
        .into_iter()
        .filter_map(|e| match e {
            Entity::Playbook(p) => Some(p),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn members_are_refused_challenges_and_the_playbook_with_403_naming_the_role() {
    let srv = TestServer::start().await;
    let rep = srv.device("Sales", Role::Member, "Rita").await;
    let boss = srv.device("Sales", Role::Manager, "Max").await;
    let clip = shared_clip(&rep, 1).await;
    let id = ChallengeId::new();
    let (status, kind, msg) = refused(&rep, rep.op(10, create_challenge(id, None))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(kind, "forbidden");
    assert!(
        msg.contains("only managers and admins can create challenges")
            && msg.contains("your role in this team is member"),
        "{msg}"
    );
    let (status, _, msg) = refused(&rep, rep.op(11, promote(clip, Some("Objections")))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        msg.contains("only managers and admins can add clips to or remove clips from the playbook"),
        "{msg}"
    );
    let (status, _, _) = refused(&rep, rep.op(12, OpBody::PlaybookDemoted { clip_id: clip })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The refused ops changed nothing anyone can see.
    assert!(challenges(&boss).await.is_empty());
    assert!(playbook(&boss).await.is_empty());

    // A manager's challenge exists; the member still may not edit or delete it.
    boss.push_ok(&[boss.op(20, create_challenge(id, None))])
        .await;
    let edit = OpBody::ChallengeEdited {
        challenge_id: id,
        title: Some("Mine now".into()),
        prompt: None,
        due_at: None,
        max_answer_ms: None,
    };
    let (status, _, msg) = refused(&rep, rep.op(21, edit)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        msg.contains("only managers and admins can edit challenges"),
        "{msg}"
    );
    let (status, _, msg) = refused(
        &rep,
        rep.op(22, OpBody::ChallengeDeleted { challenge_id: id }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(msg.contains("delete challenges"), "{msg}");
    // ... and a member's ops about an id that does not exist hear about the role too.
    let (status, _, _) = refused(
        &rep,
        rep.op(
            23,
            OpBody::ChallengeDeleted {
                challenge_id: ChallengeId::new(),
            },
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // An admin may do what a manager may.
    let admin = srv.device("Sales", Role::Admin, "Ada").await;
    admin.push_ok(&[admin.op(30, promote(clip, None))]).await;
    let entries = playbook(&rep).await;
    assert_eq!(entries.len(), 1);
    assert!(entries[0].in_playbook);
    assert_eq!(entries[0].by.display_name, "Ada");
}

#[tokio::test]
async fn a_challenge_reaches_every_member_and_answers_link_to_it() {
    let srv = TestServer::start().await;
    let boss = srv.device("Sales", Role::Manager, "Max").await;
    let rep = srv.device("Sales", Role::Member, "Rita").await;
    let id = ChallengeId::new();
    assert_eq!(
        boss.push_ok(&[boss.op(10, create_challenge(id, Some(180_000)))])
            .await,
        ["applied"]
    );
    let seen = challenges(&rep).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].title, "Pricing objection");
    assert_eq!(seen[0].max_answer_ms, Some(180_000));
    assert_eq!(seen[0].author.display_name, "Max");
    assert_eq!(
        seen[0].due_at,
        Some(time::macros::datetime!(2026-06-01 23:59:59 UTC))
    );
    // A protocol 1 device reads only clips, so it never meets an entity it cannot parse.
    assert!(rep.changes(0, 100).await.changes.is_empty());

    // The answer: the clip and its link in one batch, before its media arrives.
    let bytes = media_bytes(500, 7);
    let clip = ClipId::new();
    let statuses = rep
        .push_ok(&[
            rep.op(
                20,
                clip_created(clip, &sha256_hex(&bytes), Visibility::Team),
            ),
            rep.op(
                21,
                OpBody::AnswerLinked {
                    clip_id: clip,
                    challenge_id: id,
                },
            ),
        ])
        .await;
    assert_eq!(statuses, ["applied", "applied"]);
    assert_eq!(rep.upload(&bytes).await, StatusCode::CREATED);
    let state = boss.clip(clip).await.expect("the manager sees the answer");
    assert_eq!(state.challenge_id, Some(id));
    // The link travels in the protocol 1 clip state as an extra field too.
    let raw: Value = boss
        .get("/v1/changes?after=0&limit=100")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        raw["changes"][0]["entity"]["state"]["challenge_id"],
        json!(id)
    );

    // Edits are last-writer-wins per field; a delete wins.
    let edit = |wall, title: &str| {
        boss.op(
            wall,
            OpBody::ChallengeEdited {
                challenge_id: id,
                title: Some(title.into()),
                prompt: None,
                due_at: None,
                max_answer_ms: None,
            },
        )
    };
    assert_eq!(boss.push_ok(&[edit(50, "Newer")]).await, ["applied"]);
    assert_eq!(boss.push_ok(&[edit(40, "Older")]).await, ["superseded"]);
    assert_eq!(challenges(&rep).await[0].title, "Newer");
    boss.push_ok(&[boss.op(60, OpBody::ChallengeDeleted { challenge_id: id })])
        .await;
    assert!(challenges(&rep).await[0].deleted);
    // A deleted challenge takes no more answers.
    let late = shared_clip(&rep, 8).await;
    let (status, _, msg) = refused(
        &rep,
        rep.op(
            70,
            OpBody::AnswerLinked {
                clip_id: late,
                challenge_id: id,
            },
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(msg.contains("was deleted"), "{msg}");
}

#[tokio::test]
async fn answers_need_a_live_challenge_of_this_team_the_authors_clip_and_the_length_limit() {
    let srv = TestServer::start().await;
    let boss = srv.device("Sales", Role::Manager, "Max").await;
    let rep = srv.device("Sales", Role::Member, "Rita").await;
    let peer = srv.device("Sales", Role::Member, "Pat").await;
    let rival = srv.device("Rivals", Role::Manager, "Ron").await;
    let ours = ChallengeId::new();
    let theirs = ChallengeId::new();
    boss.push_ok(&[boss.op(1, create_challenge(ours, Some(60_000)))])
        .await;
    rival
        .push_ok(&[rival.op(1, create_challenge(theirs, None))])
        .await;
    assert!(
        challenges(&rep)
            .await
            .iter()
            .all(|c| c.challenge_id == ours)
    );
    let clip = shared_clip(&rep, 2).await; // 120 s long

    for (challenge_id, needle) in [(ChallengeId::new(), "not found"), (theirs, "not found")] {
        let (status, kind, msg) = refused(
            &rep,
            rep.op(
                5,
                OpBody::AnswerLinked {
                    clip_id: clip,
                    challenge_id,
                },
            ),
        )
        .await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::NOT_FOUND, "not_found")
        );
        assert!(
            msg.contains(needle) && msg.contains(&challenge_id.to_string()),
            "{msg}"
        );
    }
    let (status, _, msg) = refused(
        &rep,
        rep.op(
            6,
            OpBody::AnswerLinked {
                clip_id: clip,
                challenge_id: ours,
            },
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        msg.contains("120000 ms long") && msg.contains("at most 60000 ms"),
        "{msg}"
    );
    // Only the clip's author offers it as an answer (managers neither).
    let short = ClipId::new();
    let bytes = media_bytes(300, 3);
    assert_eq!(rep.upload(&bytes).await, StatusCode::CREATED);
    let mut body = clip_created(short, &sha256_hex(&bytes), Visibility::Team);
    if let OpBody::ClipCreated { duration_ms, .. } = &mut body {
        *duration_ms = 30_000;
    }
    rep.push_ok(&[rep.op(7, body)]).await;
    for other in [&peer, &boss] {
        let (status, _, msg) = refused(
            other,
            other.op(
                8,
                OpBody::AnswerLinked {
                    clip_id: short,
                    challenge_id: ours,
                },
            ),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(msg.contains("only the clip's author"), "{msg}");
    }
    // Another team's clip does not exist for this team.
    let rival_clip = shared_clip(&rival, 4).await;
    let (status, _, _) = refused(
        &rep,
        rep.op(
            9,
            OpBody::AnswerLinked {
                clip_id: rival_clip,
                challenge_id: ours,
            },
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        rep.push_ok(&[rep.op(
            10,
            OpBody::AnswerLinked {
                clip_id: short,
                challenge_id: ours
            }
        )])
        .await,
        ["applied"]
    );
    assert_eq!(boss.clip(short).await.unwrap().challenge_id, Some(ours));
}

#[tokio::test]
async fn anyone_comments_only_the_author_edits_or_deletes() {
    let srv = TestServer::start().await;
    let rep = srv.device("Sales", Role::Member, "Rita").await;
    let peer = srv.device("Sales", Role::Member, "Pat").await;
    let boss = srv.device("Sales", Role::Manager, "Max").await;
    let rival = srv.device("Rivals", Role::Manager, "Ron").await;
    let clip = shared_clip(&rep, 1).await;
    let id = CommentId::new();
    assert_eq!(
        peer.push_ok(&[peer.op(
            10,
            comment(id, clip, "at 0:42: great reframe", Some(42_000))
        )])
        .await,
        ["applied"]
    );
    let seen = comments(&rep).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].text, "at 0:42: great reframe");
    assert_eq!(seen[0].at_ms, Some(42_000));
    assert_eq!(seen[0].author.display_name, "Pat");
    assert_eq!(seen[0].clip_id, clip);

    let edit = |dev: &Device, wall, text: &str| {
        dev.op(
            wall,
            OpBody::CommentEdited {
                comment_id: id,
                clip_id: clip,
                text: text.into(),
            },
        )
    };
    for other in [&rep, &boss] {
        let (status, _, msg) = refused(other, edit(other, 11, "not yours")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(msg.contains("only the comment's author may edit"), "{msg}");
        let del = other.op(
            12,
            OpBody::CommentDeleted {
                comment_id: id,
                clip_id: clip,
            },
        );
        let (status, _, msg) = refused(other, del).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(msg.contains("may delete"), "{msg}");
    }
    assert_eq!(
        peer.push_ok(&[edit(&peer, 20, "at 0:42: superb")]).await,
        ["applied"]
    );
    assert_eq!(
        peer.push_ok(&[edit(&peer, 15, "stale")]).await,
        ["superseded"]
    );
    assert_eq!(comments(&rep).await[0].text, "at 0:42: superb");
    peer.push_ok(&[peer.op(
        30,
        OpBody::CommentDeleted {
            comment_id: id,
            clip_id: clip,
        },
    )])
    .await;
    let gone = &comments(&rep).await[0];
    assert!(gone.deleted);
    assert_eq!(
        gone.text, "",
        "a deleted comment's text is not kept in the feed"
    );
    assert_eq!(
        peer.push_ok(&[edit(&peer, 40, "after")]).await,
        ["superseded"]
    );

    // Bad input: blank text, past the clip's end, a second create, unknown
    // or another team's clip, an edit naming the wrong clip.
    let (status, _, msg) = refused(
        &peer,
        peer.op(50, comment(CommentId::new(), clip, "  ", None)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.contains("comment is empty"), "{msg}");
    let (status, _, msg) = refused(
        &peer,
        peer.op(51, comment(CommentId::new(), clip, "late", Some(500_000))),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.contains("only 120000 ms long"), "{msg}");
    let (status, _, _) = refused(&peer, peer.op(52, comment(id, clip, "again", None))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let rival_clip = shared_clip(&rival, 9).await;
    for target in [ClipId::new(), rival_clip] {
        let (status, kind, _) = refused(
            &peer,
            peer.op(53, comment(CommentId::new(), target, "hi", None)),
        )
        .await;
        assert_eq!(
            (status, kind.as_str()),
            (StatusCode::NOT_FOUND, "not_found")
        );
    }
    let other_clip = shared_clip(&rep, 5).await;
    let id2 = CommentId::new();
    peer.push_ok(&[peer.op(54, comment(id2, clip, "second", None))])
        .await;
    let wrong = peer.op(
        55,
        OpBody::CommentEdited {
            comment_id: id2,
            clip_id: other_clip,
            text: "moved".into(),
        },
    );
    let (status, _, msg) = refused(&peer, wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.contains("is on clip"), "{msg}");
    // Another team sees none of it.
    assert!(comments(&rival).await.is_empty());
}

#[tokio::test]
async fn the_playbook_is_last_writer_wins_team_scoped_and_takes_only_shared_clips() {
    let srv = TestServer::start().await;
    let boss = srv.device("Sales", Role::Manager, "Max").await;
    let rep = srv.device("Sales", Role::Member, "Rita").await;
    let rival = srv.device("Rivals", Role::Manager, "Ron").await;
    let clip = shared_clip(&rep, 1).await;
    assert_eq!(
        boss.push_ok(&[boss.op(100, promote(clip, Some("Objections")))])
            .await,
        ["applied"]
    );
    // A demote made earlier (offline) arrives later and loses.
    assert_eq!(
        boss.push_ok(&[boss.op(50, OpBody::PlaybookDemoted { clip_id: clip })])
            .await,
        ["superseded"]
    );
    let entries = playbook(&rep).await;
    assert_eq!(entries.len(), 1);
    assert!(entries[0].in_playbook);
    assert_eq!(entries[0].section.as_deref(), Some("Objections"));
    assert_eq!(entries[0].position, Some(1));
    assert_eq!(
        boss.push_ok(&[boss.op(200, OpBody::PlaybookDemoted { clip_id: clip })])
            .await,
        ["applied"]
    );
    assert!(!playbook(&rep).await[0].in_playbook);

    // A private clip must be shared first; a bad section is refused;
    // unknown and other teams' clips do not exist.
    let bytes = media_bytes(400, 6);
    assert_eq!(boss.upload(&bytes).await, StatusCode::CREATED);
    let private = ClipId::new();
    boss.push_ok(&[boss.op(
        1,
        clip_created(private, &sha256_hex(&bytes), Visibility::Private),
    )])
    .await;
    let (status, _, msg) = refused(&boss, boss.op(300, promote(private, None))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.contains("is private; share it"), "{msg}");
    let (status, _, msg) = refused(&boss, boss.op(301, promote(clip, Some(" padded")))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.contains("playbook section"), "{msg}");
    let rival_clip = shared_clip(&rival, 2).await;
    for target in [ClipId::new(), rival_clip] {
        let (status, _, _) = refused(&boss, boss.op(302, promote(target, None))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    assert!(playbook(&rival).await.is_empty());
}

#[tokio::test]
async fn comments_and_entries_of_a_clip_reach_teammates_once_its_media_does() {
    let srv = TestServer::start().await;
    let boss = srv.device("Sales", Role::Manager, "Max").await;
    let peer = srv.device("Sales", Role::Member, "Pat").await;
    // The manager records offline, comments on and promotes the clip, then
    // syncs: the ops arrive before the media.
    let bytes = media_bytes(700, 4);
    let clip = ClipId::new();
    let note = CommentId::new();
    boss.push_ok(&[
        boss.op(1, clip_created(clip, &sha256_hex(&bytes), Visibility::Team)),
        boss.op(
            2,
            comment(note, clip, "watch the pause at 0:10", Some(10_000)),
        ),
        boss.op(3, promote(clip, Some("Openers"))),
    ])
    .await;
    let cursor = peer.changes_v2(0, 100).await.next_cursor;
    assert!(comments(&peer).await.is_empty() && playbook(&peer).await.is_empty());
    assert_eq!(comments(&boss).await.len(), 1, "the author sees its own");
    assert_eq!(boss.upload(&bytes).await, StatusCode::CREATED);
    // Past the cursor the teammate had reached: the clip first, then the rest.
    let page = peer.changes_v2(cursor, 100).await;
    let kinds: Vec<&str> = page
        .changes
        .iter()
        .map(|c| helpers::entity_key(&c.entity).0)
        .collect();
    assert_eq!(kinds, ["clip", "comment", "playbook"]);
}

#[tokio::test]
async fn malformed_coaching_ops_and_bad_queries_are_400_naming_the_problem() {
    let srv = TestServer::start().await;
    let boss = srv.device("Sales", Role::Manager, "Max").await;
    let post = |ops: Value| {
        boss.request(reqwest::Method::POST, "/v1/ops")
            .json(&json!({ "ops": ops }))
            .send()
    };
    let good =
        serde_json::to_value(boss.op(1, create_challenge(ChallengeId::new(), None))).unwrap();
    let mut missing = good.clone();
    missing["body"].as_object_mut().unwrap().remove("prompt");
    let mut extra = good.clone();
    extra["body"]["reward"] = json!("pizza");
    let mut bad_id = good.clone();
    bad_id["body"]["challenge_id"] = json!("../../etc");
    let mut bad_due = good.clone();
    bad_due["body"]["due_at"] = json!("next friday");
    for (op, needle) in [
        (missing, "prompt"),
        (extra, "reward"),
        (bad_id, "UUID"),
        (bad_due, "ops[0].body"),
    ] {
        let (status, _, msg) = error_of(post(json!([op])).await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{msg}");
        assert!(msg.contains(needle), "{needle}: {msg}");
    }
    for (body, needle) in [
        (create_challenge_with(" ", "p", None), "title is empty"),
        (
            create_challenge_with("t", "p", Some(0)),
            "max answer length",
        ),
        (
            create_challenge_with(&"x".repeat(201), "p", None),
            "at most 200",
        ),
    ] {
        let (status, _, msg) = refused(&boss, boss.op(2, body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(msg.contains(needle), "{msg}");
    }
    let id = ChallengeId::new();
    boss.push_ok(&[boss.op(3, create_challenge(id, None))])
        .await;
    let (status, _, _) = refused(&boss, boss.op(4, create_challenge(id, None))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let empty_edit = OpBody::ChallengeEdited {
        challenge_id: id,
        title: None,
        prompt: None,
        due_at: None,
        max_answer_ms: None,
    };
    let (status, _, _) = refused(&boss, boss.op(5, empty_edit)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let resp = boss
        .get("/v1/changes?after=0&protocol=3")
        .send()
        .await
        .unwrap();
    let (status, _, msg) = error_of(resp).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.contains("protocol 3"), "{msg}");
}

fn create_challenge_with(title: &str, prompt: &str, max_answer_ms: Option<u64>) -> OpBody {
    OpBody::ChallengeCreated {
        challenge_id: ChallengeId::new(),
        title: title.into(),
        prompt: prompt.into(),
        due_at: None,
        max_answer_ms,
    }
}

#[tokio::test]
async fn members_lists_the_callers_team_without_revoked_members() {
    let srv = TestServer::start().await;
    let boss = srv.device("Sales", Role::Manager, "Max").await;
    let rep = srv.device("Sales", Role::Member, "Rita").await;
    let gone = srv.device("Sales", Role::Member, "Gus").await;
    srv.device("Rivals", Role::Member, "Ron").await;
    srv.meta()
        .revoke_device(gone.id(), debrief_server::clock::now_ms())
        .await
        .unwrap();
    let resp = rep.get("/v1/members").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    let names: Vec<(&str, &str)> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["display_name"].as_str().unwrap(),
                m["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, [("Max", "manager"), ("Rita", "member")]);
    assert_eq!(body["you"], json!(rep.joined.member_id));
    assert_eq!(
        body["members"][0]["member_id"],
        json!(boss.joined.member_id)
    );
    let anon = reqwest::Client::new()
        .get(format!("{}/v1/members", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
}

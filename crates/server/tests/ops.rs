//! `POST /v1/ops` and `GET /v1/changes` over HTTP: idempotency, merges,
//! authorisation, team scoping, visibility and feed paging.

mod helpers;

use debrief_protocol::api::Role;
use debrief_protocol::{ClipId, OpBody, Visibility};
use helpers::{Device, TestServer, clip_created, media_bytes, sha256_hex};
use reqwest::StatusCode;
use serde_json::json;

/// A team clip by `dev` whose media is uploaded, so teammates see it.
async fn shared_clip(dev: &Device, seed: u8) -> ClipId {
    let bytes = media_bytes(1000, seed);
    assert_eq!(dev.upload(&bytes).await, StatusCode::CREATED);
    let id = ClipId::new();
    let statuses = dev
        .push_ok(&[dev.op(
            1_000,
            clip_created(id, &sha256_hex(&bytes), Visibility::Team),
        )])
        .await;
    assert_eq!(statuses, ["applied"]);
    id
}

#[tokio::test]
async fn a_replayed_batch_is_a_no_op_and_says_so() {
    let srv = TestServer::start().await;
    let ana = srv.device("Sales", Role::Member, "Ana").await;
    let id = ClipId::new();
    let batch = vec![
        ana.op(10, clip_created(id, &"a".repeat(64), Visibility::Team)),
        ana.op(
            11,
            OpBody::TagAdded {
                clip_id: id,
                tag: "Pricing".into(),
            },
        ),
    ];
    assert_eq!(ana.push_ok(&batch).await, ["applied", "applied"]);
    let before = ana.changes(0, 100).await;
    assert_eq!(ana.push_ok(&batch).await, ["duplicate", "duplicate"]);
    let after = ana.changes(0, 100).await;
    assert_eq!(before, after, "a replay must not move the feed");
    assert_eq!(after.changes.len(), 1);
}

#[tokio::test]
async fn unknown_fields_and_malformed_json_are_400_naming_the_field() {
    let srv = TestServer::start().await;
    let ana = srv.device("Sales", Role::Member, "Ana").await;
    let id = ClipId::new();
    let mut op =
        serde_json::to_value(ana.op(1, clip_created(id, &"a".repeat(64), Visibility::Team)))
            .unwrap();
    op["body"]["colour"] = json!("red");
    let resp = ana
        .request(reqwest::Method::POST, "/v1/ops")
        .json(&json!({"ops": [op]}))
        .send()
        .await
        .unwrap();
    let (status, _, msg) = helpers::error_of(resp).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.contains("colour"), "{msg}");
    let resp = ana
        .request(reqwest::Method::POST, "/v1/ops")
        .json(&json!({"ops": [], "since": 1}))
        .send()
        .await
        .unwrap();
    let (_, _, msg) = helpers::error_of(resp).await;
    assert!(msg.contains("unknown field `since`"), "{msg}");
    let resp = ana
        .request(reqwest::Method::POST, "/v1/ops")
        .header("content-type", "application/json")
        .body("{\"ops\": [}")
        .send()
        .await
        .unwrap();
    let (status, _, msg) = helpers::error_of(resp).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(msg.starts_with("invalid JSON body"), "{msg}");
    // A clip id that tries to be a path is not an id.
    let mut op =
        serde_json::to_value(ana.op(1, clip_created(id, &"a".repeat(64), Visibility::Team)))
            .unwrap();
    op["body"]["clip_id"] = json!("../../etc/passwd");
    let resp = ana
        .request(reqwest::Method::POST, "/v1/ops")
        .json(&json!({"ops": [op]}))
        .send()
        .await
        .unwrap();
    let (status, _, msg) = helpers::error_of(resp).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The op body is an internally tagged enum, so serde reports the path
    // down to the body and the reason (the id is not a UUID).
    assert!(msg.contains("ops[0].body") && msg.contains("UUID"), "{msg}");
    // Nothing of it was stored: the feed is empty and the op is new.
    assert!(ana.changes(0, 10).await.changes.is_empty());
}

#[tokio::test]
async fn a_refused_op_rolls_back_the_whole_batch() {
    let srv = TestServer::start().await;
    let ana = srv.device("Sales", Role::Member, "Ana").await;
    let ben = srv.device("Sales", Role::Member, "Ben").await;
    let id = shared_clip(&ana, 1).await;
    let good = ben.op(
        20,
        OpBody::TagAdded {
            clip_id: id,
            tag: "ok".into(),
        },
    );
    let bad = ben.op(21, OpBody::ClipDeleted { clip_id: id });
    let (status, body) = ben.push(&[good.clone(), bad.clone()]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["op_id"], bad.op_id.to_string());
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("author or a manager")
    );
    let clip = ana.clip(id).await.unwrap();
    assert!(clip.tags.is_empty() && !clip.deleted);
    // The good op was not recorded either: sending it alone applies it.
    assert_eq!(ben.push_ok(&[good]).await, ["applied"]);
}

#[tokio::test]
async fn another_teams_clip_is_404_exactly_like_a_missing_one() {
    let srv = TestServer::start().await;
    let ana = srv.device("Sales", Role::Admin, "Ana").await;
    let eve = srv.device("Rivals", Role::Admin, "Eve").await;
    let id = shared_clip(&ana, 2).await;
    let missing = ClipId::new();
    let mut answers = Vec::new();
    for target in [id, missing] {
        let (status, body) = eve
            .push(&[eve.op(
                30,
                OpBody::TagAdded {
                    clip_id: target,
                    tag: "x".into(),
                },
            )])
            .await;
        let msg = body["error"]["message"]
            .as_str()
            .unwrap()
            .replace(&target.to_string(), "ID");
        let msg = msg.replace(&body["error"]["op_id"].as_str().unwrap().to_string(), "OP");
        answers.push((status, body["error"]["kind"].clone(), msg));
    }
    assert_eq!(answers[0].0, StatusCode::NOT_FOUND);
    assert_eq!(answers[0], answers[1]);
    assert!(eve.changes(0, 100).await.changes.is_empty());
    // Eve's clip_created with Ana's clip id makes Eve's own clip; Ana's is untouched.
    let bytes = media_bytes(10, 9);
    eve.upload(&bytes).await;
    eve.push_ok(&[eve.op(31, clip_created(id, &sha256_hex(&bytes), Visibility::Team))])
        .await;
    assert_eq!(
        ana.clip(id).await.unwrap().author.member_id,
        ana.joined.member_id
    );
    assert_eq!(
        eve.clip(id).await.unwrap().author.member_id,
        eve.joined.member_id
    );
}

#[tokio::test]
async fn concurrent_add_beats_remove_and_a_seen_add_is_removed() {
    let srv = TestServer::start().await;
    let ana = srv.device("Sales", Role::Member, "Ana").await;
    let ben = srv.device("Sales", Role::Member, "Ben").await;
    let id = shared_clip(&ana, 3).await;
    let first = ana.op(
        100,
        OpBody::TagAdded {
            clip_id: id,
            tag: "Pricing".into(),
        },
    );
    let other = ana.op(
        100,
        OpBody::TagAdded {
            clip_id: id,
            tag: "Compliance".into(),
        },
    );
    ana.push_ok(&[first.clone(), other.clone()]).await;
    // Ben saw both adds; offline, Ana re-adds Pricing while Ben removes it
    // and removes Compliance.
    let readd = ana.op(
        200,
        OpBody::TagAdded {
            clip_id: id,
            tag: "pricing".into(),
        },
    );
    let remove = ben.op(
        201,
        OpBody::TagRemoved {
            clip_id: id,
            tag: "Pricing".into(),
            removes: vec![first.op_id],
        },
    );
    let remove_c = ben.op(
        202,
        OpBody::TagRemoved {
            clip_id: id,
            tag: "Compliance".into(),
            removes: vec![other.op_id],
        },
    );
    ben.push_ok(&[remove, remove_c]).await;
    ana.push_ok(std::slice::from_ref(&readd)).await;
    let clip = ben.clip(id).await.unwrap();
    assert_eq!(clip.tags, ["pricing"]);
    assert_eq!(clip.tag_adds.len(), 1);
    assert_eq!(clip.tag_adds[0].add_id, readd.op_id);
}

#[tokio::test]
async fn title_is_last_writer_wins_with_device_tie_break_and_delete_wins() {
    let srv = TestServer::start().await;
    let ana = srv.device("Sales", Role::Member, "Ana").await;
    let boss = srv.device("Sales", Role::Manager, "Boss").await;
    let id = shared_clip(&ana, 4).await;
    let edit = |d: &Device, wall, t: &str| {
        d.op(
            wall,
            OpBody::ClipEdited {
                clip_id: id,
                title: Some(t.into()),
                notes: None,
            },
        )
    };
    // Later HLC wins regardless of arrival order.
    let late = edit(&ana, 1500, "late");
    let early = edit(&boss, 1400, "early");
    assert_eq!(boss.push_ok(&[late]).await, ["applied"]);
    assert_eq!(boss.push_ok(&[early]).await, ["superseded"]);
    assert_eq!(ana.clip(id).await.unwrap().title, "late");
    // Same wall time and counter: the larger device id wins.
    let mut a = edit(&ana, 1900, "from ana");
    let mut b = edit(&boss, 1900, "from boss");
    a.hlc.counter = 0;
    b.hlc.counter = 0;
    let winner = if ana.id() > boss.id() {
        "from ana"
    } else {
        "from boss"
    };
    ana.push_ok(&[a]).await;
    boss.push_ok(&[b]).await;
    assert_eq!(boss.clip(id).await.unwrap().title, winner);
    // Delete wins over a concurrent (even later-stamped) edit.
    boss.push_ok(&[boss.op(1950, OpBody::ClipDeleted { clip_id: id })])
        .await;
    assert_eq!(
        ana.push_ok(&[edit(&ana, 1999, "after delete")]).await,
        ["superseded"]
    );
    let clip = ana.clip(id).await.unwrap();
    assert!(clip.deleted);
    assert_eq!(clip.title, winner);
}

#[tokio::test]
async fn clips_are_hidden_from_teammates_until_media_arrives_and_private_ones_always() {
    let srv = TestServer::start().await;
    let ana = srv.device("Sales", Role::Member, "Ana").await;
    let boss = srv.device("Sales", Role::Admin, "Boss").await;
    let bytes = media_bytes(5000, 5);
    let (team_clip, private_clip) = (ClipId::new(), ClipId::new());
    ana.push_ok(&[
        ana.op(
            1,
            clip_created(team_clip, &sha256_hex(&bytes), Visibility::Team),
        ),
        ana.op(
            2,
            clip_created(private_clip, &sha256_hex(&bytes), Visibility::Private),
        ),
    ])
    .await;
    assert_eq!(
        ana.all_clips().await.len(),
        2,
        "the author sees both at once"
    );
    let cursor = boss.changes(0, 100).await;
    assert!(cursor.changes.is_empty());
    // Teammates cannot even tag a clip they cannot see.
    let (status, _) = boss
        .push(&[boss.op(
            3,
            OpBody::TagAdded {
                clip_id: team_clip,
                tag: "x".into(),
            },
        )])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(ana.upload(&bytes).await, StatusCode::CREATED);
    let page = boss.changes(cursor.next_cursor, 100).await;
    let ids: Vec<_> = page
        .changes
        .iter()
        .map(|c| match &c.entity {
            debrief_protocol::api::Entity::Clip(s) => s.clip_id,
            other => panic!("a protocol 1 feed holds only clips: {other:?}"),
        })
        .collect();
    assert_eq!(
        ids,
        [team_clip],
        "after the upload the team clip appears past the old cursor"
    );
    ana.push_ok(&[ana.op(
        4,
        OpBody::ClipShared {
            clip_id: private_clip,
        },
    )])
    .await;
    assert_eq!(boss.all_clips().await.len(), 2);
}

#[tokio::test]
async fn the_feed_is_one_order_paged_by_cursor() {
    let srv = TestServer::start().await;
    let ana = srv.device("Sales", Role::Member, "Ana").await;
    let bytes = media_bytes(100, 6);
    ana.upload(&bytes).await;
    let ids: Vec<ClipId> = (0..7).map(|_| ClipId::new()).collect();
    let ops: Vec<_> = ids
        .iter()
        .map(|id| ana.op(1, clip_created(*id, &sha256_hex(&bytes), Visibility::Team)))
        .collect();
    ana.push_ok(&ops).await;
    // Touch the first clip again: it moves to the end of the feed.
    ana.push_ok(&[ana.op(
        2,
        OpBody::TagAdded {
            clip_id: ids[0],
            tag: "again".into(),
        },
    )])
    .await;
    let mut seen = Vec::new();
    let mut seqs = Vec::new();
    let mut after = 0;
    loop {
        let page = ana.changes(after, 3).await;
        assert!(page.changes.len() <= 3);
        for c in &page.changes {
            seqs.push(c.seq);
            let debrief_protocol::api::Entity::Clip(s) = &c.entity else {
                panic!("a protocol 1 feed holds only clips");
            };
            seen.push(s.clip_id);
        }
        after = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    let mut expected = ids[1..].to_vec();
    expected.push(ids[0]);
    assert_eq!(seen, expected);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(ana.changes(after, 3).await.changes.is_empty());
    assert_eq!(ana.changes(after, 3).await.next_cursor, after);
    // Bad paging parameters are precise 400s.
    for q in ["limit=0", "limit=5000", "after=-1", "after=abc", "cursor=1"] {
        let resp = ana.get(&format!("/v1/changes?{q}")).send().await.unwrap();
        let (status, _, msg) = helpers::error_of(resp).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {msg}");
    }
}

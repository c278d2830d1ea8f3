use std::collections::BTreeSet;

use debrief_protocol::api::*;
use debrief_protocol::{ClipId, ClipKind, DeviceId, Hlc, OpId, Visibility};
use serde_json::Value;

fn doc() -> Value {
    serde_json::from_str(&super::document_json()).unwrap()
}

fn schema_keys(doc: &Value, name: &str) -> BTreeSet<String> {
    doc["components"]["schemas"][name]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("schema {name} missing"))
        .keys()
        .cloned()
        .collect()
}

fn value_keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn hlc() -> Hlc {
    Hlc::zero(DeviceId::new())
}

fn clip_state() -> ClipState {
    ClipState {
        clip_id: ClipId::new(),
        title: "t".into(),
        title_hlc: hlc(),
        notes: String::new(),
        notes_hlc: hlc(),
        kind: ClipKind::Debrief,
        visibility: Visibility::Team,
        author: Author {
            member_id: MemberId::new(),
            display_name: "A".into(),
        },
        recorded_at: time::OffsetDateTime::UNIX_EPOCH,
        duration_ms: 1,
        width: 1,
        height: 1,
        bytes: 1,
        sha256: "a".repeat(64),
        thumbnail_sha256: Some("b".repeat(64)),
        tags: vec!["x".into()],
        tag_adds: vec![TagAdd {
            add_id: OpId::new(),
            tag: "x".into(),
            hlc: hlc(),
        }],
        deleted: false,
        created_hlc: hlc(),
        deleted_hlc: Some(hlc()),
        challenge_id: Some(debrief_protocol::ChallengeId::new()),
    }
}

fn author() -> Author {
    Author {
        member_id: MemberId::new(),
        display_name: "A".into(),
    }
}

#[test]
fn coaching_schemas_match_the_protocol_types() {
    let doc = doc();
    let challenge = serde_json::to_value(ChallengeState {
        challenge_id: debrief_protocol::ChallengeId::new(),
        title: "t".into(),
        prompt: "p".into(),
        due_at: Some(time::OffsetDateTime::UNIX_EPOCH),
        max_answer_ms: Some(1),
        author: author(),
        updated_hlc: hlc(),
        created_hlc: hlc(),
        deleted: false,
    })
    .unwrap();
    assert_eq!(schema_keys(&doc, "ChallengeState"), value_keys(&challenge));
    let comment = serde_json::to_value(CommentState {
        comment_id: debrief_protocol::CommentId::new(),
        clip_id: ClipId::new(),
        author: author(),
        text: "x".into(),
        text_hlc: hlc(),
        at_ms: Some(1),
        created_hlc: hlc(),
        deleted: false,
    })
    .unwrap();
    assert_eq!(schema_keys(&doc, "CommentState"), value_keys(&comment));
    let entry = serde_json::to_value(PlaybookState {
        clip_id: ClipId::new(),
        in_playbook: true,
        section: Some("s".into()),
        position: Some(1),
        by: author(),
        hlc: hlc(),
    })
    .unwrap();
    assert_eq!(schema_keys(&doc, "PlaybookState"), value_keys(&entry));
    let members = serde_json::to_value(MembersResponse {
        members: vec![MemberInfo {
            member_id: MemberId::new(),
            display_name: "d".into(),
            role: Role::Manager,
        }],
        you: MemberId::new(),
    })
    .unwrap();
    assert_eq!(schema_keys(&doc, "MembersResponse"), value_keys(&members));
    assert_eq!(
        schema_keys(&doc, "MemberInfo"),
        value_keys(&members["members"][0])
    );
    assert!(doc["paths"]["/v1/members"]["get"].is_object());
    let devices = serde_json::to_value(DevicesResponse {
        devices: vec![TeamDevice {
            device_id: DeviceId::new(),
            device_name: "phone".into(),
            member_id: MemberId::new(),
            display_name: "d".into(),
            joined_at: time::OffsetDateTime::UNIX_EPOCH,
            last_seen_at: time::OffsetDateTime::UNIX_EPOCH,
        }],
        you: DeviceId::new(),
    })
    .unwrap();
    assert_eq!(schema_keys(&doc, "DevicesResponse"), value_keys(&devices));
    assert_eq!(
        schema_keys(&doc, "TeamDevice"),
        value_keys(&devices["devices"][0])
    );
    assert!(doc["paths"]["/v1/devices"]["get"].is_object());
}

#[test]
fn schemas_match_the_protocol_types_field_for_field() {
    let doc = doc();
    let state = serde_json::to_value(clip_state()).unwrap();
    assert_eq!(schema_keys(&doc, "ClipState"), value_keys(&state));
    assert_eq!(schema_keys(&doc, "Author"), value_keys(&state["author"]));
    assert_eq!(
        schema_keys(&doc, "TagAdd"),
        value_keys(&state["tag_adds"][0])
    );
    let change = serde_json::to_value(ChangesResponse {
        changes: vec![Change {
            seq: 1,
            entity: Entity::Clip(clip_state()),
        }],
        next_cursor: 1,
        has_more: false,
    })
    .unwrap();
    assert_eq!(schema_keys(&doc, "ChangesResponse"), value_keys(&change));
    assert_eq!(
        schema_keys(&doc, "Change"),
        value_keys(&change["changes"][0])
    );
    assert_eq!(
        schema_keys(&doc, "Entity"),
        value_keys(&change["changes"][0]["entity"])
    );
    let join = serde_json::to_value(JoinResponse {
        token: "t".into(),
        team_id: TeamId::new(),
        team_name: "n".into(),
        member_id: MemberId::new(),
        device_id: DeviceId::new(),
        role: Role::Admin,
        display_name: "d".into(),
    })
    .unwrap();
    assert_eq!(schema_keys(&doc, "JoinResponse"), value_keys(&join));
    let req = serde_json::to_value(JoinRequest {
        code: "c".into(),
        display_name: "d".into(),
        device_name: "n".into(),
        device_id: Some(DeviceId::new()),
    })
    .unwrap();
    assert_eq!(schema_keys(&doc, "JoinRequest"), value_keys(&req));
    let info = serde_json::to_value(InfoResponse {
        server: "s".into(),
        version: "v".into(),
        protocol_versions: vec![1],
        max_upload_bytes: 1,
    })
    .unwrap();
    assert_eq!(schema_keys(&doc, "InfoResponse"), value_keys(&info));
    let err = serde_json::to_value(ErrorResponse {
        error: ErrorBody {
            kind: "k".into(),
            message: "m".into(),
            op_id: Some(OpId::new()),
        },
    })
    .unwrap();
    assert_eq!(schema_keys(&doc, "ErrorBody"), value_keys(&err["error"]));
    let ops = serde_json::to_value(OpsResponse {
        results: vec![OpResult {
            op_id: OpId::new(),
            status: OpStatus::Applied,
        }],
    })
    .unwrap();
    assert_eq!(
        schema_keys(&doc, "OpResult"),
        value_keys(&ops["results"][0])
    );
}

#[test]
fn every_route_is_documented() {
    let doc = doc();
    let paths: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    for p in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/info",
        "/v1/openapi.json",
        "/v1/join",
        "/v1/ops",
        "/v1/changes",
        "/v1/media/{sha256}",
        "/v1/uploads",
        "/v1/uploads/{id}",
    ] {
        assert!(paths.contains(p), "{p} missing from {paths:?}");
    }
    for m in ["head", "patch", "delete"] {
        assert!(doc["paths"]["/v1/uploads/{id}"][m].is_object(), "{m}");
    }
    assert!(doc["paths"]["/v1/uploads"]["options"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["device_token"]["scheme"],
        "bearer"
    );
}

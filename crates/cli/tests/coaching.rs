//! The coaching loop end to end: a real `debrief-server` process, a
//! manager's device and two reps' devices (three data dirs), real
//! recordings and a real MP4. A challenge goes out, one rep answers
//! offline and one online, the manager comments at a moment and promotes
//! an answer into the playbook, every device ends up with the playbook
//! clip cached byte for byte, and members are refused manager-only
//! changes on the device and by the server.

mod helpers;

use std::collections::BTreeSet;
use std::path::Path;

use debrief_protocol::{ChallengeId, DeviceId, Hlc, Op, OpBody, OpId};
use helpers::server::TeamServer;
use helpers::*;
use serde_json::Value;

/// `debrief` with the token in a file in the data dir (so the test can
/// speak to the server as that device).
fn dev(data: &Path, args: &[&str]) -> Run {
    run_output(
        debrief_cmd(data)
            .env("DEBRIEF_TOKEN_STORE", "file")
            .env_remove("DEBRIEF_NM_BUS_ADDRESS")
            .env_remove("DEBRIEF_ALLOW_CELLULAR")
            .args(args)
            .output()
            .expect("run debrief"),
    )
}

fn join(data: &Path, server: &TeamServer, role: &str, name: &str) {
    let code = server.invite(role);
    let joined = dev(
        data,
        &[
            "join",
            &server.url,
            &code,
            "--name",
            name,
            "--device",
            name,
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(joined["role"], role);
}

fn sync(data: &Path) -> Value {
    dev(
        data,
        &["sync", "--once", "--network", "unmetered", "--json"],
    )
    .ok()
    .json()
}

fn show(data: &Path, id: &str) -> Value {
    dev(data, &["show", id, "--json"]).ok().json()
}

fn notifications(data: &Path) -> Value {
    dev(data, &["notifications", "--json"]).ok().json()
}

fn kinds(n: &Value) -> Vec<String> {
    n["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn challenge_answers_feedback_and_the_playbook_across_three_devices() {
    let mut server = TeamServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let (boss, rita, pat) = (
        tmp.path().join("boss"),
        tmp.path().join("rita"),
        tmp.path().join("pat"),
    );
    join(&boss, &server, "manager", "Max");
    join(&rita, &server, "member", "Rita");
    join(&pat, &server, "member", "Pat");

    // The manager posts a challenge; members are refused at once, on the device.
    let challenge = dev(
        &boss,
        &[
            "challenge",
            "create",
            "--title",
            "Pricing objection",
            "--prompt",
            "Record how you handle \"it's too expensive\"",
            "--due",
            "2026-12-31",
            "--max-length",
            "2m",
        ],
    )
    .ok()
    .last_line()
    .to_string();
    dev(
        &rita,
        &["challenge", "create", "--title", "Mine", "--prompt", "p"],
    )
    .fails_with("only managers and admins can create challenges; your role in this team is member");
    sync(&boss);
    sync(&rita);
    sync(&pat);
    let list = dev(&rita, &["challenge", "list", "--json"]).ok().json();
    let list = list.as_array().expect("an array");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], challenge.as_str());
    assert_eq!(list[0]["answered"], false);
    assert_eq!(list[0]["max_answer_ms"], 120_000);
    assert_eq!(list[0]["due_at"], "2026-12-31T23:59:59Z");
    assert_eq!(list[0]["author"], "Max");

    // Rita answers offline: the server is down while she records.
    server.kill();
    let rita_answer = dev(
        &rita,
        &[
            "answer",
            &challenge,
            "--source",
            "synthetic:fast",
            "--seconds",
            "2",
            "--title",
            "Reframing on value",
        ],
    )
    .ok()
    .last_line()
    .to_string();
    let mine = show(&rita, &rita_answer);
    assert_eq!(mine["challenge_id"], challenge.as_str());
    assert_eq!(mine["kind"], "challenge_answer");
    assert_eq!(mine["sync_state"], "pending");
    let list = dev(&rita, &["challenge", "list", "--json"]).ok().json();
    assert_eq!(list[0]["answered"], true);
    assert_eq!(list[0]["my_answers"][0], rita_answer.as_str());
    server.restart();

    // Pat answers online with an imported MP4.
    let mp4 = ffmpeg_mp4(tmp.path(), "pat.mp4", 2.0, &["-movflags", "+faststart"]);
    let pat_clip = dev(
        &pat,
        &["import", mp4.to_str().unwrap(), "--title", "Pat on price"],
    )
    .ok()
    .last_line()
    .to_string();
    dev(&pat, &["answer", &challenge, "--clip", &pat_clip]).ok();
    sync(&pat);
    sync(&rita);
    sync(&boss);

    // The manager sees both answers, and nobody left waiting.
    let detail = dev(&boss, &["challenge", "show", &challenge, "--json"])
        .ok()
        .json();
    let answers: BTreeSet<&str> = detail["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["clip_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        answers,
        BTreeSet::from([rita_answer.as_str(), pat_clip.as_str()])
    );
    let answered: BTreeSet<&str> = detail["answered_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(answered, BTreeSet::from(["Pat", "Rita"]));
    assert_eq!(detail["not_answered"], serde_json::json!([]));
    // A rep sees the answers it can see, but not the roll call.
    let rep_view = dev(&pat, &["challenge", "show", &challenge, "--json"])
        .ok()
        .json();
    assert_eq!(rep_view["not_answered"], Value::Null);

    // Feedback at a moment, and the answer goes into the playbook.
    let comment = dev(
        &boss,
        &[
            "comment",
            &rita_answer,
            "Great reframe here",
            "--at",
            "0:01",
        ],
    )
    .ok()
    .last_line()
    .to_string();
    dev(
        &boss,
        &[
            "playbook",
            "add",
            &rita_answer,
            "--section",
            "Objections",
            "--order",
            "1",
        ],
    )
    .ok();
    sync(&boss);
    sync(&rita);
    let report = sync(&pat);
    assert!(
        report["downloaded_files"].as_u64().unwrap() >= 1,
        "{report}"
    );

    let original = show(&rita, &rita_answer);
    let original_path = original["media_path"].as_str().unwrap().to_string();
    for (who, data) in [("Pat", &pat), ("Rita", &rita), ("Max", &boss)] {
        let clip = show(data, &rita_answer);
        let path = clip["media_path"]
            .as_str()
            .unwrap_or_else(|| panic!("{who} has the playbook clip on the device: {clip}"));
        assert_eq!(
            sha256_of(Path::new(path)),
            sha256_of(Path::new(&original_path)),
            "{who}'s copy is byte-identical"
        );
        assert_eq!(clip["sha256"], original["sha256"]);
        let comments = clip["comments"].as_array().unwrap();
        assert_eq!(comments.len(), 1, "{who}: {clip}");
        assert_eq!(comments[0]["id"], comment.as_str());
        assert_eq!(comments[0]["text"], "Great reframe here");
        assert_eq!(comments[0]["at_ms"], 1000);
        assert_eq!(comments[0]["author"], "Max");
        assert_eq!(clip["playbook"]["section"], "Objections");
        assert_eq!(clip["challenge"]["id"], challenge.as_str());
    }
    assert_eq!(show(&pat, &rita_answer)["media_state"], "cached");
    let book = dev(&pat, &["playbook", "list", "--json"]).ok().json();
    assert_eq!(book.as_array().unwrap().len(), 1);
    assert_eq!(book[0]["clip"]["id"], rita_answer.as_str());
    assert_eq!(book[0]["section"], "Objections");
    assert_eq!(book[0]["position"], 1);
    let listed = dev(&pat, &["comments", &rita_answer, "--json"]).ok().json();
    assert_eq!(listed[0]["id"], comment.as_str());

    // A rep may not edit the playbook: the device says so at once ...
    dev(&pat, &["playbook", "add", &pat_clip])
        .fails_with("only managers and admins can add clips to or remove clips from the playbook");
    dev(&pat, &["playbook", "remove", &rita_answer]).fails_with("only managers and admins");
    // ... nor edit someone else's comment.
    dev(&rita, &["comment-edit", &comment, "mine now"]).fails_with("only Max (its author)");

    // ... and the server refuses it over HTTP whatever a device claims.
    let token = std::fs::read_to_string(pat.join("device-token"))
        .unwrap()
        .trim()
        .to_string();
    let op = |body: OpBody| Op {
        op_id: OpId::new(),
        hlc: Hlc {
            wall_ms: 1,
            counter: 0,
            node: DeviceId::new(),
        },
        body,
    };
    let http = reqwest::blocking::Client::new();
    for (body, needle) in [
        (
            OpBody::ChallengeCreated {
                challenge_id: ChallengeId::new(),
                title: "Sneaky".into(),
                prompt: "p".into(),
                due_at: None,
                max_answer_ms: None,
            },
            "only managers and admins can create challenges",
        ),
        (
            OpBody::PlaybookPromoted {
                clip_id: pat_clip.parse().unwrap(),
                section: None,
                position: None,
            },
            "only managers and admins can add clips to or remove clips from the playbook",
        ),
    ] {
        let resp = http
            .post(format!("{}/v1/ops", server.url))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "ops": [op(body)] }))
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 403);
        let body: Value = resp.json().unwrap();
        assert_eq!(body["error"]["kind"], "forbidden");
        let msg = body["error"]["message"].as_str().unwrap();
        assert!(msg.contains(needle) && msg.contains("member"), "{msg}");
    }

    // A device that believes it is a manager (its role changed on the
    // server since it joined) finds out at sync: the change is dropped and
    // the user is told why.
    {
        let mut lib = debrief_library::Library::open(&pat).unwrap();
        let mut account = lib.account().unwrap().unwrap();
        account.role = "manager".into();
        lib.set_account(&account).unwrap();
    }
    let stale = dev(
        &pat,
        &[
            "challenge",
            "create",
            "--title",
            "Stale role",
            "--prompt",
            "p",
        ],
    )
    .ok()
    .last_line()
    .to_string();
    let refused = dev(
        &pat,
        &["sync", "--once", "--network", "unmetered", "--json"],
    );
    assert_ne!(refused.code, 0, "a refused change is a failed item");
    assert!(
        refused
            .stdout
            .contains("only managers and admins can create challenges"),
        "{}",
        refused.stdout
    );
    let ids: Vec<String> = dev(&pat, &["challenge", "list", "--json"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [challenge.as_str()],
        "the refused challenge {stale} is gone"
    );

    // Notifications, built from the change feed.
    let n = notifications(&boss);
    assert_eq!(n["unread"]["new_answer"], 2, "{n}");
    assert_eq!(
        n["unread"]["new_challenge"], 0,
        "its own challenge is no news"
    );
    let n = notifications(&rita);
    assert_eq!(n["unread"]["new_challenge"], 1, "{n}");
    assert_eq!(n["unread"]["new_playbook_clip"], 1, "{n}");
    assert_eq!(n["unread"]["new_comment"], 1, "{n}");
    let k = kinds(&n);
    assert!(k.contains(&"new_comment".to_string()), "{k:?}");
    let n = notifications(&pat);
    assert_eq!(n["unread"]["new_challenge"], 1, "{n}");
    assert_eq!(n["unread"]["new_playbook_clip"], 1, "{n}");
    assert_eq!(
        n["unread"]["new_comment"], 0,
        "the comment is on Rita's clip"
    );
    assert_eq!(n["unread"]["refused"], 1, "{n}");
    let refusal = n["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "refused")
        .unwrap();
    assert!(
        refusal["text"]
            .as_str()
            .unwrap()
            .contains("only managers and admins can create challenges"),
        "{refusal}"
    );
    let marked = dev(&rita, &["notifications", "--mark-read", "--json"])
        .ok()
        .json();
    assert_eq!(marked["unread"]["total"], 3);
    assert_eq!(notifications(&rita)["unread"]["total"], 0);
}

#[test]
fn a_manager_edits_and_deletes_a_challenge_for_the_team_and_members_may_not() {
    let server = TeamServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let (boss, rita) = (tmp.path().join("boss"), tmp.path().join("rita"));
    join(&boss, &server, "manager", "Max");
    join(&rita, &server, "member", "Rita");
    let id = dev(
        &boss,
        &[
            "challenge",
            "create",
            "--title",
            "Pricing",
            "--prompt",
            "How?",
            "--due",
            "2026-12-31",
        ],
    )
    .ok()
    .last_line()
    .to_string();
    let edited = dev(
        &boss,
        &[
            "challenge",
            "edit",
            &id,
            "--title",
            "Pricing objection",
            "--max-length",
            "90s",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(edited["title"], "Pricing objection");
    assert_eq!(edited["max_answer_ms"], 90_000);
    let refused = dev(&boss, &["challenge", "edit", &id, "--due", ""])
        .fails_with("due date can be changed but not removed");
    assert_eq!(refused.code, 4);
    sync(&boss);
    sync(&rita);
    let seen = dev(&rita, &["challenge", "list", "--json"]).ok().json();
    assert_eq!(seen[0]["title"], "Pricing objection");
    assert_eq!(seen[0]["max_answer_ms"], 90_000);
    assert_eq!(seen[0]["due_at"], "2026-12-31T23:59:59Z");
    let refused = dev(&rita, &["challenge", "delete", &id]).fails_with(
        "only managers and admins can delete challenges; your role in this team is member",
    );
    assert_eq!(refused.code, 4);
    dev(&rita, &["challenge", "edit", &id, "--title", "Mine"])
        .fails_with("only managers and admins can edit challenges");

    dev(&boss, &["challenge", "delete", &id]).ok();
    assert_eq!(
        dev(&boss, &["challenge", "list", "--json"]).ok().json(),
        serde_json::json!([])
    );
    sync(&boss);
    sync(&rita);
    assert_eq!(
        dev(&rita, &["challenge", "list", "--json"]).ok().json(),
        serde_json::json!([])
    );
    assert_eq!(
        dev(&rita, &["challenge", "show", &id, "--json"])
            .ok()
            .json()["deleted"],
        true
    );
}

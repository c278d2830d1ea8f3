//! The real `debrief-server` binary: team/invite/devices/revoke, and serve
//! with /healthz and a graceful exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod helpers;

const BIN: &str = env!("CARGO_BIN_EXE_debrief-server");

/// The stores of a data dir, for every command run on it (see
/// helpers::backend: PostgreSQL + S3 when the environment asks for them).
fn stores(dir: &Path) -> Vec<(&'static str, String)> {
    helpers::backend::Backend::for_dir_blocking(dir).env()
}

fn run(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .env_remove("DEBRIEF_SERVER_DATA_DIR")
        .envs(stores(dir))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or_default()
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(dir: &Path) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("DEBRIEF_SERVER_DATA_DIR", dir)
            .envs(stores(dir))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line.trim().rsplit(' ').next().unwrap().to_string();
        assert!(base.starts_with("http://127.0.0.1:"), "{line}");
        Self { child, base }
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn team_invite_join_devices_revoke_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = run(dir.path(), &["team", "create", "Sales"]);
    assert!(ok, "{err}");
    let team_id = last_line(&out);
    assert_eq!(team_id.len(), 36, "{out}");
    let (ok, _, err) = run(dir.path(), &["team", "create", "sales"]);
    assert!(!ok);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("already exists"), "{err}");

    // --data-dir after the subcommand works too.
    let out = Command::new(BIN)
        .args([
            "invite",
            "--team",
            "Sales",
            "--role",
            "admin",
            "--uses",
            "2",
            "--expires",
            "1h",
            "--data-dir",
        ])
        .arg(dir.path())
        .envs(stores(dir.path()))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let code = last_line(&stdout).to_string();
    let groups: Vec<&str> = code.split('-').collect();
    assert_eq!(groups.len(), 4, "{code}");
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 5 && g.chars().all(|c| c.is_ascii_alphanumeric()))
    );
    let (ok, _, err) = run(
        dir.path(),
        &["invite", "--team", "Nope", "--role", "member"],
    );
    assert!(!ok);
    assert!(err.starts_with("error: no team named 'Nope'"), "{err}");
    let (ok, _, err) = run(
        dir.path(),
        &["invite", "--team", "Sales", "--role", "owner"],
    );
    assert!(!ok && err.contains("member, manager, admin"), "{err}");

    let server = Server::start(dir.path());
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let joined: serde_json::Value = client
        .post(format!("{}/v1/join", server.base))
        .json(&serde_json::json!({"code": code, "display_name": "Ana", "device_name": "Pixel"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = joined["token"].as_str().unwrap().to_string();
    let device = joined["device_id"].as_str().unwrap().to_string();

    // The CLI works beside the running server on the same database.
    let (ok, out, _) = run(dir.path(), &["devices", "--json", "--team", "Sales"]);
    assert!(ok);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["device_id"], device.as_str());
    assert_eq!(list[0]["role"], "admin");
    assert!(list[0]["revoked_ms"].is_null());
    let (ok, out, _) = run(dir.path(), &["devices"]);
    assert!(
        ok && out.contains(&device) && out.contains("Pixel"),
        "{out}"
    );
    assert!(!out.contains(&token));

    let (ok, out, err) = run(dir.path(), &["revoke", &device]);
    assert!(ok, "{err}");
    assert!(out.contains("revoked device"), "{out}");
    let (ok, _, err) = run(dir.path(), &["revoke", "../../etc"]);
    assert!(!ok && err.contains("not a valid device id"), "{err}");
    let resp = client
        .get(format!("{}/v1/changes", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["kind"], "device_revoked");

    let status = server.terminate();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn settings_come_from_the_toml_file_and_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path()).unwrap();
    std::fs::write(dir.path().join("server.toml"), "max_upload_bytes = 4321\n").unwrap();
    let server = Server::start(dir.path());
    let info: serde_json::Value = reqwest::get(format!("{}/v1/info", server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["max_upload_bytes"], 4321);
    drop(server);
    std::fs::write(dir.path().join("server.toml"), "max_upload = 1\n").unwrap();
    let out = Command::new(BIN)
        .args(["serve"])
        .env("DEBRIEF_SERVER_DATA_DIR", dir.path())
        .envs(stores(dir.path()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("server.toml is not valid") && err.contains("max_upload"),
        "{err}"
    );
}

//! The platform services sync relies on, for real over D-Bus on a private
//! session bus (`dbus-daemon`): NetworkManager's `Metered`/`State` decide
//! whether media may move when no `--network` is given (a stand-in service
//! implements them; NetworkManager itself cannot run here), and the device
//! token lands in the Secret Service keyring (Debian's gnome-keyring), not
//! in the data directory's file.

mod helpers;
#[path = "helpers/proxy.rs"]
mod proxy;
#[path = "helpers/team.rs"]
mod team;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use helpers::server::TeamServer;
use helpers::{Run, run_output, sha256_of};
use proxy::Proxy;
use team::*;

/// A private session bus; stopped on drop (gnome-keyring exits with it).
struct SessionBus {
    child: Child,
    address: String,
}

impl SessionBus {
    fn start() -> Self {
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--print-address=1", "--nofork", "--nopidfile"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon must be installed (Debian package dbus-daemon)");
        let mut address = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_string();
        assert!(address.starts_with("unix:"), "dbus-daemon said {address:?}");
        Self { child, address }
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// NetworkManager's root object as far as Debrief reads it.
struct StandInNetworkManager {
    metered: Arc<AtomicU32>,
    state: Arc<AtomicU32>,
}

#[zbus::interface(name = "org.freedesktop.NetworkManager")]
impl StandInNetworkManager {
    #[zbus(property)]
    fn metered(&self) -> u32 {
        self.metered.load(Ordering::SeqCst)
    }

    #[zbus(property)]
    fn state(&self) -> u32 {
        self.state.load(Ordering::SeqCst)
    }
}

const NM_STATE_CONNECTED_GLOBAL: u32 = 70;
const NM_STATE_DISCONNECTED: u32 = 20;

#[test]
fn network_manager_decides_whether_media_moves() {
    let bus = SessionBus::start();
    let (metered, state) = (Arc::new(AtomicU32::new(1)), Arc::new(AtomicU32::new(70)));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _nm = runtime.block_on(async {
        zbus::connection::Builder::address(bus.address.as_str())
            .unwrap()
            .name("org.freedesktop.NetworkManager")
            .unwrap()
            .serve_at(
                "/org/freedesktop/NetworkManager",
                StandInNetworkManager {
                    metered: metered.clone(),
                    state: state.clone(),
                },
            )
            .unwrap()
            .build()
            .await
            .unwrap()
    });

    let server = TeamServer::start();
    let proxy = Proxy::start(&server.url);
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    join_at(&a, &server, &proxy.url, "Avery");
    let mp4 = unique_mp4(&base_mp4(tmp.path()), tmp.path(), "c.mp4", 1_500_000, 5);
    let id = device(&a, &["import", mp4.to_str().unwrap()])
        .ok()
        .last_line()
        .to_string();
    let sha = sha256_of(&mp4);
    // No --network: the answer comes from the bus.
    let sync = || -> Run {
        run_output(
            device_cmd(&a)
                .env("DEBRIEF_NM_BUS_ADDRESS", &bus.address)
                .args(["sync", "--once", "--json"])
                .output()
                .unwrap(),
        )
    };

    // NM_METERED_YES: metadata goes, media does not.
    let report = sync().ok().json();
    assert_eq!(report["network"], "metered", "{report}");
    assert_eq!(report["media_allowed"], false);
    assert!(report["pushed_ops"].as_u64().unwrap() >= 1);
    assert_eq!(media_bytes_at_proxy(&proxy, &sha), (0, 0));
    // NM_METERED_GUESS_YES counts as metered too.
    metered.store(3, Ordering::SeqCst);
    assert_eq!(sync().ok().json()["network"], "metered");
    assert_eq!(media_bytes_at_proxy(&proxy, &sha), (0, 0));

    // Disconnected: the round does not start, and says why.
    state.store(NM_STATE_DISCONNECTED, Ordering::SeqCst);
    let r = sync();
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("offline"), "{}", r.stderr);

    // NM_METERED_NO on a connected network: the media goes, whole.
    metered.store(2, Ordering::SeqCst);
    state.store(NM_STATE_CONNECTED_GLOBAL, Ordering::SeqCst);
    let report = sync().ok().json();
    assert_eq!(report["network"], "unmetered", "{report}");
    assert_eq!(report["media_allowed"], true);
    let size = std::fs::metadata(&mp4).unwrap().len();
    assert_eq!(media_bytes_at_proxy(&proxy, &sha), (1, size));
    assert_eq!(
        device(&a, &["show", &id, "--json"]).ok().json()["sync_state"],
        "synced"
    );
}

/// `debrief` seeing only the private bus and a throwaway home, with the
/// keyring allowed (no DEBRIEF_TOKEN_STORE=file).
fn keyring_cmd(data: &Path, bus: &SessionBus, home: &Path) -> Command {
    let mut c = helpers::debrief_cmd(data);
    c.env_remove("DEBRIEF_TOKEN_STORE")
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", home.join("run"));
    c
}

fn secret_lookup(bus: &SessionBus, home: &Path) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "app.debrief"])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("HOME", home)
        .output()
        .expect("secret-tool must be installed (Debian package libsecret-tools)");
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !token.is_empty()).then_some(token)
}

#[test]
fn the_device_token_lives_in_the_keyring_when_one_answers() {
    let bus = SessionBus::start();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("run")).unwrap();
    // gnome-keyring creates and unlocks a "login" keyring with the password
    // it reads (an empty one creates none, and it would then prompt, which
    // cannot work without a display). It exits when the bus goes away.
    let mut unlock = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_RUNTIME_DIR", home.path().join("run"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon must be installed (Debian package gnome-keyring)");
    unlock
        .stdin
        .take()
        .unwrap()
        .write_all(b"test-keyring-password")
        .unwrap();
    assert!(unlock.wait().unwrap().success());

    let server = TeamServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let run = |args: &[&str]| -> Run {
        run_output(
            keyring_cmd(&a, &bus, home.path())
                .args(args)
                .output()
                .unwrap(),
        )
    };
    let code = server.invite("member");
    run(&["join", &server.url, &code, "--name", "Avery", "--json"]).ok();
    assert!(
        !a.join("device-token").exists(),
        "with a keyring, no token file is written"
    );
    let token = secret_lookup(&bus, home.path()).expect("the token is in the keyring");
    // It is the real token: the server accepts it.
    assert!(server_clips(&server.url, &token).is_empty());
    let mp4 = unique_mp4(&base_mp4(tmp.path()), tmp.path(), "c.mp4", 1000, 6);
    run(&["import", mp4.to_str().unwrap()]).ok();
    run(&["sync", "--once", "--network", "unmetered"]).ok();
    assert_eq!(server_clips(&server.url, &token).len(), 1);

    // Leaving removes it from the keyring.
    run(&["leave"]).ok();
    assert_eq!(secret_lookup(&bus, home.path()), None);
}

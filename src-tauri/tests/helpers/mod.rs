//! What the app's IPC tests share: the app on Tauri's mock runtime with its
//! real capabilities and commands, called with JSON as the UI sends it, and
//! a raw HTTP GET for the loopback media server.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;

use debrief_app_lib::events::{CoachingChanged, LibraryChanged};
use debrief_app_lib::state::{AppState, CoachingNotifier, Notifier};
use serde_json::Value;
use tauri::Manager;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::{InvokeRequest, WebviewWindowBuilder};
use tauri_specta::Event;

pub struct TestApp {
    pub app: tauri::App<MockRuntime>,
    pub main: tauri::WebviewWindow<MockRuntime>,
}

impl TestApp {
    pub fn open(data_dir: &Path) -> Self {
        let specta = debrief_app_lib::bindings::builder::<MockRuntime>();
        let app = mock_builder()
            .invoke_handler(specta.invoke_handler())
            .build(debrief_app_lib::context())
            .unwrap();
        specta.mount_events(&app);
        let handle = app.handle().clone();
        let notifier: Notifier = Box::new(move |change: LibraryChanged| {
            change.emit(&handle).unwrap();
        });
        let coaching_handle = app.handle().clone();
        let coaching: CoachingNotifier = Box::new(move |change: CoachingChanged| {
            change.emit(&coaching_handle).unwrap();
        });
        app.manage(
            tauri::async_runtime::block_on(AppState::open(data_dir, notifier))
                .with_coaching_notifier(coaching),
        );
        app.manage(debrief_app_lib::commands::team::sync_service(
            app.handle(),
            data_dir.to_path_buf(),
        ));
        let main = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        Self { app, main }
    }

    pub fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.call_in(&self.main, cmd, args)
    }

    /// A call from another window (which the capability may not name).
    pub fn call_in(
        &self,
        window: &tauri::WebviewWindow<MockRuntime>,
        cmd: &str,
        args: Value,
    ) -> Result<Value, Value> {
        get_ipc_response(
            window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
    }

    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args.clone())
            .unwrap_or_else(|e| panic!("{cmd} {args} failed: {e}"))
    }

    /// The error, after checking it has exactly the `{kind, message}` shape.
    pub fn err(&self, cmd: &str, args: Value) -> (String, String) {
        let e = self
            .call(cmd, args.clone())
            .expect_err(&format!("{cmd} {args} should fail"));
        assert_eq!(e.as_object().unwrap().len(), 2, "extra fields in {e}");
        let message = e["message"].as_str().unwrap().to_string();
        assert!(!message.is_empty(), "no message in {e}");
        (e["kind"].as_str().unwrap().to_string(), message)
    }

    /// Just the error's kind (its shape checked as in [`Self::err`]).
    pub fn err_kind(&self, cmd: &str, args: Value) -> String {
        self.err(cmd, args).0
    }
}

/// GET a URL on the loopback media server with a raw HTTP/1.0 request (so
/// a streamed body ends when the server closes it); at most `limit` bytes
/// of body are read.
pub fn http_get(url: &str, limit: usize) -> (u16, String, Vec<u8>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    let mut body_at = None;
    loop {
        let n = s.read(&mut chunk).unwrap();
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if body_at.is_none() {
            body_at = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4);
        }
        if body_at.is_some_and(|b| buf.len() - b >= limit) {
            break;
        }
    }
    let body_at = body_at.expect("a complete header");
    let head = String::from_utf8_lossy(&buf[..body_at]).to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    (status, head, buf[body_at..].to_vec())
}

/// Width and height of a baseline or progressive JPEG, from its SOF marker.
pub fn jpeg_size(jpeg: &[u8]) -> Option<(u32, u32)> {
    if jpeg.get(..2)? != b"\xff\xd8" {
        return None;
    }
    let mut i = 2;
    while i + 9 < jpeg.len() {
        if jpeg[i] != 0xff {
            return None;
        }
        let marker = jpeg[i + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        if matches!(marker, 0xc0..=0xc2) {
            let h = u16::from_be_bytes([jpeg[i + 5], jpeg[i + 6]]);
            let w = u16::from_be_bytes([jpeg[i + 7], jpeg[i + 8]]);
            return Some((u32::from(w), u32::from(h)));
        }
        i += 2 + len;
    }
    None
}

/// A real 2 s H.264 + AAC MP4 made by ffmpeg, to import.
pub fn ffmpeg_mp4(dir: &Path, name: &str) -> std::path::PathBuf {
    let out = dir.join(name);
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=320x240:rate=30:duration=2")
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=2"])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-c:a", "aac", "-shortest", "-movflags", "+faststart"])
        .arg(&out)
        .status()
        .expect("ffmpeg must be installed (scripts/setup.sh installs it)");
    assert!(status.success());
    out
}

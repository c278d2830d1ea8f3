//! The media server over a real socket, spoken to with raw HTTP/1.1 so the
//! exact bytes on the wire (paths included) are what the test wrote: no
//! client library normalises `..` or re-encodes anything on the way.

use std::net::SocketAddr;
use std::path::Path;

use debrief_mediaserver::{MediaServer, ServeDirs};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ID: &str = "0190f1c2-7a4b-7c3d-9e8f-0123456789ab";
const SECRET: &[u8] = b"SQLite format 3 -- secret library contents";

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

async fn raw(addr: SocketAddr, request: &str) -> Reply {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8(buf[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: buf[split + 4..].to_vec(),
    }
}

async fn get(server: &MediaServer, path: &str, extra: &str) -> Reply {
    let addr = server.addr();
    raw(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n"),
    )
    .await
}

/// A library folder with one clip's media and thumbnail, plus files that
/// must never be served.
fn library(dir: &Path, media: &[u8]) {
    std::fs::create_dir_all(dir.join("media")).unwrap();
    std::fs::create_dir_all(dir.join("thumbs")).unwrap();
    std::fs::create_dir_all(dir.join("incoming")).unwrap();
    std::fs::write(dir.join("media").join(format!("{ID}.mp4")), media).unwrap();
    std::fs::write(
        dir.join("thumbs").join(format!("{ID}.jpg")),
        b"\xff\xd8jpeg",
    )
    .unwrap();
    std::fs::write(dir.join("library.sqlite3"), SECRET).unwrap();
    std::fs::write(dir.join("incoming").join(format!("{ID}.mp4.part")), SECRET).unwrap();
}

fn token_of(server: &MediaServer) -> String {
    server.base_url().rsplit('/').next().unwrap().to_string()
}

fn media_path(server: &MediaServer) -> String {
    format!("/{}/media/{ID}.mp4", token_of(server))
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

async fn start(dir: &Path) -> MediaServer {
    MediaServer::start(ServeDirs::of_library(dir))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_file_with_type_and_length() {
    let dir = tempfile::tempdir().unwrap();
    let data = pattern(300_000);
    library(dir.path(), &data);
    let server = start(dir.path()).await;
    assert!(server.addr().ip().is_loopback());
    assert_eq!(
        server.media_url(ID.parse().unwrap()),
        format!("{}/media/{ID}.mp4", server.base_url())
    );

    let r = get(&server, &media_path(&server), "").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("video/mp4"));
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert_eq!(r.header("content-length"), Some("300000"));
    assert!(r.body == data, "body differs from the file");

    let t = get(
        &server,
        &format!("/{}/thumbs/{ID}.jpg", token_of(&server)),
        "",
    )
    .await;
    assert_eq!(t.status, 200);
    assert_eq!(t.header("content-type"), Some("image/jpeg"));
    assert_eq!(t.body, b"\xff\xd8jpeg");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_are_answered_with_206_and_the_exact_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let data = pattern(1_000_003);
    library(dir.path(), &data);
    let server = start(dir.path()).await;
    let path = media_path(&server);

    for (range, start, end) in [
        ("bytes=0-0", 0usize, 0usize),
        ("bytes=100-199", 100, 199),
        ("bytes=999990-", 999_990, 1_000_002),
        ("bytes=-10", 999_993, 1_000_002),
        ("bytes=500000-2000000", 500_000, 1_000_002),
        // Past one 64 KiB chunk, starting mid-chunk.
        ("bytes=65530-200000", 65_530, 200_000),
    ] {
        let r = get(&server, &path, &format!("Range: {range}\r\n")).await;
        assert_eq!(r.status, 206, "{range}");
        assert_eq!(
            r.header("content-range"),
            Some(format!("bytes {start}-{end}/1000003").as_str()),
            "{range}"
        );
        assert_eq!(
            r.header("content-length"),
            Some((end - start + 1).to_string().as_str())
        );
        assert!(r.body == data[start..=end], "{range}: wrong bytes");
    }

    let r = get(&server, &path, "Range: bytes=1000003-\r\n").await;
    assert_eq!(r.status, 416);
    assert_eq!(r.header("content-range"), Some("bytes */1000003"));
    assert!(r.body.is_empty());

    // A header we do not honour (several ranges) gets the whole file.
    let r = get(&server, &path, "Range: bytes=0-1,5-6\r\n").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), data.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_sends_headers_only() {
    let dir = tempfile::tempdir().unwrap();
    library(dir.path(), &pattern(5000));
    let server = start(dir.path()).await;
    let addr = server.addr();
    let r = raw(
        addr,
        &format!(
            "HEAD {} HTTP/1.1\r\nHost: {addr}\r\nRange: bytes=10-19\r\nConnection: close\r\n\r\n",
            media_path(&server)
        ),
    )
    .await;
    assert_eq!(r.status, 206);
    assert_eq!(r.header("content-length"), Some("10"));
    assert_eq!(r.header("content-range"), Some("bytes 10-19/5000"));
    assert!(r.body.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_or_missing_token_is_404() {
    let dir = tempfile::tempdir().unwrap();
    library(dir.path(), &pattern(100));
    let server = start(dir.path()).await;
    let token = token_of(&server);
    let mut wrong = token.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    for path in [
        format!("/{wrong}/media/{ID}.mp4"),
        format!("/media/{ID}.mp4"),
        format!("/{token}x/media/{ID}.mp4"),
        format!("/{}/media/{ID}.mp4", &token[..31]),
    ] {
        let r = get(&server, &path, "").await;
        assert_eq!(r.status, 404, "{path}");
        assert!(r.body.is_empty());
    }
    // A valid token and id whose file does not exist is also a 404.
    let r = get(
        &server,
        &format!("/{token}/media/0190f1c2-7a4b-7c3d-9e8f-000000000000.mp4"),
        "",
    )
    .await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_outside_media_and_thumbs_is_reachable() {
    let dir = tempfile::tempdir().unwrap();
    library(dir.path(), &pattern(100));
    // A symlink in media/ that points at the database.
    let linked = "0190f1c2-7a4b-7c3d-9e8f-111111111111";
    std::os::unix::fs::symlink(
        dir.path().join("library.sqlite3"),
        dir.path().join("media").join(format!("{linked}.mp4")),
    )
    .unwrap();
    let server = start(dir.path()).await;
    let t = token_of(&server);
    for path in [
        format!("/{t}/media/../library.sqlite3"),
        format!("/{t}/media/..%2Flibrary.sqlite3"),
        format!("/{t}/media/%2e%2e%2flibrary.sqlite3"),
        format!("/{t}/media/%2E%2E/library.sqlite3"),
        format!("/{t}/../library.sqlite3"),
        format!("/{t}/library.sqlite3"),
        format!("/{t}/incoming/{ID}.mp4.part"),
        format!("/{t}/media/{ID}.mp4.part"),
        format!("/{t}/media/..%2Fincoming%2F{ID}.mp4"),
        format!("/{t}/media/{linked}.mp4"),
        format!("/{t}/media//etc/passwd"),
        format!("/{t}/thumbs/{ID}.jpg/../../library.sqlite3"),
    ] {
        let r = get(&server, &path, "").await;
        assert_eq!(r.status, 404, "{path}");
        assert!(
            !r.body.windows(SECRET.len()).any(|w| w == SECRET),
            "{path} leaked"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_hosts_and_other_methods_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    library(dir.path(), &pattern(100));
    let server = start(dir.path()).await;
    let addr = server.addr();
    let path = media_path(&server);
    let port = addr.port();
    for host in [
        format!("evil.example:{port}"),
        "127.0.0.1".to_string(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        let r = raw(
            addr,
            &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert_eq!(r.status, 403, "{host}");
    }
    let r = raw(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = raw(
        addr,
        &format!(
            "DELETE {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    assert!(dir.path().join("media").join(format!("{ID}.mp4")).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_server_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    library(dir.path(), &pattern(100));
    let server = start(dir.path()).await;
    let addr = server.addr();
    drop(server);
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(refused, "still accepting connections after drop");
}

//! A slow uplink is not a stalled one. On a link where sending one PATCH
//! takes longer than the network timeout, uploads must still finish, each
//! byte sent once: the timeout means "no progress for that long", not "a
//! request may take that long". (Otherwise a clip whose checksummed chunk
//! needs longer than the timeout would be re-sent forever.)

mod helpers;
#[path = "helpers/proxy.rs"]
mod proxy;
#[path = "helpers/team.rs"]
mod team;

use helpers::server::TeamServer;
use helpers::sha256_of;
use proxy::Proxy;
use team::*;

#[test]
fn uploads_finish_on_a_link_slower_than_the_timeout() {
    let server = TeamServer::start();
    let proxy = Proxy::start_with_buffers(&server.url, Some(64 << 10));
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    join_at(&a, &server, &proxy.url, "Avery");
    let base = base_mp4(tmp.path());
    // 600 KB goes in one checksummed PATCH, 1.6 MB in a streamed one; at
    // 200 KB/s each takes longer than the 2 s timeout.
    let small = unique_mp4(&base, tmp.path(), "small.mp4", 600_000, 1);
    let large = unique_mp4(&base, tmp.path(), "large.mp4", 1_600_000, 2);
    for f in [&small, &large] {
        device(&a, &["import", f.to_str().unwrap()]).ok();
    }
    proxy.throttle(Some(200_000));
    let r = helpers::run_output(
        device_cmd(&a)
            .env("DEBRIEF_LOG", "debug")
            .args(["sync", "--once", "--network", "unmetered", "--json"])
            .output()
            .unwrap(),
    );
    eprintln!("{}", r.stderr);
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    // Nothing was retried: every PATCH was answered 204 the first time.
    let patches: Vec<_> = proxy
        .exchanges()
        .into_iter()
        .filter(|e| e.method == "PATCH")
        .map(|e| e.status)
        .collect();
    assert!(patches.iter().all(|s| *s == Some(204)), "{patches:?}");
    proxy.throttle(None);
    eprintln!("{}", r.stdout);
    for e in proxy.exchanges() {
        eprintln!(
            "{} {} {} -> {:?} {} {:?}",
            e.method,
            e.path,
            e.request_body,
            e.status,
            e.response_body,
            e.headers.get("upload-offset")
        );
    }

    for f in [&small, &large] {
        let sha = sha256_of(f);
        let size = std::fs::metadata(f).unwrap().len();
        assert_eq!(
            server_media(&server.url, &token(&a), &sha).len() as u64,
            size
        );
        assert_eq!(
            media_bytes_at_proxy(&proxy, &sha),
            (1, size),
            "{} went up once, each byte once",
            f.display()
        );
    }
}

//! (b) Bytes re-sent after a cut at a random offset. The fault proxy cuts
//! the connection of the first PATCH after a random number of body bytes;
//! the client resumes (HEAD, then PATCH from the server's offset) until
//! the upload completes. Re-sent = bytes sent in total minus the file size,
//! counted at the proxy (what crossed the wire) and by the client (what it
//! handed to its socket; a cut loses what sat in the kernel's buffers).
//! Both cut kinds: a clean close (FIN after the bytes before the cut) and a
//! reset (RST: the server's kernel drops what it had not delivered yet).
//! Goal for the default streamed mode: < 64 KiB.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use debrief_sync::tus::{self, UploadJob, UploadOptions};

use crate::proxy::{Action, Dir, Fault, Proxy, Route};
use crate::server::{ChildServer, noise_file};

const PATCH: Route = Route {
    method: "PATCH",
    path: "/v1/uploads/",
};

fn patched(proxy: &Proxy) -> u64 {
    proxy
        .exchanges()
        .iter()
        .filter(|e| e.method == "PATCH")
        .map(|e| e.request_body)
        .sum()
}

/// One cut upload, resumed to the end: (wire re-sent, client re-sent).
async fn cut_once(
    client: &debrief_sync::Client,
    proxy: &Proxy,
    job: &UploadJob<'_>,
    opts: &UploadOptions,
    offset: u64,
    action: Action,
) -> (u64, u64) {
    let before = patched(proxy);
    proxy.arm(Fault::Cut {
        dir: Some(Dir::Up),
        after: offset,
        action,
        only: Some(PATCH),
    });
    let live = Arc::new(AtomicU64::new(0));
    let mut url = None;
    let mut failures = 0;
    loop {
        let resume = url.clone();
        match tus::upload(client, job, resume.as_deref(), opts, &live, &mut |p| {
            url = p.url.clone()
        })
        .await
        {
            Ok(_) => break,
            // The cut, then possibly 423 while the server notices it.
            Err(e) if !e.is_permanent() && failures < 50 => {
                failures += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("upload failed: {e}"),
        }
    }
    assert_eq!(proxy.armed(), 0, "the cut at {offset} never fired");
    let wire = patched(proxy) - before;
    (wire - job.total, live.load(Ordering::Relaxed) - job.total)
}

pub async fn run(quick: bool) {
    let size: u64 = if quick { 8_000_000 } else { 32_000_000 };
    let cuts = if quick { 2 } else { 8 };
    let server = ChildServer::start();
    let proxy = Proxy::start(&server.url);
    let client = server.client_at(&proxy.url, "bench").await;
    let tmp = tempfile::tempdir().unwrap();
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let modes = [
        ("streamed (default)", UploadOptions::default()),
        (
            "checksummed 4 MiB chunks",
            UploadOptions {
                checksum: true,
                ..UploadOptions::default()
            },
        ),
    ];
    println!(
        "(b) bytes re-sent after a cut at a random offset ({} MB file, {cuts} cuts each; goal < 64 KiB)",
        size / 1_000_000
    );
    println!("    mode                       cut     wire mean / max       client mean / max");
    for (name, opts) in modes {
        for (cut_name, action) in [("close", Action::Close), ("reset", Action::Reset)] {
            let (mut wire, mut handed) = (Vec::new(), Vec::new());
            for _ in 0..cuts {
                let offset = size / 10 + rand() % (size * 8 / 10);
                let (path, sha) = noise_file(tmp.path(), "cut.bin", size as usize, rand());
                let job = UploadJob {
                    path: &path,
                    sha256: &sha,
                    content_type: "video/mp4",
                    clip_id: None,
                    total: size,
                };
                let (w, c) = cut_once(&client, &proxy, &job, &opts, offset, action).await;
                wire.push(w);
                handed.push(c);
            }
            let kib = |v: &[u64]| {
                format!(
                    "{:7.1} / {:7.1} KiB",
                    v.iter().sum::<u64>() as f64 / v.len() as f64 / 1024.0,
                    *v.iter().max().unwrap() as f64 / 1024.0
                )
            };
            println!(
                "    {name:<26} {cut_name:<6}  {}   {}",
                kib(&wire),
                kib(&handed)
            );
        }
    }
}

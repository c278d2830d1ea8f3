//! (c) Two devices make 1,000 tag edits each while offline, on the same 20
//! clips, then sync: A pushes its edits, B pushes its own and pulls A's,
//! A pulls B's. Timed per round; afterwards both devices must hold the
//! same tags on every clip (the merge is checked, not assumed).

use std::path::Path;
use std::time::Instant;

use debrief_library::{Library, MediaState, NewClip};
use debrief_protocol::{ClipId, Tag};
use debrief_sync::{NetworkKind, SyncEngine, SyncOptions};

use crate::server::{ChildServer, noise_file, timeouts};

const CLIPS: usize = 20;

fn options() -> SyncOptions {
    SyncOptions {
        network: Some(NetworkKind::Unmetered),
        timeouts: timeouts(),
        ..SyncOptions::default()
    }
}

async fn round(dir: &Path) -> (f64, debrief_sync::SyncReport) {
    let start = Instant::now();
    let report = SyncEngine::new(dir, options()).run_once().await.unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    (start.elapsed().as_secs_f64(), report)
}

/// `n` tag edits, one op each, in passes over the clips: every fourth pass
/// removes the tags the pass before it added, the others add new tags.
fn edit_offline(dir: &Path, clips: &[ClipId], n: usize, who: &str) {
    let mut lib = Library::open(dir).unwrap();
    for i in 0..n {
        let clip = clips[i % clips.len()];
        let tag = |k: usize| Tag::parse(&format!("{who}-{k}")).unwrap();
        if (i / clips.len()) % 4 == 3 {
            lib.tag(clip, &[], &[tag(i - clips.len())]).unwrap();
        } else {
            lib.tag(clip, &[tag(i)], &[]).unwrap();
        }
    }
}

fn tags(dir: &Path, clips: &[ClipId]) -> Vec<Vec<String>> {
    let lib = Library::open(dir).unwrap();
    clips
        .iter()
        .map(|c| {
            let mut t: Vec<String> = lib
                .clip(*c)
                .unwrap()
                .tags
                .iter()
                .map(|t| t.to_string())
                .collect();
            t.sort();
            t
        })
        .collect()
}

pub async fn run(quick: bool) {
    let edits = if quick { 200 } else { 1000 };
    let server = ChildServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (dir, name) in [(&a, "A"), (&b, "B")] {
        let code = server.invite();
        debrief_sync::join(dir, &server.url, &code, Some(name), name, timeouts())
            .await
            .unwrap();
    }
    // A's clips, with small real media so teammates can see them.
    let mut clips = Vec::new();
    {
        let mut lib = Library::open(&a).unwrap();
        for i in 0..CLIPS {
            let staging = lib.stage().unwrap();
            let (_, sha) = noise_file(
                staging.media_part().parent().unwrap(),
                &staging.media_part().file_name().unwrap().to_string_lossy(),
                4096,
                i as u64 + 1,
            );
            let new = NewClip {
                bytes: 4096,
                sha256: sha,
                media_state: MediaState::Ready,
                ..NewClip::debrief(format!("Call {i}"), time::OffsetDateTime::now_utc())
            };
            clips.push(lib.add_clip(staging, new).unwrap().id);
        }
    }
    round(&a).await;
    round(&b).await;

    edit_offline(&a, &clips, edits, "a");
    edit_offline(&b, &clips, edits, "b");
    let (t1, r1) = round(&a).await;
    let (t2, r2) = round(&b).await;
    let (t3, r3) = round(&a).await;
    assert_eq!(r1.pushed_ops as usize, edits);
    assert_eq!(r2.pushed_ops as usize, edits);
    let (ta, tb) = (tags(&a, &clips), tags(&b, &clips));
    assert_eq!(ta, tb, "the devices did not converge");
    let live: usize = ta.iter().map(Vec::len).sum();
    println!(
        "(c) 2 devices x {edits} offline tag edits on {CLIPS} clips, converged ({live} tags live on both)"
    );
    println!(
        "    A pushes {} ops: {:6.0} ms | B pushes {} and pulls {} clip changes: {:6.0} ms | A pulls {}: {:6.0} ms | total {:6.0} ms",
        r1.pushed_ops,
        t1 * 1e3,
        r2.pushed_ops,
        r2.pulled_changes,
        t2 * 1e3,
        r3.pulled_changes,
        t3 * 1e3,
        (t1 + t2 + t3) * 1e3
    );
    for dir in [&a, &b] {
        debrief_sync::leave(dir, true).await.unwrap();
    }
}

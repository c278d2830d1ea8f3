mod helpers;

use std::sync::atomic::{AtomicBool, Ordering};

use debrief_library::{ClipQuery, Library};
use helpers::*;

/// Readers in other connections keep working (no "busy" errors, always a
/// consistent count) while a writer adds clips, and two writers in
/// different connections serialise cleanly.
#[test]
fn readers_see_consistent_state_while_writers_add_clips() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    let done = AtomicBool::new(false);
    const PER_WRITER: usize = 40;
    std::thread::scope(|s| {
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let path = dir.path().to_path_buf();
                s.spawn(move || {
                    let mut lib = open(&path);
                    for i in 0..PER_WRITER {
                        add(
                            &mut lib,
                            &format!("writer {w} clip {i}"),
                            at(i as i64),
                            &["shared", &format!("w{w}")],
                            &vec![w as u8; 4096],
                        );
                    }
                })
            })
            .collect();
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let path = dir.path().to_path_buf();
                let done = &done;
                s.spawn(move || {
                    let lib = Library::open(&path).unwrap();
                    let mut last = 0;
                    let mut reads = 0;
                    while !done.load(Ordering::Relaxed) {
                        let n = lib.count().unwrap();
                        assert!(n >= last, "count went backwards: {last} -> {n}");
                        last = n;
                        // Every listed clip is complete: its file is in place.
                        for c in lib
                            .list(&ClipQuery {
                                text: Some("clip".into()),
                                ..ClipQuery::page(20, 0)
                            })
                            .unwrap()
                        {
                            assert!(c.media_path.unwrap().exists());
                            assert_eq!(c.tags.len(), 2);
                        }
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        for r in readers {
            assert!(r.join().unwrap() > 0);
        }
    });
    let lib = open(dir.path());
    assert_eq!(lib.count().unwrap(), 2 * PER_WRITER as u64);
    let counts = lib.tag_counts().unwrap();
    assert_eq!(counts[0].name, "shared");
    assert_eq!(counts[0].count, 2 * PER_WRITER as u64);
    // Two writers, one outbox: op HLCs are strictly increasing in outbox order.
    let ops = lib.outbox(10_000).unwrap();
    assert_eq!(ops.len(), 2 * PER_WRITER * 3);
    for pair in ops.windows(2) {
        assert!(pair[0].op.hlc < pair[1].op.hlc);
    }
}

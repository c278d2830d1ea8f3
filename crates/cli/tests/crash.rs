//! A `debrief import` killed with SIGKILL at random moments leaves no half
//! clip: after the next open the library has no clip for it and no stray
//! files anywhere in the data directory.

mod helpers;

use std::io::{Seek, SeekFrom, Write};
use std::time::{Duration, Instant};

use helpers::*;

/// A real, playable MP4 followed by a large (sparse) `free` box, so that
/// copying and hashing it takes long enough to be interrupted.
fn big_mp4(dir: &std::path::Path, free_bytes: u64) -> std::path::PathBuf {
    let path = ffmpeg_mp4(dir, "big.mp4", 1.0, &["-movflags", "+faststart"]);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    let size = 16 + free_bytes;
    // A 64-bit box: size 1, type, largesize.
    f.write_all(&1u32.to_be_bytes()).unwrap();
    f.write_all(b"free").unwrap();
    f.write_all(&size.to_be_bytes()).unwrap();
    let end = f.seek(SeekFrom::End(0)).unwrap() + free_bytes;
    f.set_len(end).unwrap();
    path
}

#[test]
fn killed_imports_leave_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let src = big_mp4(tmp.path(), 700 << 20);
    // The file is accepted when nothing interrupts the import.
    let id = debrief(&data, &["import", src.to_str().unwrap()])
        .ok()
        .last_line()
        .to_string();
    debrief(&data, &["delete", &id]).ok();

    let mut seed = 0x5eed_u64 ^ std::process::id() as u64;
    let mut kills = 0;
    for round in 0..4 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(30 + seed % 400);
        let mut child = debrief_cmd(&data)
            .arg("import")
            .arg(&src)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while start.elapsed() < delay {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let still_running = child.try_wait().unwrap().is_none();
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        if !still_running {
            // Finished before the kill: fine, but it must be a whole clip.
            let list = debrief(&data, &["list", "--json"]).ok().json();
            for c in list.as_array().unwrap() {
                let media = std::path::PathBuf::from(c["media_path"].as_str().unwrap());
                assert_eq!(
                    std::fs::metadata(&media).unwrap().len(),
                    std::fs::metadata(&src).unwrap().len()
                );
                debrief(&data, &["delete", c["id"].as_str().unwrap()]).ok();
            }
            continue;
        }
        kills += 1;
        // Opening the library again (any command) cleans up after the dead import.
        let list = debrief(&data, &["list", "--json"]).ok().json();
        assert_eq!(
            list.as_array().unwrap().len(),
            0,
            "round {round}: a killed import left a clip"
        );
        let left = files_under(&data);
        assert!(
            left.is_empty(),
            "round {round} (killed after {delay:?}): files left behind: {left:?}"
        );
    }
    assert!(
        kills >= 2,
        "the import finished before most kills; make the file bigger"
    );
}
